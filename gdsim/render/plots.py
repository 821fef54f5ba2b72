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

from gdsim.i18n import tr

# Characters for low to high values of f in the contour view; letters are kept for the path.
RAMP = " .:-=+*#%@"
# One marker per series: colourless plots draw every series alike, so the glyph tells them apart.
SERIES_MARKERS = ("•", "+", "x", "o", "#", "~", "^", "%")  # '*' is kept for the minima
# Enough points to draw any terminal plot faithfully, few enough to build it quickly.
MAX_POINTS = 2000
MIN_WIDTH = 20
MIN_HEIGHT = 8

# 256-colour codes, used only when colour is asked for.
_SERIES_COLORS = (12, 9, 10, 13, 14, 11, 208, 244)
_CURVE_COLOR, _STEP_COLOR, _START_COLOR, _END_COLOR = 12, 13, 10, 9
_RAMP_COLORS = (238, 54, 55, 61, 67, 73, 72, 106, 148, 184)
_PATH_COLOR = 203
_TANGENT_COLOR, _MINIMUM_COLOR = 208, 11
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
    return curve_view(f, [("", xs_visited, False)], width=width, height=height, color=color, window=window,
                      title=title, xlabel=xlabel, ylabel=ylabel, tangent=False)


def curve_view(f: Callable[[np.ndarray], np.ndarray], runs: Sequence[tuple[str, Sequence[float], bool]], *,
               width: int, height: int, color: bool, window: tuple[float, float] | None = None,
               minima: Sequence[float] = (), tangent: bool = True, title: str | None = None,
               xlabel: str = "x", ylabel: str = "f(x)") -> str:
    """The curve f(x) over a window with every run's positions on it, each run with its own marker.

    `runs` holds (label, positions, diverged). One run is drawn S (start), o (steps), E (end), with the
    tangent line at the start (the slope the hiker feels first); several runs share S and each has its
    own marker. Known minima are marked `*`.
    """
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(width, height)
    paths = []
    for label, xs, diverged in runs:
        xs = np.asarray(xs, dtype=float).ravel()
        fx = _evaluate(f, xs)
        paths.append((label, xs, fx, _plottable(xs) & _plottable(fx), diverged))
    every_x = np.concatenate([xs[ok] for _, xs, _, ok, _ in paths] or [np.empty(0)])
    if window is not None:
        lo, hi = _interval(*window)
    elif every_x.size:
        lo, hi = _around(every_x)
    else:
        return _note(tr("nothing to plot: f has no finite value at the visited points"), width)

    grid = np.linspace(lo, hi, max(200, 4 * width))
    fy = _evaluate(f, grid)
    defined = _plottable(fy)
    cx, cy = grid[defined], fy[defined]
    shown_y = [cy]
    for _, xs, fx, ok, _ in paths:
        shown_y.append(fx[ok & (xs >= lo) & (xs <= hi)])
    minima = [m for m in minima if lo <= m <= hi]
    mx = np.asarray(minima, dtype=float)
    my = _evaluate(f, mx) if mx.size else np.empty(0)
    mx, my = mx[_plottable(my)], my[_plottable(my)]
    every_y = np.concatenate(shown_y + [my])
    if every_y.size == 0:
        return _note(tr("nothing to plot: f has no finite value on [{lo}, {hi}]", lo=_g(lo), hi=_g(hi)), width)
    ylo, yhi = _padded(*_bounds(every_y))
    walked = np.concatenate(shown_y[1:] + [my])
    if walked.size and cy.size:
        # The height of the walk and the valleys sets the scale; where the curve climbs above it, it leaves the top.
        top = float(walked.max()) + 0.25 * (float(walked.max()) - min(float(walked.min()), float(cy.min())))
        if top < yhi:
            ylo, yhi = _padded(min(float(cy.min()), float(walked.min())), top)
    pieces = _pieces(cx, cy, ylo, yhi)

    single = len(paths) == 1
    slope_line = None
    if single and tangent and paths[0][3].size and paths[0][3][0] and lo <= paths[0][1][0] <= hi:
        slope_line = _tangent(f, float(paths[0][1][0]), float(paths[0][2][0]), lo, hi, ylo, yhi)
    legend = [("──", ylabel, _CURVE_COLOR)]
    if slope_line is not None:
        legend.append(("╱", tr("slope at the start"), _TANGENT_COLOR))
    legend.append(("S", tr("start"), _START_COLOR))
    if single:
        legend += [("o", tr("each step"), _STEP_COLOR), ("E", tr("end"), _END_COLOR)]
    markers = []
    for i, (label, xs, _, ok, diverged) in enumerate(paths):
        glyph, code = (("o", _STEP_COLOR) if single else (SERIES_MARKERS[i % len(SERIES_MARKERS)],
                                                            _SERIES_COLORS[i % len(_SERIES_COLORS)]))
        markers.append((glyph, code))
        gone = bool(np.any(~ok | (xs < lo) | (xs > hi)))
        if not single:
            legend.append((glyph, label + (" " + tr("(leaves the window)") if gone else ""), code))
        elif gone:
            legend.append(("→", tr("the path leaves the window"), None))
    if mx.size:
        legend.append(("*", tr("minimum"), _MINIMUM_COLOR))

    def draw(fig):
        for px, py in pieces:
            fig.draw(_signal(fig, px, py, "braille", _CURVE_COLOR, lines=True))
        if slope_line is not None:
            fig.draw(_signal(fig, *slope_line, "braille", _TANGENT_COLOR, lines=True))
        # Later runs are drawn first so that the first run's marker stays on top where they meet.
        for (label, xs, fx, ok, _), (glyph, code) in reversed(list(zip(paths, markers))):
            inside = ok & (xs >= lo) & (xs <= hi)
            middle = np.flatnonzero(inside[1:-1]) + 1 if single else np.flatnonzero(inside)
            if middle.size:
                fig.draw(_signal(fig, *downsample(xs[middle], fx[middle]), glyph, code))
        if mx.size:
            fig.draw(_signal(fig, mx, my, "*", _MINIMUM_COLOR))
        # 'S' and 'E' mark the real start and end only: a point that cannot be drawn is not replaced by a neighbour.
        for _, xs, fx, ok, _ in paths[:1]:
            inside = ok & (xs >= lo) & (xs <= hi)
            if xs.size and inside[0]:
                fig.draw(_signal(fig, xs[:1], fx[:1], "S", _START_COLOR))
            if single and xs.size and inside[-1]:
                fig.draw(_signal(fig, xs[-1:], fx[-1:], "E", _END_COLOR))

    return _plotext_plot(draw, width=width, height=height, color=color, title=title,
                         xlabel=xlabel, ylabel=ylabel, xlim=(lo, hi), ylim=(ylo, yhi), legend=legend)


