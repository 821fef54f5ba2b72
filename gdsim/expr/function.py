"""Functions a student types, as exact symbolic expressions with derivatives and fast numerics.

The checked tree from gdsim.expr.parser is built into a SymEngine expression (never from text);
derivatives come from our own rule table so that abs and relu differentiate to sign and step.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cached_property

import numpy as np
import symengine as se

from gdsim.errors import DomainError, ExpressionError
from gdsim.i18n import tr
from gdsim.expr.parser import (
    Binary,
    Call,
    Const,
    Index,
    Name,
    Node,
    Num,
    Unary,
    log2_magnitude,
    names_in,
    natural_sorted,
    parse_tree,
)

# Exact numbers are kept exact only while they stay small; past this many bits a constant power
# is computed in floating point (or refused when it overflows), so `9**9**9**9` never runs.
MAX_EXACT_BITS = 4096
# Every variable costs a symbolic partial derivative over the whole expression; thousands of
# variables (x1+x2+...+x2000 fits in the length limit) would take minutes.
MAX_VARIABLES = 100

ZERO = se.Integer(0)
ONE = se.Integer(1)


def english(template: str, **values) -> str:
    """A message template filled in English: the default of undefined_reason(), as a run's JSON records it."""
    return template.format(**values) if values else template


def step(u):
    """Heaviside step with step(0) = 0: the derivative of relu, as torch takes it."""
    return se.Piecewise((ONE, se.Gt(u, ZERO)), (ZERO, True))


def relu(u):
    return se.Max(u, ZERO)


_UNARY = {
    "sin": se.sin,
    "cos": se.cos,
    "tan": se.tan,
    "asin": se.asin,
    "acos": se.acos,
    "atan": se.atan,
    "sinh": se.sinh,
    "cosh": se.cosh,
    "tanh": se.tanh,
    "exp": se.exp,
    "log": se.log,
    "ln": se.log,
    "log2": lambda u: se.log(u) / se.log(2),
    "log10": lambda u: se.log(u) / se.log(10),
    "sqrt": se.sqrt,
    "abs": se.Abs,
    "sigmoid": lambda u: ONE / (ONE + se.exp(-u)),
    "relu": relu,
    "sign": se.sign,
    "step": step,
}


# --- building ---------------------------------------------------------------------------------


def _fraction_of(value) -> Fraction | None:
    if isinstance(value, se.Integer):
        return Fraction(int(value))
    if isinstance(value, se.Rational):
        return Fraction(int(value.get_num_den()[0]), int(value.get_num_den()[1]))
    return None


