"""`gdsim derive EXPR`: derivatives, the gradient at a point and the hiker's reading of the slope."""

from __future__ import annotations

from dataclasses import dataclass


from gdsim.cli.common import Exit, check_format
from gdsim.render.machine import dumps, print_get, write
from gdsim.i18n import tr
from gdsim.cli.options import argument, config_option, option, typer_callback


@dataclass(frozen=True)
class Options:
    expression: str | None = argument("The function, e.g. \"x**2 + y**2\" or \"(1-x)^2 + 100(y-x^2)^2\".")
    at: str | None = option("--at", help="A point: x=1,y=2 (named), 1,2 (in variable order) or 3 (every variable).")
    wrt: str | None = option("--wrt", help="Only the partial derivative with respect to this variable.")
    hessian: bool = option("--hessian", default=False, help="Second derivatives; at a point: eigenvalues, curvature, largest stable learning rate.")
    steps: bool = option("--steps", default=False, help="The derivation, rule by rule.")
    check: bool = option("--check", default=False, help="Compare the gradient at --at with central finite differences.")
    format: str = option("--format", "-f", default="text", help="text (default), json or latex.")
    get: str | None = option("--get", help="Print values of the JSON document, one per line, e.g. gradient_value.x (several: a,b).")
    preset: str | None = option("--preset", help="A named classic function (see `gdsim presets`).")
    config: str | None = config_option()
    lang: str | None = option("--lang", help="Language of the explanations: en or ko.")
    dim: int | None = option("--dim", help="Vector mode: the variable is a vector of this many components.")


def register(app: "typer.Typer", only: str | None = None) -> None:
    app.command("derive")(typer_callback(Options, "derive", derive, "Derivatives, the gradient at a point and which way is downhill."))


def derive(opts: Options, source: dict[str, str]) -> None:
    from gdsim.errors import OptionError

    fmt = "json" if opts.get else check_format(opts.format, ("text", "json", "latex"))
    if not opts.expression:
        raise OptionError(tr("give a function, e.g. gdsim derive \"x**2 + y**2\" --at x=1,y=2 (or --preset NAME)"))

    from gdsim.engine import derive as core
    from gdsim.cli.options import load_function
    from gdsim.expr.points import parse_point

    function = load_function(opts.expression, opts.dim)
    point = parse_point(str(opts.at), function.variables, option="--at", vector=function.is_vector) if opts.at is not None else None
    vector = function.is_vector
    if vector:
        if opts.wrt or opts.steps or fmt == "latex":
            raise OptionError(tr("--wrt, --steps and --format latex need named variables; they are not available with --dim"))
        doc = core.compute_vector(function, at=point, hessian=opts.hessian, check=opts.check)
    else:
        doc = core.compute(function, at=point, wrt=opts.wrt, hessian=opts.hessian, check=opts.check)
    if opts.steps:
        doc["derivation"] = core.derivation_doc(function, list(doc["gradient"]))
    if opts.get:
        print_get(doc, opts.get)
    elif fmt == "json":
        write(dumps(doc))
    elif fmt == "latex":
        from gdsim.render.derive_latex import render_latex

        write(render_latex(doc, function))
    else:
        from gdsim.render.console import make_console
        from gdsim.render.derive_text import render, render_vector

        console = make_console()
        for item in (render_vector if vector else render)(doc, function, steps=opts.steps):
            console.print(item)
    raise Exit(0)
