"""The plots of a walk as a student sees them: the window holds the start, the path and the valley; every
compared run has its own marker; a diverged run does not set the scale; figures are real SVG and PNG files.

The minima the windows must hold come from closed forms or numpy's polynomial roots, not from gdsim's
own search. Plot snapshots at 80 columns live in tests/snapshots/plots/ (GDSIM_UPDATE_SNAPSHOTS=1
rewrites them; read every changed one before checking it in).
"""

from __future__ import annotations

import os
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from gdsim.cli.options import load_function
from gdsim.engine.descend import Result, check_settings, run
from gdsim.optim import make_optimizer
from gdsim.render import plots
from gdsim.render.descend_formats import labels
from gdsim.render.descend_text import PlotRecorder, plot_blocks, scene_of
from gdsim.render.scene import View

SNAPSHOTS = Path(__file__).parent / "snapshots" / "plots"


def walk(expression, start, lrs, *, optimizer="gd", max_steps=1000, preset=None, view=None):
    """Run descend's engine for each learning rate; the scene and the recorder the plots are drawn from."""
    function = load_function(expression, None)
    settings = check_settings(1e-6, 0.0, max_steps, 1e8)
    optimizers = [make_optimizer(optimizer, lr=lr) for lr in lrs]
    recorder = PlotRecorder(labels(optimizers))
    results = []
    start = np.asarray(start, dtype=float)
    for i, opt in enumerate(optimizers):
        for rec in run(function, start, opt, settings):
            if isinstance(rec, Result):
                results.append(rec)
            else:
                recorder.add(i, rec)
    return function, start, recorder, results, scene_of(function, start, recorder.plots, preset, results, view)


def covers(window, point):
    return all(lo <= v <= hi for (lo, hi), v in zip(window, np.atleast_1d(point)))


def double_well_minima():
    """The minima of x^4 - 3x^2 + x: roots of 4x^3 - 6x + 1 where 12x^2 - 6 > 0 (numpy, not gdsim)."""
    roots = np.roots([4, 0, -6, 1]).real
    return sorted(r for r in roots if 12 * r * r - 6 > 0)


def x_tick_values(text):
    lines = text.split("\n")
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return [float(v) for v in lines[bottom + 1].split() if _number(v)]


def y_tick_values(text):
    return [float(row[:row.find("┤")].strip()) for row in text.split("\n") if "┤" in row and _number(row[:row.find("┤")].strip())]


def _number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


# ---- the window ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, start, lrs, max_steps, minimum", [
    ("x^2", [3.0], [0.001], 1000, [0.0]),                              # the path stops short of the valley
    ("x^4 - 3x^2 + x", [2.0], [0.05], 1000, [double_well_minima()[0]]),  # the deeper well the walk never sees
    ("x^2+y^2", [3.0, 4.0], [0.01], 50, [0.0, 0.0]),                    # the bowl's bottom, not reached
    ("x**2+y**2", [1.0, 1.0], [0.1], 1000, [0.0, 0.0]),                 # the README's bowl
    ("x^2", [3.0], [0.001, 0.1, 0.9, 1.1], 1000, [0.0]),                # the learning-rate lab, one run diverges
])
def test_the_default_window_holds_the_start_the_path_and_the_minimum(expression, start, lrs, max_steps, minimum):
    _, _, recorder, results, scene = walk(expression, start, lrs, max_steps=max_steps)
    assert covers(scene.window, start)
    assert covers(scene.window, minimum)
    for run_path, result in zip(scene.runs, results):
        if result.status != "diverged":
            assert all(covers(scene.window, p) for p in run_path.points)


def test_the_double_well_curve_shows_both_wells_on_its_axis():
    function, start, recorder, results, _ = walk("x^4 - 3x^2 + x", [2.0], [0.05])
    curve = plot_blocks(function, start, recorder.plots, None, False, 80, results)[0]
    ticks = x_tick_values(curve)
    deep, shallow = double_well_minima()
    assert min(ticks) <= deep + 0.3 and max(ticks) >= 2.0
    assert "*" in curve and "* minimum" in curve


