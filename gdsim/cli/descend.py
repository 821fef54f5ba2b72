"""`gdsim descend EXPR`: run an optimizer from a start point and stream every step.

The command resolves its options, builds one run per (optimizer, learning rate) combination, and
hands them to the runner that feeds each output format. Exit code: 0 converged, 3 max_steps,
4 diverged, 130 interrupted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


from gdsim.cli.common import Exit, check_format, check_plot_path
from gdsim.cli.options import NUMBERS, argument, config_option, option, typer_callback
from gdsim.i18n import tr


@dataclass(frozen=True)
class Options:
    expression: str | None = argument("The function to walk down, e.g. \"x**2 + y**2\".")
    start: str | None = option("--start", help="Start point: x=1,y=-2, 1,-2 or 3 for every variable (default: 1 for every variable).")
    optimizer: str = option("--optimizer", "-o", default="gd", help="gd (default), momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam, adadelta, adamax, lion, newton, lbfgs; a comma list compares them.")
    lr: str | None = option("--lr", kind=NUMBERS, help="Learning rate (the stride); a comma list compares them. Default 0.1 for gd/momentum/nesterov, else torch's.")
    momentum: float | None = option("--momentum", help="Momentum μ for momentum and nesterov (default 0.9).")
    alpha: float | None = option("--alpha", help="RMSprop's smoothing constant (default 0.99).")
    beta1: float | None = option("--beta1", help="Adam's β1 (default 0.9).")
    beta2: float | None = option("--beta2", help="Adam's β2 (default 0.999).")
    eps: float | None = option("--eps", help="ε of adagrad (1e-10), adadelta (1e-6), rmsprop and the adam family (1e-8).")
    weight_decay: float | None = option("--weight-decay", help="Weight decay of adamw (1e-2), lion (1e-3), nadam, radam, adadelta, adamax (0).")
    momentum_decay: float | None = option("--momentum-decay", help="NAdam's momentum decay ψ (default 4e-3).")
    rho: float | None = option("--rho", help="Adadelta's ρ (default 0.9).")
    history: int | None = option("--history", help="How many (s, y) pairs lbfgs keeps (default 100).")
    line_search: str | None = option("--line-search", help="none (default), armijo (for gd: halve the stride until f falls enough) or strong_wolfe (for lbfgs, as torch's).")
    schedule: str | None = option("--schedule", help="The lr schedule, NAME[:key=value,...]: constant (default), step, multistep, exponential, cosine, cosine_restarts, linear, polynomial.")
    tol: float = option("--tol", default=1e-6, help="Converged when ‖∇f‖ ≤ tol (default 1e-6).")
    ftol: float = option("--ftol", default=0.0, help="When > 0, also converged when |f(k) - f(k-1)| ≤ ftol.")
    max_steps: int = option("--max-steps", default=1000, help="Stop after this many updates (default 1000).")
    bound: float = option("--bound", default=1e8, help="Diverged when a coordinate goes beyond this (default 1e8).")
    every: int = option("--every", default=1, help="Show and record every Nth step (the first and last always).")
    delay: float = option("--delay", default=0.0, help="Seconds to wait after each shown step (a paced demonstration).")
    pause: bool = option("--pause", default=False, help="Wait for Enter after each shown step (only when stdin is a terminal).")
    plot: bool = option("--plot/--no-plot", default=True, help="Draw plots after the run (default on).")
    format: str = option("--format", "-f", default="text", help="text (default), json, ndjson or csv.")
    get: str | None = option("--get", help="Print values of the JSON document, one per line, e.g. result.point.x (several: a,b).")
    preset: str | None = option("--preset", help="A named classic function with its suggested start and settings.")
    config: str | None = config_option()
    lang: str | None = option("--lang", help="Language of the explanations: en or ko.")
    save_plot: str | None = option("--save-plot", help="Also write the plots to this file: .txt, .html, or a figure .svg/.png (needs matplotlib).")
    window: str | None = option("--window", help="The plot's window: x=-2:2 for a curve, x=-2:2,y=-1:3 for a map (default: start, path and nearest minimum).")
    map: str = option("--map", default="lines", help="How a map of two variables shows f: lines (level curves, default) or shade (bands).")
    dim: int | None = option("--dim", help="Vector mode: the variable is a vector of this many components (x[0], x[1:], sum, dot, ...).")


def register(app: "typer.Typer", only: str | None = None) -> None:
    app.command("descend")(typer_callback(Options, "descend", descend, DOC))


DOC = "Walk downhill: run gradient descent (or momentum, adam, newton, lbfgs, ...) step by step."


def descend(opts: Options, source: dict[str, str]) -> None:
    from gdsim.errors import GdsimError, OptionError

    fmt = "json" if opts.get else check_format(opts.format, ("text", "json", "ndjson", "csv"))
    check_plot_path(opts.save_plot, {"--config": opts.config})
    if not opts.expression:
        raise OptionError(tr("give a function, e.g. gdsim descend \"x**2 + y**2\" --lr 0.1 (or --preset NAME)"))
    if opts.every < 1:
        raise OptionError(tr("--every must be a whole number >= 1, got {value}", value=opts.every))
    if not (math.isfinite(opts.delay) and 0 <= opts.delay <= 60):
        raise OptionError(tr("--delay must be between 0 and 60 seconds, got {value}", value=opts.delay))

    from gdsim.cli.options import load_function
    from gdsim.engine.descend import check_optimizer, check_settings
    from gdsim.expr.points import parse_number, parse_point
    from gdsim.optim import HYPER_PARAMETERS, check_line_search, make_optimizer, uses_line_search

    function = load_function(opts.expression, opts.dim)
    from gdsim.render.scene import View, check_map_style, check_window_names, parse_window

    window = parse_window(opts.window, function.variables)
    check_window_names(window, function.variables)
    view = View(window, check_map_style(opts.map))
    settings = check_settings(opts.tol, opts.ftol, opts.max_steps, opts.bound)
    if opts.start is not None and source.get("start") == "preset" and source.get("expression") != "preset":
        # The preset's start belongs to the preset's function, not to the one given here.
        try:
            start_point = parse_point(str(opts.start), function.variables, option="--start", vector=function.is_vector)
        except GdsimError:
            message = ("--preset {name} brings a start for its own function ({start}), which does not fit this function's "
                       "variables {names}; give --start, or leave out the function")
            raise OptionError(tr(message, name=opts.preset, start=opts.start, names=", ".join(function.variables))) from None
    elif opts.start is not None:
        start_point = parse_point(str(opts.start), function.variables, option="--start", vector=function.is_vector)
    else:
        import numpy as np

        start_point = np.ones(function.dimension)
    names = [n.strip() for n in str(opts.optimizer).split(",")]
    lrs = [None] if opts.lr is None else [parse_number(x, "--lr") for x in str(opts.lr).split(",")]
    hyper = {k: getattr(opts, k) for k in HYPER_PARAMETERS}
    search = check_line_search(opts.line_search)
    if not any(uses_line_search(name, search) for name in names):
        raise OptionError(tr("--line-search {search} works with {owner} only, not with {names}", search=search,
                             owner="gd" if search == "armijo" else "lbfgs", names=", ".join(names)))
    optimizers = [make_optimizer(name, lr=rate, schedule=opts.schedule, line_search=search, **hyper)
                  for name in names for rate in lrs]
    for optimizer in optimizers:
        check_optimizer(function, optimizer)

    if fmt == "json":
        _check_json_size(settings.max_steps, opts.every, function.dimension, len(optimizers))

    preset_obj = None
    if opts.preset:
        from gdsim.labs.presets import get_preset

        preset_obj = get_preset(opts.preset)
    from gdsim.cli.descend_run import execute

    code = execute(function, start_point, optimizers, settings, fmt=fmt, every=opts.every, delay=opts.delay, pause=opts.pause,
                   plot=opts.plot, get=opts.get, save_plot=opts.save_plot, preset=preset_obj,
                   start_source=source.get("start", "default"), view=view)
    raise Exit(code)


#: One JSON document holds every recorded step in memory before it is written; beyond this many
#: numbers (up to about 800 MB while the document is built) a streaming format or fewer recorded
#: steps is asked for instead.
MAX_JSON_NUMBERS = 4_000_000


def _check_json_size(max_steps: int, every: int, dimension: int, runs: int) -> None:
    from gdsim.errors import OptionError

    rows = max_steps // every + 2  # every Nth step, the first and the last
    numbers = rows * dimension * 3 * runs  # point, gradient and update of each recorded step
    if numbers > MAX_JSON_NUMBERS:
        message = ("--format json would hold up to {n} numbers ({rows} recorded steps of {dim} coordinates); the limit is "
                   "{limit}: use --format ndjson or csv (streamed), a larger --every, or a smaller --max-steps")
        raise OptionError(tr(message, n=f"{numbers:,}", rows=f"{rows:,}", dim=f"{dimension:,}", limit=f"{MAX_JSON_NUMBERS:,}"))
