"""Tests of the terminal plots: plain text without colour, no crash on bad numbers, honest scales and positions.

Expected positions and labels come from the geometry of the inputs (corners, decades), not from the plotting code.
"""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdsim.render import plots

ESCAPE = "\x1b"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
POWER_OF_TEN = re.compile(r"^1e-?\d+$")


def quadratic(x):
    return x ** 2


def bowl(x, y):
    return x ** 2 + 3 * y ** 2


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def every_plot(width, height, color):
    steps = list(range(50))
    return {
        "curve": plots.curve_with_points(quadratic, [2.0, 1.0, 0.5, 0.25], width=width, height=height, color=color,
                                         title="x^2"),
        "contour": plots.contour_view(bowl, [(1.0, 1.0), (0.5, 0.4), (0.1, 0.0)], width=width, height=height,
                                      color=color, title="bowl"),
        "value": plots.value_vs_step({"lr=0.1": (steps, [0.9 ** k for k in steps]),
                                      "lr=0.5": (steps, [0.5 ** k for k in steps])},
                                     width=width, height=height, color=color, title="f against step"),
        "data": plots.data_with_line([0, 1, 2, 3], [1, 3, 5, 7.5], [0, 3], [1, 7], width=width, height=height,
                                     color=color, title="fit"),
    }


def frame_rows(text):
    """The lines of a plotext plot from its top frame line to its bottom one, both excluded."""
    lines = text.split("\n")
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[top + 1:bottom]


def inside(row, right_frame=True):
    """What lies between the left axis (after the tick label) and the right frame of one plot row."""
    left = min(i for i in (row.find("┤"), row.find("│")) if i >= 0)
    return row[left + 1:row.rfind("│")] if right_frame else row[left + 1:]


def y_tick_labels(text):
    return [row[:row.find("┤")].strip() for row in text.split("\n") if "┤" in row]


def x_tick_labels(text):
    lines = text.split("\n")
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[bottom + 1].split()


def contour_grid(text):
    """The map rows of a contour view: between the header line and the bottom axis, without the tick labels."""
    lines = text.split("\n")
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return [inside(line, right_frame=False) for line in lines[1:bottom]]


# ---- colour -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["curve", "contour", "value", "data"])
def test_colourless_plots_hold_no_escape_codes(name):
    text = every_plot(70, 20, color=False)[name]
    assert ESCAPE not in text
    assert len(text.split("\n")) > 10  # a plot, not a one-line note


@pytest.mark.parametrize("name", ["curve", "contour", "value", "data"])
def test_coloured_plots_are_coloured(name):
    assert ESCAPE in every_plot(70, 20, color=True)[name]


def test_plotext_state_does_not_leak_from_one_plot_to_the_next():
    steps = [0, 1, 2]
    plots.value_vs_step({"a": (steps, [3.0, 2.0, 1.0])}, width=60, height=15, color=True, title="First title")
    text = plots.value_vs_step({"b": (steps, [3.0, 2.0, 1.0])}, width=60, height=15, color=False)
    assert "First title" not in text
    assert ESCAPE not in text
    assert "• a" not in text