class _Builder:
    def __init__(self, text: str, symbols: dict[str, se.Symbol]):
        self.text = text
        self.symbols = symbols

    def fail(self, message: str, node: Node):
        raise ExpressionError(message, self.text, node.start, node.end)

    def build(self, node: Node):
        if isinstance(node, Num):
            v = node.value
            return se.Integer(v.numerator) if v.denominator == 1 else se.Rational(v.numerator, v.denominator)
        if isinstance(node, Name):
            return self.symbols[node.id]
        if isinstance(node, Const):
            return se.pi if node.id == "pi" else se.E
        if isinstance(node, Unary):
            inner = self.build(node.operand)
            return -inner if node.op == "-" else inner
        if isinstance(node, Binary):
            if node.op == "**":
                return self.bounded(self.power(self.build(node.left), self.build(node.right), node), node)
            # Walk a long left-leaning chain (x1 + x2 + ... + x2000) in a loop, not by recursion.
            chain = []
            while isinstance(node, Binary) and node.op != "**":
                chain.append(node)
                node = node.left
            result = self.build(node)
            for link in reversed(chain):
                right = self.build(link.right)
                if link.op == "+":
                    result = result + right
                elif link.op == "-":
                    result = result - right
                elif link.op == "*":
                    result = result * right
                else:
                    if right == ZERO:
                        self.fail(tr("division by zero"), link.right)
                    result = result / right
                result = self.bounded(result, link)
            return result
        if isinstance(node, Call):
            args = [self.build(a) for a in node.args]
            if node.func == "log" and len(args) == 2:
                base = args[1]
                if base == ONE or base == ZERO:
                    self.fail(tr("log base {base} is not allowed", base=str(base)), node.args[1])
                return se.log(args[0]) / se.log(base)
            return _UNARY[node.func](args[0])
        if isinstance(node, Index):
            self.fail(tr("subscripts are only allowed in vector mode (--dim N)"), node)
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover - the parser makes only the nodes above

    def bounded(self, e, node: Node):
        """e with its exact numeric coefficient kept under MAX_EXACT_BITS (x*2**4000*2**4000 grows
        one exact product at a time): a larger one becomes a double, or is refused beyond one."""
        number = e if e.is_Number else e.args[0] if (e.is_Mul or e.is_Add) and e.args[0].is_Number else None
        exact = _fraction_of(number) if number is not None else None
        if exact is None or max(exact.numerator.bit_length(), exact.denominator.bit_length()) <= MAX_EXACT_BITS:
            return e
        double = _double_of(exact)
        if double is None:
            self.fail(tr("a number in this expression is too large or too small to compute (beyond 1.8e308 or below 5e-324)"), node)
        return e.xreplace({number: se.RealDouble(double)})

    def power(self, base, exponent, node: Binary):
        b, p = _fraction_of(base), _fraction_of(exponent)
        if b is not None and p is not None:
            if b == 0 and p < 0:
                self.fail(tr("division by zero (0 to a negative power)"), node)
            if abs(b) == 1:
                # (±1)**p depends only on p mod 2; a huge p would overflow SymEngine's integer power.
                p = p % 2
                return base ** (se.Integer(p.numerator) / se.Integer(p.denominator))
            if b != 0:
                # log2 of the result, in floating point: an exact power this big is never computed.
                p_float = float(p) if log2_magnitude(p) < 1000 else (math.inf if p > 0 else -math.inf)
                log2_result = p_float * log2_magnitude(b)
                bits = abs(p_float) * max(abs(log2_magnitude(b)), 1.0)
                if bits > MAX_EXACT_BITS or p.denominator != 1 and abs(p) > MAX_EXACT_BITS:
                    # Too big to keep exact: use a double if it is one, else refuse.
                    if math.isnan(log2_result) or log2_result > 1023:
                        self.fail(tr("this power is too large to compute (beyond 1.8e308)"), node)
                    if log2_result < -1074:
                        self.fail(tr("this power is too small to compute (below 5e-324)"), node)
                    if b < 0 and p.denominator != 1:
                        self.fail(tr("a fractional power of a negative number is not a real number"), node)
                    try:
                        return se.RealDouble(float(b) ** float(p))
                    except OverflowError:
                        self.fail(tr("this power is too large to compute (beyond 1.8e308)"), node)
        elif p is not None and abs(p) > 10**15:
            self.fail(tr("this exponent is too large"), node.right)
        return base**exponent


def _double_of(exact: Fraction) -> float | None:
    """exact as a double, or None when it is beyond the largest or below the smallest one."""
    num, den = abs(exact.numerator), exact.denominator
    if not -1080 < num.bit_length() - den.bit_length() < 1030:
        return None
    value = float(exact)  # correctly rounded; only the magnitude was in doubt
    return value if math.isfinite(value) and value != 0 else None


def _check_exact_sizes(expr, text: str):
    """No exact number past MAX_EXACT_BITS survives the build (one inside a sum or a product
    can grow when the parts around it are combined)."""
    big = {}
    for r in expr.atoms(se.Rational):
        f = _fraction_of(r)
        if max(f.numerator.bit_length(), f.denominator.bit_length()) > MAX_EXACT_BITS:
            double = _double_of(f)
            if double is None:
                raise ExpressionError(tr("a number in this expression is too large or too small to compute (beyond 1.8e308 or below 5e-324)"),
                                      text, 0, len(text))
            big[r] = se.RealDouble(double)
    return expr.xreplace(big) if big else expr


def _check_finite(expr, text: str):
    bad = [a for a in (se.zoo, se.oo, -se.oo, se.nan) if expr.has(a)]
    if bad:
        raise ExpressionError(tr("the expression is undefined (division by zero or log(0))"), text, 0, len(text))
    # has(I) misses a complex coefficient such as the 300*I in x**(300*log(-1)); a number that is
    # not real is what matters, wherever it sits.
    if expr.has(se.I) or any(n.is_real is False for n in expr.atoms(se.Number)):
        raise ExpressionError(tr("the expression has an imaginary part (e.g. sqrt of a negative number)"), text, 0, len(text))


