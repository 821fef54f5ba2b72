"""Points typed with --at / --start (spec §2): named, positional, one number for all, and the errors.

Every mistake must list the function's variables, so that a student sees what was expected.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdsim.errors import GdsimError, PointError
from gdsim.expr.function import parse
from gdsim.expr.points import parse_point

XY = ("x", "y")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x=1,y=-2", [1.0, -2.0]),
        ("y=-2,x=1", [1.0, -2.0]),  # named values in any order
        (" x = 1 , y = 2 ", [1.0, 2.0]),
        ("1,-2", [1.0, -2.0]),
        ("-1,2", [-1.0, 2.0]),
        ("1e-3,2E2", [0.001, 200.0]),
        ("+.5,-.5", [0.5, -0.5]),
        ("3", [3.0, 3.0]),  # one number for every variable
        ("-0.25", [-0.25, -0.25]),
    ],
)
def test_point_forms(text, expected):
    point = parse_point(text, XY)
    assert point.dtype == float
    assert point.tolist() == expected


def test_positional_values_follow_the_natural_order_of_the_variables():
    f = parse("x10 + 2*x2 + 3*x1")
    assert parse_point("1,2,3", f.variables).tolist() == [1.0, 2.0, 3.0]
    assert f.variables == ("x1", "x2", "x10")  # so x1=1, x2=2, x10=3
    assert f.value(parse_point("1,2,3", f.variables)) == 3 * 1 + 2 * 2 + 3


@pytest.mark.parametrize(
    "text, words",
    [
        ("x=1", "no value for y"),
        ("z=1,x=1,y=2", "unknown variable 'z'"),
        ("1,2,3", "3 values for 2 variables"),
        ("", "empty"),
        ("1,,2", "empty"),
    ],
)
def test_point_errors_list_the_variables(text, words):
    with pytest.raises(PointError) as info:
        parse_point(text, XY)
    assert words in info.value.message
    assert "x, y" in info.value.message


def test_mixing_named_and_positional_values_shows_the_named_form():
    with pytest.raises(PointError) as info:
        parse_point("x=1,2", XY)
    assert "mix of named and positional" in info.value.message and "x=1,y=2" in info.value.message


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e400", "abc", "0x10", "1_000", "x=abc,y=1", "x=1,x=2,y=1", "1 2"])
def test_values_that_are_not_finite_numbers_are_refused(text):
    with pytest.raises(PointError) as info:
        parse_point(text, XY)
    assert "--at" in info.value.message


def test_the_option_name_is_in_the_message():
    with pytest.raises(PointError, match="^--start"):
        parse_point("1,2,3", XY, option="--start")


def test_a_huge_point_text_is_refused_quickly():
    start = time.thread_time()
    with pytest.raises(PointError):
        parse_point("1" * 1_000_000, XY)
    with pytest.raises(PointError):
        parse_point("1," * 200_000, XY)
    assert time.thread_time() - start < 1.0


@settings(max_examples=150, deadline=None, database=None)
@given(text=st.one_of(st.text(max_size=40), st.lists(st.sampled_from(["x", "y", "=", ",", "1", "-", ".", "e", " ", "2"]), max_size=20).map("".join)))
def test_random_point_text_raises_only_point_errors(text):
    try:
        point = parse_point(text, XY)
    except GdsimError:
        return
    assert point.shape == (2,) and np.all(np.isfinite(point))


# --- on the command line ----------------------------------------------------------------------


def test_at_with_equals_sign_takes_a_negative_first_value(gdsim_cli):
    code, out, err = gdsim_cli("derive", "x^2 + y", "--at=-1,2", "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["at"] == {"x": -1.0, "y": 2.0}


def test_a_negative_positional_point_after_at(gdsim_cli):
    code, out, _ = gdsim_cli("derive", "x^2 + y", "--at", "-1,2", "--format", "json")
    assert code == 0
    assert json.loads(out)["gradient_value"] == {"x": -2.0, "y": 1.0}


@pytest.mark.parametrize("at, words", [("x=1", "no value for y"), ("q=1,x=1,y=1", "unknown variable 'q'"), ("1,2,3", "3 values")])
def test_point_errors_on_the_command_line(gdsim_cli, at, words):
    code, out, err = gdsim_cli("derive", "x*y", "--at", at)
    assert code == 2 and out == ""
    first = err.splitlines()[0]
    assert first.startswith("error: --at") and words in first and "x, y" in first