def test_plots_are_returned_not_printed(capsys):
    every_plot(70, 20, color=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# ---- sizes ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [20, 27, 40, 63, 100, 130])
@pytest.mark.parametrize("height", [8, 12, 30])
@pytest.mark.parametrize("color", [False, True])
def test_lines_never_exceed_the_requested_width_or_height(width, height, color):
    for name, text in every_plot(width, height, color).items():
        lines = [ANSI.sub("", line) for line in text.split("\n")]
        assert max(len(line) for line in lines) <= width, name
        assert len(lines) <= height, name


@pytest.mark.parametrize("width", [1, 5, 19])
def test_a_too_narrow_plot_is_a_one_line_note(width):
    for name, text in every_plot(width, 20, color=False).items():
        assert "\n" not in text and 0 < len(text) <= width, name


def test_a_long_title_is_cut_to_the_width():
    text = plots.value_vs_step({"": ([0, 1], [2.0, 1.0])}, width=40, height=12, color=False, title="t" * 100)
    assert text.split("\n")[0].strip().startswith("ttt")
    assert max(len(line) for line in text.split("\n")) <= 40


@pytest.mark.parametrize("console, expected_width", [(200, 100), (100, 100), (80, 80), (40, 40), (30, 40)])
def test_plot_size_takes_the_console_width_between_40_and_100(console, expected_width):
    width, height = plots.plot_size(console)
    assert width == expected_width
    assert 10 <= height <= 30


# ---- bad numbers ------------------------------------------------------------------------------------------------

def test_non_finite_values_are_left_out_of_a_series():
    nan, inf = float("nan"), float("inf")
    text = plots.value_vs_step({"a": ([0, 1, 2, 3, 4, 5], [4.0, nan, inf, -inf, 2.0, 1.0])},
                               width=60, height=15, color=False)
    assert len(frame_rows(text)) > 5
    assert "•" in "".join(frame_rows(text))


def test_a_curve_undefined_on_part_of_the_window_is_drawn_where_defined():
    # log(-1) is nan and log(0) is -inf: the start is not drawn, the end at x = 2 is.
    text = plots.curve_with_points(np.log, [-1.0, 0.0, 1.0, 2.0], width=60, height=15, color=False, window=(-2, 3))
    canvas = "".join(inside(row) for row in frame_rows(text))
    assert "E" in canvas and "S" not in canvas


def test_undefined_cells_of_a_contour_are_marked():
    text = plots.contour_view(lambda x, y: np.log(x) + y, [(1.0, 0.0), (float("nan"), 1.0), (0.5, 0.5)],
                              width=60, height=16, color=False, window=((-1, 1), (-1, 1)))
    grid = contour_grid(text)
    # x < 0 is the left half of the window.
    assert all(row[0] == "?" for row in grid)
    assert all(row[-1] != "?" for row in grid)
    assert "? undefined" in text


def test_a_function_that_raises_draws_nothing_instead_of_crashing():
    def broken(x):
        raise ValueError("domain")
    text = plots.curve_with_points(broken, [1.0, 2.0], width=60, height=15, color=False)
    assert "\n" not in text


@pytest.mark.parametrize("make", [
    lambda: plots.value_vs_step({"a": ([0, 1], [float("nan"), float("inf")])}, width=50, height=12, color=False),
    lambda: plots.value_vs_step({}, width=50, height=12, color=False),
    lambda: plots.curve_with_points(lambda x: x * np.nan, [1.0, 2.0], width=50, height=12, color=False),
    lambda: plots.contour_view(bowl, [(float("nan"), 1.0)], width=50, height=12, color=False),
    lambda: plots.data_with_line([float("nan")], [1.0], [], [], width=50, height=12, color=False),
])
def test_nothing_finite_gives_a_one_line_note(make):
    text = make()
    assert "\n" not in text and 0 < len(text) <= 50


def test_values_near_the_float_limit_do_not_crash():
    huge = 1.7e308
    text = plots.value_vs_step({"a": ([0, 1, 2], [-huge, 1.0, huge])}, width=50, height=12, color=False)
    assert ESCAPE not in text
    text = plots.contour_view(bowl, [(-huge, 0.0), (0.0, 0.0), (huge, 1.0)], width=50, height=12, color=False)
    grid = "".join(contour_grid(text))
    assert "o" in grid and "S" not in grid and "E" not in grid


any_float = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(any_float, max_size=30), width=st.integers(1, 120), height=st.integers(1, 40),
       log=st.sampled_from([None, True, False]))
def test_any_series_gives_text_within_the_size(values, width, height, log):
    text = plots.value_vs_step({"a": (list(range(len(values))), values)}, width=width, height=height,
                               color=False, log=log)
    lines = text.split("\n")
    assert max(len(line) for line in lines) <= width and len(lines) <= height
    assert ESCAPE not in text


@settings(max_examples=40, deadline=None)
@given(path=st.lists(st.tuples(any_float, any_float), max_size=12), width=st.integers(1, 120),
       height=st.integers(1, 40))
def test_any_path_gives_text_within_the_size(path, width, height):
    text = plots.contour_view(rosenbrock, path, width=width, height=height, color=False)
    lines = text.split("\n")
    assert max(len(line) for line in lines) <= width and len(lines) <= height


@pytest.mark.parametrize("make", [
    lambda: plots.value_vs_step({"a": ([3], [2.0])}, width=50, height=12, color=False),
    lambda: plots.value_vs_step({"a": ([0, 1, 2], [2.0, 2.0, 2.0])}, width=50, height=12, color=False),
    lambda: plots.curve_with_points(quadratic, [1.5], width=50, height=12, color=False),
    lambda: plots.curve_with_points(lambda x: np.full_like(x, 3.0), [1.0, 1.0], width=50, height=12, color=False),
    lambda: plots.contour_view(bowl, [(1.0, 2.0)], width=50, height=12, color=False),
    lambda: plots.contour_view(lambda x, y: np.ones_like(x), [(0.0, 0.0), (1.0, 0.0)], width=50, height=12,
                               color=False),
    lambda: plots.data_with_line([1.0], [2.0], [], [], width=50, height=12, color=False),
])
def test_one_point_and_constant_values_still_give_a_plot(make):
    text = make()
    assert "└" in text


