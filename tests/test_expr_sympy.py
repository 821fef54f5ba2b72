"""Values, gradients and Hessians of gdsim functions against SymPy, over a bank of expressions.

Each case pairs the text a student types with the same function written out by hand in SymPy
(never parsed from the text); SymPy's diff, evaluated to 30 digits, is the oracle.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pytest
import sympy as sp

from gdsim.engine.derive import compute
from gdsim.expr.function import parse
from gdsim.expr.printing import latex, plain, pretty

REL = 1e-10


def natural(name: str):
    """x2 before x10: the order spec §1 asks for, written independently of gdsim."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


@dataclass(frozen=True, eq=False)
class Case:
    text: str
    build: object  # (sympy real symbols, by name as keyword arguments) -> sympy expression
    domain: dict = field(default_factory=dict)  # variable -> (low, high); default (-2, 2)

    @property
    def names(self) -> list[str]:
        code = self.build.__code__
        return sorted(code.co_varnames[: code.co_argcount], key=natural)

    @functools.cached_property
    def symbols(self) -> dict:
        return {n: sp.Symbol(n, real=True) for n in self.names}

    @functools.cached_property
    def expr(self):
        return self.build(**self.symbols)

    def points(self, count: int, seed: int) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        return [np.array([rng.uniform(*self.domain.get(n, (-2.0, 2.0))) for n in self.names]) for _ in range(count)]


P = (0.3, 3.0)  # a positive range, for log, sqrt and fractional powers