# --- derivatives ------------------------------------------------------------------------------


def _outer_derivative(e, u):
    """d/du of e = F(u) for the one-argument functions, or None if e is not one of them."""
    t = type(e)
    if t is se.sin:
        return se.cos(u)
    if t is se.cos:
        return -se.sin(u)
    if t is se.tan:
        return ONE + se.tan(u) ** 2
    if t is se.asin:
        return ONE / se.sqrt(ONE - u**2)
    if t is se.acos:
        return -ONE / se.sqrt(ONE - u**2)
    if t is se.atan:
        return ONE / (ONE + u**2)
    if t is se.sinh:
        return se.cosh(u)
    if t is se.cosh:
        return se.sinh(u)
    if t is se.tanh:
        return ONE - se.tanh(u) ** 2
    if t is se.exp:
        return e
    if t is se.log:
        return ONE / u
    if t is se.Abs:
        return se.sign(u)
    if t is se.sign:
        return ZERO
    return None


def _relu_argument(e):
    """The u of relu(u) = max(u, 0), or None."""
    if isinstance(e, se.Max):
        args = e.args
        if len(args) == 2 and ZERO in args:
            return args[1] if args[0] == ZERO else args[0]
    return None


def _step_argument(e):
    if isinstance(e, se.Piecewise):
        args = e.args
        if len(args) == 4 and args[0] == ONE and args[2] == ZERO and isinstance(args[1], se.StrictLessThan):
            lo, hi = args[1].args
            if lo == ZERO:
                return hi
    return None


def derivative(e, s):
    """∂e/∂s, with d|u| = sign(u)·du and d relu(u) = step(u)·du (0 at the kink)."""
    if s not in e.free_symbols:
        return ZERO
    if e == s:
        return ONE
    if isinstance(e, se.Add):
        return se.Add(*[derivative(a, s) for a in e.args])
    if isinstance(e, se.Mul):
        args = e.args
        terms = []
        for i, a in enumerate(args):
            da = derivative(a, s)
            if da != ZERO:
                terms.append(se.Mul(*(args[:i] + (da,) + args[i + 1 :])))
        return se.Add(*terms)
    if isinstance(e, se.Pow):
        b, p = e.args
        if s not in p.free_symbols:
            return p * b ** (p - 1) * derivative(b, s)
        if s not in b.free_symbols:
            return e * se.log(b) * derivative(p, s)
        return e * (derivative(p, s) * se.log(b) + p * derivative(b, s) / b)
    u = _relu_argument(e)
    if u is not None:
        return step(u) * derivative(u, s)
    if _step_argument(e) is not None:
        return ZERO
    if len(e.args) == 1:
        outer = _outer_derivative(e, e.args[0])
        if outer is not None:
            return outer * derivative(e.args[0], s)
    raise ExpressionError(tr("cannot differentiate {e}", e=str(e)), str(e), 0)  # pragma: no cover - every built node is covered


# --- compiled numerics ------------------------------------------------------------------------


def compile_functions(exprs, names):
    """A fast numeric function of the named symbols: (n, k) array -> (n, len(exprs)), or (k,) -> (len,).

    SymEngine's Lambdify with common-subexpression elimination does the work in C++.
    """
    symbols = [se.Symbol(n) for n in names]
    return se.Lambdify(symbols, [_as_doubles(e) for e in exprs], cse=True, real=True)


def _as_doubles(e):
    """e with exact numbers too big for a double (2**-1024 = 1/2**1024) replaced by their double.

    Lambdify converts numerator and denominator separately, so such a number would become inf/inf.
    """
    big = {}
    for r in e.atoms(se.Rational):
        f = _fraction_of(r)
        if max(abs(f.numerator), f.denominator).bit_length() > 1000:
            try:
                big[r] = se.RealDouble(float(f))
            except OverflowError:
                big[r] = se.RealDouble(math.inf if f > 0 else -math.inf)
    return e.xreplace(big) if big else e


# --- the Function -----------------------------------------------------------------------------