def _pieces(xs, ys, lo, hi):
    """The stretches of a curve that stay within [lo, hi], so no line is drawn across a gap."""
    inside = (ys >= lo) & (ys <= hi)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(int), [0]])))
    return [(xs[a:b], ys[a:b]) for a, b in zip(edges[::2], edges[1::2])]


def _tangent(f, x0, y0, lo, hi, ylo, yhi):
    """The tangent line at x0 over a fifth of the window, cut where it leaves the plot; None if it has no slope."""
    h = 1e-6 * max(1.0, abs(x0))
    ends = _evaluate(f, np.array([x0 - h, x0 + h]))
    slope = (ends[1] - ends[0]) / (2 * h)
    if not (math.isfinite(slope) and math.isfinite(y0)):
        return None
    half = 0.1 * (hi - lo)
    xs = np.linspace(max(lo, x0 - half), min(hi, x0 + half), 40)
    ys = y0 + slope * (xs - x0)
    keep = (ys >= ylo) & (ys <= yhi)
    return (xs[keep], ys[keep]) if keep.sum() >= 2 else None


def value_vs_step(series: Mapping[str, tuple[Sequence[int], Sequence[float]]], *, width: int, height: int,
                  color: bool, log: bool | None = None, title: str | None = None, ylabel: str = "f",
                  xlabel: str | None = None, diverged: Sequence[str] = ()) -> str:
    """f against step for one run or an overlay of several, each series with its own marker.

    On a log scale the plot shows log10 of the values with ticks labelled as powers of ten. The scale
    is set by the runs that did not diverge: a diverged run (named in `diverged`) is drawn up to the top
    edge and marked there with ▲, so it never squashes the others. A series that repeats an earlier one
    exactly says so in the legend, since it is hidden under it.
    """
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(width, height)
    xlabel = tr("step") if xlabel is None else xlabel
    cleaned = {}
    for label, (steps, values) in series.items():
        cleaned[label] = _finite_pairs(steps, values)
    every_value = np.concatenate([v for _, v in cleaned.values()] or [np.empty(0)])
    if every_value.size == 0:
        return _note(tr("nothing to plot: no finite values"), width)
    calm = [label for label in cleaned if label not in diverged and cleaned[label][1].size]
    scale_labels = calm if calm and len(calm) < len(cleaned) else list(cleaned)
    scale_values = np.concatenate([cleaned[label][1] for label in scale_labels])
    if log is None:
        log = uses_log_scale(scale_values)
    if log:
        # log10 of the values on a linear axis: plotext's own log axis cannot show zero or below.
        cleaned = {label: (s[v > 0], np.log10(v[v > 0])) for label, (s, v) in cleaned.items()}
        scale_values = np.concatenate([cleaned[label][1] for label in scale_labels])
        if scale_values.size == 0:
            return _note(tr("nothing to plot on a log scale: no positive values"), width)
    twins = _twins(cleaned)
    cleaned = {label: downsample(s, v) for label, (s, v) in cleaned.items()}

    every_step = np.concatenate([s for s, _ in cleaned.values() if s.size])
    xlim = _interval(*_bounds(every_step))
    if log:
        ylim = _padded(*_bounds(scale_values))
        if math.floor(ylim[1]) - math.ceil(ylim[0]) < 1:
            # Less than a decade shown: widen to whole powers of ten so that two ticks can be labelled.
            ylim = (math.floor(scale_values.min()), math.ceil(scale_values.max()))
            ylim = ylim if ylim[1] > ylim[0] else (ylim[0] - 1, ylim[1] + 1)
    else:
        ylim = _padded(*_bounds(scale_values))

    markers = {label: (SERIES_MARKERS[i % len(SERIES_MARKERS)], _SERIES_COLORS[i % len(_SERIES_COLORS)])
               for i, label in enumerate(cleaned)}
    # A run beyond the scale is drawn along the edge it left by, and its first point there is marked.
    edges = {}
    for label, (steps, values) in cleaned.items():
        out = (values > ylim[1]) | (values < ylim[0])
        if label in scale_labels or not out.any():
            continue
        first = int(np.argmax(out))
        edge = ylim[1] if values[first] > ylim[1] else ylim[0]
        edges[label] = (steps[first], edge, "▲" if edge == ylim[1] else "▼")
        cleaned[label] = (steps, np.clip(values, *ylim))

    def draw(fig):
        for label, (steps, values) in reversed(list(cleaned.items())):
            if steps.size:
                glyph, code = markers[label]
                fig.draw(_signal(fig, steps, values, glyph, code, lines=True))
        for label, (step, edge, arrow) in edges.items():
            fig.draw(_signal(fig, [step], [edge], arrow, markers[label][1]))

    legend = []
    for label, (glyph, code) in markers.items():
        if not label:
            continue
        if label in edges:
            label += " " + tr("(diverged: {arrow} off the scale)", arrow=edges[label][2])
        elif label in twins:
            label += " " + tr("(same f as {other})", other=twins[label])
        legend.append((glyph, label, code))
    return _plotext_plot(draw, width=width, height=height, color=color, title=title, xlabel=xlabel,
                         ylabel=tr("{name} (log scale)", name=ylabel) if log else ylabel, xlim=xlim, ylim=ylim,
                         legend=legend, integer_x=True, log_y=log)


