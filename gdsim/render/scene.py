"""What a plot of a walk shows, decided once for the terminal and for figures: the window, the minima
marked in it, and every run's path.

The default window holds the start, every path that did not diverge and the minimum the walk is heading
for (a preset's, or one found by sampling f), centred on that minimum so the valley is seen whole; deeper
valleys near the path widen it, so a walk stuck in a local minimum is seen to be stuck.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from gdsim.errors import OptionError
from gdsim.i18n import tr

MAP_STYLES = ("lines", "shade")
_LARGEST = 1e12  # coordinates beyond this are not drawn: a window that wide shows nothing a student can read


@dataclass(frozen=True)
class View:
    """How the user asked to see the plots: a --window ({name: (low, high)}) and the --map style."""

    window: dict[str, tuple[float, float]] | None = None
    style: str = "lines"


@dataclass(frozen=True)
class RunPath:
    """One run as the plots see it: the label of its legend entry, the points walked (n × dims), f at
    each, the step numbers, and whether it diverged (its path may leave the window)."""

    label: str
    steps: np.ndarray
    points: np.ndarray
    values: np.ndarray
    diverged: bool = False


@dataclass(frozen=True)
class Scene:
    """The curve (one variable) or map (two) of f with every path: f takes an (n, dims) array of points."""

    names: tuple[str, ...]
    f: Callable[[np.ndarray], np.ndarray]
    window: tuple[tuple[float, float], ...]
    minima: tuple[tuple[float, ...], ...]
    runs: tuple[RunPath, ...]
    style: str = "lines"
    given: bool = False  # the window came from --window: keep it exactly
    notes: tuple[str, ...] = field(default=())

    @property
    def dims(self) -> int:
        return len(self.names)

    def f1(self, xs):
        """f of one variable over an array of x."""
        xs = np.asarray(xs, dtype=float)
        return _values(self.f, xs.reshape(-1, 1)).reshape(xs.shape)

    def f2(self, X, Y):
        """f of two variables over arrays X, Y of one shape."""
        X, Y = np.broadcast_arrays(np.asarray(X, dtype=float), np.asarray(Y, dtype=float))
        return _values(self.f, np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)


def parse_window(text: str | None, names: Sequence[str], parameters: bool = False) -> dict[str, tuple[float, float]] | None:
    """`x=A:B` or `x=A:B,y=C:D` as {name: (A, B)}; a bad part is refused with an error naming it."""
    if text is None:
        return None
    window: dict[str, tuple[float, float]] = {}
    parts = [p.strip() for p in str(text).split(",")]
    for part in parts:
        name, eq, bounds = part.partition("=")
        name = name.strip()
        if not eq or not name:
            raise OptionError(tr("--window: '{part}' is not NAME=LOW:HIGH, e.g. x=-2:2", part=part))
        if name not in names:
            if parameters:
                raise OptionError(tr("--window: '{name}' is not a parameter of the model ({names})", name=name, names=", ".join(names)))
            raise OptionError(tr("--window: '{name}' is not a variable of f ({names})", name=name, names=", ".join(names)))
        if name in window:
            raise OptionError(tr("--window: '{name}' is given twice", name=name))
        low, colon, high = bounds.partition(":")
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            lo = hi = math.nan
        if not colon or not (math.isfinite(lo) and math.isfinite(hi)):
            raise OptionError(tr("--window: '{part}' needs two numbers LOW:HIGH, e.g. {name}=-2:2", part=part, name=name))
        if not lo < hi:
            raise OptionError(tr("--window: in '{part}' LOW must be below HIGH", part=part))
        window[name] = (lo, hi)
    return window


def check_map_style(style: str) -> str:
    if style not in MAP_STYLES:
        raise OptionError(tr("--map: '{value}' is not one of lines, shade", value=style))
    return style


def check_window_names(window: dict | None, names: Sequence[str], parameters: bool = False) -> None:
    """A window for a plot that has one: every variable of a two-variable map, or the one of a curve."""
    if window is None:
        return
    if parameters and len(names) != 2:
        raise OptionError(tr("--window: the model has {n} parameters; only a model of two has a loss map", n=len(names)))
    if len(names) > 2:
        raise OptionError(tr("--window: f has {n} variables; only a curve (1) or a map (2) has a window", n=len(names)))
    missing = [n for n in names if n not in window]
    if missing:
        raise OptionError(tr("--window: give a range for {names} too, e.g. {example}", names=", ".join(missing),
                             example=",".join(f"{n}=-2:2" for n in names)))


def build_scene(names: Sequence[str], f, start, runs: Sequence[RunPath], *, known_minima=(), window=None,
                preset_window=None, style: str = "lines", grid: int | None = None) -> Scene:
    """The window and the minima to mark for the runs of one function of one or two variables."""
    names = tuple(names)
    dims = len(names)
    start = np.asarray(start, dtype=float).reshape(dims)
    known = [np.asarray(m, dtype=float).reshape(dims) for m in known_minima]
    if window is not None:
        box = tuple(tuple(map(float, window[n])) for n in names)
        lows, highs = np.array([b[0] for b in box]), np.array([b[1] for b in box])
        marks = [m for m in known if np.all(m >= lows) and np.all(m <= highs)]
        if not marks:
            marks = [m for m in _search(f, dims, lows, highs, grid) if np.all(m >= lows) and np.all(m <= highs)]
        return Scene(names, f, box, tuple(tuple(map(float, m)) for m in marks), tuple(runs), style, given=True)

    calm = [r for r in runs if not r.diverged]
    points = [start] + [p for r in calm for p in _drawable(r.points)]
    core = np.array(points)
    end = calm[0].points[-1] if calm and len(calm[0].points) and _finite(calm[0].points[-1]) else start
    lows, highs = core.min(axis=0), core.max(axis=0)

    # The minimum the walk heads for: a preset's nearest known one, else the nearest found by sampling f.
    reach = np.maximum(3 * (highs - lows), np.maximum(2 * np.maximum(np.abs(lows), np.abs(highs)), 1.0))
    reach = np.max(reach) * np.ones(dims)
    found = _search(f, dims, lows - reach, highs + reach, grid)
    candidates = known or found
    marks = []
    if candidates:
        target = min(candidates, key=lambda m: float(np.linalg.norm(m - end)))
        marks.append(target)
        lows, highs = np.minimum(lows, target), np.maximum(highs, target)
        # Centred on the minimum the walk heads for, so its valley shows on both sides.
        reach_out = np.maximum(target - lows, highs - target)
        lows, highs = target - reach_out, target + reach_out
        # A deeper valley near the path: the student must see that the walk may be stuck above it.
        level = _values(f, target.reshape(1, dims))[0]
        deeper = [m for m in found + known if _values(f, m.reshape(1, dims))[0] < level - 1e-9 * max(1.0, abs(level))]
        if deeper:
            marks.append(min(deeper, key=lambda m: float(np.linalg.norm(m - end))))
            lows, highs = np.minimum(lows, marks[-1]), np.maximum(highs, marks[-1])
    if preset_window is not None:
        lows = np.minimum(lows, [preset_window[n][0] for n in names])
        highs = np.maximum(highs, [preset_window[n][1] for n in names])
    spans = highs - lows
    # A diverged run's first strides show how it overshoots; further out they would only squash the rest.
    wide = 0.5 * (np.max(spans) if np.max(spans) > 0 else max(1.0, float(np.max(np.abs(start)))))
    reach_lo, reach_hi = lows - wide, highs + wide
    for r in runs:
        if r.diverged:
            for p in _drawable(r.points):
                if np.all(p >= reach_lo) and np.all(p <= reach_hi):
                    lows, highs = np.minimum(lows, p), np.maximum(highs, p)
    spans = highs - lows
    for i in range(dims):
        if spans[i] <= 0:
            # A flat direction borrows the other's extent, or the size of the numbers.
            pad = 0.5 * float(np.max(spans)) if np.max(spans) > 0 else max(0.5 * abs(lows[i]), 1.0)
            lows[i], highs[i] = lows[i] - pad, highs[i] + pad
    margin = 0.08 * (highs - lows)
    box = tuple((float(lo - m), float(hi + m)) for lo, hi, m in zip(lows, highs, margin))
    marks += [m for m in known if all(b[0] <= v <= b[1] for v, b in zip(m, box))
              and not any(np.allclose(m, k) for k in marks)]
    return Scene(names, f, box, tuple(tuple(map(float, m)) for m in marks), tuple(runs), style)


def _drawable(points):
    points = np.asarray(points, dtype=float)
    if points.size == 0:
        return points
    with np.errstate(invalid="ignore"):
        keep = np.all(np.isfinite(points) & (np.abs(points) <= _LARGEST), axis=1)
    return points[keep]


def _finite(point) -> bool:
    return bool(np.all(np.isfinite(point)) and np.all(np.abs(point) <= _LARGEST))


def _values(f, points: np.ndarray) -> np.ndarray:
    """f at (n, dims) points as floats; NaN where f is undefined or fails."""
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(f(points), dtype=float).reshape(-1)
    except (ArithmeticError, ValueError, TypeError):
        return np.full(points.shape[0], np.nan)
    if values.size != points.shape[0]:
        values = np.broadcast_to(values, (points.shape[0],)).copy()
    return np.where(np.isfinite(values), values, np.nan)


def _search(f, dims, lows, highs, grid: int | None = None, rounds: int = 4) -> list[np.ndarray]:
    """Local minima of f in the box, found on a grid and refined by zooming in; points on the box's edge
    are not minima (f may go on falling outside)."""
    lows, highs = np.asarray(lows, dtype=float), np.asarray(highs, dtype=float)
    if not (np.all(np.isfinite(lows)) and np.all(np.isfinite(highs))) or np.any(highs <= lows):
        return []
    n = grid or (1601 if dims == 1 else 101)
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(lows, highs)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dims)
    values = _values(f, grid).reshape((n,) * dims)
    lowest = _grid_minima(values)
    found: list[np.ndarray] = []
    size = float(np.max(highs - lows))
    for index in lowest[:12]:
        point = np.array([axes[d][index[d]] for d in range(dims)])
        step = (highs - lows) / (n - 1)
        for _ in range(rounds):
            point, step = _zoom(f, point, step)
        # A grid sees false minima along a narrow curved valley (Rosenbrock's): Newton's method slides
        # them down to the real one, and only a point where f curves up in every direction is kept.
        point = _polish(f, point, size)
        if point is None or np.any(point < lows) or np.any(point > highs):
            continue
        if not any(np.linalg.norm(point - other) <= 1e-3 * size for other in found):
            found.append(point)
    return found


def _polish(f, point, size, iterations: int = 60):
    """Newton's method on f from finite differences, each step damped until f goes down; the point it
    settles at if f's curvature there is positive in every direction, else None."""
    dims = point.size
    for _ in range(iterations):
        gradient, hessian = _derivatives(f, point, size)
        if gradient is None:
            return None
        try:
            eigenvalues, vectors = np.linalg.eigh(hessian)
        except np.linalg.LinAlgError:
            return None
        # Where f curves down the step follows the slope, like the newton optimizer's rule.
        curvature = np.maximum(np.abs(eigenvalues), 1e-12 * max(1.0, float(np.max(np.abs(eigenvalues)))))
        step = -(vectors @ ((vectors.T @ gradient) / curvature))
        here = _values(f, point.reshape(1, dims))[0]
        moved = False
        for _ in range(30):
            trial = point + step
            if _values(f, trial.reshape(1, dims))[0] <= here:
                moved = True
                break
            step = step / 2
        if not moved or np.linalg.norm(step) <= 1e-10 * max(1.0, size):
            break
        point = trial
    gradient, hessian = _derivatives(f, point, size)
    if hessian is None or np.min(np.linalg.eigvalsh(hessian)) <= 0:
        return None
    return point