BANK = [
    # syntax
    Case("x^2", lambda x: x**2),
    Case("x**3 - 2*x", lambda x: x**3 - 2 * x),
    Case("2^3^2*x", lambda x: 512 * x),  # right-associative: 2^(3^2), not (2^3)^2 = 64
    Case("-x^2 + 3*y", lambda x, y: -(x**2) + 3 * y),  # -(x²), not (-x)²
    Case("-2^-2*x", lambda x: -sp.Rational(1, 4) * x),
    Case("x**2**-1", lambda x: sp.sqrt(x), {"x": P}),
    Case("2x + 3y", lambda x, y: 2 * x + 3 * y),
    Case("(1-x)^2 + 100(y-x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
    Case("100(y-x^2)", lambda x, y: 100 * (y - x**2)),
    Case("1e-3*x^2 + .5*y", lambda x, y: sp.Rational(1, 1000) * x**2 + sp.Rational(1, 2) * y),
    Case("1e-3x + 2.5e1*y^3", lambda x, y: sp.Rational(1, 1000) * x + 25 * y**3),
    Case("+x - -y", lambda x, y: x + y),
    Case("((((x+1))*((y))))", lambda x, y: (x + 1) * y),
    Case("x*y*z + x^2*z - y/z", lambda x, y, z: x * y * z + x**2 * z - y / z, {"z": (0.5, 2.0)}),
    Case("x2 + 10*x10 + x1^2", lambda x1, x2, x10: x2 + 10 * x10 + x1**2),
    Case("w1*x1 + w2*x2 + b", lambda b, w1, w2, x1, x2: w1 * x1 + w2 * x2 + b),
    Case("x/(1+x^2)", lambda x: x / (1 + x**2)),
    Case("(x+y)^3/(x-y+5)", lambda x, y: (x + y) ** 3 / (x - y + 5)),
    Case("x^-2 + y**-0.5", lambda x, y: x**-2 + y ** sp.Rational(-1, 2), {"x": P, "y": P}),
    Case("x^y", lambda x, y: x**y, {"x": P}),
    Case("2^x", lambda x: 2**x),
    Case("2^-x", lambda x: 2 ** (-x)),
    Case("-(x - 2)^4 + 2.5*y", lambda x, y: -((x - 2) ** 4) + sp.Rational(5, 2) * y),
    # functions
    Case("sin(x)*cos(y)", lambda x, y: sp.sin(x) * sp.cos(y)),
    Case("tan(x)", lambda x: sp.tan(x), {"x": (-1.2, 1.2)}),
    Case("asin(x/2) + acos(y/3)", lambda x, y: sp.asin(x / 2) + sp.acos(y / 3), {"x": (-1.5, 1.5)}),
    Case("atan(x*y)", lambda x, y: sp.atan(x * y)),
    Case("sinh(x) + cosh(y) - tanh(x*y)", lambda x, y: sp.sinh(x) + sp.cosh(y) - sp.tanh(x * y)),
    Case("exp(-x^2-y^2)", lambda x, y: sp.exp(-(x**2) - y**2)),
    Case("log(x)", lambda x: sp.log(x), {"x": P}),
    Case("ln(x*y)", lambda x, y: sp.log(x * y), {"x": P, "y": P}),
    Case("log2(x) + log10(y)", lambda x, y: sp.log(x) / sp.log(2) + sp.log(y) / sp.log(10), {"x": P, "y": P}),
    Case("log(x, 3)", lambda x: sp.log(x) / sp.log(3), {"x": P}),
    Case("log(x+y, x)", lambda x, y: sp.log(x + y) / sp.log(x), {"x": (1.5, 4.0), "y": P}),
    Case("sqrt(x^2+y^2+1)", lambda x, y: sp.sqrt(x**2 + y**2 + 1)),
    Case("sqrt(x)*x^(1/3)", lambda x: sp.sqrt(x) * sp.cbrt(x), {"x": P}),
    Case("abs(x-1)*y", lambda x, y: sp.Abs(x - 1) * y, {"x": (1.2, 3.0)}),
    Case("abs(x) + abs(y)", lambda x, y: sp.Abs(x) + sp.Abs(y), {"x": (-3.0, -0.2), "y": P}),
    Case("abs(sin(x))", lambda x: sp.Abs(sp.sin(x)), {"x": (0.2, 3.0)}),
    Case("relu(x) + relu(y-5)", lambda x, y: sp.Max(x, 0) + sp.Max(y - 5, 0), {"x": P}),
    Case("relu(-x)*y^2", lambda x, y: sp.Max(-x, 0) * y**2, {"x": (-3.0, -0.2)}),
    Case("tanh(relu(x) - 1)", lambda x: sp.tanh(sp.Max(x, 0) - 1), {"x": P}),
    Case("sigmoid(x*y)", lambda x, y: 1 / (1 + sp.exp(-x * y))),
    Case("sigmoid(x) * (1 - sigmoid(x))", lambda x: 1 / (1 + sp.exp(-x)) * (1 - 1 / (1 + sp.exp(-x)))),
    Case("exp(sin(x))*log(1+y^2)", lambda x, y: sp.exp(sp.sin(x)) * sp.log(1 + y**2)),
    Case("log(exp(x) + exp(y))", lambda x, y: sp.log(sp.exp(x) + sp.exp(y))),
    Case("cos(x)^2 + sin(x)^2 + y", lambda x, y: sp.cos(x) ** 2 + sp.sin(x) ** 2 + y),
    Case("x*exp(-y)*sin(z)", lambda x, y, z: x * sp.exp(-y) * sp.sin(z)),
    # constants
    Case("pi*x^2 + e^y", lambda x, y: sp.pi * x**2 + sp.exp(y)),
    Case("e*x + pi", lambda x: sp.E * x + sp.pi),
    Case("a^2 + b10 + b9*a", lambda a, b9, b10: a**2 + b10 + b9 * a),
]

FUNCTIONS = "sin cos tan asin acos atan sinh cosh tanh exp log ln log2 log10 sqrt abs sigmoid relu".split()


def test_the_bank_covers_every_function_constant_and_form():
    texts = " ".join(c.text for c in BANK)
    for name in FUNCTIONS + ["pi", "e"]:
        assert re.search(rf"\b{name}\b", texts), name
    assert re.search(r"log\([^()]*,", texts)  # log with a base
    for form in ("^", "**", "2x", "100(", "1e-3", ".5", "+x", "((((", "x10"):
        assert form in texts, form
    assert len(BANK) >= 40


def num(e, sym_values: dict) -> float:
    """A SymPy expression at a point, to 30 digits, as a float."""
    value = sp.N(e.subs({s: sp.Float(float(v), 30) for s, v in sym_values.items()}), 30)
    return float(value)


def assert_close(actual: float, expected: float, what: str):
    assert math.isfinite(actual), f"{what}: gdsim gave {actual}"
    assert abs(actual - expected) <= REL * max(abs(expected), 1e-3), f"{what}: gdsim {actual!r}, sympy {expected!r}"


@functools.cache
def sympy_derivatives(case: Case):
    syms = [case.symbols[n] for n in case.names]
    grad = [sp.diff(case.expr, s) for s in syms]
    hess = [[sp.diff(g, s) for s in syms] for g in grad]
    return grad, hess


@pytest.mark.parametrize("case", BANK, ids=lambda c: c.text)
def test_value_gradient_and_hessian_match_sympy(case):
    f = parse(case.text)
    assert list(f.variables) == case.names
    grad, hess = sympy_derivatives(case)
    syms = [case.symbols[n] for n in case.names]
    for k, point in enumerate(case.points(3, seed=len(case.text))):
        at = dict(zip(syms, point))
        where = f"{case.text} at {dict(zip(case.names, point))}"
        value, gradient = f.value_and_gradient(point)
        assert_close(value, num(case.expr, at), f"f {where}")
        for i, n in enumerate(case.names):
            assert_close(float(gradient[i]), num(grad[i], at), f"df/d{n} {where}")
        if k == 0:  # the Hessian at one point per case keeps the suite fast
            h = f.hessian(point)
            for i, a in enumerate(case.names):
                for j, b in enumerate(case.names):
                    assert_close(float(h[i, j]), num(hess[i][j], at), f"d2f/d{a}d{b} {where}")


@pytest.mark.parametrize("case", BANK, ids=lambda c: c.text)
def test_no_printed_derivative_is_left_unevaluated(case):
    f = parse(case.text)
    exprs = [f.expr, *f.gradient_exprs, *(h for row in f.hessian_exprs for h in row)]
    for e in exprs:
        for text in (str(e), plain(e), pretty(e), latex(e)):
            assert "Derivative" not in text and "Subs" not in text, text


def test_the_slope_of_abs_at_its_kink_is_zero():
    f = parse("abs(x)")
    value, gradient = f.value_and_gradient(np.array([0.0]))
    assert (value, float(gradient[0])) == (0.0, 0.0)
    assert float(f.hessian(np.array([0.0]))[0, 0]) == 0.0
    # and on either side, the slope is the sign
    assert float(f.value_and_gradient(np.array([-2.0]))[1][0]) == -1.0
    assert float(f.value_and_gradient(np.array([3.0]))[1][0]) == 1.0


def test_the_slope_of_relu_at_its_kink_is_zero():
    f = parse("relu(x)")
    value, gradient = f.value_and_gradient(np.array([0.0]))
    assert (value, float(gradient[0])) == (0.0, 0.0)
    assert float(f.value_and_gradient(np.array([-1.0]))[1][0]) == 0.0
    assert float(f.value_and_gradient(np.array([2.0]))[1][0]) == 1.0


@pytest.mark.parametrize(
    "text, words", [("abs(x)", ["sign(x)"]), ("relu(x)", ["step(x)"]), ("abs(x-1)*relu(y)", ["sign", "step"])]
)
def test_kinks_differentiate_to_sign_and_step_with_zero_slope_at_the_kink(text, words):
    f = parse(text)
    kink = np.array([1.0, 0.0]) if f.dimension == 2 else np.zeros(1)
    doc = compute(f, at=kink, hessian=True)
    shown = repr(doc)
    assert "Derivative" not in shown and "nan" not in shown.lower()
    for word in words:
        assert word in " ".join(doc["gradient"].values())
    assert all(v == 0.0 for v in doc["gradient_value"].values())


def test_variables_come_in_natural_order():
    assert parse("x10 + x2 + x1").variables == ("x1", "x2", "x10")
    assert parse("b + a10 + a9 + y").variables == ("a9", "a10", "b", "y")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2^3^2", 2**9),
        ("2**3**2", 2**9),
        ("-2^2", -4),
        ("-2**2", -4),
        ("(-2)^2", 4),
        ("2^-1", 0.5),
        ("2x^2", 2 * 3.0**2),  # the number multiplies the whole power: 2·(x²)
        ("2(x+1)", 8.0),
        ("-x^2", -9.0),
        ("+x", 3.0),
        ("1e-3x", 0.003),
        (".5x", 1.5),
        ("x/2/3", 0.5),  # left-associative
        ("x-1-1", 1.0),
    ],
)
def test_precedence_and_associativity(text, expected):
    # every text is a function of x (constants get a 0·x so that they are one), evaluated at x = 3
    f = parse(text if "x" in text else f"{text} + 0*x")
    assert f.value(np.array([3.0])) == pytest.approx(expected, rel=1e-15)
