"""`gdsim descend` for people: a row per step as it is computed, a summary, and the plots.

Rows are fixed-width lines so that they stream one by one (piped or on a terminal); on a
terminal a long run shows a live tail of the latest rows instead of scrolling thousands.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections import deque

import numpy as np

from gdsim.engine.descend import Result, Step
from gdsim.expr.function import Function
from gdsim.i18n import tr

W = 12  # width of a number column


def cells(text: str) -> int:
    """Terminal columns of a text: East Asian wide characters (Korean) take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


def rjust(text: str, width: int) -> str:
    return " " * max(0, width - cells(text)) + text


def num(x: float, width: int = W, digits: int = 6) -> str:
    x = float(x)
    if not math.isfinite(x):
        s = "inf" if x > 0 else ("-inf" if x < 0 else "undefined")
    else:
        s = f"{x:.{digits}g}" if x != 0 else "0"
    return s.rjust(width)


class Columns:
    """Which columns a run shows: all coordinates up to four variables, a digest beyond.

    On a terminal narrower than the full table, numbers get 10 columns and 5 digits; if that
    is still too wide the Δ columns (the update, −lr·∇f for gd) are left out, and last the
    digest of many variables is used.
    """

    def __init__(self, function: Function, optimizer_name: str, lr: float, terminal: int | None = None):
        self.names = list(function.variables)
        self.one = len(self.names) == 1
        self.many = len(self.names) > 4
        self.gd = optimizer_name == "gd"
        self.lr = lr
        self.w, self.digits, self.updates, self.shown = W, 6, True, 3
        if terminal is not None:
            layouts = ((W, 6, True, self.many, 3), (10, 5, True, self.many, 3), (10, 5, False, self.many, 3),
                       (10, 5, False, not self.one, 3), (10, 5, False, not self.one, 2))  # last: the digest
            for w, digits, updates, many, shown in layouts:
                self.w, self.digits, self.updates, self.many, self.shown = w, digits, updates, many, shown
                if cells(self.header()) <= terminal:
                    break

    def n(self, x) -> str:
        return num(x, self.w, self.digits)

    def header(self) -> str:
        w = self.w
        if self.one:
            v = self.names[0]
            cols = [rjust(tr("step"), 6), v.rjust(w), f"f({v})".rjust(w), f"f′({v})".rjust(w),
                    ljust(tr("downhill"), 10), rjust(tr("stride"), w)]
            cols += [rjust(tr("update"), w)] if self.updates else []
        elif self.many:
            shown = self.names[: self.shown]
            cols = [rjust(tr("step"), 6), "f".rjust(w), "‖∇f‖".rjust(w), "‖x‖".rjust(w)]
            cols += ["‖update‖".rjust(w)] if self.updates else []
            cols += [v.rjust(w) for v in shown] + ["…"]
        else:
            cols = [rjust(tr("step"), 6)] + [v.rjust(w) for v in self.names] + ["f".rjust(w)]
            cols += [f"∂f/∂{v}".rjust(w) for v in self.names] + ["‖∇f‖".rjust(w)]
            cols += [f"Δ{v}".rjust(w) for v in self.names] if self.updates else []
        return "  ".join(cols)

    def row(self, s: Step) -> str:
        upd = s.update
        blank = "".rjust(self.w)
        if self.one:
            g = float(s.gradient[0])
            if not math.isfinite(g):
                direction = "?"
            elif abs(g) <= 1e-12:
                direction = tr("flat")
            else:
                direction = tr("← left") if g > 0 else tr("→ right")
            cells_ = [str(s.step).rjust(6), self.n(s.point[0]), self.n(s.value), self.n(g), ljust(direction, 10),
                      self.n(abs(float(upd[0]))) if upd is not None else blank]
            if self.updates:
                cells_.append(self.n(upd[0]) if upd is not None else blank)
        elif self.many:
            xn = math.sqrt(float(s.point @ s.point))
            cells_ = [str(s.step).rjust(6), self.n(s.value), self.n(s.gradient_norm), self.n(xn)]
            if self.updates:
                cells_.append(self.n(math.sqrt(float(upd @ upd))) if upd is not None else blank)
            cells_ += [self.n(x) for x in s.point[: self.shown]] + ["…"]
        else:
            cells_ = [str(s.step).rjust(6)] + [self.n(x) for x in s.point] + [self.n(s.value)]
            cells_ += [self.n(g) for g in s.gradient] + [self.n(s.gradient_norm)]
            if self.updates:
                cells_ += [self.n(u) for u in upd] if upd is not None else [blank] * len(self.names)
        return "  ".join(cells_)


