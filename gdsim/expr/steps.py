"""The derivative written out rule by rule, the way a student does it on paper.

Each line states one rule: d/dv[u] = (a form in which the inner derivatives d/dv[w] still
stand unevaluated). Lines are produced from the outside in, and the last line is the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import symengine as se

from gdsim.expr.function import ONE, ZERO, _outer_derivative, _relu_argument, _step_argument, derivative, step


@dataclass(frozen=True)
class Line:
    """d/dv[target] = rhs, where each placeholder symbol in rhs stands for d/dv[its expression]."""

    target: object
    rule: str
    rhs: object
    pending: dict = field(default_factory=dict)  # placeholder symbol -> expression still to differentiate


_FUNCTION_RULES = {
    se.sin: "sin rule: (sin u)' = cos u · u'",
    se.cos: "cos rule: (cos u)' = -sin u · u'",
    se.tan: "tan rule: (tan u)' = (1 + tan² u) · u'",
    se.asin: "asin rule: (asin u)' = u' / √(1 - u²)",
    se.acos: "acos rule: (acos u)' = -u' / √(1 - u²)",
    se.atan: "atan rule: (atan u)' = u' / (1 + u²)",
    se.sinh: "sinh rule: (sinh u)' = cosh u · u'",
    se.cosh: "cosh rule: (cosh u)' = sinh u · u'",
    se.tanh: "tanh rule: (tanh u)' = (1 - tanh² u) · u'",
    se.log: "log rule: (log u)' = u' / u",
    se.Abs: "abs rule: |u|' = sign(u) · u' (0 at the kink)",
    se.sign: "sign is flat except at 0: sign(u)' = 0",
}


class _Deriver:
    def __init__(self, var):
        self.var = var
        self.lines: list[Line] = []
        self.count = 0

    def hole(self, expr, pending: dict):
        """The derivative of expr, as a placeholder (or directly when it is trivial)."""
        if self.var not in expr.free_symbols:
            return ZERO
        if expr == self.var:
            return ONE
        self.count += 1
        sym = se.Symbol(f"_d_{self.count}")
        pending[sym] = expr
        return sym

    def explain(self, e):
        v = self.var
        pending: dict = {}
        if v not in e.free_symbols:
            self.lines.append(Line(e, "constant rule: the variable does not appear, so the derivative is 0", ZERO))
            return
        if e == v:
            return
        if isinstance(e, se.Add):
            consts = [a for a in e.args if v not in a.free_symbols]
            rhs = se.Add(*[self.hole(a, pending) for a in e.args if v in a.free_symbols])
            rule = "sum rule: (u + w)' = u' + w'"
            if consts:
                rule += "; constant terms vanish"
            self.push(e, rule, rhs, pending)
        elif isinstance(e, se.Mul):
            const = se.Mul(*[a for a in e.args if v not in a.free_symbols])
            dep = [a for a in e.args if v in a.free_symbols]
            num = [a for a in dep if not _negative_power(a)]
            den = [a.args[0] ** (-a.args[1]) for a in dep if _negative_power(a)]
            if const != ONE:
                rest = se.Mul(*dep)
                self.push(e, "constant multiple rule: (c·u)' = c·u'", const * self.hole(rest, pending), pending)
            elif num and den:
                u, w = se.Mul(*num), se.Mul(*den)
                rhs = (self.hole(u, pending) * w - u * self.hole(w, pending)) / w**2
                self.push(e, "quotient rule: (u/w)' = (u'·w - u·w') / w²", rhs, pending)
            else:
                u, w = dep[0], se.Mul(*dep[1:])
                rhs = self.hole(u, pending) * w + u * self.hole(w, pending)
                self.push(e, "product rule: (u·w)' = u'·w + u·w'", rhs, pending)
        elif isinstance(e, se.Pow):
            b, p = e.args
            if v not in p.free_symbols:
                chain = " with the chain rule" if b != v else ""
                rhs = p * b ** (p - 1) * self.hole(b, pending)
                self.push(e, f"power rule{chain}: (uⁿ)' = n·uⁿ⁻¹·u'", rhs, pending)
            elif b == se.E:
                self.push(e, "exponential rule with the chain rule: (exp u)' = exp u · u'", e * self.hole(p, pending), pending)
            elif v not in b.free_symbols:
                rhs = e * se.log(b) * self.hole(p, pending)
                self.push(e, "exponential rule: (aᵘ)' = aᵘ·log(a)·u'", rhs, pending)
            else:
                rhs = e * (self.hole(p, pending) * se.log(b) + p * self.hole(b, pending) / b)
                self.push(e, "general power rule: (uʷ)' = uʷ·(w'·log u + w·u'/u)", rhs, pending)
        else:
            u = _relu_argument(e)
            if u is not None:
                self.push(e, "relu rule: relu(u)' = step(u)·u' (0 at the kink)", step(u) * self.hole(u, pending), pending)
            elif _step_argument(e) is not None:
                self.lines.append(Line(e, "step is flat except at 0: its derivative is 0", ZERO))
            else:
                arg = e.args[0]
                rule = next((r for f, r in _FUNCTION_RULES.items() if isinstance(e, f) if isinstance(f, type)), None)
                rule = rule or next((r for f, r in _FUNCTION_RULES.items() if type(e) is f), "chain rule")
                if arg != v:
                    rule += " (chain rule)"
                self.push(e, rule, _outer_derivative(e, arg) * self.hole(arg, pending), pending)

    def push(self, target, rule, rhs, pending):
        self.lines.append(Line(target, rule, rhs, dict(pending)))
        for sym, sub in pending.items():
            self.explain(sub)


def _negative_power(a) -> bool:
    return isinstance(a, se.Pow) and isinstance(a.args[1], se.Number) and float(a.args[1]) < 0


def derivation(expr, var) -> tuple[list[Line], object]:
    """The rule-by-rule derivation of ∂expr/∂var and the final (simplified) result."""
    d = _Deriver(var)
    d.explain(expr)
    return d.lines, derivative(expr, var)


def resolve(line: Line, var):
    """The line's right-hand side with every placeholder replaced by its true derivative."""
    return line.rhs.subs({sym: derivative(sub, var) for sym, sub in line.pending.items()})
