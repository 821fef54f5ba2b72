"""`gdsim descend` for people: a row per step as it is computed, a summary, and the plots.

Rows are fixed-width lines, their columns chosen once per run from the terminal's width, so
that they stream one by one (piped or on a terminal); gdsim.render.rows decides what a terminal's
scrollback keeps of a long run.
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

from gdsim.engine.descend import Result, Step
from gdsim.expr.function import Function
from gdsim.i18n import tr
from gdsim.render.rows import Progress, RowStream, Table, cells, fit_number, left_out_line, ljust, rjust, text_width, wrap

W = 12  # width of a number column

# Number widths tried in turn (width, significant digits, width of the downhill column), widest first.
WIDTHS = ((W, 6, 10), (10, 5, 10), (9, 4, 8))


def num(x: float, width: int = W, digits: int = 6) -> str:
    return fit_number(x, width, digits)


class Columns:
    """Which columns a run shows, chosen once per run so that no row is wider than the terminal.

    Every coordinate up to four variables, a digest (f, ‖∇f‖, ‖x‖, a few coordinates) beyond. On a
    terminal narrower than the full table, numbers narrow first (12, 10, then 9 columns); then the
    update columns are left out, then the partial derivatives (the stride for one variable), then
    the digest is used. A number that grows later loses digits, never its column. `left_out` names
    what was left out, for one line that says so.
    """

    def __init__(self, function: Function, optimizer_name: str, lr: float, terminal: int | None = None,
                 max_steps: int = 0, lr_column: bool = False):
        self.names = list(function.variables)
        self.lr_column = lr_column  # only when the lr can change from step to step (a schedule, a line search)
        self.one = len(self.names) == 1
        self.gd = optimizer_name == "gd"
        self.lr = lr
        self.step_w = max(6, len(str(max_steps)), cells(tr("step")))
        self.w, self.digits, self.down_w = WIDTHS[0]
        self.drop: frozenset[str] = frozenset()
        self.many = len(self.names) > 4
        self.shown = 3
        if terminal is None:
            return
        for many, drop, shown in self._layouts():
            for w, digits, down_w in WIDTHS:
                self.many, self.drop, self.shown = many, frozenset(drop), shown
                self.w, self.digits, self.down_w = w, digits, down_w
                if cells(self.header()) <= terminal:
                    return

    def _layouts(self):
        if self.one:
            return [(False, (), 0), (False, ("update",), 0), (False, ("update", "stride"), 0)]
        few = [] if self.many else [(False, (), 0), (False, ("update",), 0), (False, ("update", "partials"), 0)]
        top = min(3, len(self.names))
        return few + [(True, (), top)] + [(True, ("update",), k) for k in range(top, -1, -1)]

    @property
    def updates(self) -> bool:
        return "update" not in self.drop

    @property
    def left_out(self) -> list[str]:
        """The titles of the columns left out to fit the terminal (not the digest of a long vector)."""
        if self.one:
            return [tr(name) for name in ("update", "stride") if name in self.drop]
        if self.many and len(self.names) > 4:
            return ["‖update‖"] if not self.updates else []
        def group(titles):  # ∂f/∂a … ∂f/∂d rather than four titles
            return titles if len(titles) <= 2 else [f"{titles[0]} … {titles[-1]}"]

        out = []
        if self.many or "partials" in self.drop:
            out += group([f"∂f/∂{v}" for v in self.names])
        if self.many or not self.updates:
            out += group([f"Δ{v}" for v in self.names])
        if self.many:
            out += group(self.names[self.shown:])
        return out

    def n(self, x) -> str:
        return fit_number(x, self.w, self.digits)

    def titles(self) -> list[str]:
        if self.one:
            v = self.names[0]
            cols = [v, f"f({v})", f"f′({v})", tr("downhill")]
            cols += [tr("stride")] if "stride" not in self.drop else []
            cols += [tr("update")] if self.updates else []
        elif self.many:
            cols = ["f", "‖∇f‖", "‖x‖"] + (["‖update‖"] if self.updates else []) + self.names[: self.shown]
        else:
            cols = list(self.names) + ["f"]
            cols += [f"∂f/∂{v}" for v in self.names] if "partials" not in self.drop else []
            cols += ["‖∇f‖"]
            cols += [f"Δ{v}" for v in self.names] if self.updates else []
        return (["lr"] if self.lr_column else []) + cols

    def _width(self, title: str) -> int:
        return self.down_w if self.one and title == tr("downhill") else max(self.w, cells(title))

    def _join(self, first: str, parts: list[str]) -> str:
        more = self.many and self.shown < len(self.names)
        return "  ".join([first, *parts] + (["…"] if more else []))

    def header(self) -> str:
        parts = [ljust(t, self._width(t)) if self.one and t == tr("downhill") else rjust(t, self._width(t))
                 for t in self.titles()]
        return self._join(rjust(tr("step"), self.step_w), parts)

    def row(self, s: Step) -> str:
        upd = s.update
        if self.one:
            v = self.names[0]
            g = float(s.gradient[0])
            if not math.isfinite(g):
                direction = "?"
            elif abs(g) <= 1e-12:
                direction = tr("flat")
            else:
                direction = tr("← left") if g > 0 else tr("→ right")
            values = {v: s.point[0], f"f({v})": s.value, f"f′({v})": g, tr("downhill"): direction,
                      tr("stride"): abs(float(upd[0])) if upd is not None else None,
                      tr("update"): float(upd[0]) if upd is not None else None}
        elif self.many:
            with np.errstate(all="ignore"):
                xn = math.sqrt(float(s.point @ s.point))
                un = math.sqrt(float(upd @ upd)) if upd is not None else None
            values = {"f": s.value, "‖∇f‖": s.gradient_norm, "‖x‖": xn, "‖update‖": un}
            values.update(zip(self.names[: self.shown], s.point[: self.shown]))
        else:
            values = {"f": s.value, "‖∇f‖": s.gradient_norm}
            for i, v in enumerate(self.names):
                values[v] = s.point[i]
                values[f"∂f/∂{v}"] = s.gradient[i]
                values[f"Δ{v}"] = upd[i] if upd is not None else None
        values["lr"] = s.lr
        parts = [ljust(values[t], self.down_w) if isinstance(values[t], str) else fit_number(values[t], self._width(t), self.digits)
                 for t in self.titles()]
        return self._join(str(s.step).rjust(self.step_w), parts)


class StepStream:
    """Shows recorded steps as they come (gdsim.render.rows.RowStream says what a terminal keeps),
    and a progress line on stderr when the rows go to a file."""

    def __init__(self, console, columns: Columns, *, terminal: bool, width: int | None, delay: float = 0.0,
                 max_steps: int = 0, every: int = 1, pause: bool = False):
        self.columns = columns
        self.delay = delay
        # --pause: a class walks through together, Enter by Enter; a script or a pipe is never held up.
        self.pause = pause and _stdin_is_terminal()
        if self.pause:
            sys.stderr.write(tr("(press Enter for each next step; Ctrl-C stops)") + "\n")
            sys.stderr.flush()
            terminal = False  # every row printed as it comes, however long the walk: no live tail
        self.max_steps = max_steps
        self.rows = RowStream(console, columns.header(), terminal=terminal, width=width, every=every)
        self.progress = Progress()

    def _progress(self, s: Step) -> str:
        return tr("step {k} of at most {n}   ‖∇f‖ = {g}", k=s.step, n=self.max_steps, g=_finite(s.gradient_norm, ".3g"))

    def show(self, s: Step):
        self.rows.add(s.step, self.columns.row(s), self._progress(s) if self.rows.terminal else "")
        if self.delay > 0:
            time.sleep(self.delay)
        if self.pause and s.update is not None:
            wait_for_enter(sys.stdin)

    def tick(self, s: Step):
        """Called at every step (recorded or not)."""
        if self.progress.on:
            self.progress.say(self._progress(s))

    def close(self):
        self.progress.close()
        self.rows.close()


STATUS_WORDS = {
    "converged": "Converged: the ground is flat here, so the hiker stops (lecture step 2).",
    "max_steps": "Stopped at --max-steps before reaching flat ground.",
    "diverged": "Diverged: the steps grew instead of shrinking; the hiker fell off the mountain.",
    "interrupted": "Interrupted: the summary of the steps so far.",
}

# What ended a divergence (Result.cause) says more than the status alone.
CAUSE_WORDS = {
    "bound": "Diverged: a coordinate went beyond --bound; the hiker walked off the map.",
    "undefined": "Stopped: the hiker stepped outside the domain of f, where f is not defined.",
    "overflow": "Diverged: the numbers overflowed; f or its slope is no longer a finite number.",
}


def headline(result: Result) -> str:
    """One sentence on how the run ended, in the language of the explanations."""
    cause = getattr(result, "cause", None)
    if result.status == "diverged" and cause in CAUSE_WORDS:
        return tr(CAUSE_WORDS[cause])
    return tr(STATUS_WORDS.get(result.status, result.status))


def _finite(x: float, spec: str) -> str:
    """A number, or "undefined" / "∞" where it is not finite (never "nan" or "inf")."""
    return format(x, spec) if math.isfinite(x) else fit_number(x, 9).strip()


def summary_lines(function: Function, start: np.ndarray, result: Result, extra: list[str] | None = None,
                  width: int | None = None) -> list[str]:
    """The summary of one run; `width` (a terminal's) wraps the long lines between words."""
    names = function.variables
    point = ", ".join(f"{v}={_finite(float(x), '.10g')}" for v, x in zip(names[:6], result.point))
    if len(names) > 6:
        point += f", … ({len(names)} variables)"
    distance = float(np.linalg.norm(np.asarray(result.point, dtype=float) - start))
    reason = result.reason.render(tr) if hasattr(result.reason, "render") else str(result.reason)
    lines = [
        headline(result),
        tr("why: {reason}", reason=reason),
        *(tr("note: {note}", note=note.render(tr)) for note in getattr(result, "notes", ())),
        tr("steps taken (updates applied): {k}", k=result.steps),
        tr("final point: {p}", p=point),
        tr("f there: {v}   ‖∇f‖ there: {g}", v=_finite(result.value, ".10g"), g=_finite(result.gradient_norm, ".3g")),
        tr("distance walked from the start (straight line): {d}", d=_finite(distance, ".6g")),
    ]
    if result.stationary is not None:  # flat ground is not always the bottom
        from gdsim.render.stationary_text import stationary_text

        lines.insert(1, stationary_text(result.stationary))
    out = wrap(lines[0], width, hang="  ")
    for line in lines[1:] + [e.removeprefix("  ") for e in (extra or [])]:
        out += wrap(line, width, indent="  ", hang="    ")
    return out


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


class PlotRecorder:
    """Thinned samples of every run for the plots, one per run label; fed the steps sampler(i) asks
    the engine for, not only the recorded ones."""

    def __init__(self, run_labels: list[str]):
        self.plots: dict[str, Thinned] = {}
        self.run_labels = run_labels

    def _thinned(self, i: int) -> Thinned:
        keep = self.plots.get(self.run_labels[i])
        if keep is None:
            keep = self.plots[self.run_labels[i]] = Thinned()
        return keep

    def add(self, i: int, s: Step) -> None:
        self._thinned(i).add(s)

    def sampler(self, i: int):
        """Which steps of run i the plots keep: k -> bool (the stride doubles as the run grows)."""
        keep = self._thinned(i)
        return lambda k: k % keep.stride == 0


def hyper_text(hyper: dict) -> str:
    """k=v, ... with numbers in :g (a schedule or a line search is a word)."""
    return ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in hyper.items())