class _Tail:
    """A live view: the header, the latest rows and a progress line, rebuilt at refresh time."""

    def __init__(self, header: str, rows: int, max_steps: int):
        self.header = header
        self.lines: deque[str] = deque(maxlen=rows)
        self.max_steps = max_steps
        self.progress = ""

    def __rich__(self):
        from rich.text import Text

        body = "\n".join([self.header, *self.lines])
        return Text(body + "\n" + self.progress, no_wrap=True, overflow="ellipsis")


class StepStream:
    """Shows recorded steps as they come: plain lines, or a live tail on a terminal for long runs."""

    def __init__(self, console, columns: Columns, *, live: bool, delay: float = 0.0, max_steps: int = 0, pause: bool = False):
        self.console = console
        self.columns = columns
        self.delay = delay
        # --pause: a class walks through together, Enter by Enter; a script or a pipe is never held up.
        self.pause = pause and _stdin_is_terminal()
        if self.pause:
            sys.stderr.write(tr("(press Enter for each next step; Ctrl-C stops)") + "\n")
            sys.stderr.flush()
        self.live = None
        self.tail = None
        self.last_flush = 0.0
        self.max_steps = max_steps
        # Rows going to a file or pipe while a person watches the terminal: progress on stderr.
        self.progress = not live and _stderr_is_terminal() and not _stdout_is_terminal()
        self.progress_shown = False
        header = columns.header()
        if live:
            from rich.live import Live

            self.tail = _Tail(header, 15, max_steps)
            self.live = Live(self.tail, console=console, refresh_per_second=10, transient=True)
            self.live.start()
        else:
            self._print(header, style="bold")

    def _print(self, line: str, style: str | None = None):
        self.console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)

    def show(self, s: Step):
        line = self.columns.row(s)
        if self.tail is not None:
            self.tail.lines.append(line)
            self.tail.progress = tr("step {k} of at most {n}   ‖∇f‖ = {g}", k=s.step, n=self.tail.max_steps, g=f"{s.gradient_norm:.3g}")
        else:
            self._print(line)
        if self.delay > 0:
            time.sleep(self.delay)
        if self.pause and s.update is not None:
            wait_for_enter(sys.stdin)

    def tick(self, s: Step):
        """Called at every step (recorded or not): the progress line on stderr, at most 10 times a second."""
        if not self.progress:
            return
        now = time.monotonic()
        if now - self.last_flush < 0.1:
            return
        self.last_flush = now
        line = tr("step {k} of at most {n}   ‖∇f‖ = {g}", k=s.step, n=self.max_steps, g=f"{s.gradient_norm:.3g}")
        sys.stderr.write("\r" + line + "\x1b[K")
        sys.stderr.flush()
        self.progress_shown = True

    def close(self):
        if self.progress_shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
        if self.live is not None:
            self.live.stop()
            self._print(self.tail.header, style="bold")
            for line in self.tail.lines:
                self._print(line)


STATUS_WORDS = {
    "converged": "Converged: the ground is flat here, so the hiker stops (lecture step 2).",
    "max_steps": "Stopped at --max-steps before reaching flat ground.",
    "diverged": "Diverged: the steps grew instead of shrinking; the hiker fell off the mountain.",
    "interrupted": "Interrupted: the summary of the steps so far.",
}


def _finite(x: float, spec: str) -> str:
    """A number, or "undefined" / "inf" where it is not finite (never "nan")."""
    return format(x, spec) if math.isfinite(x) else num(x, 0).strip()


def summary_lines(function: Function, start: np.ndarray, result: Result, extra: list[str] | None = None) -> list[str]:
    names = function.variables
    point = ", ".join(f"{v}={float(x):.10g}" for v, x in zip(names[:6], result.point))
    if len(names) > 6:
        point += f", … ({len(names)} variables)"
    distance = float(np.linalg.norm(np.asarray(result.point, dtype=float) - start))
    lines = [
        tr(STATUS_WORDS.get(result.status, result.status)),
        "  " + tr("why: {reason}", reason=result.reason.render(tr)),
        "  " + tr("steps taken (updates applied): {k}", k=result.steps),
        "  " + tr("final point: {p}", p=point),
        "  " + tr("f there: {v}   ‖∇f‖ there: {g}", v=_finite(result.value, ".10g"), g=_finite(result.gradient_norm, ".3g")),
        "  " + tr("distance walked from the start (straight line): {d}", d=_finite(distance, ".6g")),
    ]
    return lines + (extra or [])


