"""Running descend's runs and feeding each output format (text, json, ndjson, csv) from the engine's stream.

Only recorded steps (every Nth, the first and the last) are kept, so a million-step run in
JSON mode holds only what it will print.
"""

from __future__ import annotations

import csv
import json
import math
import signal
import sys

import numpy as np

from gdsim.cli.common import (color_wanted, dumps, json_safe, make_console, number_text, print_get, stdout_is_terminal,
                              terminal_width, write)
from gdsim.engine.descend import Reason, Result, Settings, Step, run
from gdsim.expr.function import Function
from gdsim.i18n import tr
from gdsim.expr.printing import plain


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the summary so far, then exit."""


def _on_sigterm(signum, frame):
    raise Terminated()


def named(names, values):
    """{name: number} for a point; a plain list for a vector variable (its names are x[0], x[1], ...)."""
    if names and names[0].endswith("[0]"):
        return np.asarray(values, dtype=float).tolist()  # a vector may have a million components
    return {v: float(x) for v, x in zip(names, values)}


def function_text(function) -> str:
    """The function as JSON carries it: gdsim's plain form, or the text itself in vector mode."""
    return function.text if function.expr is None else plain(function.expr)


def header_doc(function: Function, start, optimizer, settings: Settings, start_source: str) -> dict:
    return {
        "function": function_text(function),
        "input": function.text,
        "variables": list(function.variables),
        "optimizer": {"name": optimizer.name, **optimizer.hyper},
        "start": named(function.variables, start),
        "start_source": start_source,
        "tol": settings.tol,
        "ftol": settings.ftol,
        "max_steps": settings.max_steps,
        "bound": settings.bound,
    }


def step_doc(s: Step, names) -> dict:
    return {
        "step": s.step,
        "point": named(names, s.point),
        "value": float(s.value),
        "gradient": named(names, s.gradient),
        "gradient_norm": float(s.gradient_norm),
        "update": named(names, s.update) if s.update is not None else None,
    }


def result_doc(r: Result, names, preset=None) -> dict:
    doc = {
        "status": r.status,
        "reason": str(r.reason),
        "steps": r.steps,
        "point": named(names, r.point),
        "value": float(r.value),
        "gradient_norm": float(r.gradient_norm),
    }
    near = nearest(preset, doc["point"])
    if near is not None:
        minimum, distance = near
        doc["nearest_minimum"] = {"point": dict(minimum.point), "value": minimum.value, "distance": distance}
    return doc


def nearest(preset, point: dict):
    """The preset's known minimum nearest to `point`, or None (no preset, or another function's variables)."""
    if preset is None or not preset.minima or not isinstance(point, dict) or set(point) != set(preset.start):
        return None
    from gdsim.labs.presets import nearest_minimum

    return nearest_minimum(preset, point)


def _recorded(s: Step, every: int) -> bool:
    return s.step % every == 0 or s.update is None


def _walk(function, start, optimizer, settings, every, on_step, on_each=None):
    """Run one walk, calling on_step for each recorded step (and on_each for every step, for the plots);
    returns the Result (interrupted on Ctrl-C)."""
    last = None
    try:
        for rec in run(function, start, optimizer, settings):
            if isinstance(rec, Result):
                return rec, None
            last = rec
            if on_each is not None:
                on_each(rec)
            if _recorded(rec, every):
                on_step(rec)
    except KeyboardInterrupt as stop:
        if last is None:
            raise
        if last.update is not None and not _recorded(last, every):
            on_step(Step(last.step, last.point, last.value, last.gradient, last.gradient_norm, None))
        why = "terminated (SIGTERM) at step {k}" if isinstance(stop, Terminated) else "interrupted by Ctrl-C at step {k}"
        return Result("interrupted", Reason(why, {"k": last.step}), last.step, last.point, last.value, last.gradient_norm), stop
    raise AssertionError("the engine ended without a result")  # pragma: no cover


