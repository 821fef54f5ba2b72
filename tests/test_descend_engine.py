"""Tests for gdsim.engine.descend: whole walks against torch.optim, the closed form of GD on x², and the stopping rules.

The torch trajectories are checked-in fixtures (tests/fixtures/make_torch_fixtures.py); here the
gradients come from gdsim's own parser and derivatives, so a match checks the engine end to end.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from gdsim.engine.descend import Result, Step, check_settings, run
from gdsim.errors import OptionError
from gdsim.expr.function import parse
from gdsim.optim import make_optimizer

DESCEND = json.loads((Path(__file__).parent / "fixtures" / "torch_descend.json").read_text())

# This walk ends within 1e-6 of Himmelblau's minimum (3, 2), where ∇f ≈ 1e-6 is the difference of
# terms near 10: the order in which the terms are added (torch's formula against gdsim's canonical
# form) changes ∇f by ~1e-9 relative, and Adam's m/√v passes that error on to the point. The same
# formula summed in gdsim's order by plain numpy is 1.8e-9 away from torch as well. f, steep around
# the points where the paths differ most, magnifies that by ‖∇f‖·|δx|/f. (points, values) tolerances:
RELATIVE_TOLERANCE: dict[str, tuple[float, float]] = {}


def walk(text, start, name="gd", tol=0.0, ftol=0.0, max_steps=60, bound=1e8, **hyper):
    """Every record of one run, with Python warnings turned into errors (gdsim must emit none)."""
    function = parse(text)
    optimizer = make_optimizer(name, **hyper)
    settings = check_settings(tol, ftol, max_steps, bound)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        records = list(run(function, np.array(start, dtype=float), optimizer, settings))
    steps, result = records[:-1], records[-1]
    assert all(isinstance(s, Step) for s in steps)
    assert isinstance(result, Result)
    return steps, result


# --- against torch.optim ----------------------------------------------------------------------


@pytest.mark.parametrize("case", DESCEND["cases"], ids=[case["id"] for case in DESCEND["cases"]])
def test_walk_matches_torch_optim(case):
    assert list(parse(case["function"]).variables) == case["variables"]
    steps, result = walk(case["function"], case["start"], case["optimizer"], max_steps=DESCEND["steps"], **case["hyper"])
    torch_points, torch_values = np.array(case["points"]), np.array(case["values"])
    rtol, value_rtol = RELATIVE_TOLERANCE.get(case["id"], (1e-10, 1e-10))
    n = len(steps)
    assert [s.step for s in steps] == list(range(n))
    np.testing.assert_allclose(np.array([s.point for s in steps]), torch_points[:n], rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(np.array([s.value for s in steps]), torch_values[:n], rtol=value_rtol, atol=1e-12)
    if result.status == "converged":
        # tol 0 stops only on an exactly zero gradient, where torch's later steps stand still.
        assert result.gradient_norm == 0.0
        np.testing.assert_allclose(torch_points[n:], np.broadcast_to(result.point, torch_points[n:].shape), rtol=1e-10, atol=1e-12)
    else:
        assert n == len(torch_points)
        assert result.status == "max_steps"
        assert result.steps == DESCEND["steps"]
    np.testing.assert_allclose(result.point, torch_points[-1], rtol=rtol, atol=1e-12)


def test_fixture_covers_every_optimizer_on_four_functions():
    pairs = {(case["optimizer"], case["function"]) for case in DESCEND["cases"]}
    functions = {f for _, f in pairs}
    assert len(functions) >= 4
    for name in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        assert {f for o, f in pairs if o == name} == functions, name
    assert DESCEND["steps"] >= 50


# --- closed form ------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.3, 0.45, 0.6, 0.75, 0.95])
@pytest.mark.parametrize("x0", [1.0, -2.5])
def test_gd_on_x_squared_follows_the_closed_form(lr, x0):
    # x_{k+1} = x_k - lr·2x_k = (1 - 2·lr)·x_k; for lr in (0.5, 1) the factor is negative: the hiker oscillates.
    steps, result = walk("x**2", [x0], lr=lr, max_steps=40)
    expected = np.array([x0 * (1 - 2 * lr) ** k for k in range(41)])
    points = np.array([s.point[0] for s in steps])
    np.testing.assert_allclose(points, expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose([s.value for s in steps], expected**2, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose([s.gradient[0] for s in steps], 2 * expected, rtol=1e-12, atol=1e-300)
    if lr > 0.5:
        assert all(np.sign(points[k]) == -np.sign(points[k + 1]) for k in range(40))
    assert result.status == "max_steps" and result.steps == 40


def test_each_update_is_the_difference_of_consecutive_points():
    steps, _ = walk("(1-x)**2 + 100*(y-x**2)**2", [-1.2, 1.0], "adam", max_steps=20, lr=0.05)
    for here, there in zip(steps, steps[1:]):
        np.testing.assert_allclose(here.point + here.update, there.point, rtol=1e-15, atol=0)
    assert steps[-1].update is None
    np.testing.assert_array_equal(steps[0].point, [-1.2, 1.0])


def test_gd_with_lr_one_half_lands_on_the_minimum_of_x_squared_in_one_step():
    steps, result = walk("x**2", [3.0], lr=0.5, tol=0.0)
    assert [s.point[0] for s in steps] == [3.0, 0.0]
    assert result.status == "converged" and result.steps == 1 and result.gradient_norm == 0.0


# --- stopping rules ---------------------------------------------------------------------------


def test_start_at_the_minimum_converges_with_no_step():
    steps, result = walk("x**2 + y**2", [0.0, 0.0], tol=1e-6)
    assert result.status == "converged"
    assert result.steps == 0
    assert len(steps) == 1 and steps[0].step == 0 and steps[0].update is None


def test_tol_is_checked_at_the_start_point():
    # ‖∇f‖ = 2e-7 at the start, already below --tol 1e-6.
    steps, result = walk("x**2", [1e-7], tol=1e-6)
    assert (result.status, result.steps, len(steps)) == ("converged", 0, 1)


def test_tol_stops_at_the_first_point_with_a_small_enough_gradient():
    x0, lr, tol = 1.0, 0.1, 1e-3
    # closed form: ‖∇f(x_k)‖ = 2·|x0|·0.8^k
    first = next(k for k in range(1000) if 2 * abs(x0) * (1 - 2 * lr) ** k <= tol)
    steps, result = walk("x**2", [x0], lr=lr, tol=tol, max_steps=1000)
    assert result.status == "converged"
    assert result.steps == first
    assert steps[-1].step == first
    assert result.gradient_norm <= tol < steps[-2].gradient_norm
    assert "tol" in str(result.reason)


def test_ftol_stops_when_f_stops_changing():
    x0, lr, ftol = 1.0, 0.1, 1e-4
    # closed form: f_k = 0.64^k, so |f_k - f_(k-1)| = 0.36·0.64^(k-1); never checked at step 0.
    first = next(k for k in range(1, 1000) if 0.36 * 0.64 ** (k - 1) <= ftol)
    steps, result = walk("x**2", [x0], lr=lr, tol=0.0, ftol=ftol, max_steps=1000)
    assert result.status == "converged"
    assert result.steps == first
    assert "ftol" in str(result.reason)


def test_ftol_zero_is_off():
    # GD with lr 1 on x² bounces between 1 and -1: f never changes, but --ftol 0 must not stop it.
    _, result = walk("x**2", [1.0], lr=1.0, tol=0.0, ftol=0.0, max_steps=15)
    assert result.status == "max_steps" and result.steps == 15
    _, result = walk("x**2", [1.0], lr=1.0, tol=0.0, ftol=1e-12, max_steps=15)
    assert result.status == "converged" and result.steps == 1


@pytest.mark.parametrize("k", [0, 1, 7])
def test_max_steps_counts_updates(k):
    steps, result = walk("x**2 + y**2", [1.0, 2.0], lr=0.01, tol=1e-9, max_steps=k)
    assert result.status == "max_steps"
    assert result.steps == k
    assert [s.step for s in steps] == list(range(k + 1))
    assert [s.update is None for s in steps] == [False] * k + [True]
    np.testing.assert_allclose(result.point, [0.98**k, 2 * 0.98**k], rtol=1e-14)


def test_a_coordinate_beyond_bound_diverges_at_once():
    # x_k = (-2)^k for lr 1.5; |x_10| = 1024 is the first beyond 1000.
    steps, result = walk("x**2", [1.0], lr=1.5, bound=1000.0, max_steps=1000)
    assert result.status == "diverged"
    assert result.steps == 10
    assert steps[-1].point[0] == 1024.0
    assert "step 10" in str(result.reason) and "--bound" in str(result.reason)


def test_divergence_on_a_quadratic_names_the_largest_stable_learning_rate():
    # f = x² + 3y²: the Hessian is diag(2, 6), λ_max = 6, so GD is stable only for lr < 2/6.
    _, result = walk("x**2 + 3*y**2", [1.0, 1.0], lr=0.5, max_steps=1000)
    assert result.status == "diverged"
    assert "2/λ_max" in str(result.reason)
    assert "0.3333" in str(result.reason)


def test_overflow_of_f_is_a_divergence_without_warnings():
    # With no --bound to stop it, x_k = (-2)^k runs until f = x² overflows: 2^1024 is beyond a double.
    _, result = walk("x**2", [1.0], lr=1.5, bound=math.inf, max_steps=2000)
    assert result.status == "diverged"
    assert "2/λ_max" in str(result.reason)


def test_overflow_is_caught_at_the_first_non_finite_value():
    # x_511 = -2^511: f = 2^1022 and f' = -2^512 are finite, so the walk must go on;
    # x_512 = 2^512 is the first point where f = 2^1024 overflows.
    steps, result = walk("x**2", [1.0], lr=1.5, bound=math.inf, max_steps=2000)
    for s in steps:
        if np.all(np.isfinite(s.gradient)):
            assert s.gradient_norm == pytest.approx(math.hypot(*s.gradient), rel=1e-15), s.step
    assert result.steps == 512
    assert "step 512" in str(result.reason)


@pytest.mark.parametrize(
    "text, start, lr, step",
    [
        ("-exp(x)", 1.0, 1.0, 3),  # x grows: 1, 3.72, 44.9, 3.2e19, and exp overflows
        ("exp(x**2)", 1.0, 1.0, 2),  # overshoots to -4.44, then to 3.1e9
    ],
)
def test_exp_overflowing_is_a_divergence_without_warnings(text, start, lr, step):
    steps, result = walk(text, [start], lr=lr, bound=math.inf, max_steps=1000)
    assert result.status == "diverged"
    assert result.steps == step
    assert f"step {step}" in str(result.reason)
    assert not math.isfinite(steps[-1].value)
    assert all(math.isfinite(s.value) for s in steps[:-1])


@pytest.mark.parametrize(
    "text, start, lr, where, word",
    [
        ("log(x)", 1.0, 5.0, -4.0, "log"),  # 1 - 5·(1/1) = -4
        ("x - log(x)", 3.0, 6.0, -1.0, "log"),  # 3 - 6·(1 - 1/3) = -1
        ("sqrt(x)", 1.0, 5.0, -1.5, "square root"),  # 1 - 5·(1/2) = -1.5
    ],
)
def test_leaving_the_domain_mid_run_is_a_divergence_naming_the_step(text, start, lr, where, word):
    steps, result = walk(text, [start], lr=lr, max_steps=100)
    assert result.status == "diverged"
    assert result.steps == 1
    assert steps[-1].point[0] == pytest.approx(where)
    assert "step 1" in str(result.reason)
    assert word in str(result.reason)


@pytest.mark.parametrize(
    "tol, ftol, max_steps, bound",
    [(-1.0, 0.0, 10, 1.0), (math.nan, 0.0, 10, 1.0), (0.0, -1.0, 10, 1.0), (0.0, math.inf, 10, 1.0),
     (0.0, 0.0, -1, 1.0), (0.0, 0.0, 10, 0.0), (0.0, 0.0, 10, math.nan), (0.0, 0.0, 10**9, 1.0)],
)
def test_stopping_options_are_checked_up_front(tol, ftol, max_steps, bound):
    with pytest.raises(OptionError):
        check_settings(tol, ftol, max_steps, bound)