def _derivatives(f, point, size):
    """Gradient and Hessian of f at the point by central differences (3^dims evaluations at once)."""
    dims = point.size
    h = 1e-4 * max(size, 1e-8) if size < 1 else 1e-4 * max(1.0, float(np.max(np.abs(point))))
    offsets = np.stack(np.meshgrid(*[np.array([-1.0, 0.0, 1.0])] * dims, indexing="ij"), axis=-1).reshape(-1, dims)
    values = _values(f, point + h * offsets).reshape((3,) * dims)
    if np.any(np.isnan(values)):
        return None, None
    centre = (1,) * dims
    gradient, hessian = np.empty(dims), np.empty((dims, dims))
    for i in range(dims):
        up, down = list(centre), list(centre)
        up[i], down[i] = 2, 0
        gradient[i] = (values[tuple(up)] - values[tuple(down)]) / (2 * h)
        hessian[i, i] = (values[tuple(up)] - 2 * values[centre] + values[tuple(down)]) / h ** 2
        for j in range(i + 1, dims):
            corner = lambda a, b: values[tuple(a if k == i else b if k == j else 1 for k in range(dims))]  # noqa: E731
            hessian[i, j] = hessian[j, i] = (corner(2, 2) - corner(2, 0) - corner(0, 2) + corner(0, 0)) / (4 * h * h)
    return gradient, hessian


