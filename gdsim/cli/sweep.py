"""`gdsim sweep EXPR`: descend once per value of one hyper-parameter, all from the same start, and
show how the outcome depends on it (the lecture's "stride too small, right, too large").

Its options are descend's, declared there once: the ones that apply are taken over as they are,
and the hyper-parameters (lr, momentum, beta1, ...) also accept a range A:B:N or a comma list, of
which exactly one must be given. Exit code: 0 when the sweep ran, 2 for bad input.
"""

from __future__ import annotations

import dataclasses
import typing

import typer

from gdsim.cli import descend as _descend
from gdsim.cli.common import Exit, check_format, check_plot_path
from gdsim.cli.options import VALUES, option, typer_callback
from gdsim.i18n import tr
from gdsim.optim import HYPER_PARAMETERS

# descend's options that mean the same here; its per-step display (--every, --delay) does not apply.
SHARED = ("expression", "start", "optimizer", "tol", "ftol", "max_steps", "bound", "plot", "format", "get",
          "preset", "config", "lang", "save_plot", "dim", "schedule", "line_search")
SWEPT = ("lr", *HYPER_PARAMETERS)
# (FROM:TO:N, not A:B:N, in --help: its renderer reads ":B:" as an emoji code)
SWEEP_HELP = " Sweep it: FROM:TO:N (N values; --log spaces them geometrically) or a comma list."
# descend's help where it would say something untrue of a sweep
HELP = {
    "optimizer": "The optimizer of every run, one of descend's (default gd); not a list.",
    "format": "text (default), json or csv (one row per value).",
    "get": "Print one value of the JSON document, e.g. lr_limit or runs.0.steps.",
}


def _options_class():
    """sweep's Options: descend's declarations, the hyper-parameters widened to ranges, and --log."""
    hints = typing.get_type_hints(_descend.Options)
    own = {f.name: f for f in dataclasses.fields(_descend.Options)}
    fields = []
    for name in (*SHARED[:3], *SWEPT, *SHARED[3:]):
        f = own[name]
        if name in SWEPT:
            d = f.metadata["option"]
            help_text = d.help.split(";")[0].rstrip(".") + "." + SWEEP_HELP
            fields.append((name, str | None, option(*d.flags, kind=VALUES, help=help_text)))
        elif name in HELP:
            d = f.metadata["option"]
            fields.append((name, hints[name], option(*d.flags, default=f.default, kind=d.kind, in_file=d.in_file, help=HELP[name])))
        else:
            fields.append((name, hints[name], dataclasses.field(default=f.default, metadata=f.metadata)))
    fields.append(("log", bool, option("--log/--linear", default=False,
                                       help="Space a range FROM:TO:N geometrically (for learning rates over decades).")))
    cls = dataclasses.make_dataclass("Options", fields, frozen=True)
    cls.__module__ = __name__
    return cls


Options = _options_class()
# Hyper-parameters descend declares as whole numbers: a swept 5.0 reaches the optimizer as 5.
WHOLE = {name for name, kind in typing.get_type_hints(_descend.Options).items()
         if name in SWEPT and int in (typing.get_args(kind) or (kind,))}

DOC = "Steps to converge (or diverge) against the learning rate or another hyper-parameter, one descend per value."


def register(app: typer.Typer, only: str | None = None) -> None:
    app.command("sweep")(typer_callback(Options, "sweep", sweep, DOC))


