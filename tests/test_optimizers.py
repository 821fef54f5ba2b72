"""Tests for gdsim.optim: trajectories against torch.optim, closed forms and option checks.

The torch trajectories are checked-in fixtures (tests/fixtures/make_torch_fixtures.py); the
gradients here are derived by hand, so neither side of a comparison comes from gdsim.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from gdsim.errors import OptionError
from gdsim.optim import DEFAULT_LR, OPTIMIZERS, make_optimizer

DESCEND = json.loads((Path(__file__).parent / "fixtures" / "torch_descend.json").read_text())
# The six rules of torch_descend.json; the later ones are tested in test_optim_round2.py.
CLASSIC = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


# function text: (f, ∇f), written out by hand from the formula.
def _quartic(p):
    x = p[0]
    return x**4 - 3 * x**2 + x, np.array([4 * x**3 - 6 * x + 1])


def _rosenbrock(p):
    x, y = p
    value = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    return value, np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def _himmelblau(p):
    x, y = p
    a, b = x**2 + y - 11, x + y**2 - 7
    return a**2 + b**2, np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


def _trig(p):
    x, y = p
    value = math.sin(x) * math.cos(y) + 0.1 * (x**2 + y**2)
    return value, np.array([math.cos(x) * math.cos(y) + 0.2 * x, -math.sin(x) * math.sin(y) + 0.2 * y])


FUNCTIONS = {
    "x**4 - 3*x**2 + x": _quartic,
    "(1-x)**2 + 100*(y-x**2)**2": _rosenbrock,
    "(x**2+y-11)**2 + (x+y**2-7)**2": _himmelblau,
    "sin(x)*cos(y) + 0.1*(x**2+y**2)": _trig,
}

HYPER_KEYS = {
    "gd": ["lr"],
    "momentum": ["lr", "momentum"],
    "nesterov": ["lr", "momentum"],
    "adagrad": ["lr", "eps"],
    "rmsprop": ["lr", "alpha", "eps"],
    "adam": ["lr", "beta1", "beta2", "eps"],
}


def run(optimizer, function, start, steps):
    """Points and values of `steps` updates from `start`, as an engine would run them."""
    params = np.array(start, dtype=float)
    state = optimizer.init(params)
    points, values = [params], []
    for _ in range(steps):
        value, gradient = function(params)
        values.append(value)
        updates, state = optimizer.update(gradient, state)
        params = params + updates
        points.append(params)
    values.append(function(params)[0])
    return np.array(points), np.array(values)


@pytest.mark.parametrize("case", DESCEND["cases"], ids=[case["id"] for case in DESCEND["cases"]])
def test_trajectory_matches_torch_optim(case):
    optimizer = make_optimizer(case["optimizer"], **case["hyper"])
    assert optimizer.hyper == case["hyper"]
    points, values = run(optimizer, FUNCTIONS[case["function"]], case["start"], DESCEND["steps"])
    np.testing.assert_allclose(points, case["points"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(values, case["values"], rtol=1e-10, atol=1e-12)


def test_fixture_covers_every_optimizer_on_every_function_with_and_without_defaults():
    covered = {(case["function"], case["optimizer"]) for case in DESCEND["cases"]}
    assert covered == {(function, name) for function in FUNCTIONS for name in CLASSIC}
    for name in CLASSIC:
        defaults = make_optimizer(name).hyper
        changed = {
            key
            for case in DESCEND["cases"]
            if case["optimizer"] == name
            for key in case["hyper"]
            if key != "lr" and case["hyper"][key] != defaults[key]
        }
        assert changed == set(defaults) - {"lr"}, name


@pytest.mark.parametrize("lr", [0.1, 0.3, 0.45, 0.9])
def test_gd_on_a_parabola_follows_the_closed_form(lr):
    # f(x) = x², ∇f = 2x, so x_k = x_0·(1 − 2·lr)^k; lr = 0.9 overshoots and oscillates.
    start = np.array([3.0, -1.5, 0.25])
    points, _ = run(make_optimizer("gd", lr=lr), lambda p: (p @ p, 2 * p), start, 40)
    expected = np.array([start * (1 - 2 * lr) ** k for k in range(41)])
    np.testing.assert_allclose(points, expected, rtol=1e-12, atol=1e-300)


def test_momentum_first_step_is_plain_gd_and_second_adds_the_buffer():
    # torch starts the buffer at the first gradient: b1 = g1, b2 = mu·g1 + g2.
    optimizer = make_optimizer("momentum", lr=0.5, momentum=0.75)
    state = optimizer.init(np.zeros(2))
    first, state = optimizer.update(np.array([2.0, -4.0]), state)
    second, state = optimizer.update(np.array([1.0, 1.0]), state)
    np.testing.assert_array_equal(first, [-1.0, 2.0])
    np.testing.assert_array_equal(second, [-0.5 * (0.75 * 2.0 + 1.0), -0.5 * (0.75 * -4.0 + 1.0)])


def test_adagrad_and_adam_first_step_is_lr_times_the_sign_of_the_gradient():
    gradient = np.array([3.0, -0.002, 250.0])
    for name in ("adagrad", "adam"):
        optimizer = make_optimizer(name, lr=0.1, eps=1e-12)
        updates, _ = optimizer.update(gradient, optimizer.init(np.zeros(3)))
        np.testing.assert_allclose(updates, -0.1 * np.sign(gradient), rtol=1e-9)


def test_defaults_are_the_documented_ones():
    expected = {
        "gd": {"lr": 0.1},
        "momentum": {"lr": 0.1, "momentum": 0.9},
        "nesterov": {"lr": 0.1, "momentum": 0.9},
        "adagrad": {"lr": 0.01, "eps": 1e-10},
        "rmsprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-8},
        "adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    }
    assert OPTIMIZERS[:6] == CLASSIC
    assert {name: DEFAULT_LR[name] for name in CLASSIC} == {name: hyper["lr"] for name, hyper in expected.items()}
    for name, hyper in expected.items():
        optimizer = make_optimizer(name)
        assert optimizer.name == name
        assert optimizer.hyper == hyper
        assert list(optimizer.hyper) == HYPER_KEYS[name]  # lr first


@pytest.mark.parametrize("name", CLASSIC)
def test_unused_hyper_parameters_are_ignored_and_not_listed(name):
    everything = {"lr": 0.05, "momentum": 0.5, "alpha": 0.8, "beta1": 0.7, "beta2": 0.95, "eps": 1e-6}
    assert make_optimizer(name, **everything).hyper == {key: everything[key] for key in HYPER_KEYS[name]}
    # A value the optimizer does not use is not checked either.
    unused = {key: -1.0 for key in everything if key not in HYPER_KEYS[name]}
    assert list(make_optimizer(name, **unused).hyper) == HYPER_KEYS[name]


BAD_VALUES = [
    ("gd", "lr", -0.1),
    ("adam", "lr", 0.0),
    ("momentum", "lr", math.inf),
    ("rmsprop", "lr", math.nan),
    ("momentum", "momentum", -0.1),
    ("nesterov", "momentum", 1.0),
    ("momentum", "momentum", math.nan),
    ("nesterov", "momentum", math.inf),
    ("rmsprop", "alpha", 1.0),
    ("rmsprop", "alpha", -0.5),
    ("adam", "beta1", 1.0),
    ("adam", "beta1", -0.01),
    ("adam", "beta2", 1.5),
    ("adam", "beta2", math.nan),
    ("adagrad", "eps", 0.0),
    ("rmsprop", "eps", -1e-8),
    ("adam", "eps", math.inf),
]


@pytest.mark.parametrize(("name", "option", "value"), BAD_VALUES)
def test_bad_hyper_parameter_is_refused_naming_the_option_and_value(name, option, value):
    with pytest.raises(OptionError) as error:
        make_optimizer(name, **{option: value})
    assert f"--{option} " in error.value.message
    assert repr(value) in error.value.message


def test_a_hyper_parameter_that_is_not_a_number_is_refused():
    with pytest.raises(OptionError, match=r"--lr .*'fast'"):
        make_optimizer("gd", lr="fast")


def test_unknown_optimizer_is_refused_listing_the_names():
    with pytest.raises(OptionError) as error:
        make_optimizer("bfgs")
    assert "bfgs" in error.value.message
    assert all(name in error.value.message for name in OPTIMIZERS)


def test_optimizer_names_ignore_case_and_spaces():
    assert make_optimizer(" Adam ").name == "adam"


@pytest.mark.parametrize("name", CLASSIC)
def test_init_and_update_leave_their_inputs_alone_for_any_shape(name):
    optimizer = make_optimizer(name)
    params = np.arange(6.0).reshape(2, 3)
    params_before = params.copy()
    state = optimizer.init(params)
    np.testing.assert_array_equal(params, params_before)
    for step in range(3):
        gradient = np.linspace(-1.0, 2.0, 6).reshape(2, 3) * (step + 1)
        gradient_before = gradient.copy()
        state_before = copy.deepcopy(state)
        updates, new_state = optimizer.update(gradient, state)
        assert updates.shape == (2, 3)
        assert type(new_state) is type(state)
        np.testing.assert_array_equal(gradient, gradient_before)
        for old, kept in zip(state_before, state):
            np.testing.assert_array_equal(old, kept)
        state = new_state