class Thinned:
    """Keeps at most ~2·limit (step, point, value) samples of a run for plotting, whatever its length."""

    def __init__(self, limit: int = 5000):
        self.limit = limit
        self.stride = 1
        self.steps: list[int] = []
        self.points: list[np.ndarray] = []
        self.values: list[float] = []
        self.norms: list[float] = []
        self.last = None

    def add(self, s: Step):
        self.last = s
        if s.step % self.stride:
            return
        self.steps.append(s.step)
        self.points.append(np.asarray(s.point, dtype=float))
        self.values.append(float(s.value))
        self.norms.append(float(s.gradient_norm))
        if len(self.steps) > 2 * self.limit:
            self.stride *= 2
            keep = [i for i, k in enumerate(self.steps) if k % self.stride == 0]
            self.steps = [self.steps[i] for i in keep]
            self.points = [self.points[i] for i in keep]
            self.values = [self.values[i] for i in keep]
            self.norms = [self.norms[i] for i in keep]

    def series(self):
        steps, points, values = list(self.steps), list(self.points), list(self.values)
        if self.last is not None and (not steps or steps[-1] != self.last.step):
            steps.append(self.last.step)
            points.append(np.asarray(self.last.point, dtype=float))
            values.append(float(self.last.value))
        return steps, points, values

    def norms_series(self) -> list[float]:
        """‖∇f‖ at the same steps as series() returns."""
        norms = list(self.norms)
        if self.last is not None and (not self.steps or self.steps[-1] != self.last.step):
            norms.append(float(self.last.gradient_norm))
        return norms


def wait_for_enter(stdin) -> None:
    """Block until Enter is pressed on the terminal `stdin`, without echoing it, so the rows stay
    together; Ctrl-C still interrupts (the terminal's signal keys are left on)."""
    import termios

    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~(termios.ECHO | termios.ICANON)
    quiet[6][termios.VMIN], quiet[6][termios.VTIME] = 1, 0
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        while os.read(fd, 1) not in (b"\n", b"\r", b" ", b""):
            pass
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


class PlotRecorder:
    """Thinned samples of every run for the plots, one per run label; fed every step, not only recorded ones."""

    def __init__(self, run_labels: list[str]):
        self.plots: dict[str, Thinned] = {}
        self.run_labels = run_labels

    def add(self, i: int, s: Step) -> None:
        keep = self.plots.get(self.run_labels[i])
        if keep is None:
            keep = self.plots[self.run_labels[i]] = Thinned()
        keep.add(s)


def optimizer_line(opt) -> str:
    params = ", ".join(f"{k}={v:g}" for k, v in opt.hyper.items())
    return tr("optimizer: {name} ({params})", name=opt.name, params=params)