def exit_code(results) -> int:
    statuses = {r.status for r in results}
    if "interrupted" in statuses:
        return 130
    if "diverged" in statuses:
        return 4
    if "max_steps" in statuses:
        return 3
    return 0


def execute(function: Function, start, optimizers, settings: Settings, *, fmt: str, every: int, delay: float,
            plot: bool, get: str | None, save_plot: str | None, preset, start_source: str, notes: list[str]) -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    names = list(function.variables)
    comparison = len(optimizers) > 1
    if fmt == "text":
        return _text(function, start, optimizers, settings, every, delay, plot, save_plot, preset, start_source, notes)

    results = []
    runs = []
    out = sys.stdout
    writer = None
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        head = (["run", "optimizer", "lr"] if comparison else []) + ["step"] + names + ["value"]
        head += [f"grad_{v}" for v in names] + ["gradient_norm"] + [f"update_{v}" for v in names]
        writer.writerow(head)
    plots = {}
    stop = None
    # Said on stderr once the output is written, so that a bad --get is the only line.
    messages = []
    for i, opt in enumerate(optimizers):
        header = header_doc(function, start, opt, settings, start_source)
        steps: list[dict] = []
        thin = _Keep()

        def on_step(s: Step, i=i, opt=opt, steps=steps):
            if fmt == "json":
                steps.append(step_doc(s, names))
            elif fmt == "ndjson":
                line = {"type": "step", **({"run": i} if comparison else {}), **step_doc(s, names)}
                out.write(json.dumps(json_safe(line), ensure_ascii=False) + "\n")
                out.flush()
            else:
                row = ([i, opt.name, opt.hyper["lr"]] if comparison else []) + [s.step] + [_cell(x) for x in s.point]
                row += [_cell(s.value)] + [_cell(g) for g in s.gradient] + [_cell(s.gradient_norm)]
                row += [_cell(u) for u in s.update] if s.update is not None else [""] * len(names)
                writer.writerow(row)

        if fmt == "ndjson":
            out.write(json.dumps(json_safe({"type": "run", **({"run": i} if comparison else {}), **header}), ensure_ascii=False) + "\n")
            out.flush()
        result, stop = _walk(function, start, opt, settings, every, on_step, thin.add if save_plot else None)
        results.append(result)
        rdoc = result_doc(result, names, preset)
        if fmt == "ndjson":
            out.write(json.dumps(json_safe({"type": "result", **({"run": i} if comparison else {}), **rdoc}), ensure_ascii=False) + "\n")
            out.flush()
        runs.append({**header, "steps": steps, "result": rdoc})
        plots[_labels(optimizers)[i]] = thin
        if result.status != "converged":
            messages.append(f"{_label(opt, optimizers)}: {result.status}: {result.reason}\n" if comparison else f"{result.status}: {result.reason}\n")
        if stop is not None:
            break
    if fmt == "json":
        doc = runs[0] if not comparison else {
            "function": function_text(function), "input": function.text, "variables": names,
            "start": named(names, start), "start_source": start_source, "runs": runs,
        }
        if get:
            print_get(doc, get)
        else:
            write(dumps(doc))
    else:
        out.flush()
    sys.stderr.write("".join(messages))
    if save_plot:
        _save_plots(save_plot, function, start, plots, preset)
    return exit_code(results)


def _cell(x) -> str:
    x = float(x)
    return repr(x) if math.isfinite(x) else ""


def _labels(optimizers) -> list[str]:
    """One legend label per run, unique even when the same combination is given twice."""
    labels = [_label(o, optimizers) for o in optimizers]
    return [f"{lab} #{i + 1}" if labels.count(lab) > 1 else lab for i, lab in enumerate(labels)]


