"""Figures for a lab report (.svg, .png) drawn with matplotlib: the same content as the terminal view.

matplotlib is an optional extra (`pip install "gdsim[figures]"`) and is imported only here, when a
figure is written, so gdsim starts as fast without it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from gdsim.errors import OptionError
from gdsim.i18n import tr

FIGURE_SUFFIXES = (".svg", ".png")
# Inches and dots per inch of a written figure: 1280 × 560 pixels as a .png.
FIGURE_INCHES = (8.0, 3.5)
FIGURE_DPI = 160
INSTALL = 'pip install "gdsim[figures]"'
# Fonts tried in order, so Korean labels find a Korean font where one is installed.
_FONTS = ["DejaVu Sans", "Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Malgun Gothic", "AppleGothic"]
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<")


def is_figure(path: str) -> bool:
    return path.lower().endswith(FIGURE_SUFFIXES)


def require_matplotlib(path: str) -> None:
    """Refuse a figure before the run when matplotlib is not installed, naming the command that installs it."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise OptionError(tr("--save-plot {path}: figures need matplotlib; install it with: {command}",
                             path=path, command=INSTALL)) from None


def write_figure(path: str, scene, series: dict, diverged, *, title: str, scene_title: str, value_title: str,
                 value_label: str = "f", step_label: str | None = None) -> None:
    """Write the figure: the curve or the level curves with every path (when there is a scene) beside the
    value against step on a log scale where the values are positive; one line per run in each panel."""
    require_matplotlib(path)
    step_label = step_label or tr("step")
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": _FONTS, "svg.fonttype": "none",
                                "svg.hashsalt": "gdsim", "axes.spines.top": False, "axes.spines.right": False}):
        fig = Figure(figsize=FIGURE_INCHES, dpi=FIGURE_DPI, layout="constrained")
        panels = fig.subplots(1, 2 if scene is not None else 1, squeeze=False)[0]
        if scene is not None:
            (_curve if scene.dims == 1 else _map)(panels[0], scene, scene_title)
        _values(panels[-1], series, diverged, value_title, value_label, step_label)
        fig.suptitle(title)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a missing glyph or font is not the student's problem
            try:
                fig.savefig(path, format=path.rsplit(".", 1)[-1].lower(), dpi=FIGURE_DPI,
                            metadata={"Date": None} if path.lower().endswith(".svg") else None)
            except OSError as e:
                raise OptionError(tr("--save-plot {path}: cannot write ({reason})", path=path,
                                     reason=e.strerror or str(e))) from None


def _style(i: int, points: int = 0) -> dict:
    """Each run its own marker; a long walk is drawn as a line, since its markers would merge into a band."""
    return {"marker": _MARKERS[i % len(_MARKERS)] if points <= 80 else None, "markersize": 3.5, "linewidth": 1.2}


def _curve(ax, scene, title):
    (lo, hi), = scene.window
    grid = np.linspace(lo, hi, 600)
    fy = scene.f1(grid)
    ax.plot(grid, fy, color="0.25", linewidth=1.4, label=f"f({scene.names[0]})", zorder=1)
    for i, run in enumerate(scene.runs):
        xs = run.points[:, 0]
        keep = np.isfinite(xs) & (xs >= lo) & (xs <= hi)
        line, = ax.plot(xs[keep], scene.f1(xs[keep]), label=run.label or tr("the hiker's positions"), zorder=3,
                        **_style(i, int(keep.sum())))
        line.set_gid(f"run-{i}")
    _marks(ax, scene, [(m[0], float(scene.f1(np.array([m[0]]))[0])) for m in scene.minima],
           _start_of(scene, lambda p: (p[0], float(scene.f1(np.array([p[0]]))[0]))))
    ax.set_xlim(lo, hi)
    finite = fy[np.isfinite(fy)]
    if finite.size:
        pad = 0.05 * (finite.max() - finite.min() or 1.0)
        ax.set_ylim(finite.min() - pad, finite.max() + pad)
    ax.set_xlabel(scene.names[0])
    ax.set_ylabel(f"f({scene.names[0]})")
    ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small")