def optimizer_line(opt) -> str:
    params = hyper_text(opt.hyper)
    return tr("optimizer: {name} ({params})", name=opt.name, params=params)


def intro_lines(function, start, start_source: str, preset, width: int | None) -> list[str]:
    """What a walk starts with: f as typed, the preset if any, and the start (wrapped to `width`)."""
    from gdsim.expr.printing import shown

    names = list(function.variables)
    if function.expr is None:
        lines = [f"{function.describe()}:  f = {function.text}"]
    else:
        lines = [f"f({', '.join(names)}) = {shown(function)}"]
    if preset is not None:
        lines += wrap(tr("preset {name}: {title}", name=preset.name, title=preset.text("title")), width)
        lines += wrap(preset.text("teaches"), width, indent="  ")
    start_text = ", ".join(f"{v}={float(x):.6g}" for v, x in zip(names[:6], start))
    if len(names) > 6:
        start_text += f", … ({len(names)} variables)"
    default = "   (" + tr("no --start given: every variable starts at 1") + ")" if start_source == "default" else ""
    return lines + wrap(tr("start: {p}", p=start_text) + default, width)


class TextSink:
    """The run for people: the function and start, a row per recorded step (or, for a comparison, one
    table row per run), the summary, then the plots."""

    def __init__(self, function, start, optimizers, settings, *, every: int, delay: float, plot: bool,
                 preset, start_source: str, recorder: PlotRecorder, pause: bool = False, view=None):
        from gdsim.render.console import make_console

        self.function, self.start, self.optimizers, self.settings = function, start, optimizers, settings
        self.every, self.delay, self.plot, self.preset, self.start_source = every, delay, plot, preset, start_source
        self.recorder = recorder
        self.pause = pause
        self.view = view
        self.console = make_console()
        self.comparison = len(optimizers) > 1
        self.results: list[Result] = []
        self.table_labels: list[str] = []
        self.stream = None
        self.progress = Progress(beside_terminal_stdout=True)  # a comparison shows nothing until its table

    def say(self, line: str, style: str | None = None) -> None:
        self.console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)

    def start_output(self) -> None:
        lines = intro_lines(self.function, self.start, self.start_source, self.preset, self.width())
        self.say(lines[0], "bold")
        for line in lines[1:]:
            self.say(line)
        if self.comparison:
            # (title, alignment, priority): 0 is always kept, the highest is left out first to fit.
            self.table = Table(tr("Comparison from the same start"), [
                (tr("run"), "l", 0), (tr("status"), "l", 0), (tr("steps"), "r", 0),
                ("f", "r", 0), ("‖∇f‖", "r", 2), (tr("final point"), "l", 1)])

    def begin(self, i: int, opt) -> None:
        if self.comparison:
            return
        width = self.width()
        for line in wrap(optimizer_line(opt), width):
            self.say(line)
        for line in wrap(tr("Each row: feel the slope (∇f), step downhill by the update, repeat; stop on flat ground (‖∇f‖ ≤ {tol}).",
                            tol=f"{self.settings.tol:g}"), width, hang=""):
            self.say(line, "dim")
        columns = Columns(self.function, opt.name, opt.hyper["lr"], width, self.settings.max_steps, lr_column=opt.lr_varies)
        if columns.left_out:
            self.left_out(columns.left_out, width)
        self.stream = StepStream(self.console, columns, terminal=width is not None, width=width, delay=self.delay,
                                 max_steps=self.settings.max_steps, every=self.every, pause=self.pause)

    def table_point(self, result: Result) -> str:
        from gdsim.render.console import number_text

        return ", ".join(f"{v}={number_text(x, '.6g')}" for v, x in zip(self.function.variables, result.point))

    def width(self) -> int | None:
        return text_width()

    def left_out(self, titles: list[str], width: int | None) -> None:
        left_out_line(self.console, titles, width)

    def step(self, i: int, opt, s: Step) -> None:
        if self.stream is not None:
            self.stream.show(s)

    def each(self, i: int, s: Step) -> None:
        if self.stream is not None:
            self.stream.tick(s)
        elif self.comparison and self.progress.on:
            self.progress.say(tr("run {i} of {n}: step {k} of at most {m}", i=i + 1, n=len(self.optimizers), k=s.step,
                                 m=self.settings.max_steps))

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        self.progress.close()

    def end(self, i: int, opt, result: Result) -> None:
        self.close()
        self.results.append(result)
        if self.comparison:
            from gdsim.render.console import number_text

            names = self.function.variables

            def point(digits, p=result.point):
                shown = names if len(names) <= 3 else names[:2]
                text = ", ".join(f"{v}={number_text(x, f'.{digits}g')}" for v, x in zip(shown, p))
                return text if len(names) <= 3 else text + ", … " + tr("({n} variables)", n=len(names))

            label = f"{opt.name} lr={opt.hyper['lr']:g}"  # the optimizer and its rate, whatever differs
            twin = self.recorder.run_labels[i].rpartition(" #")[2]
            label += f" #{twin}" if twin.isdigit() and " #" in self.recorder.run_labels[i] else ""
            self.table_labels.append(label)
            self.table.add(label, result.status, str(result.steps),
                           lambda digits, v=result.value: number_text(v, f".{digits}g"), number_text(result.gradient_norm, ".3g"), point)
            return
        from gdsim.render.descend_formats import named, nearest

        extra = []
        near = nearest(self.preset, named(self.function, result.point))
        if near is not None:
            minimum, distance = near
            where = ", ".join(f"{k}={v:g}" for k, v in minimum.point.items())
            extra.append("  " + tr("nearest known minimum: ({p}), f = {v:g}; distance {d:.3g}", p=where, v=minimum.value, d=distance))
        self.say("")
        width = self.width()
        with np.errstate(all="ignore"):  # the distance walked overflows after a divergence
            lines = summary_lines(self.function, self.start, result, extra, width)
        bold = len(wrap(headline(result), width, hang="  "))
        for k, line in enumerate(lines):
            self.say(line, "bold" if k < bold else None)

    def finish(self, stopped: bool) -> None:
        from gdsim.render.console import color_wanted, terminal_width

        if self.comparison:
            width = self.width()
            lines, left_out = self.table.lines(width)
            self.say(lines[0], "italic")
            self.say(lines[1], "bold")
            for line in lines[2:]:
                self.say(line)
            below = tr("final point") in left_out  # then each run's point gets a line of its own
            if [t for t in left_out if t != tr("final point")]:
                self.left_out([t for t in left_out if t != tr("final point")], width)
            if below:
                for label, r in zip(self.table_labels, self.results):
                    for line in wrap(tr("{label}: final point {p}", label=label, p=self.table_point(r)), width, indent="  "):
                        self.say(line)
            for label, r in zip(self.table_labels, self.results):
                if r.status != "converged":
                    for line in wrap(f"{label}: {r.reason.render(tr)}", width, indent="  ", hang="    "):
                        self.say(line, "dim")
                elif r.stationary not in (None, "minimum"):  # flat ground, but not the bottom
                    from gdsim.render.stationary_text import stationary_text

                    for line in wrap(f"{label}: {stationary_text(r.stationary)}", width, indent="  ", hang="    "):
                        self.say(line, "dim")
                for note in r.notes:
                    for line in wrap(f"{label}: {note.render(tr)}", width, indent="  ", hang="    "):
                        self.say(line, "dim")
        if self.plot and not stopped:
            color = color_wanted()
            for block in plot_blocks(self.function, self.start, self.recorder.plots, self.preset, color, terminal_width(),
                                     self.results, self.view):
                self.say("")
                if color:
                    from rich.text import Text

                    self.console.print(Text.from_ansi(block), soft_wrap=True)
                else:
                    self.console.print(block, markup=False, highlight=False, soft_wrap=True)


