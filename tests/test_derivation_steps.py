"""Every line of every `--steps` derivation is a true equation, checked with SymPy over the bank.

A line says d/dv[target] = rhs, with placeholders standing for inner derivatives; once they are
replaced (gdsim.derivation.resolve), the rhs must equal SymPy's derivative of the target.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from test_expr_sympy import BANK, assert_close, num, sympy_derivatives

from gdsim.expr.steps import derivation, resolve
from gdsim.engine.derive import derivation_doc
from gdsim.expr.function import parse


def to_sympy(e, real: dict):
    """A SymEngine expression as SymPy, over real symbols (so that d|u| is sign(u)·u')."""
    s = e._sympy_()
    return s.xreplace({sym: real[sym.name] for sym in s.free_symbols if sym.name in real})


@pytest.mark.parametrize("case", BANK, ids=lambda c: c.text)
def test_each_line_of_the_derivation_holds(case):
    f = parse(case.text)
    grad, _ = sympy_derivatives(case)
    points = case.points(2, seed=len(case.text) + 1)
    for i, name in enumerate(case.names):
        var = case.symbols[name]
        lines, result = derivation(f.expr, f.symbols[name])
        assert lines or f.expr == f.symbols[name], "a derivation has at least one line"
        for line in lines:
            target = to_sympy(line.target, case.symbols)
            rhs = to_sympy(resolve(line, f.symbols[name]), case.symbols)
            assert "_d_" not in str(rhs), "every placeholder is resolved"
            truth = sp.diff(target, var)
            for point in points:
                at = dict(zip((case.symbols[n] for n in case.names), point))
                assert_close(num(rhs, at), num(truth, at), f"{line.rule}: d/d{name}[{line.target}] = {line.rhs}")
        final = to_sympy(result, case.symbols)
        for point in points:
            at = dict(zip((case.symbols[n] for n in case.names), point))
            assert_close(num(final, at), num(grad[i], at), f"result d/d{name}")


def test_the_first_line_differentiates_the_whole_function():
    f = parse("(1-x)^2 + 100(y-x^2)^2")
    lines, _ = derivation(f.expr, f.symbols["x"])
    assert lines[0].target == f.expr
    assert lines[0].rule.startswith("sum rule")


@pytest.mark.parametrize(
    "text, var, rule",
    [
        ("x^2 + y", "x", "sum rule"),
        ("3*sin(x)", "x", "constant multiple rule"),
        ("x^5", "x", "power rule"),
        ("x*sin(x)", "x", "product rule"),
        ("sin(x)/x", "x", "quotient rule"),
        ("sin(x^2)", "x", "chain rule"),
        ("exp(x^2)", "x", "exponential rule"),
        ("2^x", "x", "exponential rule"),
        ("x^x", "x", "general power rule"),
        ("cos(x)", "x", "cos rule"),
        ("tan(x)", "x", "tan rule"),
        ("asin(x)", "x", "asin rule"),
        ("acos(x)", "x", "acos rule"),
        ("atan(x)", "x", "atan rule"),
        ("sinh(x)", "x", "sinh rule"),
        ("cosh(x)", "x", "cosh rule"),
        ("tanh(x)", "x", "tanh rule"),
        ("log(x)", "x", "log rule"),
        ("abs(x)", "x", "abs rule"),
        ("relu(x)", "x", "relu rule"),
        ("x + y^2", "y", "sum rule"),
    ],
)
def test_each_rule_is_named(text, var, rule):
    f = parse(text)
    lines, _ = derivation(f.expr, f.symbols[var])
    assert any(line.rule.startswith(rule) or rule in line.rule for line in lines), [line.rule for line in lines]


def test_the_json_derivation_shows_placeholders_as_inner_derivatives():
    f = parse("sin(x^2)")
    doc = derivation_doc(f, ["x"])
    rows = doc["x"]["lines"]
    assert rows[0]["derivative_of"] == "sin(x**2)"
    assert "d/dx[x**2]" in rows[0]["equals"]
    assert "chain rule" in rows[0]["rule"]
    # the final result, typed back in, is 2x·cos(x²)
    again = parse(doc["x"]["result"])
    assert again.value(np.array([0.7])) == pytest.approx(2 * 0.7 * np.cos(0.49), rel=1e-14)