class Function:
    """A parsed scalar function: its expression, variables (natural order), derivatives and numerics."""

    is_vector = False  # named variables x, y, ... (VectorFunction is the one-vector form)

    def __init__(self, text: str, expr, variables: tuple[str, ...], tree: Node | None = None, notes: tuple[str, ...] = ()):
        self.text = text
        self.expr = expr
        self.variables = variables
        self.symbols = {name: se.Symbol(name) for name in variables}
        self.tree = tree  # as typed: f is shown in the student's order (derivatives may be canonical)
        self.notes = notes  # likely typos, said on stderr as `note: ...` (never an error)

    @property
    def dimension(self) -> int:
        return len(self.variables)

    @cached_property
    def gradient_exprs(self) -> list:
        return [derivative(self.expr, self.symbols[v]) for v in self.variables]

    @cached_property
    def hessian_exprs(self) -> list[list]:
        grads = self.gradient_exprs
        syms = [self.symbols[v] for v in self.variables]
        rows = [[None] * len(syms) for _ in syms]
        for i, g in enumerate(grads):
            for j in range(i, len(syms)):
                rows[i][j] = rows[j][i] = derivative(g, syms[j])
        return rows

    @cached_property
    def _value_and_gradient(self):
        return compile_functions([self.expr, *self.gradient_exprs], self.variables)

    @cached_property
    def _value_only(self):
        return compile_functions([self.expr], self.variables)

    @cached_property
    def _hessian(self):
        flat = [h for row in self.hessian_exprs for h in row]
        return compile_functions(flat, self.variables)

    def value_and_gradient(self, point: np.ndarray) -> tuple[float, np.ndarray]:
        """f(point) and ∇f(point); non-finite results are returned as they are (the caller decides)."""
        with np.errstate(all="ignore"):
            out = self._value_and_gradient(np.asarray(point, dtype=float))
        return float(out[0]), out[1:]

    def value(self, point) -> float:
        with np.errstate(all="ignore"):
            return float(self._value_only(np.asarray(point, dtype=float))[0])

    def values(self, points: np.ndarray) -> np.ndarray:
        """f at many points at once: (n, dim) -> (n,)."""
        pts = np.asarray(points, dtype=float).reshape(-1, self.dimension)
        with np.errstate(all="ignore"):
            return np.asarray(self._value_only(pts)).reshape(-1)

    def hessian(self, point) -> np.ndarray:
        n = self.dimension
        with np.errstate(all="ignore"):
            return np.asarray(self._hessian(np.asarray(point, dtype=float))).reshape(n, n)

    def undefined_reason(self, point, tr=english) -> str | None:
        """Why f or its gradient is not a finite number at `point`, or None when it is.

        Walks the expression to the innermost part that is not finite while its arguments are.
        `tr(template, **values)` writes the message: English by default, gdsim.i18n.tr for the
        language of the explanations.
        """
        env = dict(zip(self.variables, np.asarray(point, dtype=float)))
        values = _Values(env)
        try:
            for e in [self.expr, *self.gradient_exprs]:
                reason = _first_undefined(e, values, tr)
                if reason:
                    return reason
        except _TooLong:
            return None  # a general message rather than minutes spent on a large f
        return None


class _TooLong(Exception):
    """The explanation would compile more parts than MAX_EXPLAINED_PARTS."""


#: Each part an explanation evaluates is compiled on its own (about a millisecond each).
MAX_EXPLAINED_PARTS = 300


class _Values:
    """The numeric value of each part of f at one point, each computed once, and only so many."""

    def __init__(self, env: dict[str, float]):
        self.env = env
        self.cache: dict = {}

    def __call__(self, e) -> float:
        if e not in self.cache:
            if len(self.cache) >= MAX_EXPLAINED_PARTS:
                raise _TooLong()
            self.cache[e] = _numeric(e, self.env)
        return self.cache[e]


def _numeric(e, env: dict[str, float]) -> float:
    names = natural_sorted(str(s) for s in e.free_symbols)
    if not names:
        # Lambdify cannot take zero arguments; a constant part converts directly (zoo, nan, I: not finite).
        try:
            return float(e)
        except (RuntimeError, TypeError):
            return math.nan
    f = compile_functions([e], names)
    with np.errstate(all="ignore"):
        return float(f(np.array([env[n] for n in names], dtype=float))[0])