# ---- log scale --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ([1.0, 10.0, 100.0], False),             # exactly two decades
    ([1.0, 1000.0], True),
    ([0.5, 60.0], True),
    ([1e-8, 1e-5], True),
    ([0.0, 1.0, 1000.0], False),             # zero cannot go on a log scale
    ([-1.0, 1.0, 1000.0], False),
    ([float("nan"), 1.0, 50.0, float("inf")], False),
    ([float("nan"), 1.0, 5000.0], True),
])
def test_log_scale_exactly_when_positive_values_span_more_than_two_decades(values, expected):
    assert plots.uses_log_scale(np.array(values)) is expected
    steps = list(range(len(values)))
    text = plots.value_vs_step({"a": (steps, values)}, width=60, height=16, color=False)
    labels = y_tick_labels(text)
    assert all(POWER_OF_TEN.match(label) for label in labels) is expected
    assert ("(log scale)" in text) is expected


def test_log_ticks_are_powers_of_ten_placed_at_their_values():
    steps = list(range(9))
    values = [10.0 ** -k for k in steps]  # from 1e0 down to 1e-8
    text = plots.value_vs_step({"": (steps, values)}, width=60, height=21, color=False)
    labels = y_tick_labels(text)
    assert len(labels) >= 3
    assert all(POWER_OF_TEN.match(label) for label in labels)
    exponents = [int(label[2:]) for label in labels]
    assert exponents == sorted(exponents, reverse=True)  # higher powers above
    assert set(exponents) <= set(range(-8, 1))
    # The first value, 1 = 1e0, is on the 1e0 row at the far left; the last, 1e-8, on the 1e-8 row at the far right.
    rows = {row[:row.find("┤")].strip(): inside(row) for row in frame_rows(text) if "┤" in row}
    assert rows["1e0"].startswith("•")
    assert rows["1e-8"].endswith("•")


def test_forced_log_scale_drops_values_it_cannot_draw():
    text = plots.value_vs_step({"a": ([0, 1, 2], [0.0, 1.0, 100.0])}, width=60, height=16, color=False, log=True)
    labels = y_tick_labels(text)
    assert labels and all(POWER_OF_TEN.match(label) for label in labels)


@pytest.mark.parametrize("height", [8, 9, 10, 11])
def test_a_short_log_plot_still_labels_a_power_of_ten(height):
    text = plots.value_vs_step({"a": ([0, 1], [10 ** 0.9, 10 ** 4.1])}, width=40, height=height, color=False)
    labels = y_tick_labels(text)
    assert labels and all(POWER_OF_TEN.match(label) for label in labels)
    assert set(int(label[2:]) for label in labels) <= {1, 2, 3, 4}


def test_forced_linear_scale_for_values_spanning_decades():
    text = plots.value_vs_step({"a": ([0, 1, 2], [1.0, 1e3, 1e6])}, width=60, height=16, color=False, log=False)
    ticks = [float(label) for label in y_tick_labels(text)]
    gaps = -np.diff(ticks)  # labels run from the top down
    assert len(ticks) >= 3 and np.allclose(gaps, gaps[0]) and gaps[0] > 0
    assert "(log scale)" not in text


# ---- overlays and downsampling ----------------------------------------------------------------------------------

def test_an_overlay_names_every_series_with_its_own_marker():
    steps = list(range(40))
    labels = ["lr=0.1", "lr=0.01", "adam", "momentum"]
    series = {label: (steps, [(1 - rate) ** k for k in steps])
              for label, rate in zip(labels, [0.1, 0.01, 0.3, 0.2])}
    text = plots.value_vs_step(series, width=80, height=20, color=False)
    legend = text.split("\n")[-1]
    glyphs = {}
    for entry in legend.split("  "):
        glyph, _, label = entry.partition(" ")
        glyphs[label] = glyph
    assert set(glyphs) == set(labels)
    assert len(set(glyphs.values())) == len(labels)
    canvas = "".join(inside(row) for row in frame_rows(text))
    assert all(glyph in canvas for glyph in glyphs.values())


