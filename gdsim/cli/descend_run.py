"""Running descend's walks and feeding one output sink (text, json, ndjson or csv) from the engine's stream.

This module owns what is not rendering: the walk loop, Ctrl-C and SIGTERM (the summary so far,
then exit 130), and the exit code of a run or of a comparison.
"""

from __future__ import annotations

import signal

from gdsim.engine.descend import Reason, Result, Settings, Step, run


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the summary so far, then exit."""


def _on_sigterm(signum, frame):
    raise Terminated()


def _recorded(s: Step, every: int) -> bool:
    return s.step % every == 0 or s.update is None


def walk(function, start, optimizer, settings, every, on_step, on_each=None):
    """Run one walk, calling on_step for each recorded step (and on_each for every step, for the plots);
    returns (the Result, the interrupt that stopped it or None)."""
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


def execute(function, start, optimizers, settings: Settings, *, fmt: str, every: int, delay: float,
            plot: bool, get: str | None, save_plot: str | None, preset, start_source: str, pause: bool = False,
            view=None) -> int:
    from gdsim.render.descend_formats import SINKS, labels
    from gdsim.render.descend_text import PlotRecorder, TextSink

    signal.signal(signal.SIGTERM, _on_sigterm)
    recorder = PlotRecorder(labels(optimizers))
    if fmt == "text":
        sink = TextSink(function, start, optimizers, settings, every=every, delay=delay, plot=plot, preset=preset,
                        start_source=start_source, recorder=recorder, pause=pause, view=view)
        keep_plots = True
    else:
        sink = SINKS[fmt](function, start, optimizers, settings, start_source=start_source, preset=preset, get=get)
        keep_plots = bool(save_plot)
    results = []
    stop = None
    sink.start_output()
    try:
        for i, opt in enumerate(optimizers):
            sink.begin(i, opt)
            each = getattr(sink, "each", None)

            def on_each(s, i=i, each=each):
                if keep_plots:
                    recorder.add(i, s)
                if each is not None:
                    each(i, s)

            result, stop = walk(function, start, opt, settings, every, lambda s, i=i, opt=opt: sink.step(i, opt, s),
                                on_each if (keep_plots or each is not None) else None)
            sink.end(i, opt, result)
            results.append(result)
            if stop is not None:
                break
    finally:
        sink.close()
    sink.finish(stopped=stop is not None)
    if save_plot:
        from gdsim.render.descend_text import save_plots

        save_plots(save_plot, function, start, recorder.plots, preset, results, view)
    return exit_code(results)