def _first_undefined(e, values: _Values, tr) -> str | None:
    from gdsim.expr.printing import plain as full

    def plain(part) -> str:  # a reason names a part, not a page of it
        text = full(part)
        return text if len(text) <= 80 else text[:60] + "…" + text[-15:]

    for a in e.args:
        r = _first_undefined(a, values, tr)
        if r:
            return r
    value = values(e)
    if math.isfinite(value):
        return None
    args = [values(a) for a in e.args]
    t = type(e)
    if t is se.log:
        u = plain(e.args[0])
        return tr("log needs a positive argument: log({u}) with {u} = {value}", u=u, value=f"{args[0]:g}")
    if t in (se.asin, se.acos):
        name = "asin" if t is se.asin else "acos"
        return tr("{f} needs an argument between -1 and 1: {u} = {value}", f=name, u=plain(e.args[0]), value=f"{args[0]:g}")
    if t is se.Pow:
        base, p = args
        if base == 0 and p < 0:
            return tr("division by zero: {u} = 0 in {part}", u=plain(e.args[0]), part=plain(e))
        if base < 0 and not float(p).is_integer():
            u, value = plain(e.args[0]), f"{args[0]:g}"
            if p == 0.5 or p == -0.5:
                return tr("square root of a negative number: {u} = {value}", u=u, value=value)
            return tr("a fractional power of a negative number: {u} = {value}", u=u, value=value)
        return tr("{part} overflows (too large for a double)", part=plain(e))
    if isinstance(e, se.Number):
        digits = plain(e)
        return tr("the number {digits}… ({n} digits) is too large for a double", digits=digits[:12], n=len(digits))
    return tr("{part} is not a finite number here", part=plain(e))


def parse(text: str) -> Function:
    """Parse a function of one or more scalar variables."""
    text = text.strip() if isinstance(text, str) else text
    tree = parse_tree(text)
    variables = tuple(natural_sorted(names_in(tree)))
    if len(variables) > MAX_VARIABLES:
        raise ExpressionError(
            tr("the function has {n} variables; the limit is {limit}", n=len(variables), limit=MAX_VARIABLES),
            text, 0, len(text),
        )
    symbols = {name: se.Symbol(name) for name in variables}
    expr = _Builder(text, symbols).build(tree)
    if not variables:
        raise ExpressionError(tr("a function needs at least one variable (this text is a constant)"), text, 0, len(text))
    expr = _check_exact_sizes(expr, text)
    _check_finite(expr, text)
    from gdsim.expr.parser import FUNCTIONS
    from gdsim.expr.typos import typo_notes

    return Function(text, expr, variables, tree, tuple(typo_notes(variables, FUNCTIONS)))


MAX_COMPILED_OPS = 100_000  # about half a second to compile; the time grows faster than the size


def check_compile_size(function: "Function", exprs=None) -> None:
    """Refuse a gradient (or `exprs` derived from the function) too large to turn into fast numerics
    in reasonable time."""
    ops = se.count_ops(*(function.gradient_exprs if exprs is None else exprs))
    if ops > MAX_COMPILED_OPS:
        raise ExpressionError(
            tr("the gradient of this function is too large to compute quickly ({ops} operations; the limit is {limit})",
               ops=f"{ops:,}", limit=f"{MAX_COMPILED_OPS:,}"),
            function.text, 0, len(function.text))


def hessian_is_affordable(function) -> bool:
    """Whether the symbolic Hessian is cheap enough to build for a hint: differentiating again
    multiplies the size by about (gradient size / f size), as for a product of many factors."""
    if function.expr is None:  # vector mode: a numeric Hessian, bounded by its own dimension limit
        return True
    f_ops = max(1, se.count_ops(function.expr))
    g_ops = se.count_ops(*function.gradient_exprs)
    return g_ops * g_ops / f_ops <= MAX_COMPILED_OPS


def check_defined(function: Function, point, value: float, gradient: np.ndarray, where: str):
    """Raise DomainError when f or ∇f is not finite at `point` (a point outside the domain)."""
    if math.isfinite(value) and np.all(np.isfinite(gradient)):
        return
    reason = function.undefined_reason(point, tr) or tr("the value is not a finite number")
    raise DomainError(tr("f is not defined at {where}: {reason}", where=where, reason=reason))