def test_downsampling_keeps_the_ends_and_the_extremes():
    n = 100_000
    steps = np.arange(n)
    values = 1.0 / (1.0 + steps / 100.0)
    values[54_321] = 1e3
    kept_steps, kept_values = plots.downsample(steps, values)
    assert len(kept_steps) <= plots.MAX_POINTS
    assert kept_steps[0] == 0 and kept_steps[-1] == n - 1
    assert 54_321 in kept_steps and 1e3 in kept_values
    assert np.all(np.diff(kept_steps) > 0)
    assert np.array_equal(kept_values, values[kept_steps.astype(int)])


def test_a_100000_point_series_is_drawn_whole():
    n = 100_000
    steps = np.arange(n)
    values = 1.0 / (1.0 + steps / 100.0)
    values[54_321] = 1e3
    text = plots.value_vs_step({"sgd": (steps, values)}, width=80, height=20, color=False)
    # The x axis reaches the last steps, and the one spike (log10 = 3, the top of the scale) is on the top row.
    assert max(float(label) for label in x_tick_labels(text)) >= 80_000
    assert "•" in inside(frame_rows(text)[0])


# ---- positions --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, start_corner, end_corner", [
    ([(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)], "bottom left", "top right"),
    ([(1.0, 0.0), (0.5, 0.5), (0.0, 1.0)], "bottom right", "top left"),
    ([(0.0, 1.0), (1.0, 0.0)], "top left", "bottom right"),
])
def test_contour_path_ends_land_in_the_matching_corners(path, start_corner, end_corner):
    text = plots.contour_view(bowl, path, width=60, height=18, color=False, window=((0, 1), (0, 1)))
    grid = contour_grid(text)
    corners = {"top left": grid[0][0], "top right": grid[0][-1],
               "bottom left": grid[-1][0], "bottom right": grid[-1][-1]}
    assert corners[start_corner] == "S"
    assert corners[end_corner] == "E"
    assert len(text.split("\n")[1]) == 60  # the map spans the whole width


def test_contour_shade_grows_with_the_function():
    text = plots.contour_view(lambda x, y: x + 0 * y, [(0.5, 0.5)], width=60, height=14, color=False,
                              window=((0, 1), (0, 1)))
    for row in contour_grid(text):
        levels = [plots.RAMP.index(ch) for ch in row if ch in plots.RAMP]
        assert levels == sorted(levels)
        assert row[0] == plots.RAMP[0] and row[-1] == plots.RAMP[-1]


def test_a_steep_valley_keeps_its_structure():
    # On a linear shade almost every cell of Rosenbrock would be the lowest character.
    text = plots.contour_view(rosenbrock, [(-1.5, 2.0), (1.0, 1.0)], width=80, height=24, color=False,
                              window=((-2, 2), (-1, 3)))
    cells = "".join(contour_grid(text)).replace("S", "").replace("E", "").replace("•", "")
    counts = [cells.count(ch) for ch in plots.RAMP]
    assert sum(1 for c in counts if c > 0) == len(plots.RAMP)
    assert max(counts) < 0.25 * len(cells)


def test_curve_marks_start_and_end_where_the_hiker_was():
    text = plots.curve_with_points(quadratic, [2.0, 1.5, 1.0, 0.5, 0.1], width=60, height=20, color=False)
    rows = [inside(row) for row in frame_rows(text)]
    start_row = next(i for i, row in enumerate(rows) if "S" in row)
    end_row = next(i for i, row in enumerate(rows) if "E" in row)
    # f(2) = 4 is high on the right, f(0.1) = 0.01 low on the left.
    assert start_row < end_row
    assert rows[start_row].index("S") > rows[end_row].index("E")
    assert "o" in "".join(rows)
    assert "S start" in text and "E end" in text and "o each step" in text


def test_curve_window_is_honoured():
    text = plots.curve_with_points(quadratic, [1.0, 0.5], width=60, height=16, color=False, window=(-3, 3))
    labels = [float(label) for label in x_tick_labels(text)]
    assert min(labels) <= -2 and max(labels) >= 2


def test_data_points_land_where_they_belong():
    text = plots.data_with_line([0.0, 10.0], [0.0, 10.0], [], [], width=60, height=16, color=False)
    rows = [inside(row) for row in frame_rows(text)]
    assert rows[0].rstrip().endswith("•")
    assert rows[-1].lstrip().startswith("•") and rows[-1].index("•") <= 1
    assert "• data" in text