def test_the_readme_bowl_shows_the_whole_circle():
    function, start, recorder, results, scene = walk("x**2+y**2", [1.0, 1.0], [0.1])
    (xlo, xhi), (ylo, yhi) = scene.window
    # Centred on the bottom: the circle through the start (radius √2) is cut only by the margin, on every side.
    assert xlo <= -1 and xhi >= 1 and ylo <= -1 and yhi >= 1
    drawn = plot_blocks(function, start, recorder.plots, None, False, 80, results)[0]
    xs, ys = x_tick_values(drawn), y_tick_values(drawn)
    assert min(xs) <= -1 and max(xs) >= 1 and min(ys) <= -1 <= 1 <= max(ys)


def test_equal_scales_give_a_unit_of_x_and_of_y_the_same_room():
    # A character cell is about twice as tall as it is wide: one row must hold twice the y of a column's x.
    (xlo, xhi), (ylo, yhi) = plots._equal_scales((-2, 2), (-2, 2), 60, 20)
    assert (yhi - ylo) / 20 == pytest.approx(2 * (xhi - xlo) / 60)
    assert xlo <= -2 and xhi >= 2 and ylo <= -2 and yhi >= 2  # widened, never cut
    # Rosenbrock's tall window would need more than 4 times the room: left as it is.
    assert plots._equal_scales((-0.1, 0.1), (-100, 100), 60, 20) == ((-0.1, 0.1), (-100, 100))


def test_a_given_window_is_kept_exactly():
    _, _, _, _, scene = walk("x^2+y^2", [3.0, 4.0], [0.1], view=View({"x": (-1.0, 5.0), "y": (-2.0, 6.0)}))
    assert scene.window == ((-1.0, 5.0), (-2.0, 6.0))


def test_a_preset_minimum_is_marked_and_inside_the_window():
    from gdsim.labs.presets import get_preset

    preset = get_preset("rosenbrock")
    start = [preset.start["x"], preset.start["y"]]
    _, _, _, _, scene = walk(preset.expression, start, [preset.lr], optimizer=preset.optimizer,
                             max_steps=200, preset=preset)
    assert (1.0, 1.0) in scene.minima
    assert covers(scene.window, (1.0, 1.0))


# ---- every run, and the diverged one ------------------------------------------------------------------------------

def test_every_compared_run_has_its_marker_on_the_curve_and_in_the_legend():
    function, start, recorder, results, _ = walk("x^2", [3.0], [0.001, 0.1, 0.9, 1.1])
    curve, value = plot_blocks(function, start, recorder.plots, None, False, 80, results)
    for glyph, label in zip(plots.SERIES_MARKERS, ["lr=0.001", "lr=0.1", "lr=0.9", "lr=1.1"]):
        assert f"{glyph} {label}" in curve
        body = curve.split("\n")[:-3]  # the rows above the legend
        assert any(glyph in line for line in body), glyph


def test_a_diverged_run_does_not_stretch_the_scale_of_the_others():
    function, start, recorder, results, _ = walk("x^2", [3.0], [0.001, 0.1, 0.9, 1.1])
    value = plot_blocks(function, start, recorder.plots, None, False, 80, results)[1]
    ticks = [label for label in (row[:row.find("┤")].strip() for row in value.split("\n") if "┤" in row)]
    exponents = [int(t[2:]) for t in ticks]
    # f(3) = 9 is the largest value of a run that did not diverge: no tick above 10¹.
    assert max(exponents) <= 1
    assert "▲" in value and "lr=1.1 (diverged: ▲ off the scale)" in value
    # lr 0.1 and 0.9 give the same f at every step (x ← 0.8x and x ← −0.8x): the legend says so.
    assert "lr=0.9 (same f as lr=0.1)" in value