def scene_of(function, start, plots: dict, preset, results=None, view=None):
    """The curve or map the plots draw (window, minima, every run's path), or None beyond two variables."""
    from gdsim.render.scene import RunPath, View, build_scene

    view = view or View()
    names = list(function.variables)
    if function.dimension > 2 or function.is_vector:
        return None
    statuses = [r.status for r in results] if results else []
    runs = []
    for i, (label, keep) in enumerate(plots.items()):
        steps, points, values = keep.series()
        diverged = statuses[i] == "diverged" if i < len(statuses) else not all(map(math.isfinite, values[-1:]))
        runs.append(RunPath(label, np.asarray(steps), np.asarray(points, dtype=float).reshape(-1, len(names)),
                            np.asarray(values, dtype=float), diverged))
    known = []
    if preset is not None and set(preset.start) == set(names):
        known = [[m.point[n] for n in names] for m in preset.minima]
    preset_window = preset.window if preset is not None and set(preset.window) == set(names) else None
    f = lambda pts: function.values(pts)  # noqa: E731
    return build_scene(names, f, start, runs, known_minima=known, window=view.window, preset_window=preset_window,
                       style=view.style)


def plot_blocks(function, start, plots: dict, preset, color: bool, width: int, results=None, view=None) -> list[str]:
    """The plots of a run or a comparison: the curve or the map with every path, then f against step."""
    from gdsim.render import plots as P

    w, h = P.plot_size(width)
    blocks = []
    names = function.variables
    scene = scene_of(function, start, plots, preset, results, view)
    single = len(plots) == 1
    if scene is not None and scene.dims == 1:
        title = tr("f({v}) and the hiker's positions", v=names[0]) if single else tr("f({v}) and every run's positions", v=names[0])
        blocks.append(P.curve_view(scene.f1, [(r.label, r.points[:, 0], r.diverged) for r in scene.runs],
                                   width=w, height=h, color=color, window=scene.window[0],
                                   minima=[m[0] for m in scene.minima], title=title, xlabel=names[0],
                                   ylabel=f"f({names[0]})"))
    elif scene is not None:
        title = (tr("map of f with the hiker's path from S (start) to E (end)") if single
                 else tr("map of f with every run's path from S (start)"))
        blocks.append(P.map_view(scene.f2, [(r.label, r.points) for r in scene.runs], width=w, height=h + 4,
                                 color=color, window=scene.window, minima=scene.minima, style=scene.style,
                                 equal=not scene.given, title=title, xlabel=names[0], ylabel=names[1]))
    diverged = [r.label for r in scene.runs if r.diverged] if scene is not None else \
        [label for label, r in zip(plots, results or []) if r.status == "diverged"]
    series = {label: (keep.series()[0], keep.series()[2]) for label, keep in plots.items()}
    blocks.append(P.value_vs_step(series, width=w, height=h, color=color, diverged=diverged,
                                  title=tr("f against step") if single else tr("f against step, every run")))
    if single and function.dimension > 2:
        (label, keep), = plots.items()
        blocks.append(P.value_vs_step({label: (keep.series()[0], keep.norms_series())}, width=w, height=h, color=color,
                                      ylabel="‖∇f‖", title=tr("‖∇f‖ against step: how steep the ground still is")))
    return blocks


