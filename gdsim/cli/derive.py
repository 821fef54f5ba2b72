"""`gdsim derive EXPR`: derivatives, the gradient at a point and the hiker's reading of the slope."""

from __future__ import annotations

from typing import Optional

import typer

from gdsim.cli.common import Exit, check_format, dumps, print_get, write
from gdsim.i18n import tr
from gdsim.cli.options import merge

SCHEMA = {
    "expression": str, "at": str, "wrt": str, "hessian": bool, "steps": bool, "check": bool,
    "format": str, "get": str, "lang": str, "preset": str, "dim": int,
}
def register(app: typer.Typer, only: str | None = None) -> None:
    app.command("derive")(derive)


DEFAULTS = {"hessian": False, "steps": False, "check": False, "format": "text"}


def derive(
    expression: Optional[str] = typer.Argument(None, help="The function, e.g. \"x**2 + y**2\" or \"(1-x)^2 + 100(y-x^2)^2\".", show_default=False),
    at: Optional[str] = typer.Option(None, "--at", help="A point: x=1,y=2 (named), 1,2 (in variable order) or 3 (every variable).", show_default=False),
    wrt: Optional[str] = typer.Option(None, "--wrt", help="Only the partial derivative with respect to this variable.", show_default=False),
    hessian: Optional[bool] = typer.Option(None, "--hessian", help="Second derivatives; at a point: eigenvalues, curvature, largest stable learning rate.", show_default=False),
    steps: Optional[bool] = typer.Option(None, "--steps", help="The derivation, rule by rule.", show_default=False),
    check: Optional[bool] = typer.Option(None, "--check", help="Compare the gradient at --at with central finite differences.", show_default=False),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="text (default), json or latex.", show_default=False),
    get: Optional[str] = typer.Option(None, "--get", help="Print one value of the JSON document, e.g. gradient_value.x.", show_default=False),
    preset: Optional[str] = typer.Option(None, "--preset", help="A named classic function (see `gdsim presets`).", show_default=False),
    config: Optional[str] = typer.Option(None, "--config", help="Read options from a TOML lab file (the command line wins).", show_default=False),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the explanations: en or ko.", show_default=False),
    dim: Optional[int] = typer.Option(None, "--dim", help="Vector mode: the variable is a vector of this many components.", show_default=False),
) -> None:
    """Derivatives, the gradient at a point and which way is downhill."""
    from gdsim.cli.options import setup_language
    from gdsim.errors import OptionError

    given = dict(expression=expression, at=at, wrt=wrt, hessian=hessian, steps=steps, check=check,
                 format=format, get=get, preset=preset, lang=lang, dim=dim)
    setup_language(lang)  # errors in the options themselves are explained in the chosen language
    opts, source = merge("derive", given, SCHEMA, DEFAULTS, config)
    setup_language(opts["lang"])
    fmt = "json" if opts["get"] else check_format(opts["format"], ("text", "json", "latex"))
    if not opts["expression"]:
        raise OptionError(tr("give a function, e.g. gdsim derive \"x**2 + y**2\" --at x=1,y=2 (or --preset NAME)"))

    from gdsim.engine import derive as core
    from gdsim.cli.options import load_function
    from gdsim.expr.points import parse_point

    function = load_function(opts["expression"], opts["dim"])
    point = parse_point(str(opts["at"]), function.variables, option="--at") if opts["at"] is not None else None
    vector = opts["dim"] is not None
    if vector:
        if opts["wrt"] or opts["steps"] or fmt == "latex":
            raise OptionError(tr("--wrt, --steps and --format latex need named variables; they are not available with --dim"))
        doc = core.compute_vector(function, at=point, hessian=opts["hessian"], check=opts["check"])
    else:
        doc = core.compute(function, at=point, wrt=opts["wrt"], hessian=opts["hessian"], check=opts["check"])
    if opts["steps"]:
        doc["derivation"] = core.derivation_doc(function, list(doc["gradient"]))
    if opts["get"]:
        print_get(doc, opts["get"])
    elif fmt == "json":
        write(dumps(doc))
    elif fmt == "latex":
        from gdsim.render.derive_latex import render_latex

        write(render_latex(doc, function))
    else:
        from gdsim.cli.common import make_console
        from gdsim.render.derive_text import render, render_vector

        console = make_console()
        for item in (render_vector if vector else render)(doc, function, steps=opts["steps"]):
            console.print(item)
    raise Exit(0)