# ---- the command line ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("window, part", [
    ("x=3:1", "x=3:1"), ("x=a:2", "x=a:2"), ("q=1:2", "'q'"), ("x", "'x'"), ("x=1:2,x=2:3", "'x'"),
])
def test_a_bad_window_is_refused_naming_the_bad_part(gdsim_cli, window, part):
    code, out, err = gdsim_cli("descend", "x^2", "--window", window)
    assert code == 2 and out == ""
    assert err.startswith("error: --window") and part in err and "Traceback" not in err


def test_a_map_needs_both_ranges_and_a_known_style(gdsim_cli):
    code, _, err = gdsim_cli("descend", "x^2+y^2", "--window", "x=-1:1")
    assert code == 2 and "y" in err
    code, _, err = gdsim_cli("descend", "x^2+y^2", "--map", "contour")
    assert code == 2 and "--map" in err


def test_the_window_option_reaches_the_plot(gdsim_cli):
    code, out, _ = gdsim_cli("descend", "x^2", "--start", "1", "--window", "x=-10:10", env={"COLUMNS": "80"})
    assert code == 0
    curve = out[out.index("f(x) and the hiker's positions"):]
    ticks = x_tick_values(curve)
    assert min(ticks) <= -8 and max(ticks) >= 8


def test_shade_and_lines_draw_different_maps(gdsim_cli):
    _, lines, _ = gdsim_cli("descend", "x^2+y^2", "--map", "lines", env={"COLUMNS": "80"})
    _, shade, _ = gdsim_cli("descend", "x^2+y^2", "--map", "shade", env={"COLUMNS": "80"})
    assert "level curves of f" in lines and "╱" in lines
    assert "rank of f" in shade and "@" in shade


def test_sgd_with_two_parameters_draws_every_batch_size_on_the_loss_map(gdsim_cli):
    code, out, _ = gdsim_cli("sgd", "--synthetic", "linear", "--samples", "40", "--epochs", "3",
                             "--compare-batch", "1,8,40", env={"COLUMNS": "80"})
    assert code == 0
    loss_map = out[out.index("full-data loss over (w_x, b)"):]
    for glyph, label in zip(plots.SERIES_MARKERS, ["batch 1", "batch 8", "batch 40"]):
        assert f"{glyph} {label}" in loss_map
    assert "* minimum" in loss_map


def test_plot_text_is_korean_with_lang_ko(gdsim_cli):
    _, out, _ = gdsim_cli("descend", "x^2", "--start", "3", "--lr", "0.1,1.1", "--lang", "ko", env={"COLUMNS": "80"})
    assert "모든 실행의 위치" in out and "걸음에 따른 f" in out and "최솟값" in out and "눈금 밖" in out


# ---- figures ------------------------------------------------------------------------------------------------------