def save_plots(path: str, function, start, plots: dict, preset, results, view=None) -> None:
    """--save-plot: a figure (.svg, .png) with matplotlib, else the terminal's plots as text or HTML."""
    from gdsim.render.figures import is_figure, write_figure
    from gdsim.render.plot_file import write_plot_file

    if not is_figure(path):
        write_plot_file(path, plot_blocks(function, start, plots, preset, False, 100, results, view))
        return
    from gdsim.expr.printing import pretty

    scene = scene_of(function, start, plots, preset, results, view)
    names = function.variables
    single = len(plots) == 1
    if scene is not None and scene.dims == 1:
        scene_title = tr("f({v}) and the hiker's positions", v=names[0]) if single else tr("f({v}) and every run's positions", v=names[0])
    else:
        scene_title = tr("map of f with the hiker's path") if single else tr("map of f with every run's path")
    text = function.text if function.expr is None else f"f({', '.join(names)}) = {pretty(function.expr)}"
    series = {label: (keep.series()[0], keep.series()[2]) for label, keep in plots.items()}
    diverged = [label for label, r in zip(plots, results or []) if r.status == "diverged"]
    write_figure(path, scene, series, diverged, title=text, scene_title=scene_title,
                 value_title=tr("f against step") if single else tr("f against step, every run"))