def _twins(cleaned) -> dict[str, str]:
    """{label: the earlier label} for series whose values equal an earlier series' at the same steps."""
    twins = {}
    labels = list(cleaned)
    for i, label in enumerate(labels):
        steps, values = cleaned[label]
        for other in labels[:i]:
            s2, v2 = cleaned[other]
            if other not in twins and steps.size > 1 and np.array_equal(steps, s2) \
                    and np.allclose(values, v2, rtol=1e-9, atol=0):
                twins[label] = other
                break
    return twins


def data_with_line(x: Sequence[float], y: Sequence[float], line_x: Sequence[float], line_y: Sequence[float], *,
                   width: int, height: int, color: bool, title: str | None = None,
                   xlabel: str = "x", ylabel: str = "y") -> str:
    """The data of a one-feature fit as points, with the fitted line through them."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(width, height)
    dx, dy = _finite_pairs(x, y)
    lx, ly = _finite_pairs(line_x, line_y)
    if dx.size == 0 and lx.size == 0:
        return _note(tr("nothing to plot: no finite data"), width)
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

    legend = [("•", tr("data"), _SERIES_COLORS[0]), ("──", tr("fitted line"), _SERIES_COLORS[1])]
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
    """A map of f(x, y) as shaded bands (a character ramp) with one path on top."""
    return map_view(f2, [("", path_xy)], width=width, height=height, color=color, window=window, title=title,
                    xlabel=xlabel, ylabel=ylabel, style="shade", equal=False)


def map_view(f2: Callable[[np.ndarray, np.ndarray], np.ndarray], runs: Sequence[tuple[str, Sequence[Sequence[float]]]],
             *, width: int, height: int, color: bool,
             window: tuple[tuple[float, float], tuple[float, float]] | None = None,
             minima: Sequence[tuple[float, float]] = (), style: str = "lines", equal: bool = True,
             title: str | None = None, xlabel: str = "x", ylabel: str = "y", surface: str = "f") -> str:
    """A map of f(x, y) drawn as plain text with every run's path on top.

    style "lines" draws level curves (marching squares on the cells' corners, at levels spaced by rank so
    a steep valley such as Rosenbrock's keeps its curves); "shade" fills each cell with a character of a
    ramp from low to high by the mean rank of f in it. One run is drawn S (start), • (its way), o (its
    points), E (end); several runs share S and each has its own marker. Known minima are `*`. With
    `equal`, the window is widened in one direction so that a unit of x and of y take the same room
    on the screen (a character is about twice as tall as it is wide), when that costs at most 4×.
    """
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _too_small(width, height)
    paths, counts = [], []
    for label, path in runs:
        path = np.asarray(path, dtype=float).reshape(-1, 2)
        drawable = _plottable(path).all(axis=1)
        ends = (len(path) > 0 and bool(drawable[0]), len(path) > 0 and bool(drawable[-1]))
        paths.append((label, path[drawable], ends))
        counts.append(len(path))
    every = np.vstack([p for _, p, _ in paths] or [np.empty((0, 2))])
    if window is not None:
        (xlo, xhi), (ylo, yhi) = _interval(*window[0]), _interval(*window[1])
    elif len(every):
        (xlo, xhi), (ylo, yhi) = _around(every[:, 0], every[:, 1])
    else:
        return _note(tr("nothing to plot: the path has no finite point"), width)

    single = len(paths) == 1

    def legend_for(leaves):
        if style == "shade":
            items = [(" ", tr('low "{ramp}" high (rank of {f})', ramp=RAMP, f=surface), None)]
        else:
            items = [("╱", tr("level curves of {f}", f=surface), _RAMP_COLORS[5])]
        items.append(("S", tr("start"), _START_COLOR))
        for i, (label, _, _) in enumerate(paths):
            if not single:
                glyph = SERIES_MARKERS[i % len(SERIES_MARKERS)]
                items.append((glyph, label + (" " + tr("(leaves the window)") if leaves[i] else ""),
                              _SERIES_COLORS[i % len(_SERIES_COLORS)]))
        if single:
            items += [("o", tr("step"), _PATH_COLOR), ("•", tr("path"), _PATH_COLOR), ("E", tr("end"), _END_COLOR)]
            if leaves[0]:
                items.append(("→", tr("the path leaves the window"), None))
        if len(minima):
            items.append(("*", tr("minimum"), _MINIMUM_COLOR))
        return items

    markers = []
    for i in range(len(paths)):
        if single:
            markers.append(("•", "o", _PATH_COLOR))
        else:
            glyph = SERIES_MARKERS[i % len(SERIES_MARKERS)]
            markers.append(("·", glyph, _SERIES_COLORS[i % len(_SERIES_COLORS)]))
    # Room for the longest legend (every path leaving the window, and undefined cells).
    legend_items = legend_for([True] * len(paths))
    # The header, the axis and the tick labels take one row each; the legend may wrap.
    rows = height - 3 - len(_legend_lines(legend_items + [("?", tr("undefined"), None)], width, color=False))
    if rows < 3:
        return _too_small(width, height)
    for _ in range(2):  # the margin depends on the y labels, which depend on the equalised window
        y_ticks = _ticks(ylo, yhi, max(2, rows // 3 + 1))
        y_labels = [_tick_label(v, y_ticks) for v in y_ticks]
        margin = max(len(s) for s in y_labels) + 1
        cols = width - margin
        if cols < 10:
            return _too_small(width, height)
        if equal:
            (xlo, xhi), (ylo, yhi) = _equal_scales((xlo, xhi), (ylo, yhi), cols, rows)

    legend_items = legend_for([len(p) < count or bool(np.any((p[:, 0] < xlo) | (p[:, 0] > xhi) | (p[:, 1] < ylo) | (p[:, 1] > yhi)))
                               for (_, p, _), count in zip(paths, counts)])
    cell_w, cell_h = (xhi - xlo) / cols, (yhi - ylo) / rows
    if style == "shade":
        levels = _cell_levels(f2, xlo, yhi, cell_w, cell_h, rows, cols)
        undefined = np.isnan(levels)
        ramp_index = np.minimum((np.nan_to_num(levels) * len(RAMP)).astype(int), len(RAMP) - 1)
        cells = [[RAMP[i] for i in row] for row in ramp_index]
        codes = [[_RAMP_COLORS[i] for i in row] for row in ramp_index]
    else:
        cells, codes, undefined = _level_curves(f2, xlo, xhi, ylo, yhi, rows, cols)
    for r, c in zip(*np.nonzero(undefined)):
        cells[r][c], codes[r][c] = "?", None
    put = _putter(cells, codes, xlo, yhi, cell_w, cell_h)
    # Every run's way first, then every run's points, so one run's way never hides another's points;
    # the first run is drawn last, on top.
    for (label, path, ends), (segment, point, code) in reversed(list(zip(paths, markers))):
        _draw_path(put, path, (False, False), xlo, yhi, cell_w, cell_h, segment, None, code)
    for (label, path, ends), (segment, point, code) in reversed(list(zip(paths, markers))):
        _draw_path(put, path, (False, False), xlo, yhi, cell_w, cell_h, None, point, code)
    for x, y in minima:
        put(np.array([(x - xlo) / cell_w]), np.array([(yhi - y) / cell_h]), "*", _MINIMUM_COLOR)
    if single and len(paths[0][1]) and paths[0][2][1]:
        path = paths[0][1]
        put(np.array([(path[-1, 0] - xlo) / cell_w]), np.array([(yhi - path[-1, 1]) / cell_h]), "E", _END_COLOR)
    if paths and len(paths[0][1]) and paths[0][2][0]:
        path = paths[0][1]
        put(np.array([(path[0, 0] - xlo) / cell_w]), np.array([(yhi - path[0, 1]) / cell_h]), "S", _START_COLOR)

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
        legend_items.append(("?", tr("undefined"), None))
    return "\n".join(lines + _legend_lines(legend_items, width, color))


def map_window(window, width: int, height: int, legend_rows: int = 2):
    """The window a map of this size draws for `window` with equal scales (for tests and figures)."""
    (xlo, xhi), (ylo, yhi) = window
    rows = height - 3 - legend_rows
    y_ticks = _ticks(ylo, yhi, max(2, rows // 3 + 1))
    cols = width - max(len(_tick_label(v, y_ticks)) for v in y_ticks) - 1
    return _equal_scales((xlo, xhi), (ylo, yhi), cols, rows)


# A character cell is about twice as tall as it is wide.
_CELL_ASPECT = 2.0


def _equal_scales(xs, ys, cols, rows, most=4.0):
    """Widen x or y about its centre so one unit of each takes the same room; unchanged if that costs over `most`×."""
    (xlo, xhi), (ylo, yhi) = xs, ys
    per_col, per_row = (xhi - xlo) / cols, (yhi - ylo) / rows
    want_row = per_col * _CELL_ASPECT
    if per_row > want_row * (1 + 1e-9):
        grow = per_row / want_row
        if grow <= most:
            mid, half = (xlo + xhi) / 2, (xhi - xlo) / 2 * grow
            return (mid - half, mid + half), (ylo, yhi)
    elif per_row < want_row * (1 - 1e-9):
        grow = want_row / per_row
        if grow <= most:
            mid, half = (ylo + yhi) / 2, (yhi - ylo) / 2 * grow
            return (xlo, xhi), (mid - half, mid + half)
    return (xlo, xhi), (ylo, yhi)
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


def _putter(cells, codes, xlo, yhi, cell_w, cell_h):
    rows, cols = len(cells), len(cells[0])

    def put(us, vs, glyph, code):
        # A point on the far edge of the window belongs to the last cell, not outside it.
        inside = (us >= 0) & (us <= cols) & (vs >= 0) & (vs <= rows)
        for c, r in zip(np.minimum(us[inside], cols - 1).astype(int), np.minimum(vs[inside], rows - 1).astype(int)):
            cells[r][c], codes[r][c] = glyph, code

    put.size = (rows, cols)
    return put


def _draw_path(put, path, ends, xlo, yhi, cell_w, cell_h, segment="•", point="o", code=None):
    """Draw one path: `segment` along its way, `point` at its points (either None to leave it out), then
    'S' and 'E' where `ends` says they are drawable."""
    code = _PATH_COLOR if code is None else code
    if len(path) == 0:
        return
    if len(path) > MAX_POINTS:
        index = np.unique(np.linspace(0, len(path) - 1, MAX_POINTS).astype(int))
        path = path[index]
    u = (path[:, 0] - xlo) / cell_w
    v = (yhi - path[:, 1]) / cell_h
    if len(path) > 1 and segment is not None:
        du, dv = np.diff(u), np.diff(v)
        samples = np.clip(np.ceil(2 * np.maximum(np.abs(du), np.abs(dv))), 1, 4 * sum(put.size)).astype(int)
        segment_of = np.repeat(np.arange(len(du)), samples)
        first = np.repeat(np.cumsum(samples) - samples, samples)
        t = (np.arange(samples.sum()) - first + 0.5) / samples[segment_of]
        put(u[segment_of] + t * du[segment_of], v[segment_of] + t * dv[segment_of], segment, code)
    if point is not None:
        put(u, v, point, code)
    if ends[0]:
        put(u[:1], v[:1], "S", _START_COLOR)
    if ends[1]:
        put(u[-1:], v[-1:], "E", _END_COLOR)


# Marching squares: corners above the level as bits (top-left 8, top-right 4, bottom-right 2, bottom-left 1)
# give the edges the level curve crosses, drawn as the character closest to its direction.
_SQUARES = {1: "╲", 14: "╲", 2: "╱", 13: "╱", 3: "─", 12: "─", 4: "╲", 11: "╲", 6: "│", 9: "│",
            7: "╱", 8: "╱", 5: "┼", 10: "┼"}


def contour_levels(values: np.ndarray, count: int) -> np.ndarray:
    """Levels of f for level curves: low + span·t² for t evenly spaced, so a bowl's curves are evenly spaced
    circles; the span reaches the 90th percentile so that a few steep walls do not take every curve."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.empty(0)
    low, high = float(values.min()), float(np.quantile(values, 0.9))
    if not high > low:
        return np.unique(values)[:1]
    t = (np.arange(count) + 0.5) / count
    return low + (high - low) * t ** 2


def _level_curves(f2, xlo, xhi, ylo, yhi, rows, cols, count=None):
    """Cells holding the level curves of f: characters, colour codes (low to high), and where f is undefined."""
    xs = np.linspace(xlo, xhi, cols + 1)
    ys = np.linspace(yhi, ylo, rows + 1)
    corners = _evaluate(f2, *np.meshgrid(xs, ys))
    known = np.isfinite(corners)
    cells = [[" "] * cols for _ in range(rows)]
    codes = [[None] * cols for _ in range(rows)]
    quad = np.stack([corners[:-1, :-1], corners[:-1, 1:], corners[1:, 1:], corners[1:, :-1]])
    undefined = ~np.isfinite(quad).any(axis=0)
    values = corners[known]
    if values.size == 0:
        return cells, codes, undefined
    count = count or max(4, min(8, rows // 3))
    levels = contour_levels(values, count)
    filled = np.where(known, corners, np.nan)
    for k, level in enumerate(levels):
        above = (filled > level).astype(int)
        bits = 8 * above[:-1, :-1] + 4 * above[:-1, 1:] + 2 * above[1:, 1:] + 1 * above[1:, :-1]
        whole = np.isfinite(quad).all(axis=0)
        code = _RAMP_COLORS[min(len(_RAMP_COLORS) - 1, 1 + k * (len(_RAMP_COLORS) - 1) // max(1, len(levels) - 1))]
        for r, c in zip(*np.nonzero(whole & (bits > 0) & (bits < 15))):
            if cells[r][c] == " ":
                cells[r][c], codes[r][c] = _SQUARES[int(bits[r, c])], code
    return cells, codes, undefined


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
        text = _fit(title, width - _cells(line) - 2)
        start = max(_cells(line) + 2, (width - _cells(text)) // 2)
        line = line + " " * (start - _cells(line)) + text
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
        if line and _visible_length(line) + 2 + _cells(entry) > width:
            lines.append(line)
            line = ""
        line = f"{line}  {painted}" if line else painted
    return lines + [line] if line else lines


def _visible_length(text):
    return _cells(_ANSI.sub("", text))


def _cells(text):
    """Terminal columns of a text: East Asian wide characters (Korean) take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _paint(text, code):
    return f"\x1b[38;5;{code}m{text}{_RESET}"


def _fit(text, width):
    """The text cut to `width` characters, with an ellipsis when cut."""
    text = str(text)
    if width <= 0:
        return ""
    if _cells(text) <= width:
        return text
    while text and _cells(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _note(text, width):
    return _fit(f"({text})", max(width, 1))


def _too_small(width, height):
    return _note(tr("no room for a plot in {width}x{height} characters", width=width, height=height), width)