def _label(opt, optimizers) -> str:
    names = {o.name for o in optimizers}
    lrs = {o.hyper["lr"] for o in optimizers}
    if len(names) > 1 and len(lrs) > 1:
        return f"{opt.name} lr={opt.hyper['lr']:g}"
    if len(names) > 1:
        return opt.name
    if len(lrs) > 1:
        return f"lr={opt.hyper['lr']:g}"
    return opt.name


class _Keep:
    """Thinned samples of one run for the plots (bounded memory)."""

    def __init__(self):
        from gdsim.render.descend_text import Thinned

        self.t = Thinned()

    def add(self, s):
        self.t.add(s)

    def series(self):
        return self.t.series()


# --- text -------------------------------------------------------------------------------------


def _text(function, start, optimizers, settings, every, delay, plot, save_plot, preset, start_source, notes) -> int:
    from gdsim.render.descend_text import Columns, StepStream, summary_lines
    from gdsim.expr.printing import pretty, shown

    console = make_console()
    names = list(function.variables)
    comparison = len(optimizers) > 1
    say = lambda line, style=None: console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
    if function.expr is None:
        say(f"{function.describe()}:  f = {function.text}", "bold")
    else:
        say(f"f({', '.join(names)}) = {shown(function)}", "bold")
    if preset is not None:
        say(tr("preset {name}: {title}", name=preset.name, title=preset.text("title")))
        say("  " + preset.text("teaches"))
    start_text = ", ".join(f"{v}={float(x):.6g}" for v, x in zip(names[:6], start))
    if len(names) > 6:
        start_text += f", … ({len(names)} variables)"
    say(tr("start: {p}", p=start_text) + ("   (" + tr("no --start given: every variable starts at 1") + ")" if start_source == "default" else ""))
    results = []
    plots = {}
    stop = None
    if not comparison:
        opt = optimizers[0]
        say(_optimizer_line(opt))
        say(tr("Each row: feel the slope (∇f), step downhill by the update, repeat; stop on flat ground (‖∇f‖ ≤ {tol}).", tol=f"{settings.tol:g}"), "dim")
        live = stdout_is_terminal() and settings.max_steps // every > 200 and delay == 0
        stream = StepStream(console, Columns(function, opt.name, opt.hyper["lr"], terminal_width() if stdout_is_terminal() else None), live=live, delay=delay, max_steps=settings.max_steps)
        keep = _Keep()

        try:
            def on_each(s, keep=keep, stream=stream):
                keep.add(s)
                stream.tick(s)

            result, stop = _walk(function, start, opt, settings, every, stream.show, on_each)
        finally:
            stream.close()
        results.append(result)
        plots[opt.name] = keep
        extra = []
        near = nearest(preset, named(names, result.point))
        if near is not None:
            minimum, distance = near
            where = ", ".join(f"{k}={v:g}" for k, v in minimum.point.items())
            extra.append("  " + tr("nearest known minimum: ({p}), f = {v:g}; distance {d:.3g}", p=where, v=minimum.value, d=distance))
        say("")
        with np.errstate(all="ignore"):  # the distance walked overflows after a divergence
            lines = summary_lines(function, start, result, extra)
        for i, line in enumerate(lines):
            say(line, "bold" if i == 0 else None)
    else:
        from rich.table import Table

        table = Table(title=tr("Comparison from the same start"), box=None, padding=(0, 2), header_style="bold")
        for col in (tr("run"), tr("optimizer"), "lr", tr("status"), tr("steps"), "f", "‖∇f‖", tr("final point")):
            table.add_column(col, justify="right" if col in ("lr", tr("steps"), "f", "‖∇f‖") else "left")
        labels = _labels(optimizers)
        for opt, label in zip(optimizers, labels):
            keep = _Keep()
            result, stop = _walk(function, start, opt, settings, every, lambda s: None, keep.add)
            results.append(result)
            plots[label] = keep
            point = ", ".join(f"{v}={number_text(x, '.6g')}" for v, x in zip(names[:3], result.point))
            table.add_row(label, opt.name, f"{opt.hyper['lr']:g}", result.status, str(result.steps),
                          number_text(result.value, ".6g"), number_text(result.gradient_norm, ".3g"), point)
            if stop is not None:
                break
        console.print(table)
        for opt, r in zip(optimizers, results):
            if r.status != "converged":
                say(f"  {_label(opt, optimizers)}: {r.reason.render(tr)}", "dim")
    if plot and stop is None:
        for block in _plot_blocks(function, start, plots, preset, color_wanted(), terminal_width()):
            say("")
            console.print(block, markup=False, highlight=False, soft_wrap=True) if not color_wanted() else _print_ansi(console, block)
    if save_plot:
        _save_plots(save_plot, function, start, plots, preset)
    return exit_code(results)


