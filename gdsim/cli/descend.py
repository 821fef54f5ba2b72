"""`gdsim descend EXPR`: run an optimizer from a start point and stream every step.

The command resolves options (command line > --config > --preset > defaults), builds one run
per (optimizer, learning rate) combination, and feeds the engine's records to one sink per
output format. Exit code: 0 converged, 3 max_steps, 4 diverged, 130 interrupted.
"""

from __future__ import annotations

import math
from typing import Optional

import typer

from gdsim.cli.common import Exit, check_format, check_plot_path
from gdsim.i18n import tr
from gdsim.cli.options import merge
from gdsim.labs.config import NUMBERS

SCHEMA = {
    "expression": str, "start": str, "optimizer": str, "lr": NUMBERS, "momentum": float, "alpha": float,
    "beta1": float, "beta2": float, "eps": float, "tol": float, "ftol": float, "max_steps": int,
    "bound": float, "every": int, "delay": float, "plot": bool, "format": str, "get": str, "lang": str,
    "preset": str, "save_plot": str, "dim": int,
}
DEFAULTS = {"optimizer": "gd", "tol": 1e-6, "ftol": 0.0, "max_steps": 1000, "bound": 1e8, "every": 1,
            "delay": 0.0, "plot": True, "format": "text"}


def register(app: typer.Typer, only: str | None = None) -> None:
    app.command("descend")(descend)


def descend(
    expression: Optional[str] = typer.Argument(None, help="The function to walk down, e.g. \"x**2 + y**2\".", show_default=False),
    start: Optional[str] = typer.Option(None, "--start", help="Start point: x=1,y=-2, 1,-2 or 3 for every variable (default: 1 for every variable).", show_default=False),
    optimizer: Optional[str] = typer.Option(None, "--optimizer", "-o", help="gd (default), momentum, nesterov, adagrad, rmsprop, adam; a comma list compares them.", show_default=False),
    lr: Optional[str] = typer.Option(None, "--lr", help="Learning rate (the stride); a comma list compares them. Default 0.1 for gd/momentum/nesterov, else torch's.", show_default=False),
    momentum: Optional[float] = typer.Option(None, "--momentum", help="Momentum μ for momentum and nesterov (default 0.9).", show_default=False),
    alpha: Optional[float] = typer.Option(None, "--alpha", help="RMSprop's smoothing constant (default 0.99).", show_default=False),
    beta1: Optional[float] = typer.Option(None, "--beta1", help="Adam's β1 (default 0.9).", show_default=False),
    beta2: Optional[float] = typer.Option(None, "--beta2", help="Adam's β2 (default 0.999).", show_default=False),
    eps: Optional[float] = typer.Option(None, "--eps", help="ε of adagrad (1e-10), rmsprop and adam (1e-8).", show_default=False),
    tol: Optional[float] = typer.Option(None, "--tol", help="Converged when ‖∇f‖ ≤ tol (default 1e-6).", show_default=False),
    ftol: Optional[float] = typer.Option(None, "--ftol", help="When > 0, also converged when |f(k) - f(k-1)| ≤ ftol.", show_default=False),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Stop after this many updates (default 1000).", show_default=False),
    bound: Optional[float] = typer.Option(None, "--bound", help="Diverged when a coordinate goes beyond this (default 1e8).", show_default=False),
    every: Optional[int] = typer.Option(None, "--every", help="Show and record every Nth step (the first and last always).", show_default=False),
    delay: Optional[float] = typer.Option(None, "--delay", help="Seconds to wait after each shown step (a paced demonstration).", show_default=False),
    plot: Optional[bool] = typer.Option(None, "--plot/--no-plot", help="Draw plots after the run (default on).", show_default=False),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="text (default), json, ndjson or csv.", show_default=False),
    get: Optional[str] = typer.Option(None, "--get", help="Print one value of the JSON document, e.g. result.point.x.", show_default=False),
    preset: Optional[str] = typer.Option(None, "--preset", help="A named classic function with its suggested start and settings.", show_default=False),
    config: Optional[str] = typer.Option(None, "--config", help="Read options from a TOML lab file (the command line wins).", show_default=False),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the explanations: en or ko.", show_default=False),
    save_plot: Optional[str] = typer.Option(None, "--save-plot", help="Also write the plots to this file (.txt, or .html).", show_default=False),
    dim: Optional[int] = typer.Option(None, "--dim", help="Vector mode: the variable is a vector of this many components (x[0], x[1:], sum, dot, ...).", show_default=False),
) -> None:
    """Walk downhill: run gradient descent (or momentum, nesterov, adagrad, rmsprop, adam) step by step."""
    from gdsim.cli.options import setup_language
    from gdsim.errors import OptionError

    given = dict(expression=expression, start=start, optimizer=optimizer, lr=lr, momentum=momentum, alpha=alpha,
                 beta1=beta1, beta2=beta2, eps=eps, tol=tol, ftol=ftol, max_steps=max_steps, bound=bound,
                 every=every, delay=delay, plot=plot, format=format, get=get, preset=preset, lang=lang,
                 save_plot=save_plot, dim=dim)
    setup_language(lang)  # errors in the options themselves are explained in the chosen language
    opts, source = merge("descend", given, SCHEMA, DEFAULTS, config)
    setup_language(opts["lang"])
    fmt = "json" if opts["get"] else check_format(opts["format"], ("text", "json", "ndjson", "csv"))
    check_plot_path(opts["save_plot"])
    if not opts["expression"]:
        raise OptionError(tr("give a function, e.g. gdsim descend \"x**2 + y**2\" --lr 0.1 (or --preset NAME)"))
    if opts["every"] < 1:
        raise OptionError(tr("--every must be a whole number >= 1, got {value}", value=opts['every']))
    if not (math.isfinite(opts["delay"]) and 0 <= opts["delay"] <= 60):
        raise OptionError(tr("--delay must be between 0 and 60 seconds, got {value}", value=opts['delay']))

    from gdsim.engine.descend import check_settings
    from gdsim.optim import make_optimizer
    from gdsim.expr.points import parse_number, parse_point

    from gdsim.cli.options import load_function

    function = load_function(opts["expression"], opts["dim"])
    settings = check_settings(opts["tol"], opts["ftol"], opts["max_steps"], opts["bound"])
    if opts["start"] is not None:
        start_point = parse_point(str(opts["start"]), function.variables, option="--start")
    else:
        import numpy as np

        start_point = np.ones(function.dimension)
    names = [n.strip() for n in str(opts["optimizer"]).split(",")]
    lrs = [None] if opts["lr"] is None else [parse_number(x, "--lr") for x in str(opts["lr"]).split(",")]
    hyper = {k: opts[k] for k in ("momentum", "alpha", "beta1", "beta2", "eps")}
    optimizers = [make_optimizer(name, lr=rate, **hyper) for name in names for rate in lrs]

    preset_obj = None
    if opts["preset"]:
        from gdsim.labs.presets import get_preset

        preset_obj = get_preset(opts["preset"])
    header_notes = []
    if source.get("start") == "default":
        header_notes.append("no --start given: every variable starts at 1")

    from gdsim.cli.descend_run import execute

    code = execute(function, start_point, optimizers, settings, fmt=fmt, every=opts["every"], delay=opts["delay"],
                   plot=opts["plot"], get=opts["get"], save_plot=opts["save_plot"], preset=preset_obj,
                   start_source=source.get("start", "default"), notes=header_notes)
    raise Exit(code)
