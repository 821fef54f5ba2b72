"""descend's rows on a terminal: they fit its width, narrowing numbers first and leaving out
the Δ columns last; piped rows keep every column and six digits."""

from __future__ import annotations

import numpy as np
import pytest

from gdsim.engine.descend import Step
from gdsim.expr.function import parse
from gdsim.render.descend_text import Columns, cells


def step(function, k=3):
    point = np.full(function.dimension, -0.123456789)
    gradient = np.full(function.dimension, 1.23456789e-5)
    return Step(k, point, 0.987654321, gradient, float(np.linalg.norm(gradient)), -0.1 * gradient)


@pytest.mark.parametrize("text", ["x^2", "x^2 + y^2", "x^2 + y^2 + z^2", "a+b+c+d", "a+b+c+d+e+f"])
@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_rows_fit_the_terminal(text, width):
    function = parse(text)
    columns = Columns(function, "gd", 0.1, width)
    assert cells(columns.header()) <= width
    assert cells(columns.row(step(function))) <= width
    n = function.dimension
    huge = Step(999, np.full(n, -1.5e308), -np.inf, np.full(n, np.nan), np.inf, np.full(n, -1.23456789e-300))
    assert cells(columns.row(huge)) == cells(columns.row(step(function))), "a growing number keeps its column"
    assert "inf" not in columns.row(huge) and "nan" not in columns.row(huge)


def test_piped_rows_keep_every_column_and_six_digits():
    function = parse("x^2 + y^2")
    columns = Columns(function, "gd", 0.1, None)
    assert "Δx" in columns.header() and "Δy" in columns.header()
    assert "-0.123457" in columns.row(step(function))


def test_a_narrow_terminal_leaves_out_the_updates_but_keeps_the_slopes():
    function = parse("x^2 + y^2")
    columns = Columns(function, "gd", 0.1, 80)
    header = columns.header()
    assert "∂f/∂x" in header and "‖∇f‖" in header and "Δx" not in header
    assert "-0.12346" in columns.row(step(function))  # five digits in ten columns


# --- numbers in a fixed width, words wrapped, tables that never cut a value -------------------

import math  # noqa: E402

from hypothesis import given, strategies as st  # noqa: E402

from gdsim.render.rows import Table, fit_number, wrap  # noqa: E402


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([9, 10, 12]))
def test_a_number_keeps_its_width_whatever_its_size(x, width):
    text = fit_number(x, width, 6)
    assert len(text) == width
    shown = text.strip()
    if math.isnan(x):
        assert shown == "undefined"
    elif math.isinf(x):
        assert shown == ("∞" if x > 0 else "-∞")
    else:  # read back exactly (Decimal: 1.8e+308 is beyond a float): the digits shown are right
        from decimal import Decimal

        mantissa = shown.lstrip("-").split("e")[0].replace(".", "").lstrip("0") or "0"
        half_unit = Decimal(5) * Decimal(10) ** (Decimal(shown).adjusted() - len(mantissa))  # of the last digit shown
        assert abs(Decimal(shown) - Decimal(x)) <= half_unit * Decimal("1.000001")


def test_numbers_lose_digits_not_their_column():
    assert fit_number(-1.23456789e150, 12, 6) == "-1.2346e+150"
    assert fit_number(1.23456789e15, 9, 4) == "1.235e+15"
    assert fit_number(0.5, 9, 4) == "      0.5"


@given(st.lists(st.text(alphabet="abcdefgh한국", min_size=1, max_size=12), min_size=1, max_size=30),
       st.integers(min_value=20, max_value=80))
def test_wrapped_lines_fit_and_keep_every_word(words, width):
    text = " ".join(words)
    lines = wrap(text, width, indent="  ")
    assert all(cells(line) <= width for line in lines)
    assert "".join(line.strip().replace(" ", "") for line in lines) == "".join(words)  # nothing lost
    if all(cells(w) <= width - 4 for w in words):  # every word fits a continuation line: none is cut
        assert " ".join(line.strip() for line in lines).split() == words


def test_a_word_wider_than_the_line_is_cut_at_the_edge():
    lines = wrap("a aaaaaaa국국국국국", 20, indent="  ")  # 17 cells after a 4-cell hang would make 21
    assert [cells(line) for line in lines] == [3, 19, 6]


def test_a_table_leaves_out_columns_before_it_cuts_a_value():
    table = Table("t", [("run", "l", 0), ("note", "l", 2), ("f", "r", 0)])
    table.add("lr=0.001", "x" * 40, lambda d: f"{1 / 3:.{d}g}")
    lines, left_out = table.lines(40)
    assert left_out == ["note"]
    assert lines[2].split() == ["lr=0.001", "0.333333"]
    lines, left_out = table.lines(None)
    assert left_out == [] and "x" * 40 in lines[2]


# --- headlines say what ended the run ---------------------------------------------------------

from gdsim.engine.descend import Result, Settings, run  # noqa: E402
from gdsim.optim import make_optimizer  # noqa: E402
from gdsim.render.descend_text import headline, summary_lines  # noqa: E402


@pytest.mark.parametrize("text, start, lr, cause, words", [
    ("sqrt(x)", 1.0, 1.0, "undefined", "outside the domain of f"),   # x = 1 → 0.5 → −0.207: √ of a negative
    ("x^2", 3.0, 1.1, "bound", "beyond --bound"),                     # |1 − 2·1.1| > 1: grows past 1e8
    ("exp(x)", 710.0, 0.1, "overflow", "overflowed"),                 # e^710 > the largest double
])
def test_a_divergence_is_headlined_by_what_ended_it(text, start, lr, cause, words):
    function = parse(text)
    *_, result = run(function, np.array([start]), make_optimizer("gd", lr=lr), Settings())
    assert isinstance(result, Result) and result.status == "diverged" and result.cause == cause
    assert words in headline(result) and "the steps grew" not in headline(result)
    lines = summary_lines(function, np.array([start]), result)
    assert not any(w in line.split() for line in lines for w in ("inf", "-inf", "nan"))
