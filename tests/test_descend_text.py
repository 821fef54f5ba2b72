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


@pytest.mark.parametrize("text", ["x^2", "x^2 + y^2", "x^2 + y^2 + z^2", "a+b+c+d+e+f"])
@pytest.mark.parametrize("width", [80, 100])
def test_rows_fit_the_terminal(text, width):
    function = parse(text)
    columns = Columns(function, "gd", 0.1, width)
    assert cells(columns.header()) <= width
    assert cells(columns.row(step(function))) <= width


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