def _map(ax, scene, title):
    (xlo, xhi), (ylo, yhi) = scene.window
    xs, ys = np.linspace(xlo, xhi, 200), np.linspace(ylo, yhi, 200)
    X, Y = np.meshgrid(xs, ys)
    Z = scene.f2(X, Y)
    finite = Z[np.isfinite(Z)]
    if finite.size:
        levels = np.unique(np.quantile(finite, (np.arange(12) + 0.5) / 12))
        if scene.style == "shade":
            ax.contourf(X, Y, Z, levels=np.unique(np.concatenate([[finite.min()], levels, [finite.max()]])),
                        cmap="viridis", alpha=0.8)
        if levels.size > 1:
            ax.contour(X, Y, Z, levels=levels, colors="0.55", linewidths=0.7)
    for i, run in enumerate(scene.runs):
        p = run.points
        keep = np.all(np.isfinite(p), axis=1) & (np.abs(p) <= 1e12).all(axis=1)
        line, = ax.plot(p[keep, 0], p[keep, 1], label=run.label or tr("the hiker's path"), zorder=3,
                        **_style(i, int(keep.sum())))
        line.set_gid(f"run-{i}")
    _marks(ax, scene, [tuple(m) for m in scene.minima], _start_of(scene, lambda p: (p[0], p[1])))
    if scene.given or not _equal_fits(scene.window):
        ax.set_xlim(xlo, xhi)
        ax.set_ylim(ylo, yhi)
    else:
        ax.margins(0)
        ax.set_aspect("equal", adjustable="datalim")  # the window is widened in one direction, never cut
    ax.set_xlabel(scene.names[0])
    ax.set_ylabel(scene.names[1])
    ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small")


def _equal_fits(window, most=4.0):
    """Equal scales only when the panel's shape costs at most `most`× in one direction (as in the terminal)."""
    (xlo, xhi), (ylo, yhi) = window
    ratio = (yhi - ylo) / (xhi - xlo)
    return 1 / most <= ratio <= most


def _start_of(scene, place):
    for run in scene.runs:
        if len(run.points) and np.all(np.isfinite(run.points[0])):
            return place(run.points[0])
    return None


def _marks(ax, scene, minima, start):
    if start is not None:
        ax.plot(*start, linestyle="none", marker="o", markersize=8, markerfacecolor="none", markeredgecolor="green",
                label=tr("start"), zorder=4)
    if minima:
        mx, my = zip(*minima)
        ax.plot(mx, my, linestyle="none", marker="*", markersize=11, color="goldenrod", label=tr("minimum"), zorder=4)


def _values(ax, series: dict, diverged, title, value_label, step_label):
    cleaned = {}
    for label, (steps, values) in series.items():
        s, v = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
        n = min(s.size, v.size)
        keep = np.isfinite(v[:n]) & (np.abs(v[:n]) <= 1e300)
        cleaned[label] = (s[:n][keep], v[:n][keep])
    calm = [label for label in cleaned if label not in diverged and cleaned[label][1].size]
    scale = calm if calm else list(cleaned)
    scale_values = np.concatenate([cleaned[label][1] for label in scale] or [np.empty(0)])
    log = scale_values.size > 0 and bool(np.all(scale_values > 0))
    if scale_values.size:
        lo, hi = float(scale_values.min()), float(scale_values.max())
        if log:
            top = hi * 10 ** (0.05 * max(math.log10(hi / lo), 1.0))
            bottom = lo / 10 ** (0.05 * max(math.log10(hi / lo), 1.0))
        else:
            pad = 0.05 * ((hi - lo) or 1.0)
            top, bottom = hi + pad, lo - pad
    for i, (label, (steps, values)) in enumerate(cleaned.items()):
        if log:
            keep = values > 0
            steps, values = steps[keep], values[keep]
        if label in diverged and scale_values.size and calm and np.any(values > top):
            first = int(np.argmax(values > top))
            values = np.minimum(values, top)
            ax.plot([steps[first]], [top], marker="^", markersize=8, color="crimson", clip_on=False, zorder=5)
            label = f"{label} " + tr("(diverged: {arrow} off the scale)", arrow="▲")
        line, = ax.plot(steps, values, label=label or None, **{**_style(i, steps.size), "markersize": 2.5})
        line.set_gid(f"series-{i}")
    if log:
        ax.set_yscale("log")
    if scale_values.size:
        ax.set_ylim(bottom, top)
    ax.set_xlabel(step_label)
    ax.set_ylabel(tr("{name} (log scale)", name=value_label) if log else value_label)
    ax.set_title(title, fontsize="medium")
    if any(label for label in cleaned):
        ax.legend(fontsize="small")
