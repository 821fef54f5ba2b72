"""Tests for gdsim.expr.vector: vector mode's values and exact gradients, its refusals, and its use by descend.

Oracles: the scalar mode (gdsim.expr.function) on the same function written out component by component
at small N, torch autograd fixtures at N = 1,024 (tests/fixtures/make_vector_fixtures.py), and a
hand-written numpy gradient of the Rosenbrock sum for a whole Adam walk.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdsim.engine.descend import Result, check_settings, run
from gdsim.errors import ExpressionError, GdsimError, OptionError, PointError
from gdsim.expr.function import parse
from gdsim.optim import make_optimizer
from gdsim.expr.vector import MAX_HESSIAN_DIM, parse_vector

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "torch_vector.json").read_text())
ROSENBROCK = "sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)"


def close(actual, expected, rtol):
    """Relative agreement; a component that is 0 in `expected` is held to rtol times the largest one."""
    expected = np.asarray(expected, dtype=float)
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


# --- the same function written out for the scalar mode ----------------------------------------------


def terms(n, template, start=0, stop=0):
    """template.format(i=..., j=...) for each i in start..n+stop-1, joined by +, j = i + 1, k = i + 2."""
    return " + ".join(template.format(i=i, j=i + 1, k=i + 2) for i in range(start, n + stop))


def last(n):
    return f"x{n - 1}"


# (vector text, expansion for n components, smallest n)
EXPANSIONS = [
    (ROSENBROCK, lambda n: terms(n, "100*(x{j}-x{i}**2)**2 + (1-x{i})**2", stop=-1), 2),
    ("sum(x**2) + 0.5*dot(x, x) + norm(x)",
     lambda n: f"{terms(n, 'x{i}**2')} + 0.5*({terms(n, 'x{i}*x{i}')}) + sqrt({terms(n, 'x{i}**2')})", 2),
    ("mean(sin(x[1:]) * exp(-x[:-1]**2)) + sum(log(1 + x**2)) + sum(sigmoid(2*x) * relu(x - 0.1))"
     " + norm(abs(x[:-2]) - x[2:]) / 10 + x[0]*x[-1]",
     lambda n: f"({terms(n, 'sin(x{j})*exp(-x{i}**2)', stop=-1)})/{n - 1} + {terms(n, 'log(1 + x{i}**2)')}"
               f" + {terms(n, 'sigmoid(2*x{i})*relu(x{i} - 0.1)')}"
               f" + sqrt({terms(n, '(abs(x{i}) - x{k})**2', stop=-2)})/10 + x0*{last(n)}", 3),
    ("x[0]", lambda n: "x0", 2),
    ("x[-1]**2 + 3*x[1] - x[-2]/2", lambda n: f"{last(n)}**2 + 3*x1 - x{n - 2}/2", 2),
    ("sum(x[1:]*x[:-1])", lambda n: terms(n, "x{j}*x{i}", stop=-1), 2),
    ("dot(x[1:], x[:-1]) / mean(x)", lambda n: f"({terms(n, 'x{j}*x{i}', stop=-1)}) / (({terms(n, 'x{i}')})/{n})", 2),
    ("log(sum(x**2))", lambda n: f"log({terms(n, 'x{i}**2')})", 2),
    ("sum(x[0]*x)", lambda n: terms(n, "x0*x{i}"), 2),
    ("sum(x[-1]/(2 + x))", lambda n: terms(n, f"{last(n)}/(2 + x{{i}})"), 2),
    ("sum((2 + x[0])**x)", lambda n: terms(n, "(2 + x0)**x{i}"), 2),
    ("sum((1.5 + x)**(0.5 + x/10))", lambda n: terms(n, "(1.5 + x{i})**(0.5 + x{i}/10)"), 2),
    ("sum((x + 1)**x[0]) + (x[1] + 1)**x[0]", lambda n: f"{terms(n, '(x{i} + 1)**x0')} + (x1 + 1)**x0", 2),
    ("sum(3/(1 + x**2)) + sum(2**x) + sum(x**3 - 0.01*x**(-2))",
     lambda n: f"{terms(n, '3/(1 + x{i}**2)')} + {terms(n, '2**x{i}')} + {terms(n, 'x{i}**3 - 0.01*x{i}**(-2)')}", 2),
    ("norm(x[1:] - x[:-1]) + mean(x)*sum(x)",
     lambda n: f"sqrt({terms(n, '(x{j} - x{i})**2', stop=-1)}) + ({terms(n, 'x{i}')})/{n}*({terms(n, 'x{i}')})", 2),
    ("sum(log(x**2 + 1, 3)) + sum(log(3, 2 + x))", lambda n: f"{terms(n, 'log(x{i}**2 + 1, 3)')} + {terms(n, 'log(3, 2 + x{i})')}", 2),
    ("-sum(x) + +x[0] + sum(x/4 - 2*x + 1 - x)", lambda n: f"-({terms(n, 'x{i}')}) + x0 + {terms(n, 'x{i}/4 - 2*x{i} + 1 - x{i}')}", 2),
    ("sum(x*0) + sum(x**0) + sum(0/(1 + x)) + x[0]", lambda n: f"{n} + x0", 2),
    ("sum(x[1:]**1 + 2x[0]*x[1:]) + mean(x[:])", lambda n: f"{terms(n, 'x{j} + 2*x0*x{j}', stop=-1)} + ({terms(n, 'x{i}')})/{n}", 2),
    ("sum(sign(x)*step(x)*x)", lambda n: terms(n, "sign(x{i})*step(x{i})*x{i}"), 2),
]

# Every elementwise function, on arguments inside its domain and away from kinks (x is in ±0.9).
FUNCTIONS = "sin cos tan asin acos atan sinh cosh tanh exp log ln log2 log10 sqrt abs sigmoid relu sign step".split()
POSITIVE_ONLY = {"log", "ln", "log2", "log10", "sqrt"}
for _name in FUNCTIONS:
    for _arg, _scalar_arg in [("x/3 + 0.4", "x{i}/3 + 0.4"), ("x - 1.7", "x{i} - 1.7"), ("7*x[0] - x", "7*x0 - x{i}")]:
        if (_name in POSITIVE_ONLY or _name in ("asin", "acos")) and _arg != "x/3 + 0.4":
            continue
        EXPANSIONS.append(
            (f"sum({_name}({_arg}) * x)", lambda n, f=_name, a=_scalar_arg: terms(n, f"{f}({a})*x{{i}}"), 2)
        )


def random_point(n, seed):
    x = np.random.default_rng(seed).uniform(-0.9, 0.9, n)
    return np.where(np.abs(x) < 0.05, 0.3, x)  # away from the kinks of abs, sign, step and relu at 0 (and 0.1)


CASES = [(text, expand, n) for text, expand, smallest in EXPANSIONS for n in (2, 3, 5) if n >= smallest]


@pytest.mark.parametrize("text, expand, n", CASES, ids=[f"{text}-{n}" for text, _, n in CASES])
def test_equals_the_scalar_expansion(text, expand, n):
    vector = parse_vector(text, n)
    scalar = parse(expand(n))
    assert set(scalar.variables) <= {f"x{i}" for i in range(n)}  # "sum(x*0) + x[0]" is 0 + x0
    for seed in range(3):
        point = random_point(n, seed)
        value, gradient = vector.value_and_gradient(point)
        full = dict(zip([f"x{i}" for i in range(n)], point))
        expected_value, partials = scalar.value_and_gradient(np.array([full[v] for v in scalar.variables]))
        expected = np.zeros(n)
        for name, partial in zip(scalar.variables, partials):
            expected[int(name[1:])] = partial
        assert math.isfinite(value) and value == pytest.approx(expected_value, rel=1e-12, abs=1e-300)
        close(gradient, expected, 1e-12)
        assert vector.value(point) == value


def test_values_of_many_points_equal_the_scalar_expansion():
    vector = parse_vector(ROSENBROCK, 5)
    scalar = parse(EXPANSIONS[0][1](5))
    points = np.random.default_rng(7).normal(size=(8, 5))
    close(vector.values(points), scalar.values(points), 1e-12)
    assert vector.values(points).shape == (8,)


def test_hessian_equals_the_scalar_expansion_to_finite_difference_accuracy():
    text, expand, _ = EXPANSIONS[2]
    vector, scalar = parse_vector(text, 5), parse(expand(5))
    point = random_point(5, 11)
    hessian = vector.hessian(point)
    assert np.array_equal(hessian, hessian.T)
    close(hessian, scalar.hessian(point), 1e-6)


def test_hessian_of_a_quadratic_is_exact_up_to_rounding():
    hessian = parse_vector("sum(x**2) + 3*x[0]*x[1]", 4).hessian(np.array([0.3, -2.0, 5.0, 1e3]))
    expected = np.diag([2.0, 2.0, 2.0, 2.0])
    expected[0, 1] = expected[1, 0] = 3.0
    np.testing.assert_allclose(hessian, expected, rtol=0, atol=1e-7)


def test_hessian_is_refused_beyond_its_limit():
    parse_vector("sum(x**2)", MAX_HESSIAN_DIM).hessian(np.zeros(MAX_HESSIAN_DIM))  # the limit itself works
    with pytest.raises(OptionError, match=f"up to {MAX_HESSIAN_DIM} components"):
        parse_vector("sum(x**2)", MAX_HESSIAN_DIM + 1).hessian(np.zeros(MAX_HESSIAN_DIM + 1))


# --- torch autograd at N = 1,024 ----------------------------------------------------------------------


@pytest.mark.parametrize("case", FIXTURES["cases"], ids=[c["id"] for c in FIXTURES["cases"]])
def test_gradient_equals_torch_autograd_at_1024(case):
    function = parse_vector(case["function"], FIXTURES["dim"])
    assert function.dimension == FIXTURES["dim"] == 1024
    value, gradient = function.value_and_gradient(np.array(case["point"]))
    assert value == pytest.approx(case["value"], rel=1e-10, abs=1e-300)
    close(gradient, case["gradient"], 1e-10)


def test_fixtures_cover_the_three_required_functions():
    functions = {c["function"] for c in FIXTURES["cases"]}
    assert ROSENBROCK in functions and "sum(x**2) + 0.5*dot(x, x) + norm(x)" in functions
    assert any(all(f in text for f in ("sin", "exp", "log", "sigmoid", "relu", "abs", "mean")) for text in functions)


def test_slope_of_the_norm_at_zero_is_zero_like_abs():
    value, gradient = parse_vector("norm(x)", 3).value_and_gradient(np.zeros(3))
    assert value == 0.0 and np.array_equal(gradient, np.zeros(3))
    # one component: norm is abs, whose slope at 0 is sign(0) = 0 in the scalar mode too
    assert parse("abs(x)").value_and_gradient(np.zeros(1))[1][0] == parse_vector("norm(x)", 1).value_and_gradient(np.zeros(1))[1][0]


# --- the descend engine --------------------------------------------------------------------------


def rosenbrock_gradient(x):
    """∂/∂x_i of Σ 100(x_{i+1} - x_i²)² + (1 - x_i)², by hand."""
    a = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * a - 2 * (1 - x[:-1])
    g[1:] += 200 * a
    return g


def test_adam_walk_at_1024_equals_a_hand_written_numpy_walk():
    n, steps = 1024, 50
    function = parse_vector(ROSENBROCK, n)
    optimizer = make_optimizer("adam", lr=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        records = list(run(function, np.zeros(n), optimizer, check_settings(0.0, 0.0, steps, 1e8)))
    result = records[-1]
    assert isinstance(result, Result) and result.status == "max_steps" and result.steps == steps

    x = np.zeros(n)
    state = optimizer.init(x)
    for k in range(steps):
        np.testing.assert_allclose(records[k].point, x, rtol=1e-10, atol=1e-14)
        update, state = optimizer.update(rosenbrock_gradient(x), state)
        x = x + update
    np.testing.assert_allclose(result.point, x, rtol=1e-10, atol=1e-14)
    assert result.value == pytest.approx(function.value(x), rel=1e-12)
    assert result.value < records[0].value  # it went downhill from f(0) = 1023


def test_divergence_gets_the_learning_rate_hint_from_the_hessian():
    # f = Σ x², λ_max = 2, so GD with lr 1.5 > 2/λ_max = 1 overshoots further at every step.
    records = list(run(parse_vector("sum(x**2)", 5), np.ones(5), make_optimizer("gd", lr=1.5), check_settings(1e-6, 0.0, 1000, 1e8)))
    result = records[-1]
    assert result.status == "diverged"
    assert "2/λ_max = 1 " in str(result.reason)


def test_leaving_the_domain_names_the_component():
    start = np.array([1.0, 1.0, 0.05, 1.0])
    records = list(run(parse_vector("sum(log(x)) - sum(x)", 4), start, make_optimizer("gd", lr=1.0), check_settings(0.0, 0.0, 20, 1e8)))
    result = records[-1]
    assert result.status == "diverged"
    assert "log needs a positive argument at x[2] = " in str(result.reason)


# --- refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, dim, column, fragment",
    [
        ("x**2", 4, 1, "wrap it in sum(...)"),
        ("sum(x[1:] - x[:-2])", 6, 5, "x[1:] has 5 components and x[:-2] has 4"),
        ("sum(x) + norm(x[1:] * x)", 3, 15, "x[1:] has 2 components and x has 3"),
        ("dot(x, x[1:])", 3, 1, "dot() needs two vectors of the same length"),
        ("dot(x, 2)", 3, 8, "dot() needs a vector"),
        ("x[5]", 5, 1, "x[5] is out of range: x has 5 components"),
        ("x[0] + x[-6]", 5, 8, "out of range"),
        ("sum(x[:6])", 5, 5, "reaches outside x"),
        ("sum(x[-7:])", 5, 5, "reaches outside x"),
        ("sum(x[3:1])", 5, 5, "is empty"),
        ("sum(x[1:])", 1, 5, "is empty"),
        ("sum(x) + y", 3, 10, "this text has 2: x, y"),
        ("sum(3)", 3, 1, "at least one variable"),
        ("sum(x[0])", 3, 5, "sum() needs a vector such as x or x[1:]; x[0] is one number"),
        ("norm(x[1]*2) + x[0]", 3, 6, "norm() needs a vector"),
        ("mean(2) + x[0]", 3, 6, "mean() needs a vector"),
        ("sum(x/0)", 3, 7, "division by zero"),
        ("sum(x/(1-1))", 3, 7, "division by zero"),
        ("sum(x**(10**20))", 3, 8, "exponent is too large"),
        ("sum(x) + 9**9**9**9", 3, 13, "too large"),
        ("sum(x) + 1/0", 3, 12, "division by zero"),
        ("sum(x) + log(-1)", 3, 10, "imaginary"),
        ("sum(x) + asin(2)", 3, 10, "not a real number"),
        ("sum(x) * 1e-200**2", 3, 10, "too small"),
        ("sum(log(x, 1))", 3, 12, "log base 1 is not allowed"),
        ("sum(log(x, -2))", 3, 12, "log base -2 is not allowed"),
        ("sum(log(-3, x))", 3, 9, "log needs a positive argument"),
        ("x[0] + x[1.5]", 3, 10, "whole number"),
        ("sum(x[::2])", 6, 8, "slices take no step"),
        ("sum(x) + x.T", 3, 11, "attribute"),
    ],
)
def test_refused_forms_say_what_and_where(text, dim, column, fragment):
    with pytest.raises(ExpressionError) as info:
        parse_vector(text, dim)
    assert fragment in info.value.message
    assert f"(column {column})" in info.value.message
    assert info.value.start == column - 1


def test_a_given_vector_name_must_be_used():
    assert parse_vector("sum(w**2)", 3, name="w").vector_name == "w"
    with pytest.raises(ExpressionError, match="unknown variable 'y'; the vector is called x"):
        parse_vector("sum(y**2)", 3, name="x")


@pytest.mark.parametrize("dim", [0, -1, 1_000_001, 2.5, True, "3", None])
def test_dim_must_be_a_whole_number_from_1_to_a_million(dim):
    with pytest.raises(OptionError, match="--dim must be a whole number from 1 to 1,000,000"):
        parse_vector("sum(x**2)", dim)


def test_a_long_expression_at_a_huge_dim_is_refused_before_allocating():
    with pytest.raises(OptionError, match="MB of working arrays"):
        parse_vector(" + ".join(["sum(sin(x)*x)"] * 100), 1_000_000)


def test_a_million_components_work():
    n = 1_000_000
    value, gradient = parse_vector(ROSENBROCK, n).value_and_gradient(np.ones(n))
    assert value == 0.0 and not np.any(gradient)


def test_a_long_chain_of_terms_does_not_recurse():
    n = 1300  # 9,100 characters, under the parser's limit
    value, gradient = parse_vector(" + ".join(f"x[{i % 7}]" for i in range(n)), 7).value_and_gradient(np.arange(7.0))
    assert value == sum(i % 7 for i in range(n))
    np.testing.assert_array_equal(gradient, [sum(1 for i in range(n) if i % 7 == k) for k in range(7)])


def test_scalar_mode_still_refuses_subscripts():
    with pytest.raises(ExpressionError, match="only allowed in vector mode"):
        parse("x[0]**2")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="x[]:-+*/()^0123456789., sumeanorlgdt", max_size=40))
def test_any_text_parses_or_is_refused_cleanly(text):
    try:
        function = parse_vector(text, 4)
    except GdsimError:
        return
    value, gradient = function.value_and_gradient(np.array([0.5, -1.0, 2.0, 3.0]))
    assert isinstance(value, float) and gradient.shape == (4,)


# --- the interface the engine and renderers use ----------------------------------------------------


def test_interface_of_a_vector_function():
    f = parse_vector("  sum(x**2)  ", 3)
    assert f.text == "sum(x**2)"
    assert f.expr is None
    assert (f.vector_name, f.vector_dim, f.dimension) == ("x", 3, 3)
    assert f.variables == ("x[0]", "x[1]", "x[2]")
    assert f.describe() == "f(x), x ∈ R^3"
    assert parse_vector("norm(x)", 1024).describe() == "f(x), x ∈ R^1024"


def test_returned_gradients_are_not_overwritten_by_later_calls():
    f = parse_vector("sum(x**3)", 3)
    _, first = f.value_and_gradient(np.array([1.0, 2.0, 3.0]))
    f.value_and_gradient(np.array([5.0, 5.0, 5.0]))
    np.testing.assert_array_equal(first, [3.0, 12.0, 27.0])


def test_a_point_of_the_wrong_length_is_refused():
    with pytest.raises(PointError, match="needs 3 numbers, got 2"):
        parse_vector("sum(x)", 3).value_and_gradient(np.array([1.0, 2.0]))


@pytest.mark.parametrize(
    "text, point, reason",
    [
        ("sum(log(x))", [1.0, 2.0, 3.0, -1.0], "log needs a positive argument at x[3] = -1"),
        ("sum(log(x[1:]))", [-5.0, 2.0, 0.0, 1.0], "log needs a positive argument at x[2] = 0"),
        ("sum(log2(1 - x))", [0.0, 0.5, 3.0, 1.0], "log2 needs a positive argument at component 2 of 1 - x, which is -2 (where x[2] = 3)"),
        ("sum(sqrt(x))", [1.0, -4.0, 1.0, 1.0], "square root of a negative number at x[1] = -4"),
        ("sum(sqrt(x))", [1.0, 0.0, 1.0, 1.0], "sqrt(x) has no finite slope at x[1] = 0"),
        ("sum(x**0.5)", [1.0, 1.0, 0.0, 1.0], "x**0.5 has no finite slope at x[2] = 0"),
        ("sum(asin(x/2))", [1.0, 1.0, 1.0, 3.0], "asin needs an argument between -1 and 1 at component 3 of x/2, which is 1.5 (where x[3] = 3)"),
        ("sum(acos(x))", [1.0, 0.0, 0.0, 0.0], "acos(x) has no finite slope at x[0] = 1"),
        ("sum(1/x)", [1.0, 0.0, 1.0, 1.0], "division by zero at x[1] = 0"),
        ("sum(x[0]/(x[1:] - 1))", [1.0, 2.0, 1.0, 3.0], "division by zero at component 1 of (x[1:] - 1), which is 0 (where x[2] = 1)"),
        ("sum(x**-2)", [1.0, 1.0, 1.0, 0.0], "division by zero: 0 to a negative power in x**-2, at x[3] = 0"),
        ("sum(x**1.5)", [1.0, -1.0, 1.0, 1.0], "a fractional power of a negative number in x**1.5, at x[1] = -1"),
        ("sum(exp(x))", [1.0, 1.0, 1000.0, 1.0], "exp(x) overflows"),
        ("x[0]*x[1]", [1e200, 1e200, 0.0, 0.0], "x[0]*x[1] overflows"),
        ("log(sum(x))", [1.0, -1.0, -1.0, 0.0], "log needs a positive argument at sum(x) = -1"),
    ],
)
def test_undefined_points_are_returned_and_explained(text, point, reason):
    f = parse_vector(text, 4)
    value, gradient = f.value_and_gradient(np.array(point))  # returned, not raised
    assert not (math.isfinite(value) and np.all(np.isfinite(gradient)))
    assert f.undefined_reason(np.array(point)).startswith(reason)


def test_a_defined_point_has_no_reason():
    assert parse_vector("sum(log(x))", 3).undefined_reason(np.array([1.0, 2.0, 3.0])) is None