def sweep(opts, source: dict[str, str]) -> None:
    from gdsim.errors import OptionError

    fmt = "json" if opts.get else check_format(opts.format, ("text", "json", "csv"))
    check_plot_path(opts.save_plot, {"--config": opts.config})
    if not opts.expression:
        raise OptionError(tr("give a function, e.g. gdsim sweep \"x^2\" --start 3 --lr 0.1:1.1:11 (or --preset NAME)"))
    if "," in str(opts.optimizer):
        raise OptionError(tr("--optimizer: a sweep runs one optimizer, got '{value}'; sweep a hyper-parameter instead",
                             value=opts.optimizer))

    from gdsim.cli.options import load_function
    from gdsim.engine import sweep as engine
    from gdsim.engine.descend import check_optimizer, check_settings
    from gdsim.expr.points import parse_number, parse_point
    from gdsim.optim import check_line_search, make_optimizer, uses_line_search

    name = str(opts.optimizer).strip().lower()
    make_optimizer(name)  # an unknown optimizer is refused before the values are read
    search = check_line_search(opts.line_search)
    if not uses_line_search(name, search):
        raise OptionError(tr("--line-search {search} works with {owner} only, not with {names}", search=search,
                             owner="gd" if search == "armijo" else "lbfgs", names=name))
    parameter = _swept_parameter(opts, name)
    flag = "--" + parameter.replace("_", "-")
    values = [_whole(parameter, v) for v in engine.values(_text(getattr(opts, parameter)), flag, log=opts.log)]
    fixed = {p: _whole(p, parse_number(_text(getattr(opts, p)), "--" + p.replace("_", "-")))
             for p in SWEPT if p != parameter and getattr(opts, p) is not None}
    optimizers = [make_optimizer(name, schedule=opts.schedule, line_search=search, **{**fixed, parameter: v})
                  for v in values]  # every value checked before any run

    function = load_function(opts.expression, opts.dim)
    settings = check_settings(opts.tol, opts.ftol, opts.max_steps, opts.bound)
    check_optimizer(function, optimizers[0])
    if opts.start is not None:
        start = parse_point(str(opts.start), function.variables, option="--start", vector=function.is_vector)
    else:
        import numpy as np

        start = np.ones(function.dimension)

    import signal

    from gdsim.cli.descend_run import _on_sigterm

    signal.signal(signal.SIGTERM, _on_sigterm)  # SIGTERM as Ctrl-C: what ran so far, then exit 130
    runs = []
    stopped = None
    try:
        for run in engine.sweep(function, start, optimizers, values, settings):
            runs.append(run)
    except KeyboardInterrupt as stop:
        stopped = stop
    if stopped is not None and not runs:
        _interrupted(stopped, 0, len(values))
    limit = engine.lr_limit(function, start, name)

    from gdsim.render import sweep_formats

    doc = sweep_formats.document(function, start, source.get("start", "default"), optimizers[0], parameter,
                                 values, runs, limit, settings, opts.log)
    if opts.get:
        sweep_formats.print_get(doc, opts.get)
    elif fmt == "json":
        sweep_formats.write_json(doc)
    elif fmt == "csv":
        sweep_formats.write_csv(doc)
    else:
        from gdsim.render.sweep_text import show

        show(doc, function, plot_wanted=opts.plot)
    if opts.save_plot:
        from gdsim.render.sweep_text import save_plot

        save_plot(doc, opts.save_plot)
    if stopped is not None:
        _interrupted(stopped, len(runs), len(values))
    raise Exit(0)


def _interrupted(stop: KeyboardInterrupt, done: int, total: int) -> None:
    import sys

    from gdsim.cli.descend_run import Terminated

    if isinstance(stop, Terminated):
        sys.stderr.write(tr("terminated (SIGTERM) after {n} of {total} values", n=done, total=total) + "\n")
    else:
        sys.stderr.write(tr("interrupted by Ctrl-C after {n} of {total} values", n=done, total=total) + "\n")
    raise Exit(130)


def _swept_parameter(opts, optimizer: str) -> str:
    """The one hyper-parameter given a range or list, checked to be one the optimizer uses."""
    from gdsim.errors import OptionError
    from gdsim.engine.sweep import is_sweep
    from gdsim.optim import SPECS

    swept = [p for p in SWEPT if is_sweep(_text(getattr(opts, p)))]
    if not swept:
        flags = ", ".join("--" + p.replace("_", "-") for p in SWEPT)
        raise OptionError(tr("give the values to sweep for one hyper-parameter, e.g. --lr 0.1:1.1:11 (a range A:B:N) or --lr 0.1,0.5,0.9 (one of {flags})", flags=flags))
    if len(swept) > 1:
        flags = ", ".join("--" + p.replace("_", "-") for p in swept)
        raise OptionError(tr("exactly one hyper-parameter is swept; several have a range or list: {flags}", flags=flags))
    parameter = swept[0]
    if parameter != "lr" and parameter not in {h.name for h in SPECS[optimizer].hyper}:
        users = ", ".join(n for n, spec in SPECS.items() if parameter in {h.name for h in spec.hyper})
        raise OptionError(tr("{flag}: {optimizer} does not use it, so sweeping it changes nothing; optimizers that do: {users}",
                             flag="--" + parameter.replace("_", "-"), optimizer=optimizer, users=users))
    return parameter


def _whole(parameter: str, value: float):
    return int(value) if parameter in WHOLE and float(value).is_integer() else value


def _text(value) -> str | None:
    """An option's value as its command-line text (a preset or lab file may give a number)."""
    return None if value is None else str(value)