def _print_ansi(console, block: str):
    from rich.text import Text

    console.print(Text.from_ansi(block), soft_wrap=True)


def _optimizer_line(opt) -> str:
    params = ", ".join(f"{k}={v:g}" for k, v in opt.hyper.items())
    return tr("optimizer: {name} ({params})", name=opt.name, params=params)


def _plot_blocks(function, start, plots: dict, preset, color: bool, width: int) -> list[str]:
    from gdsim.render import plots as P

    w, h = P.plot_size(width)
    blocks = []
    names = function.variables
    if len(plots) == 1:
        (label, keep), = plots.items()
        steps, points, values = keep.series()
        window = None
        if function.dimension == 1:
            if preset is not None and preset.window:
                window = tuple(preset.window[names[0]])
            xs = [p[0] for p in points]
            f = lambda x: function.values(np.asarray(x, dtype=float).reshape(-1, 1))
            blocks.append(P.curve_with_points(f, xs, width=w, height=h, color=color, window=window,
                                              title=tr("f({v}) and the hiker's positions", v=names[0]), xlabel=names[0], ylabel=f"f({names[0]})"))
        elif function.dimension == 2:
            if preset is not None and preset.window:
                window = (tuple(preset.window[names[0]]), tuple(preset.window[names[1]]))

            def f2(X, Y):
                X, Y = np.broadcast_arrays(np.asarray(X, dtype=float), np.asarray(Y, dtype=float))
                return function.values(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)

            blocks.append(P.contour_view(f2, [tuple(p) for p in points], width=w, height=h + 4, color=color, window=window,
                                         title=tr("map of f with the hiker's path from S (start) to E (end)"), xlabel=names[0], ylabel=names[1]))
        blocks.append(P.value_vs_step({label: (steps, values)}, width=w, height=h, color=color, title=tr("f against step")))
        if function.dimension > 2:
            norms = keep.t.norms_series()
            blocks.append(P.value_vs_step({label: (steps, norms)}, width=w, height=h, color=color, ylabel="‖∇f‖",
                                          title=tr("‖∇f‖ against step: how steep the ground still is")))
    else:
        series = {label: (keep.series()[0], keep.series()[2]) for label, keep in plots.items()}
        blocks.append(P.value_vs_step(series, width=w, height=h, color=color, title=tr("f against step, every run")))
    return blocks


def _save_plots(path: str, function, start, plots, preset) -> None:
    write_plot_file(path, _plot_blocks(function, start, plots, preset, False, 100))


def write_plot_file(path: str, blocks: list[str]) -> None:
    """Plots for a lab report: plain text, or an HTML page when the name ends in .html."""
    from gdsim.errors import OptionError

    text = "\n\n".join(blocks) + "\n"
    if path.lower().endswith((".html", ".htm")):
        import html

        text = ("<!doctype html><meta charset=\"utf-8\"><title>gdsim plots</title>\n<pre style=\"font-family: monospace\">\n"
                + html.escape(text) + "</pre>\n")
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as e:
        raise OptionError(tr("--save-plot {path}: cannot write ({reason})", path=path, reason=e.strerror)) from None
