"""Terminal plots of a run: the curve or contour map with the hiker's path, f against step, data with a fitted line.

Every function returns a string whose lines fit in `width` columns and never prints; plotext keeps
global state, so each plot clears it before and after drawing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import plotext as plt

# Characters for low to high values of f in the contour view; letters are kept for the path.
RAMP = " .:-=+*#%@"
# One marker per series: colourless plots draw every series alike, so the glyph tells them apart.
SERIES_MARKERS = ("•", "+", "x", "o", "*", "#", "~", "^")
# Enough points to draw any terminal plot faithfully, few enough to build it quickly.
MAX_POINTS = 2000
MIN_WIDTH = 20
MIN_HEIGHT = 8

# 256-colour codes, used only when colour is asked for.
_SERIES_COLORS = (12, 9, 10, 13, 14, 11, 208, 244)
_CURVE_COLOR, _STEP_COLOR, _START_COLOR, _END_COLOR = 12, 13, 10, 9
_RAMP_COLORS = (238, 54, 55, 61, 67, 73, 72, 106, 148, 184)
_PATH_COLOR = 203
_RESET = "\x1b[0m"
_LARGEST = 1e300
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plot_size(console_width: int, rows: int = 20) -> tuple[int, int]:
    """Width and height of a plot for a console: at most 100 columns, at least 40, and not too tall."""
    width = max(40, min(int(console_width), 100))
    height = max(10, min(int(rows), width // 3 + 4, 30))
    return width, height


def downsample(steps: Sequence[float], values: Sequence[float],
               max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most `max_points` points of a series, always the first and the last.

    The series is cut into equal buckets and each keeps its lowest and highest value,
    so the spikes of a noisy SGD curve survive the thinning.
    """
    steps = np.asarray(steps, dtype=float)
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n <= max_points:
        return steps, values
    buckets = max(1, (max_points - 2) // 2)
    edges = np.linspace(1, n - 1, buckets + 1).astype(int)
    keep = [0, n - 1]
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi > lo:
            chunk = values[lo:hi]
            keep += [lo + int(np.argmin(chunk)), lo + int(np.argmax(chunk))]
    index = np.unique(keep)
    return steps[index], values[index]


def uses_log_scale(values: np.ndarray) -> bool:
    """The automatic rule: log scale when every finite value is positive and they span more than two decades."""
    finite = values[np.isfinite(values)]
    return finite.size > 0 and bool(finite.min() > 0) and bool(finite.max() > 100 * finite.min())


def curve_with_points(f: Callable[[np.ndarray], np.ndarray], xs_visited: Sequence[float], *,
                      width: int, height: int, color: bool, window: tuple[float, float] | None = None,
                      title: str | None = None, xlabel: str = "x", ylabel: str = "f(x)") -> str:
    """The curve f(x) over a window around the visited points, with the hiker's positions on it."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(width, height)
    xs = np.asarray(xs_visited, dtype=float).ravel()
    fx = _evaluate(f, xs)
    visited = _plottable(xs) & _plottable(fx)
    if window is not None:
        lo, hi = _interval(*window)
    elif visited.any():
        lo, hi = _around(xs[visited])
    else:
        return _note("nothing to plot: f has no finite value at the visited points", width)
    # 'S' and 'E' mark the real start and end only: a point that cannot be drawn is not replaced by a neighbour.
    shown = visited & (xs >= lo) & (xs <= hi)
    middle = np.flatnonzero(shown[1:-1]) + 1
    px, py = xs[shown], fx[shown]

    grid = np.linspace(lo, hi, max(200, 4 * width))
    fy = _evaluate(f, grid)
    defined = _plottable(fy)
    cx, cy = grid[defined], fy[defined]
    if cx.size == 0 and px.size == 0:
        return _note(f"nothing to plot: f has no finite value on [{_g(lo)}, {_g(hi)}]", width)
    ylo, yhi = _padded(*_bounds(np.concatenate([cy, py])))

    def draw(fig):
        if cx.size:
            fig.draw(_signal(fig, cx, cy, "braille", _CURVE_COLOR, lines=True))
        if middle.size:
            fig.draw(_signal(fig, *downsample(xs[middle], fx[middle]), "o", _STEP_COLOR))
        if xs.size and shown[0]:
            fig.draw(_signal(fig, xs[:1], fx[:1], "S", _START_COLOR))
        if xs.size and shown[-1]:
            fig.draw(_signal(fig, xs[-1:], fx[-1:], "E", _END_COLOR))

    legend = [("──", f"{ylabel}", _CURVE_COLOR), ("S", "start", _START_COLOR),
              ("o", "steps", _STEP_COLOR), ("E", "end", _END_COLOR)]
    return _plotext_plot(draw, width=width, height=height, color=color, title=title,
                         xlabel=xlabel, ylabel=ylabel, xlim=(lo, hi), ylim=(ylo, yhi), legend=legend)


def value_vs_step(series: Mapping[str, tuple[Sequence[int], Sequence[float]]], *, width: int, height: int,
                  color: bool, log: bool | None = None, title: str | None = None, ylabel: str = "f",
                  xlabel: str = "step") -> str:
    """f against step for one run or an overlay of several, each series with its own marker.

    On a log scale the plot shows log10 of the values with ticks labelled as powers of ten.
    """
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(width, height)
    cleaned = {}
    for label, (steps, values) in series.items():
        cleaned[label] = _finite_pairs(steps, values)
    every_value = np.concatenate([v for _, v in cleaned.values()] or [np.empty(0)])
    if every_value.size == 0:
        return _note("nothing to plot: no finite values", width)
    if log is None:
        log = uses_log_scale(every_value)
    if log:
        # log10 of the values on a linear axis: plotext's own log axis cannot show zero or below.
        cleaned = {label: (s[v > 0], np.log10(v[v > 0])) for label, (s, v) in cleaned.items()}
        every_value = np.concatenate([v for _, v in cleaned.values()])
        if every_value.size == 0:
            return _note("nothing to plot on a log scale: no positive values", width)
    cleaned = {label: downsample(s, v) for label, (s, v) in cleaned.items()}

    every_step = np.concatenate([s for s, _ in cleaned.values() if s.size])
    xlim = _interval(*_bounds(every_step))
    if log:
        ylim = _padded(*_bounds(every_value))
        if math.floor(ylim[1]) - math.ceil(ylim[0]) < 1:
            # Less than a decade shown: widen to whole powers of ten so that two ticks can be labelled.
            ylim = (math.floor(every_value.min()), math.ceil(every_value.max()))
            ylim = ylim if ylim[1] > ylim[0] else (ylim[0] - 1, ylim[1] + 1)
    else:
        ylim = _padded(*_bounds(every_value))

    markers = {label: (SERIES_MARKERS[i % len(SERIES_MARKERS)], _SERIES_COLORS[i % len(_SERIES_COLORS)])
               for i, label in enumerate(cleaned)}

    def draw(fig):
        for label, (steps, values) in cleaned.items():
            if steps.size:
                glyph, code = markers[label]
                fig.draw(_signal(fig, steps, values, glyph, code, lines=True))

    legend = [(glyph, label, code) for label, (glyph, code) in markers.items() if label]
    return _plotext_plot(draw, width=width, height=height, color=color, title=title, xlabel=xlabel,
                         ylabel=f"{ylabel} (log scale)" if log else ylabel, xlim=xlim, ylim=ylim,
                         legend=legend, integer_x=True, log_y=log)


def data_with_line(x: Sequence[float], y: Sequence[float], line_x: Sequence[float], line_y: Sequence[float], *,
                   width: int, height: int, color: bool, title: str | None = None,
                   xlabel: str = "x", ylabel: str = "y") -> str:
    """The data of a one-feature fit as points, with the fitted line through them."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(width, height)
    dx, dy = _finite_pairs(x, y)
    lx, ly = _finite_pairs(line_x, line_y)
    if dx.size == 0 and lx.size == 0:
        return _note("nothing to plot: no finite data", width)
    if dx.size > MAX_POINTS:
        # A scatter has no order to preserve spikes in: an even stride keeps its shape.
        index = np.linspace(0, dx.size - 1, MAX_POINTS).astype(int)
        dx, dy = dx[index], dy[index]
    xlim = _interval(*_bounds(np.concatenate([dx, lx])))
    ylim = _padded(*_bounds(np.concatenate([dy, ly])))

    def draw(fig):
        if dx.size:
            fig.draw(_signal(fig, dx, dy, "•", _SERIES_COLORS[0]))
        if lx.size:
            fig.draw(_signal(fig, lx, ly, "braille", _SERIES_COLORS[1], lines=True))

    legend = [("•", "data", _SERIES_COLORS[0]), ("──", "fitted line", _SERIES_COLORS[1])]
    return _plotext_plot(draw, width=width, height=height, color=color, title=title,
                         xlabel=xlabel, ylabel=ylabel, xlim=xlim, ylim=ylim, legend=legend)


def steps_against_value(values: Sequence[float], steps: Sequence[int], statuses: Sequence[str], *, width: int,
                        height: int, color: bool, limit: float | None = None, log_x: bool = False,
                        title: str | None = None, xlabel: str = "lr", ylabel: str = "steps",
                        labels: Mapping[str, str] | None = None) -> str:
    """A sweep in one picture: steps taken against the swept value, one marker per outcome.

    Converged runs are dots at their step count, runs stopped at --max-steps crosses at theirs, and
    diverged runs are drawn at the top edge (their step count would stretch the scale of the rest).
    `limit` (2/λ_max for gd) is a vertical line. `labels` translates the legend's words.
    """
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(width, height)
    words = {"converged": "converged", "max_steps": "max_steps", "diverged": "diverged (drawn at the top)",
             "limit": "2/λ_max", **(labels or {})}
    xs = np.asarray(values, dtype=float)
    ys = np.asarray(steps, dtype=float)
    kinds = np.asarray(statuses)
    if log_x:
        with np.errstate(all="ignore"):
            xs = np.log10(xs)
    shown = _plottable(xs)
    if not shown.any():
        return _note("nothing to plot: no finite values", width)
    xlim = _interval(*_bounds(xs[shown]))
    if log_x:
        xlim = (math.floor(xlim[0]), math.ceil(xlim[1])) if math.ceil(xlim[1]) > math.floor(xlim[0]) else (xlim[0] - 1, xlim[1] + 1)
    else:
        pad = 0.03 * (xlim[1] - xlim[0])
        xlim = (xlim[0] - pad, xlim[1] + pad)
    ended = shown & (kinds != "diverged")
    top = float(ys[ended].max()) if ended.any() else 1.0
    ylim = (0.0, max(1.0, top) * 1.08)
    ys = np.where(kinds == "diverged", ylim[1], ys)
    line_x = None
    if limit is not None and math.isfinite(limit) and limit > 0:
        at = math.log10(limit) if log_x else limit
        line_x = at if xlim[0] <= at <= xlim[1] else None
    series = [("converged", "•", _SERIES_COLORS[0]), ("max_steps", "+", _SERIES_COLORS[5]), ("diverged", "x", _SERIES_COLORS[1])]

    def draw(fig):
        if line_x is not None:
            fig.draw(_signal(fig, [line_x] * 2, list(ylim), "braille", _END_COLOR, lines=True))
        for status, glyph, code in series:
            pick = shown & (kinds == status)
            if pick.any():
                fig.draw(_signal(fig, xs[pick], ys[pick], glyph, code))

    legend = [(glyph, words[status], code) for status, glyph, code in series if (shown & (kinds == status)).any()]
    if line_x is not None:
        legend.append(("│", f"{words['limit']} = {_g(limit)}", _END_COLOR))
    return _plotext_plot(draw, width=width, height=height, color=color, title=title, xlabel=xlabel, ylabel=ylabel,
                         xlim=xlim, ylim=ylim, legend=legend, log_x=log_x)


def contour_view(f2: Callable[[np.ndarray, np.ndarray], np.ndarray], path_xy: Sequence[Sequence[float]], *,
                 width: int, height: int, color: bool,
                 window: tuple[tuple[float, float], tuple[float, float]] | None = None,
                 title: str | None = None, xlabel: str = "x", ylabel: str = "y") -> str:
    """A map of f(x, y) as a character ramp with the hiker's path on top, drawn as plain text.

    Each cell shows the average rank of f over a few samples inside it, so a steep valley such as
    Rosenbrock's keeps its shape instead of vanishing under the largest values.
    """
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(width, height)
    path = np.asarray(path_xy, dtype=float).reshape(-1, 2)
    drawable = _plottable(path).all(axis=1)
    ends = (len(path) > 0 and drawable[0], len(path) > 0 and drawable[-1])
    path = path[drawable]
    if window is not None:
        (xlo, xhi), (ylo, yhi) = _interval(*window[0]), _interval(*window[1])
    elif len(path):
        (xlo, xhi), (ylo, yhi) = _around(path[:, 0], path[:, 1])
    else:
        return _note("nothing to plot: the path has no finite point", width)

    legend_items = [(" ", f'low "{RAMP}" high (rank of f)', None), ("S", "start", _START_COLOR),
                    ("o", "step", _PATH_COLOR), ("•", "path", _PATH_COLOR), ("E", "end", _END_COLOR)]
    # The header, the axis and the tick labels take one row each; the legend may wrap.
    rows = height - 3 - len(_legend_lines(legend_items + [("?", "undefined", None)], width, color=False))
    y_ticks = _ticks(ylo, yhi, max(2, rows // 3 + 1))
    y_labels = [_tick_label(v, y_ticks) for v in y_ticks]
    margin = max(len(s) for s in y_labels) + 1
    cols = width - margin
    if rows < 3 or cols < 10:
        return _too_small(width, height)

    cell_w, cell_h = (xhi - xlo) / cols, (yhi - ylo) / rows
    levels = _cell_levels(f2, xlo, yhi, cell_w, cell_h, rows, cols)
    undefined = np.isnan(levels)
    ramp_index = np.minimum((np.nan_to_num(levels) * len(RAMP)).astype(int), len(RAMP) - 1)
    cells = [[RAMP[i] for i in row] for row in ramp_index]
    codes = [[_RAMP_COLORS[i] for i in row] for row in ramp_index]
    for r, c in zip(*np.nonzero(undefined)):
        cells[r][c], codes[r][c] = "?", None
    _draw_path(cells, codes, path, ends, xlo, yhi, cell_w, cell_h)

    tick_rows = {}
    for value, label in zip(y_ticks, y_labels):
        tick_rows.setdefault(_cell(value, ylo, yhi, rows, flip=True), label)
    lines = [_header(title, ylabel, width)]
    for r in range(rows):
        label = tick_rows.get(r)
        axis = (label.rjust(margin - 1) + "┤") if label is not None else " " * (margin - 1) + "│"
        lines.append(axis + _join_cells(cells[r], codes[r], color))

    x_ticks = _ticks(xlo, xhi, max(2, cols // 10))
    bottom = [" "] * (margin - 1) + ["└"] + ["─"] * cols
    under = [" "] * width
    xlabel = _fit(xlabel, max(1, width // 4))
    room = width - len(xlabel) - 1
    for value in x_ticks:
        column = margin + _cell(value, xlo, xhi, cols)
        label = _tick_label(value, x_ticks)
        start = max(margin, column - len(label) // 2)
        if start + len(label) <= room and all(ch == " " for ch in under[max(0, start - 1):start + len(label) + 1]):
            under[start:start + len(label)] = label
            bottom[column] = "┬"
    under[width - len(xlabel):] = xlabel
    lines += ["".join(bottom), "".join(under).rstrip()]
    if undefined.any():
        legend_items.append(("?", "undefined", None))
    return "\n".join(lines + _legend_lines(legend_items, width, color))


# ---- plotext plots -------------------------------------------------------------------------------------------------

def _plotext_plot(draw, *, width, height, color, title, xlabel, ylabel, xlim, ylim, legend,
                  integer_x=False, log_y=False, log_x=False) -> str:
    """Build one plotext figure into a string: frame, explicit ticks, the signals from `draw`, a legend below."""
    legend_lines = _legend_lines(legend, width, color)
    height -= len(legend_lines)
    if height < 6:
        return _too_small(width, height + len(legend_lines))
    labelled = width >= 40 and height >= 10
    rows = height - 3 - (1 if title else 0) - (1 if labelled else 0)
    if log_y:
        y_ticks = _log_ticks(*ylim, max(2, rows // 2 + 1))
        y_labels = [f"1e{int(v)}" for v in y_ticks]
    else:
        y_ticks = _ticks(*ylim, max(2, rows // 3 + 1))
        y_labels = [_tick_label(v, y_ticks) for v in y_ticks]
    cols = width - max(len(s) for s in y_labels) - 2
    if log_x:  # x holds log10 of the values, labelled as powers of ten
        x_ticks = _log_ticks(*xlim, max(2, cols // 8))
        x_labels = [f"1e{int(v)}" for v in x_ticks]
    else:
        x_ticks, x_labels = _x_ticks(*xlim, cols, integer_x)

    fig = plt.figure
    fig.clear()
    try:
        # The caller chose the size: plotext must not shrink it to the terminal it happens to find.
        plt.terminal.limit(False, False)
        fig.plot_size(width, height)
        fig.theme("simple" if color else "colorless")
        if title:
            fig.title(_fit(title, width - 2))
        if labelled:
            fig.label(xlabel, axis="x")
            fig.label(ylabel, axis="y")
        fig.ruler("x").lim(*xlim)
        fig.ruler("y").lim(*ylim)
        fig.ruler("x").ticks(list(x_ticks), x_labels)
        fig.ruler("y").ticks(list(y_ticks), y_labels)
        draw(fig)
        text = fig.build().string(colorless=not color)
    finally:
        fig.clear()
    lines = text.rstrip("\n").split("\n")
    if not color:
        lines = [line.rstrip() for line in lines]
    return "\n".join(lines + legend_lines)


def _signal(fig, xs, ys, glyph, code, lines=False):
    """A plotext signal of the points with one marker, joined by lines when asked."""
    signal = fig.signal([float(v) for v in xs], [float(v) for v in ys], marker=plt.marker(glyph, pixel=code))
    if lines and len(xs) > 1:
        signal.lines()
    return signal


def _x_ticks(lo, hi, cols, integer):
    """Tick positions and labels along x, as many as fit without the labels touching."""
    count = max(2, cols // 8)
    while True:
        ticks = _ticks(lo, hi, count, integer)
        labels = [_tick_label(v, ticks) for v in ticks]
        if count <= 2 or max(len(s) for s in labels) + 3 <= cols / max(1, len(ticks) - 1):
            return ticks, labels
        count -= 1


# ---- the contour view ----------------------------------------------------------------------------------------------

def _cell_levels(f2, xlo, yhi, cell_w, cell_h, rows, cols, oversample=3):
    """Each cell's mean rank of f over oversample² points in it, from 0 (lowest) to 1; NaN where f is undefined."""
    xs = xlo + (np.arange(cols * oversample) + 0.5) * cell_w / oversample
    ys = yhi - (np.arange(rows * oversample) + 0.5) * cell_h / oversample
    grid_x, grid_y = np.meshgrid(xs, ys)
    values = _evaluate(f2, grid_x, grid_y)
    known = ~np.isnan(values)
    ordered = np.sort(values[known])
    if ordered.size == 0:
        return np.full((rows, cols), np.nan)
    # The mid-rank of ties, so that a flat region gets one level instead of an arbitrary spread.
    rank = (np.searchsorted(ordered, values, "left") + np.searchsorted(ordered, values, "right")) / 2 / ordered.size
    rank = np.where(known, rank, 0.0).reshape(rows, oversample, cols, oversample)
    counts = known.reshape(rows, oversample, cols, oversample).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, rank.sum(axis=(1, 3)) / counts, np.nan)


def _draw_path(cells, codes, path, ends, xlo, yhi, cell_w, cell_h):
    """Draw the path on the cells: segments '•', points 'o', then 'S' and 'E' where `ends` says they are drawable."""
    rows, cols = len(cells), len(cells[0])
    if len(path) == 0:
        return
    if len(path) > MAX_POINTS:
        index = np.unique(np.linspace(0, len(path) - 1, MAX_POINTS).astype(int))
        path = path[index]
    u = (path[:, 0] - xlo) / cell_w
    v = (yhi - path[:, 1]) / cell_h

    def put(us, vs, glyph, code):
        # A point on the far edge of the window belongs to the last cell, not outside it.
        inside = (us >= 0) & (us <= cols) & (vs >= 0) & (vs <= rows)
        for c, r in zip(np.minimum(us[inside], cols - 1).astype(int), np.minimum(vs[inside], rows - 1).astype(int)):
            cells[r][c], codes[r][c] = glyph, code

    if len(path) > 1:
        du, dv = np.diff(u), np.diff(v)
        samples = np.clip(np.ceil(2 * np.maximum(np.abs(du), np.abs(dv))), 1, 4 * (rows + cols)).astype(int)
        segment = np.repeat(np.arange(len(du)), samples)
        first = np.repeat(np.cumsum(samples) - samples, samples)
        t = (np.arange(samples.sum()) - first + 0.5) / samples[segment]
        put(u[segment] + t * du[segment], v[segment] + t * dv[segment], "•", _PATH_COLOR)
    put(u, v, "o", _PATH_COLOR)
    if ends[0]:
        put(u[:1], v[:1], "S", _START_COLOR)
    if ends[1]:
        put(u[-1:], v[-1:], "E", _END_COLOR)


def _cell(value, lo, hi, count, flip=False):
    """The index of the cell holding `value` among `count` equal cells over [lo, hi], counted from hi when flipped."""
    fraction = (hi - value) / (hi - lo) if flip else (value - lo) / (hi - lo)
    return min(max(int(fraction * count), 0), count - 1)


def _join_cells(chars, codes, color):
    """One row of the map, coloured in runs of the same colour when asked."""
    if not color:
        return "".join(chars)
    out, run, run_code = [], [], None
    for ch, code in zip(chars + [None], codes + [-1]):
        if code != run_code and run:
            text = "".join(run)
            out.append(_paint(text, run_code) if run_code is not None else text)
            run = []
        run_code = code
        if ch is not None:
            run.append(ch)
    return "".join(out)


def _header(title, ylabel, width):
    """The top line of the map: the y axis name on the left and the title centred."""
    line = _fit(ylabel, width)
    if title:
        text = _fit(title, width - len(line) - 2)
        start = max(len(line) + 2, (width - len(text)) // 2)
        line = line.ljust(start) + text
    return line


# ---- shared helpers ------------------------------------------------------------------------------------------------

def _evaluate(f, *args) -> np.ndarray:
    """f at the given arrays as floats of the same shape; NaN where f fails, without warnings."""
    shape = np.shape(args[0])
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(f(*args), dtype=float)
        if values.size == math.prod(shape):
            return values.reshape(shape)
        return np.broadcast_to(values, shape).copy()
    except (ArithmeticError, ValueError, TypeError):
        return np.full(shape, np.nan)


def _finite_pairs(xs, ys):
    """The (x, y) pairs where both can be plotted, as two float arrays."""
    xs = np.asarray(xs, dtype=float).ravel()
    ys = np.asarray(ys, dtype=float).ravel()
    n = min(xs.size, ys.size)
    xs, ys = xs[:n], ys[:n]
    keep = _plottable(xs) & _plottable(ys)
    return xs[keep], ys[keep]


def _plottable(values):
    """Finite and not near the float limit, where plotext's own arithmetic overflows and aborts."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (np.abs(values) <= _LARGEST)


def _bounds(values):
    return (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)


def _interval(lo, hi):
    """A usable axis range from two ends: ordered, finite and never empty."""
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    # Ends near the float limit would make the span overflow to infinity.
    lo, hi = max(min(lo, hi), -_LARGEST), min(max(lo, hi), _LARGEST)
    span = hi - lo
    if span <= 1e-9 * max(abs(lo), abs(hi)) or span < 1e-200:
        pad = abs(lo) * 0.5 if abs(lo) > 1e-200 else 1.0
        return lo - pad, hi + pad
    return lo, hi


def _padded(lo, hi):
    """A y range with a little room above and below, so the extreme values do not sit on the frame."""
    lo, hi = _interval(lo, hi)
    pad = 0.03 * (hi - lo)
    return lo - pad, hi + pad


def _around(*coordinates):
    """A window around the visited points with a 15% margin; a flat direction borrows the other's extent."""
    spans = [float(c.max() - c.min()) for c in coordinates]
    windows = []
    for c, span in zip(coordinates, spans):
        lo, hi = float(c.min()), float(c.max())
        pad = 0.15 * span if span > 0 else max(0.5 * max(spans), 0.5 * abs(lo), 1.0)
        windows.append(_interval(lo - pad, hi + pad))
    return windows if len(windows) > 1 else windows[0]


def _ticks(lo, hi, count, integer=False):
    """Round tick values (1, 2, 2.5 or 5 times a power of ten apart) inside [lo, hi], about `count` of them."""
    raw = (hi - lo) / max(1, count - 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, math.ceil(step))
    first = math.ceil(lo / step - 1e-9) * step
    ticks = first + step * np.arange(int(math.floor((hi - first) / step + 1e-9)) + 1)
    return ticks if ticks.size else np.array([lo])


def _log_ticks(lo, hi, count):
    """Whole powers of ten from lo to hi (as exponents), every one or every few so at most `count` remain."""
    every = next(k for k in (1, 2, 3, 5, 10, 20, 50, 100, 10 ** 9) if (hi - lo) / k + 1 <= count)
    ticks = np.arange(math.ceil(lo / every) * every, math.floor(hi / every) * every + 1, every)
    # No multiple of a wide spacing may fall inside a short range: one whole power still does.
    return ticks if ticks.size else np.array([math.ceil(lo)])


def _tick_label(value, ticks):
    """A tick label with just enough digits to tell it from its neighbours."""
    step = float(np.min(np.diff(ticks))) if len(ticks) > 1 else max(abs(float(value)), 1.0)
    if abs(value) < step * 1e-6:
        return "0"
    biggest = max(abs(float(ticks[0])), abs(float(ticks[-1])))
    if 1e-3 <= biggest < 1e5:
        decimals = next((d for d in range(10) if abs(round(step, d) - step) <= 1e-9 * step), 10)
        return f"{value:.{decimals}f}"
    digits = max(1, math.floor(math.log10(biggest)) - math.floor(math.log10(step)) + 1)
    return _g(value, min(digits, 6))


def _g(value, digits=4):
    """A compact number: 1e-05 becomes 1e-5."""
    text = f"{value:.{digits}g}"
    mantissa, _, exponent = text.partition("e")
    return mantissa if not exponent else f"{mantissa}e{int(exponent)}"


def _legend_lines(items, width, color):
    """Legend entries "glyph label" joined by two spaces, wrapped to the width."""
    lines, line = [], ""
    for glyph, label, code in items:
        entry = _fit(f"{glyph} {label}" if glyph.strip() else label, width)
        painted = _paint(glyph, code) + entry[len(glyph):] if color and code is not None and glyph.strip() else entry
        if line and _visible_length(line) + 2 + len(entry) > width:
            lines.append(line)
            line = ""
        line = f"{line}  {painted}" if line else painted
    return lines + [line] if line else lines


def _visible_length(text):
    return len(_ANSI.sub("", text))


def _paint(text, code):
    return f"\x1b[38;5;{code}m{text}{_RESET}"


def _fit(text, width):
    """The text cut to `width` characters, with an ellipsis when cut."""
    text = str(text)
    if width <= 0:
        return ""
    return text if len(text) <= width else text[:width - 1] + "…"


def _note(text, width):
    return _fit(f"({text})", max(width, 1))


def _too_small(width, height):
    return _note(f"no room for a plot in {width}x{height} characters", width)