class TextSink:
    """The run for people: the function and start, a row per recorded step (or, for a comparison, one
    table row per run), the summary, then the plots."""

    def __init__(self, function, start, optimizers, settings, *, every: int, delay: float, plot: bool,
                 preset, start_source: str, recorder: PlotRecorder, pause: bool = False):
        from gdsim.render.console import make_console
        from gdsim.render.descend_formats import plain_labels

        self.function, self.start, self.optimizers, self.settings = function, start, optimizers, settings
        self.every, self.delay, self.plot, self.preset, self.start_source = every, delay, plot, preset, start_source
        self.recorder = recorder
        self.pause = pause
        self.console = make_console()
        self.comparison = len(optimizers) > 1
        self.plain = plain_labels(optimizers)
        self.results: list[Result] = []
        self.stream = None

    def say(self, line: str, style: str | None = None) -> None:
        self.console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)

    def start_output(self) -> None:
        from gdsim.expr.printing import shown

        function, names = self.function, list(self.function.variables)
        if function.expr is None:
            self.say(f"{function.describe()}:  f = {function.text}", "bold")
        else:
            self.say(f"f({', '.join(names)}) = {shown(function)}", "bold")
        if self.preset is not None:
            self.say(tr("preset {name}: {title}", name=self.preset.name, title=self.preset.text("title")))
            self.say("  " + self.preset.text("teaches"))
        start_text = ", ".join(f"{v}={float(x):.6g}" for v, x in zip(names[:6], self.start))
        if len(names) > 6:
            start_text += f", … ({len(names)} variables)"
        default = "   (" + tr("no --start given: every variable starts at 1") + ")" if self.start_source == "default" else ""
        self.say(tr("start: {p}", p=start_text) + default)
        if self.comparison:
            from rich.table import Table

            self.table = Table(title=tr("Comparison from the same start"), box=None, padding=(0, 2), header_style="bold")
            for col in (tr("run"), tr("optimizer"), "lr", tr("status"), tr("steps"), "f", "‖∇f‖", tr("final point")):
                self.table.add_column(col, justify="right" if col in ("lr", tr("steps"), "f", "‖∇f‖") else "left")

    def begin(self, i: int, opt) -> None:
        if self.comparison:
            return
        from gdsim.render.console import stdout_is_terminal, terminal_width

        self.say(optimizer_line(opt))
        self.say(tr("Each row: feel the slope (∇f), step downhill by the update, repeat; stop on flat ground (‖∇f‖ ≤ {tol}).",
                    tol=f"{self.settings.tol:g}"), "dim")
        live = stdout_is_terminal() and self.settings.max_steps // self.every > 200 and self.delay == 0 and not self.pause
        columns = Columns(self.function, opt.name, opt.hyper["lr"], terminal_width() if stdout_is_terminal() else None)
        self.stream = StepStream(self.console, columns, live=live, delay=self.delay, max_steps=self.settings.max_steps,
                                 pause=self.pause)

    def step(self, i: int, opt, s: Step) -> None:
        if self.stream is not None:
            self.stream.show(s)

    def each(self, i: int, s: Step) -> None:
        if self.stream is not None:
            self.stream.tick(s)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    def end(self, i: int, opt, result: Result) -> None:
        self.close()
        self.results.append(result)
        if self.comparison:
            from gdsim.render.console import number_text

            names = self.function.variables
            point = ", ".join(f"{v}={number_text(x, '.6g')}" for v, x in zip(names[:3], result.point))
            self.table.add_row(self.recorder.run_labels[i], opt.name, f"{opt.hyper['lr']:g}", result.status, str(result.steps),
                               number_text(result.value, ".6g"), number_text(result.gradient_norm, ".3g"), point)
            return
        from gdsim.render.descend_formats import named, nearest

        extra = []
        near = nearest(self.preset, named(self.function, result.point))
        if near is not None:
            minimum, distance = near
            where = ", ".join(f"{k}={v:g}" for k, v in minimum.point.items())
            extra.append("  " + tr("nearest known minimum: ({p}), f = {v:g}; distance {d:.3g}", p=where, v=minimum.value, d=distance))
        self.say("")
        with np.errstate(all="ignore"):  # the distance walked overflows after a divergence
            lines = summary_lines(self.function, self.start, result, extra)
        for k, line in enumerate(lines):
            self.say(line, "bold" if k == 0 else None)

    def finish(self, stopped: bool) -> None:
        from gdsim.render.console import color_wanted, terminal_width

        if self.comparison:
            self.console.print(self.table)
            for label, r in zip(self.plain, self.results):
                if r.status != "converged":
                    self.say(f"  {label}: {r.reason.render(tr)}", "dim")
        if self.plot and not stopped:
            color = color_wanted()
            for block in plot_blocks(self.function, self.start, self.recorder.plots, self.preset, color, terminal_width()):
                self.say("")
                if color:
                    from rich.text import Text

                    self.console.print(Text.from_ansi(block), soft_wrap=True)
                else:
                    self.console.print(block, markup=False, highlight=False, soft_wrap=True)


def plot_blocks(function, start, plots: dict, preset, color: bool, width: int) -> list[str]:
    """The plots of a run (the curve or the map with the path, f against step) or of a comparison."""
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
            f = lambda x: function.values(np.asarray(x, dtype=float).reshape(-1, 1))  # noqa: E731
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
            norms = keep.norms_series()
            blocks.append(P.value_vs_step({label: (steps, norms)}, width=w, height=h, color=color, ylabel="‖∇f‖",
                                          title=tr("‖∇f‖ against step: how steep the ground still is")))
    else:
        series = {label: (keep.series()[0], keep.series()[2]) for label, keep in plots.items()}
        blocks.append(P.value_vs_step(series, width=w, height=h, color=color, title=tr("f against step, every run")))
    return blocks
