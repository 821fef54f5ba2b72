"""Functions of one vector variable (vector mode, `--dim N`): x stands for x[0] … x[N-1].

The checked tree is compiled once into a short tape of numpy operations on preallocated arrays;
a forward pass gives f and a reverse pass (reverse-mode differentiation) gives the exact gradient.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import symengine as se

from gdsim.errors import ExpressionError, OptionError, PointError
from gdsim.expr.function import _Builder, english
from gdsim.i18n import tr
from gdsim.expr.parser import (
    VECTOR_FUNCTIONS,
    Binary,
    Call,
    Const,
    Index,
    Name,
    Node,
    Num,
    Unary,
    names_in,
    natural_sorted,
    parse_tree,
)

MAX_DIM = 1_000_000
#: hessian() builds a dense matrix from 2·dim gradients; beyond this it is refused.
MAX_HESSIAN_DIM = 200
# Every node of the tree owns an array of dim numbers (two with its slope); refuse past 1 GiB
# before allocating anything, so a long text at a large --dim cannot exhaust memory.
MAX_WORK_NUMBERS = 2**27
# Central differences of the exact gradient: this step balances truncation against rounding.
FD_STEP = float(np.finfo(float).eps) ** (1 / 3)

_LN2 = math.log(2)
_LN10 = math.log(10)

# Elementwise functions that are one numpy ufunc (ln is log; sigmoid and log(u, b) are built).
_UFUNCS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "exp": np.exp, "log": np.log, "log2": np.log2,
    "log10": np.log10, "sqrt": np.sqrt, "abs": np.abs, "sign": np.sign,
}
_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power}
_OPERATOR = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def _short(s: str, limit: int = 40) -> str:
    return s if len(s) <= limit else s[: limit // 2] + "…" + s[-limit // 2 :]


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


class _Op:
    """One array operation: `out` holds its value (one number, or a vector) after the forward pass."""

    __slots__ = ("kind", "inputs", "param", "node", "out", "steps", "extra")

    def __init__(self, kind: str, inputs: tuple, param, node: Node, out: np.ndarray):
        self.kind = kind  # leaf, affine, add, sub, mul, div, pow, recip, pow_const, pow_base, func, sum, mean, norm, dot
        self.inputs = inputs  # the _Ops it reads
        self.param = param  # leaf: slice or index; affine: (a, b); recip, pow_const, pow_base: the constant; func: name
        self.node = node  # the part of the text it computes, for messages
        self.out = out
        self.steps: list = []  # forward tape entries: (callable, args)
        self.extra: tuple = ()  # more forward arrays the slope needs (sigmoid's p and q, norm's 1/‖u‖)

    @property
    def length(self) -> int | None:
        return self.out.shape[0] if self.out.ndim else None


# --- compiling the tree ---------------------------------------------------------------------------


class _Compiler:
    """Checks shapes against `dim` and turns the tree into ops with forward and reverse tapes."""

    def __init__(self, text: str, name: str, dim: int):
        self.text = text
        self.name = name
        self.dim = dim
        self.x = np.zeros(dim)  # the point; every leaf is a view into it
        self.ops: list[_Op] = []
        self.builder = _Builder(text, {})
        self.backward: list = []

    def fail(self, message: str, node: Node):
        raise ExpressionError(message, self.text, node.start, node.end)

    def part(self, node: Node) -> str:
        return _short(self.text[node.start : node.end])

    # forward -----------------------------------------------------------------------------------

    def compile(self, root: Node, order: list[Node], constant: set[int]) -> _Op:
        values: dict[int, object] = {}
        for node in reversed(order):  # reversed pre-order: every node after its children
            if id(node) in constant:
                continue
            args = [self.constant(c) if id(c) in constant else values.pop(id(c)) for c in _children(node)]
            values[id(node)] = self.combine(node, args)
        return values[id(root)]

    def constant(self, node: Node) -> float:
        """A part without the variable, computed exactly by the scalar builder, then as a double."""
        expr = self.builder.build(node)  # the scalar mode's guards: 9**9**9**9, 1/0, log base 1...
        if any(expr.has(a) for a in (se.zoo, se.oo, -se.oo, se.nan)):
            self.fail(tr("this part is undefined (division by zero or log(0))"), node)
        if expr.has(se.I):
            self.fail(tr("this part has an imaginary part (e.g. sqrt of a negative number)"), node)
        try:
            value = float(expr)
        except (OverflowError, RuntimeError, TypeError, ValueError):
            value = math.nan
        if math.isnan(value):
            self.fail(tr("this part is not a real number"), node)
        if math.isinf(value):
            self.fail(tr("this number is too large (beyond 1.8e308)"), node)
        if value == 0 and expr != 0:
            self.fail(tr("this number is too small (below 5e-324)"), node)
        return value

    def combine(self, node: Node, args: list):
        if isinstance(node, Name):
            return self.leaf(node, slice(0, self.dim))
        if isinstance(node, Index):
            return self.index(node)
        if isinstance(node, Unary):
            return args[0] if node.op == "+" else self.affine(args[0], -1.0, 0.0, node)
        if isinstance(node, Binary):
            return self.binary(node, node.op, args[0], args[1], node.left, node.right)
        if isinstance(node, Call):
            return self.call(node, args)
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover - constants never get here

    def new(self, kind: str, inputs, node: Node, length: int | None, param=None) -> _Op:
        op = _Op(kind, tuple(inputs), param, node, np.zeros(() if length is None else length))
        self.ops.append(op)
        self.forward(op)
        return op

    def leaf(self, node: Node, where) -> _Op:
        out = self.x[where] if isinstance(where, slice) else self.x[where, ...]  # views: no copy per pass
        op = _Op("leaf", (), where, node, out)
        self.ops.append(op)
        return op

    def index(self, node: Index) -> _Op:
        d, v = self.dim, self.name
        if not node.is_slice:
            if not -d <= node.lo < d:
                self.fail(
                    tr("{part} is out of range: {v} has {d} components, {v}[0] to {v}[{last}] (or {v}[-{d}] to {v}[-1])",
                       part=self.part(node), v=v, d=d, last=d - 1),
                    node,
                )
            return self.leaf(node, node.lo % d)
        for bound in (node.lo, node.hi):
            if bound is not None and not -d <= bound <= d:
                self.fail(tr("{part} reaches outside {v}, which has {d} components", part=self.part(node), v=v, d=d), node)
        lo, hi, _ = slice(node.lo, node.hi).indices(d)
        if hi <= lo:
            self.fail(tr("{part} is empty: {v} has {d} components", part=self.part(node), v=v, d=d), node)
        return self.leaf(node, slice(lo, hi))

    def affine(self, u: _Op, a: float, b: float, node: Node) -> _Op:
        """a·u + b: constants on one side of + - * / cost no array in the reverse pass."""
        if a == 1 and b == 0:
            return u
        return self.new("affine", (u,), node, u.length, (a, b))

    def binary(self, node: Node, op: str, left, right, left_node: Node, right_node: Node):
        """left op right, where a float is a constant (never both: that part was computed exactly)."""
        if isinstance(right, float):
            if op == "+":
                return self.affine(left, 1.0, right, node)
            if op == "-":
                return self.affine(left, 1.0, -right, node)
            if op == "*":
                return self.affine(left, right, 0.0, node)
            if op == "/":
                if right == 0:
                    self.fail(tr("division by zero"), right_node)
                return self.affine(left, 1.0 / right, 0.0, node)
            if abs(right) > 1e15:
                self.fail(tr("this exponent is too large"), right_node)
            return left if right == 1 else self.new("pow_const", (left,), node, left.length, right)
        if isinstance(left, float):
            if op == "+":
                return self.affine(right, 1.0, left, node)
            if op == "-":
                return self.affine(right, -1.0, left, node)
            if op == "*":
                return self.affine(right, left, 0.0, node)
            if op == "/":
                # 0/u is 0, as in the scalar mode; c/u has its own slope -c/u².
                return self.affine(right, 0.0, 0.0, node) if left == 0 else self.new("recip", (right,), node, right.length, left)
            return self.new("pow_base", (right,), node, right.length, left)
        a, b = left.length, right.length
        if a is not None and b is not None and a != b:
            self.fail(
                tr("{left} has {a} components and {right} has {b}; '{op}' works component by component and needs equal lengths",
                   left=self.part(left_node), a=a, right=self.part(right_node), b=b, op=op),
                node,
            )
        return self.new(_OPERATOR[op], (left, right), node, a if a is not None else b)

    def call(self, node: Call, args: list):
        func = node.func
        if func in VECTOR_FUNCTIONS:
            for arg, arg_node in zip(args, node.args):
                if isinstance(arg, float) or arg.length is None:
                    self.fail(
                        tr("{f}() needs a vector such as {v} or {v}[1:]; {part} is one number",
                           f=func, v=self.name, part=self.part(arg_node)),
                        arg_node,
                    )
            if func == "dot" and args[0].length != args[1].length:
                self.fail(
                    tr("dot() needs two vectors of the same length; {left} has {a} components and {right} has {b}",
                       left=self.part(node.args[0]), a=args[0].length, right=self.part(node.args[1]), b=args[1].length),
                    node,
                )
            return self.new(func, args, node, None)
        if func == "log" and len(args) == 2:
            u, base = args
            if isinstance(base, float):
                if base <= 0 or base == 1:
                    self.fail(tr("log base {base} is not allowed: a base must be positive and not 1", base=f"{base:g}"),
                              node.args[1])
                return self.affine(self.function("log", u, node), 1.0 / math.log(base), 0.0, node)
            if isinstance(u, float):
                if u <= 0:
                    self.fail(tr("log needs a positive argument"), node.args[0])
                top = math.log(u)
            else:
                top = self.function("log", u, node)
            return self.binary(node, "/", top, self.function("log", base, node), node.args[0], node.args[1])
        return self.function(func, args[0], node)

    def function(self, name: str, u: _Op, node: Node) -> _Op:
        return self.new("func", (u,), node, u.length, "log" if name == "ln" else name)

    def forward(self, op: _Op):
        """The numpy calls that compute op.out from its inputs' outs."""
        kind, out, param = op.kind, op.out, op.param
        u = op.inputs[0].out
        steps = op.steps
        if kind == "affine":
            a, b = param
            if a == 1:
                steps.append((np.add, (u, b, out)))
            elif a == -1:
                steps.append((np.subtract, (b, u, out)))
            else:
                steps.append((np.multiply, (u, a, out)))
                if b != 0:
                    steps.append((np.add, (out, b, out)))
        elif kind in _BINARY:
            steps.append((_BINARY[kind], (u, op.inputs[1].out, out)))
        elif kind == "recip":
            steps.append((np.divide, (param, u, out)))
        elif kind == "pow_const":
            steps.append((np.multiply, (u, u, out)) if param == 2 else (np.power, (u, param, out)))
        elif kind == "pow_base":
            steps.append((np.power, (param, u, out)))
        elif kind == "sum":
            steps.append((np.add.reduce, (u, 0, None, out)))
        elif kind == "mean":
            steps.append((np.add.reduce, (u, 0, None, out)))
            steps.append((np.divide, (out, float(u.shape[0]), out)))
        elif kind == "norm":
            op.extra = (np.zeros(()),)
            steps.append((_norm, (u, out, op.extra[0])))
        elif kind == "dot":
            steps.append((_dot, (u, op.inputs[1].out, out)))
        elif param in _UFUNCS:
            steps.append((_UFUNCS[param], (u, out)))
        elif param == "relu":
            steps.append((_relu, (u, out)))
        elif param == "step":
            steps.append((np.greater, (u, 0.0, out)))  # True/False written as 1.0/0.0: step(0) = 0
        elif param == "sigmoid":
            op.extra = (np.zeros(out.shape), np.zeros(out.shape))
            steps.append((_sigmoid, (u, out, *op.extra)))
        else:  # pragma: no cover - the parser allows only the functions above
            raise AssertionError(f"no forward rule for {kind} {param}")

    # reverse -----------------------------------------------------------------------------------
    # The slope reaching an op (∂f/∂op, its "adjoint") is kept as a pair (s, b) meaning s·b, where
    # b is an array of the tape or None for "1 everywhere": constant factors then cost nothing, and
    # sum(...) at the top sends (1, None) down instead of an array of ones.

    def temp(self, shape) -> np.ndarray:
        return np.zeros(shape)

    def emit(self, fn, *args):
        self.backward.append((fn, args))

    def times(self, term, array: np.ndarray):
        s, b = term
        if b is None:
            return s, array
        out = self.temp(np.broadcast_shapes(b.shape, array.shape))
        self.emit(np.multiply, b, array, out)
        return s, out

    def over(self, term, array: np.ndarray):
        s, b = term
        out = self.temp(array.shape if b is None else np.broadcast_shapes(b.shape, array.shape))
        self.emit(np.divide, 1.0 if b is None else b, array, out)
        return s, out

    def reverse(self, root: _Op) -> list[tuple[_Op, tuple]]:
        """Emit the reverse pass; return the slope reaching each leaf."""
        terms: dict[int, tuple] = {id(root): (1.0, None)}
        leaves = []
        for op in reversed(self.ops):
            term = terms.pop(id(op), None)
            if term is None or term[0] == 0:
                continue  # nothing flows through here (sign, step, a·0...)
            if op.kind == "leaf":
                leaves.append((op, term))
                continue
            for inp, t in self.slopes(op, term):
                if t is None or t[0] == 0:
                    continue
                if inp.length is None and op.length is not None:
                    t = self.reduce(t, op.length)  # a number used in every component collects all their slopes
                # The tree shares no node, so each op is read by exactly one other op.
                terms[id(inp)] = t
        return leaves

    def reduce(self, term, n: int):
        s, b = term
        if b is None or b.ndim == 0:
            return s * n, b
        out = self.temp(())
        self.emit(np.add.reduce, b, 0, None, out)
        return s, out

    def slopes(self, op: _Op, term):
        """(input, slope reaching it) for each input of op, given the slope reaching op."""
        kind, param, y = op.kind, op.param, op.out
        s, b = term
        u = op.inputs[0]
        if kind == "affine":
            return [(u, (s * param[0], b))]
        if kind in ("add", "sum"):
            return [(i, term) for i in op.inputs]
        if kind == "sub":
            return [(u, term), (op.inputs[1], (-s, b))]
        if kind in ("mul", "dot"):
            v = op.inputs[1]
            return [(u, self.times(term, v.out)), (v, self.times(term, u.out))]
        if kind == "div":
            v = op.inputs[1]
            r = self.over(term, v.out)
            rs, rb = self.times(r, y)
            return [(u, r), (v, (-rs, rb))]
        if kind == "recip":  # y = c/u, dy/du = -y/u
            rs, rb = self.over(self.times(term, y), u.out)
            return [(u, (-rs, rb))]
        if kind == "pow_const":
            if param == 0:
                return []
            if param == 2:
                rs, rb = self.times(term, u.out)
                return [(u, (2 * rs, rb))]
            d = self.temp(u.out.shape)
            self.emit(np.power, u.out, param - 1, d)
            rs, rb = self.times(term, d)
            return [(u, (param * rs, rb))]
        if kind == "pow_base":
            rs, rb = self.times(term, y)
            return [(u, (rs * (math.log(param) if param > 0 else math.nan), rb))]
        if kind == "pow":  # y = u**v: dy/du = v·u**(v-1), dy/dv = y·log(u)
            v = op.inputs[1]
            du, dv = self.temp(y.shape), self.temp(y.shape)
            self.emit(np.subtract, v.out, 1.0, du)
            self.emit(np.power, u.out, du, du)
            self.emit(np.multiply, du, v.out, du)
            self.emit(np.log, u.out, dv)
            self.emit(np.multiply, dv, y, dv)
            return [(u, self.times(term, du)), (v, self.times(term, dv))]
        if kind == "mean":
            return [(u, (s / u.length, b))]
        if kind == "norm":  # ∇‖u‖ = u/‖u‖, taken as 0 at u = 0 (as abs' = sign)
            return [(u, self.times(self.times(term, op.extra[0]), u.out))]
        return [(u, self.function_slope(op, term))]

    def function_slope(self, op: _Op, term):
        name, y, u = op.param, op.out, op.inputs[0].out
        s = term[0]
        if name in ("sign", "step"):
            return None
        if name == "exp":
            return self.times(term, y)
        if name == "log":
            return self.over(term, u)
        if name in ("log2", "log10"):
            rs, rb = self.over(term, u)
            return rs / (_LN2 if name == "log2" else _LN10), rb
        if name == "sqrt":
            rs, rb = self.over(term, y)
            return 0.5 * rs, rb
        d = self.temp(y.shape)
        if name == "sin":
            self.emit(np.cos, u, d)
        elif name == "cos":
            self.emit(np.sin, u, d)
            s = -s
        elif name == "tan":  # 1 + tan²
            self.emit(np.multiply, y, y, d)
            self.emit(np.add, d, 1.0, d)
        elif name == "tanh":  # 1 - tanh²
            self.emit(np.multiply, y, y, d)
            self.emit(np.subtract, 1.0, d, d)
        elif name in ("asin", "acos", "atan"):  # 1/sqrt(1 - u²), -1/sqrt(1 - u²), 1/(1 + u²)
            self.emit(np.multiply, u, u, d)
            if name == "atan":
                self.emit(np.add, d, 1.0, d)
            else:
                self.emit(np.subtract, 1.0, d, d)
                self.emit(np.sqrt, d, d)
            rs, rb = self.over(term, d)
            return (-rs if name == "acos" else rs), rb
        elif name == "sinh":
            self.emit(np.cosh, u, d)
        elif name == "cosh":
            self.emit(np.sinh, u, d)
        elif name == "abs":
            self.emit(np.sign, u, d)  # sign(0) = 0
        elif name == "relu":
            self.emit(np.greater, u, 0.0, d)  # step(0) = 0
        elif name == "sigmoid":
            p, q = op.extra
            self.emit(np.multiply, p, q, d)  # e/(1+e)² with e = exp(-|u|): σ(1-σ) without cancellation
        else:  # pragma: no cover - every function of the parser is above
            raise AssertionError(f"no slope rule for {name}")
        return self.times((s, term[1]), d)

    def gather(self, leaves, gradient: np.ndarray):
        """Add each leaf's slope into the gradient, at the components the leaf reads."""
        full = next((i for i, (op, t) in enumerate(leaves) if op.param == slice(0, self.dim)), None)
        if full is None:
            self.emit(gradient.fill, 0.0)
        else:
            s, b = leaves.pop(full)[1]
            if b is None:
                self.emit(gradient.fill, s)
            elif s == 1:
                self.emit(np.copyto, gradient, b)
            else:
                self.emit(np.multiply, b, s, gradient)
        for op, (s, b) in leaves:
            where = op.param
            view = gradient[where] if isinstance(where, slice) else gradient[where, ...]
            if b is None:
                self.emit(np.add, view, s, view)
            elif s == 1:
                self.emit(np.add, view, b, view)
            elif s == -1:
                self.emit(np.subtract, view, b, view)
            else:
                scaled = self.temp(b.shape)
                self.emit(np.multiply, b, s, scaled)
                self.emit(np.add, view, scaled, view)


