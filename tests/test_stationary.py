"""The kind of flat ground: a converged run (and derive --hessian on flat ground) names a minimum, a
hilltop, a saddle or a degenerate point, and the text says plainly that a hilltop is not the bottom.

The expected kinds are known by construction (the second-derivative test worked by hand for each
function and point below), never taken from gdsim.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from gdsim.engine.descend import check_settings, run
from gdsim.engine.stationary import kind, stationary_kind
from gdsim.expr.function import parse
from gdsim.optim import make_optimizer

# (function, a stationary point of it, its kind by hand)
BANK = [
    ("x^2", [0], "minimum"),
    ("x^2 + y^2", [0, 0], "minimum"),
    ("(1-x)^2 + 100(y-x^2)^2", [1, 1], "minimum"),  # Rosenbrock
    ("cos(x) + cos(y)", [math.pi, math.pi], "minimum"),
    ("x^2 + x*y + y^2", [0, 0], "minimum"),  # H = [[2,1],[1,2]], eigenvalues 1 and 3
    ("x^3 - 3x", [1], "minimum"),  # f″ = 6x
    ("x^3 - 3x", [-1], "maximum"),
    ("-(x^2 + y^2)", [0, 0], "maximum"),
    ("sin(x)", [math.pi / 2], "maximum"),
    ("cos(x) + cos(y)", [0, 0], "maximum"),
    ("exp(-x^2 - y^2 - z^2)", [0, 0, 0], "maximum"),
    ("x^2 - y^2", [0, 0], "saddle"),
    ("x*y", [0, 0], "saddle"),  # eigenvalues -1 and 1
    ("cos(x) + cos(y)", [math.pi, 0], "saddle"),
    ("x^2 + y^2 - z^2", [0, 0, 0], "saddle"),
    ("x^4", [0], "degenerate"),  # f″(0) = 0: the test cannot tell
    ("-x^4", [0], "degenerate"),
    ("x^3", [0], "degenerate"),
    ("x^4 + y^2", [0, 0], "degenerate"),
    ("x^3 - 3x*y^2", [0, 0], "degenerate"),  # the monkey saddle: H = 0
]


@pytest.mark.parametrize("text,point,expected", BANK, ids=[f"{t} at {p}" for t, p, _ in BANK])
def test_a_run_that_starts_on_flat_ground_names_its_kind(text, point, expected):
    records = list(run(parse(text), np.array(point, dtype=float), make_optimizer("gd"), check_settings(1e-6, 0, 100, 1e8)))
    result = records[-1]
    assert result.status == "converged" and result.steps == 0
    assert result.stationary == expected


@pytest.mark.parametrize(
    "text,start,optimizer,expected",
    [
        ("x^2 + 3y^2", [2, -1], "gd", "minimum"),
        ("(1-x)^2 + 100(y-x^2)^2", [-1.2, 1], "adam", "minimum"),
        ("-(x^2 + y^2)", [0, 0], "momentum", "maximum"),
        ("x^2 - y^2", [1, 0], "gd", "saddle"),  # on the ridge line y = 0 gd walks into the saddle and stops
        ("x^4", [1], "gd", "degenerate"),  # stops at x ≈ 0.0063, where f″ > 0 but the ground is flat to second order
        ("x^3", [1], "gd", "degenerate"),  # stops at x ≈ 0.00058, on the way to the inflection point
        ("x^4 + y^2", [1, 1], "gd", "degenerate"),
    ],
)
def test_the_kind_where_a_walk_converges_near_a_stationary_point(text, start, optimizer, expected):
    settings = check_settings(1e-6, 0, 100_000, 1e8)
    lr = {"adam": 0.05}.get(optimizer, 0.1)
    *_, result = run(parse(text), np.array(start, dtype=float), make_optimizer(optimizer, lr=lr), settings)
    assert result.status == "converged"
    assert result.stationary == expected


def test_runs_that_did_not_converge_name_no_kind():
    *_, stopped = run(parse("x^2"), np.array([3.0]), make_optimizer("gd"), check_settings(1e-6, 0, 3, 1e8))
    *_, diverged = run(parse("x^2"), np.array([3.0]), make_optimizer("gd", lr=1.5), check_settings(1e-6, 0, 100, 1e8))
    assert (stopped.status, stopped.stationary) == ("max_steps", None)
    assert (diverged.status, diverged.stationary) == ("diverged", None)


def test_more_than_twenty_variables_name_no_kind():
    text = " + ".join(f"x{i}^2" for i in range(21))
    *_, result = run(parse(text), np.zeros(21), make_optimizer("gd"), check_settings(1e-6, 0, 10, 1e8))
    assert result.status == "converged" and result.stationary is None


@pytest.mark.parametrize(
    "eigenvalues,expected",
    [([1, 2], "minimum"), ([-3, -1e-3], "maximum"), ([-1, 1], "saddle"), ([-1, 0, 1], "saddle"),
     ([0, 1], "degenerate"), ([-2, 0], "degenerate"), ([0], "degenerate"),
     ([1e-12, 1], "degenerate"), ([1e-6, 1], "minimum"), ([1e-10, 1e-10], "degenerate")],
)
def test_the_second_derivative_test(eigenvalues, expected):
    assert kind(eigenvalues) == expected


def test_a_function_without_a_finite_hessian_there_gets_no_verdict():
    assert stationary_kind(parse("abs(x)^(1/2)"), np.array([0.0]), np.array([0.0])) is None


# --- what the commands say --------------------------------------------------------------------


def test_descend_on_a_hilltop_says_it_is_a_hilltop(gdsim_cli):
    code, out, _ = gdsim_cli("descend", "x^3 - 3x", "--start=-1", "--no-plot")
    assert code == 0
    assert "flat ground, but a hilltop: a nudge would roll downhill (−∇f is 0 here, so gd cannot leave it)" in out


def test_descend_json_and_ndjson_carry_the_kind(gdsim_cli):
    code, out, _ = gdsim_cli("descend", "x^2 - y^2", "--start=1,0", "-f", "json")
    assert code == 0 and json.loads(out)["result"]["stationary"] == "saddle"
    code, out, _ = gdsim_cli("descend", "x^2", "--start=3", "--max-steps=2", "-f", "ndjson")
    result = json.loads(out.splitlines()[-1])
    assert code == 3 and result["type"] == "result" and result["stationary"] is None


def test_derive_gives_one_verdict_from_the_hessian(gdsim_cli):
    code, out, _ = gdsim_cli("derive", "x^3-3x", "--at=-1", "--hessian")
    assert code == 0
    assert "candidate minimum" not in out
    assert "flat ground, but a hilltop" in out and "concave" in out
    code, out, _ = gdsim_cli("derive", "x^3-3x", "--at=-1", "--hessian", "-f", "json")
    assert json.loads(out)["stationary"] == "maximum"


def test_derive_without_the_hessian_does_not_guess(gdsim_cli):
    code, out, _ = gdsim_cli("derive", "x^3-3x", "--at=1")
    assert code == 0
    assert "candidate minimum" not in out
    assert "flat ground: a stationary point (minimum, maximum or saddle: --hessian tells)" in out


def test_derive_away_from_flat_ground_names_no_kind(gdsim_cli):
    code, out, _ = gdsim_cli("derive", "x^2", "--at=1", "--hessian", "-f", "json")
    assert json.loads(out)["stationary"] is None


def test_korean_names_the_hilltop(gdsim_cli):
    code, out, _ = gdsim_cli("descend", "x^3 - 3x", "--start=-1", "--no-plot", "--lang", "ko")
    assert "봉우리 꼭대기" in out


def test_a_comparison_says_which_runs_stopped_on_a_hilltop(gdsim_cli):
    code, out, _ = gdsim_cli("descend", "x^4 - 2x^2", "--start", "0", "-o", "gd,momentum", "--no-plot")
    assert code == 0
    assert out.count("flat ground, but a hilltop") == 2