def _grid_minima(values: np.ndarray) -> list[tuple[int, ...]]:
    """Interior grid points strictly below one neighbour and not above any, lowest first."""
    filled = np.where(np.isnan(values), np.inf, values)
    inner = tuple(slice(1, -1) for _ in values.shape)
    centre = filled[inner]
    is_min = np.isfinite(centre)
    below_one = np.zeros_like(is_min)
    for offset in np.ndindex(*(3,) * values.ndim):
        if all(o == 1 for o in offset):
            continue
        neighbour = filled[tuple(slice(o, o + s) for o, s in zip(offset, centre.shape))]
        is_min &= centre <= neighbour
        below_one |= centre < neighbour
    is_min &= below_one
    index = [tuple(int(i) + 1 for i in idx) for idx in zip(*np.nonzero(is_min))]
    return sorted(index, key=lambda idx: filled[idx])


def _zoom(f, point, step):
    """The lowest point of a small grid around `point`, and a finer step for the next round."""
    dims = point.size
    offsets = np.linspace(-1, 1, 11)
    grid = np.stack(np.meshgrid(*[point[d] + offsets * step[d] for d in range(dims)], indexing="ij"), axis=-1)
    grid = grid.reshape(-1, dims)
    values = _values(f, grid)
    if np.all(np.isnan(values)):
        return point, step / 5
    return grid[int(np.nanargmin(values))], step / 5