def _norm(u, out, inverse):
    r = math.sqrt(float(np.dot(u, u)))
    out[...] = r
    inverse[...] = 1.0 / r if r != 0 else 0.0


def _relu(u, out):
    np.maximum(u, 0.0, out=out)  # nan stays nan


def _dot(u, v, out):
    out[...] = np.dot(u, v)


def _sigmoid(u, out, p, q):
    # With e = exp(-|u|) (never overflows): p = 1/(1+e), q = e/(1+e); σ(u) is p for u ≥ 0, else q.
    np.abs(u, q)
    np.negative(q, q)
    np.exp(q, q)
    np.add(q, 1.0, p)
    np.divide(1.0, p, p)
    np.multiply(q, p, q)
    np.copyto(out, np.where(u >= 0, p, q))


# --- the function ---------------------------------------------------------------------------------


class VectorFunction:
    """f(x) of one vector x with `dim` components: the interface of gdsim.expr.Function, numerically.

    There is no symbolic expression (`expr` is None): value and gradient come from the tape.
    One VectorFunction reuses its arrays on every call, so it is not for use by several threads.
    """

    is_vector = True  # its variables are the components x[0], x[1], ... of one vector

    def __init__(self, text: str, name: str, dim: int, compiler: _Compiler, root: _Op, gradient: np.ndarray):
        self.text = text
        self.expr = None
        self.vector_name = name
        self.vector_dim = dim
        self._x = compiler.x  # every pass reads the point from here
        self._ops = compiler.ops
        self._root = root.out
        self._forward = [step for op in compiler.ops for step in op.steps]
        self._backward = compiler.backward
        self._gradient = gradient

    @property
    def dimension(self) -> int:
        return self.vector_dim

    @cached_property
    def variables(self) -> tuple[str, ...]:
        """The components' names in index order: x[0], x[1], …"""
        return tuple(f"{self.vector_name}[{i}]" for i in range(self.vector_dim))

    def describe(self) -> str:
        return f"f({self.vector_name}), {self.vector_name} ∈ R^{self.vector_dim}"

    def _load(self, point):
        p = np.asarray(point, dtype=float)
        if p.shape != self._x.shape:
            raise PointError(tr("a point of {f} needs {n} numbers, got {got}", f=self.describe(), n=self.vector_dim, got=p.size))
        np.copyto(self._x, p)

    def value_and_gradient(self, point) -> tuple[float, np.ndarray]:
        """f(point) and ∇f(point); non-finite results are returned as they are (the caller decides)."""
        self._load(point)
        with np.errstate(all="ignore"):
            for fn, args in self._forward:
                fn(*args)
            for fn, args in self._backward:
                fn(*args)
        return float(self._root), self._gradient.copy()

    def value(self, point) -> float:
        self._load(point)
        with np.errstate(all="ignore"):
            for fn, args in self._forward:
                fn(*args)
        return float(self._root)

    def values(self, points) -> np.ndarray:
        """f at many points at once: (n, dim) -> (n,)."""
        pts = np.asarray(points, dtype=float).reshape(-1, self.vector_dim)
        return np.array([self.value(p) for p in pts])

    def hessian(self, point) -> np.ndarray:
        """Second partials by central differences of the exact gradient, made symmetric.

        Column j is (∇f(x + h·e_j) - ∇f(x - h·e_j)) / 2h with h = eps^(1/3)·max(1, |x_j|):
        about 10 correct digits for smooth functions (exact up to rounding for quadratics); at a
        kink (abs, relu) it shows the average slope of the two sides. Only for dim ≤ 200.
        """
        n = self.vector_dim
        if n > MAX_HESSIAN_DIM:
            raise OptionError(tr("the Hessian is computed only up to {limit} components; {v} has {n}",
                                 limit=MAX_HESSIAN_DIM, v=self.vector_name, n=f"{n:,}"))
        x = np.array(point, dtype=float)
        matrix = np.empty((n, n))
        for j in range(n):
            h = FD_STEP * max(1.0, abs(x[j]))
            up, down = x.copy(), x.copy()
            up[j] += h
            down[j] -= h
            matrix[:, j] = (self.value_and_gradient(up)[1] - self.value_and_gradient(down)[1]) / (up[j] - down[j])
        return (matrix + matrix.T) / 2

    # why a point is outside the domain ------------------------------------------------------

    def undefined_reason(self, point, tr=english) -> str | None:
        """Why f or its gradient is not a finite number at `point`, or None when both are.

        Replays the forward pass and names the first operation that turns finite inputs into
        something that is not a finite number, with the component where it happens.
        `tr(template, **values)` writes the message: English by default, gdsim.i18n.tr for the
        language of the explanations.
        """
        value, gradient = self.value_and_gradient(point)
        if math.isfinite(value) and np.all(np.isfinite(gradient)):
            return None
        with np.errstate(all="ignore"):
            for op in self._ops:
                for fn, args in op.steps:
                    fn(*args)
                if not np.all(np.isfinite(op.out)) and all(np.all(np.isfinite(i.out)) for i in op.inputs):
                    return self._why_value(op, tr)
            for op in self._ops:
                reason = self._why_slope(op, tr)
                if reason:
                    return reason
        return tr("the slope overflows (too large for a double)")

    def _at(self, op: _Op, i: int, tr) -> str:
        """Where op's component i is, in the student's terms: x[3] = -1, or a part and its leaves."""
        v = float(op.out[i] if op.out.ndim else op.out)
        name = self.vector_name
        if op.kind == "leaf":
            k = op.param.start + i if isinstance(op.param, slice) else op.param
            return f"{name}[{k}] = {v:g}"
        part = _short(self.text[op.node.start : op.node.end])
        if op.out.ndim == 0:
            return f"{part} = {v:g}"
        components: list[int] = []  # the components of x that component i is computed from
        stack = [op]
        while stack and len(components) < 3:
            o = stack.pop()
            if o.kind == "leaf":
                k = o.param.start + i if isinstance(o.param, slice) else o.param
                if k not in components:
                    components.append(k)
            elif o.kind not in VECTOR_FUNCTIONS:  # inside a reduction every component takes part
                stack.extend(reversed(o.inputs))
        shown = ", ".join(f"{name}[{k}] = {self._x[k]:g}" for k in components)
        if shown:
            return tr("component {i} of {part}, which is {v} (where {shown})", i=i, part=part, v=f"{v:g}", shown=shown)
        return tr("component {i} of {part}, which is {v}", i=i, part=part, v=f"{v:g}")

    def _why_value(self, op: _Op, tr) -> str:
        bad = np.flatnonzero(~np.isfinite(op.out)) if op.out.ndim else [0]
        i = int(bad[0])
        u = op.inputs[0] if op.inputs else None
        part = _short(self.text[op.node.start : op.node.end])

        def arg(o: _Op) -> float:
            return float(o.out[i] if o.out.ndim else o.out)

        if op.kind == "leaf":
            return tr("{at} is not a finite number", at=self._at(op, i, tr))
        if op.kind == "func" and op.param in ("log", "log2", "log10"):
            return tr("{f} needs a positive argument at {at}", f=op.param, at=self._at(u, i, tr))
        if op.kind == "func" and op.param == "sqrt":
            return tr("square root of a negative number at {at}", at=self._at(u, i, tr))
        if op.kind == "func" and op.param in ("asin", "acos"):
            return tr("{f} needs an argument between -1 and 1 at {at}", f=op.param, at=self._at(u, i, tr))
        if op.kind in ("div", "recip"):
            den = op.inputs[-1]
            if arg(den) == 0:
                return tr("division by zero at {at}", at=self._at(den, i, tr))
        if op.kind in ("pow_const", "pow_base", "pow"):
            base = arg(u) if op.kind != "pow_base" else op.param
            power = op.param if op.kind == "pow_const" else arg(op.inputs[-1])
            if base == 0 and power < 0:
                return tr("division by zero: 0 to a negative power in {part}, at {at}", part=part, at=self._at(u, i, tr))
            if base < 0 and not float(power).is_integer():
                return tr("a fractional power of a negative number in {part}, at {at}", part=part, at=self._at(u, i, tr))
        return tr("{part} overflows (too large for a double)", part=part)

    def _why_slope(self, op: _Op, tr) -> str | None:
        """Ops whose value is finite where their slope is infinite (sqrt at 0, asin at ±1...)."""
        if not op.inputs:
            return None
        u = op.inputs[0].out
        if op.kind == "func" and op.param == "sqrt":
            hit = u == 0
        elif op.kind == "func" and op.param in ("asin", "acos"):
            hit = np.abs(u) == 1
        elif op.kind == "pow_const" and 0 < op.param < 1:
            hit = u == 0
        elif op.kind == "pow":
            hit = (u == 0) & (op.inputs[1].out < 1) | (u < 0)
        elif op.kind == "pow_base" and op.param <= 0:
            hit = np.ones(op.out.shape, dtype=bool)
        else:
            return None
        hit = np.broadcast_to(hit, op.out.shape) & np.isfinite(op.out)
        if not np.any(hit):
            return None
        i = int(np.flatnonzero(hit)[0]) if op.out.ndim else 0
        part = _short(self.text[op.node.start : op.node.end])
        return tr("{part} has no finite slope at {at}", part=part, at=self._at(op.inputs[0], i, tr))