def test_an_svg_figure_is_xml_with_one_path_per_run(gdsim_cli, tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "lr.svg"
    code, _, err = gdsim_cli("descend", "x^2", "--start", "3", "--lr", "0.01,0.1,0.9", "--save-plot", str(target))
    assert code == 0, err
    root = ET.parse(target).getroot()
    ids = [g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")]
    assert sorted(i for i in ids if i and i.startswith("run-")) == ["run-0", "run-1", "run-2"]
    assert sorted(i for i in ids if i and i.startswith("series-")) == ["series-0", "series-1", "series-2"]
    for gid in ("run-0", "run-1", "run-2"):
        group = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id") == gid)
        assert group.find("{http://www.w3.org/2000/svg}path") is not None


def test_a_png_figure_has_the_signature_and_the_documented_size(gdsim_cli, tmp_path):
    pytest.importorskip("matplotlib")
    from gdsim.render.figures import FIGURE_DPI, FIGURE_INCHES

    target = tmp_path / "bowl.png"
    code, _, err = gdsim_cli("descend", "x^2+y^2", "--save-plot", str(target))
    assert code == 0, err
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (1280, 560) == (round(FIGURE_INCHES[0] * FIGURE_DPI), round(FIGURE_INCHES[1] * FIGURE_DPI))


def test_an_sgd_figure_draws_the_loss_map(gdsim_cli, tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "sgd.svg"
    code, _, err = gdsim_cli("sgd", "--synthetic", "linear", "--samples", "30", "--epochs", "2",
                             "--compare-batch", "1,30", "--save-plot", str(target))
    assert code == 0, err
    ids = [g.get("id") for g in ET.parse(target).getroot().iter("{http://www.w3.org/2000/svg}g")]
    assert sorted(i for i in ids if i and i.startswith("run-")) == ["run-0", "run-1"]


def test_without_matplotlib_a_figure_is_refused_before_the_run(gdsim_cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    target = tmp_path / "p.png"
    code, out, err = gdsim_cli("descend", "x^2", "--start", "3", "--save-plot", str(target))
    assert code == 2
    assert out == ""  # nothing ran: not even the header line
    assert 'pip install "gdsim[figures]"' in err
    assert not target.exists()


def test_a_text_plot_file_needs_no_matplotlib(gdsim_cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    target = tmp_path / "p.txt"
    code, _, _ = gdsim_cli("descend", "x^2", "--start", "3", "--save-plot", str(target))
    assert code == 0 and "f against step" in target.read_text(encoding="utf-8")


def test_start_up_does_not_import_matplotlib():
    import subprocess

    code = "import sys, gdsim.cli.app; sys.exit(1 if 'matplotlib' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# ---- snapshots ------------------------------------------------------------------------------------------------------

SNAPSHOT_CASES = {
    "parabola": ("x^2", [3.0], [0.1], {}),
    "parabola-slow": ("x^2", [3.0], [0.001], {}),
    "learning-rates": ("x^2", [3.0], [0.001, 0.1, 0.9, 1.1], {}),
    "double-well": ("x^4 - 3x^2 + x", [2.0], [0.05], {}),
    "cosine": ("cos(x)", [0.5], [0.5], {}),
    "cubic-diverges": ("x^3", [1.0], [0.1], {"max_steps": 30}),
    "bowl": ("x**2+y**2", [1.0, 1.0], [0.1], {}),
    "bowl-far": ("x^2+y^2", [3.0, 4.0], [0.01], {"max_steps": 50}),
    "ellipse-compare": ("x^2 + 10y^2", [2.0, 1.0], [0.01, 0.09, 0.11], {"max_steps": 200}),
    "rosenbrock": ("(1-x)^2 + 100(y-x^2)^2", [-1.5, 2.0], [0.001], {"max_steps": 300}),
    "saddle": ("x^2 - y^2", [1.0, 0.1], [0.1], {"max_steps": 20}),
    "bowl-shade": ("x^2 + 2*y^2", [2.0, 1.0], [0.1], {"view": View(style="shade")}),
}


@pytest.mark.parametrize("name", sorted(SNAPSHOT_CASES))
def test_plot_snapshots_at_80_columns(name):
    expression, start, lrs, options = SNAPSHOT_CASES[name]
    view = options.get("view")
    function, start, recorder, results, _ = walk(expression, start, lrs, view=view,
                                                 max_steps=options.get("max_steps", 1000))
    text = "\n\n".join(plot_blocks(function, start, recorder.plots, None, False, 80, results, view)) + "\n"
    for line in text.split("\n"):
        assert len(line) <= 80
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("GDSIM_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with GDSIM_UPDATE_SNAPSHOTS=1 and read it before checking it in"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_plot_line_is_wider_than_the_terminal(gdsim_cli, width, lang):
    import unicodedata

    def columns(line):
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)

    for args in (["x^2", "--start", "3", "--lr", "0.001,0.1,0.9,1.1"], ["x^2 + 10y^2", "--start", "2,1", "--lr", "0.01,0.11"]):
        _, out, _ = gdsim_cli("descend", *args, "--lang", lang, "--max-steps", "100", env={"COLUMNS": str(width)})
        blocks = [b for b in out.split("\n\n") if "┤" in b]  # the plots: every block with a y axis
        assert len(blocks) == 2
        for block in blocks:
            for line in block.split("\n"):
                assert columns(line) <= width, line