# --- parsing --------------------------------------------------------------------------------------


def parse_vector(text: str, dim: int, name: str | None = None) -> VectorFunction:
    """Parse a function of one vector variable with `dim` components (vector mode, --dim N).

    `name`, when given, is the name the vector must have (e.g. "x"). The expression must come
    to one number: a reduction (sum, mean, norm, dot) or a single component such as x[0].
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not 1 <= dim <= MAX_DIM:
        raise OptionError(tr("--dim must be a whole number from 1 to {limit}, got {dim}", limit=f"{MAX_DIM:,}", dim=repr(dim)))
    dim = int(dim)
    text = text.strip() if isinstance(text, str) else text
    tree = parse_tree(text, vector=True)
    names = natural_sorted(names_in(tree))
    if not names:
        raise ExpressionError(tr("a function needs at least one variable (this text is a constant)"), text, 0, len(text))
    if len(names) > 1:
        raise ExpressionError(
            tr("in vector mode the function has one variable, the vector; this text has {n}: {names}",
               n=len(names), names=", ".join(names)),
            text, *_first_use(tree, names[1]),
        )
    if name is not None and names[0] != name:
        raise ExpressionError(tr("unknown variable '{name}'; the vector is called {vector}", name=names[0], vector=name),
                              text, *_first_use(tree, names[0]))

    order = [tree]  # pre-order, without recursion (a long sum is a deep chain)
    stack = [tree]
    while stack:
        kids = _children(stack.pop())
        order.extend(kids)
        stack.extend(kids)
    constant = _constant_parts(order)
    moving = len(order) - len(constant)
    if 2 * moving * dim > MAX_WORK_NUMBERS:
        need, limit = 2 * moving * dim * 8 // 2**20, MAX_WORK_NUMBERS * 8 // 2**20
        raise OptionError(
            tr("--dim {dim} is too large for this expression: it would need about {need} MB of working arrays (the limit is {limit} MB)",
               dim=f"{dim:,}", need=f"{need:,}", limit=f"{limit:,}")
        )

    compiler = _Compiler(text, names[0], dim)
    root = compiler.compile(tree, order, constant)
    if root.length is not None:
        raise ExpressionError(
            tr("this is a vector of {n} numbers, not one number: wrap it in sum(...) (or mean, norm, dot), or take one component such as {v}[0]",
               n=root.length, v=names[0]),
            text, 0, len(text),
        )
    gradient = np.zeros(dim)
    compiler.gather(compiler.reverse(root), gradient)
    return VectorFunction(text, names[0], dim, compiler, root, gradient)


def _constant_parts(order: list[Node]) -> set[int]:
    """ids of the nodes that do not involve the variable (reductions always do)."""
    constant: set[int] = set()
    for node in reversed(order):  # the children are decided before their parent
        if isinstance(node, (Num, Const)):
            constant.add(id(node))
        elif isinstance(node, (Unary, Binary)) or (isinstance(node, Call) and node.func not in VECTOR_FUNCTIONS):
            if all(id(c) in constant for c in _children(node)):
                constant.add(id(node))
    return constant


def _first_use(tree: Node, name: str) -> tuple[int, int]:
    stack = [tree]
    best = None
    while stack:
        node = stack.pop()
        if isinstance(node, (Name, Index)) and node.id == name and (best is None or node.start < best[0]):
            best = (node.start, node.end)
        stack.extend(_children(node))
    return best or (0, 1)
