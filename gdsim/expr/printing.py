"""Expressions as text: plain (`2*x`, re-readable by gdsim), pretty (`2·x`, `x²`) and LaTeX.

One small precedence printer serves the three forms, so a gradient printed in JSON can be
typed back into gdsim and a derivation on screen reads the way a student writes it.
"""

from __future__ import annotations

import math

import symengine as se

ADD, MUL, NEG, POW, ATOM = 1, 2, 3, 4, 5

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

_FUNCTION_NAMES = {
    se.sin: "sin",
    se.cos: "cos",
    se.tan: "tan",
    se.asin: "asin",
    se.acos: "acos",
    se.atan: "atan",
    se.sinh: "sinh",
    se.cosh: "cosh",
    se.tanh: "tanh",
    se.log: "log",
    se.sign: "sign",
}


def _is_number(e) -> bool:
    return isinstance(e, se.Number)


def _coefficient(e):
    """The numeric factor in front of a term (1 if none)."""
    if _is_number(e):
        return e
    if isinstance(e, se.Mul):
        for a in e.args:
            if _is_number(a):
                return a
    return se.Integer(1)


def _is_negative_term(e) -> bool:
    c = _coefficient(e)
    try:
        return float(c) < 0
    except (TypeError, RuntimeError):
        return False


def _degree(e) -> float:
    if isinstance(e, se.Symbol):
        return 1
    if _is_number(e) or not e.free_symbols:
        return 0
    if isinstance(e, se.Pow):
        b, p = e.args
        if _is_number(p):
            return _degree(b) * float(p)
        return 1
    if isinstance(e, se.Mul):
        return sum(_degree(a) for a in e.args)
    if isinstance(e, se.Add):
        return max(_degree(a) for a in e.args)
    return 1


def ordered_terms(e) -> list:
    """Terms of a sum in a readable order: highest degree first, a positive term leading."""
    terms = sorted(e.args, key=lambda t: (not t.free_symbols, -_degree(t), str(t)))
    if _is_negative_term(terms[0]):
        for i, t in enumerate(terms):
            if not _is_negative_term(t):
                terms.insert(0, terms.pop(i))
                break
    return terms


def _relu_arg(e):
    if isinstance(e, se.Max) and len(e.args) == 2 and se.Integer(0) in e.args:
        a, b = e.args
        return b if a == 0 else a
    return None


def _step_arg(e):
    if isinstance(e, se.Piecewise):
        args = e.args
        if len(args) == 4 and isinstance(args[1], se.StrictLessThan) and args[1].args[0] == 0:
            return args[1].args[1]
    return None


def _too_long(e) -> bool:
    """An exact number too long to print digit by digit (Python refuses more than 4,300 digits)."""
    return any(int(v).bit_length() > 4096 for v in e.get_num_den())


def _long_number_text(e) -> str:
    """A very long exact number in scientific notation, read from its logarithm."""
    num, den = (int(v) for v in e.get_num_den())
    log = math.log10(abs(num)) - math.log10(den)
    exponent = math.floor(log)
    mantissa = 10 ** (log - exponent)
    return f"{'-' if num < 0 else ''}{mantissa:.6g}e{exponent}"


def _float_text(x: float) -> str:
    s = repr(float(x))
    return s[:-2] if s.endswith(".0") else s


class Printer:
    def __init__(self, mode: str = "plain", placeholders: dict | None = None):
        assert mode in ("plain", "pretty", "latex")
        self.mode = mode
        self.placeholders = placeholders or {}

    # symbols of the three forms
    @property
    def times(self):
        return {"plain": "*", "pretty": "·", "latex": r" \cdot "}[self.mode]

    def __call__(self, e) -> str:
        return self.p(e)[0]

    def wrap(self, s: str) -> str:
        return rf"\left({s}\right)" if self.mode == "latex" else f"({s})"

    def at_least(self, e, prec: int) -> str:
        s, q = self.p(e)
        return s if q >= prec else self.wrap(s)

    def func(self, name: str, inner: str) -> str:
        if self.mode == "latex":
            known = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "log", "exp", "arcsin", "arccos", "arctan"}
            latex_name = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}.get(name, name)
            head = f"\\{latex_name}" if latex_name in known else rf"\operatorname{{{latex_name}}}"
            return rf"{head}\left({inner}\right)"
        return f"{name}({inner})"

    def p(self, e):
        if e in self.placeholders:
            return self.placeholders[e], ATOM
        if isinstance(e, se.Symbol):
            name = str(e)
            if self.mode == "latex" and len(name) > 1:
                head, tail = name[0], name[1:]
                if tail.isdigit():
                    return f"{head}_{{{tail}}}", ATOM
                return rf"\mathit{{{name}}}", ATOM
            return name, ATOM
        if isinstance(e, (se.Integer, se.Rational)) and _too_long(e):
            text = _long_number_text(e)
            return text, (NEG if text.startswith("-") else ATOM)
        if isinstance(e, se.Integer):
            n = int(e)
            return str(n), (ATOM if n >= 0 else NEG)
        if isinstance(e, se.Rational):
            num, den = (int(v) for v in e.get_num_den())
            if self.mode == "latex":
                s = rf"\frac{{{abs(num)}}}{{{den}}}"
                return ("-" + s, NEG) if num < 0 else (s, ATOM)
            s = f"{abs(num)}/{den}"
            return ("-" + s, NEG) if num < 0 else (s, MUL)
        if _is_number(e):
            try:
                x = float(e)
            except (TypeError, RuntimeError):
                return str(e), ATOM
            s = _float_text(x)
            if self.mode == "latex" and "e" in s:
                m, ex = s.split("e")
                s = rf"{m} \cdot 10^{{{int(ex)}}}"
            return s, (NEG if x < 0 else ATOM)
        if e == se.pi:
            return {"plain": "pi", "pretty": "π", "latex": r"\pi"}[self.mode], ATOM
        if e == se.E:
            return "e", ATOM
        if isinstance(e, se.Add):
            return self.add(e), ADD
        if isinstance(e, se.Mul):
            return self.mul(e)
        if isinstance(e, se.Pow):
            return self.pow(e)
        u = _relu_arg(e)
        if u is not None:
            return self.func("relu", self(u)), ATOM
        u = _step_arg(e)
        if u is not None:
            return self.func("step", self(u)), ATOM
        if isinstance(e, se.Abs):
            inner = self(e.args[0])
            if self.mode == "latex":
                return rf"\left|{inner}\right|", ATOM
            return (f"|{inner}|" if self.mode == "pretty" else f"abs({inner})"), ATOM
        for f, name in _FUNCTION_NAMES.items():
            if isinstance(e, f) if isinstance(f, type) else type(e) is f:
                return self.func(name, self(e.args[0])), ATOM
        return str(e), ATOM

    def add(self, e) -> str:
        out = []
        for i, t in enumerate(ordered_terms(e)):
            if i and _is_negative_term(t):
                out.append(" - " + self.at_least(-t, MUL if not isinstance(-t, se.Add) else ATOM))
            elif i:
                out.append(" + " + self.at_least(t, MUL))
            else:
                out.append(self.p(t)[0])
        return "".join(out)

    def mul(self, e):
        if _is_negative_term(e):
            s = self.at_least(-e, MUL)
            return "-" + s, NEG
        num, den = [], []
        for a in e.args:
            if isinstance(a, se.Pow) and _is_number(a.args[1]) and float(a.args[1]) < 0:
                den.append(a.args[0] ** (-a.args[1]))
            elif isinstance(a, se.Rational) and not isinstance(a, se.Integer):
                n, d = (int(v) for v in a.get_num_den())
                if n != 1:
                    num.append(se.Integer(n))
                den.append(se.Integer(d))
            else:
                num.append(a)
        # numbers first, then the rest in a stable order
        num.sort(key=lambda a: (not _is_number(a), str(a)))
        if self.mode == "latex" and den:
            top = self.product(num, latex_frac=True) if num else "1"
            bottom = self.product(den, latex_frac=True)
            return rf"\frac{{{top}}}{{{bottom}}}", ATOM
        top = self.product(num) if num else "1"
        if not den:
            return top, MUL
        if len(den) == 1:
            bottom = self.at_least(den[0], POW)
        else:
            bottom = self.wrap(self.product(den))
        return f"{top}/{bottom}", MUL

    def product(self, factors, latex_frac: bool = False) -> str:
        parts = []
        if latex_frac and len(factors) == 1:
            return self(factors[0])
        for a in factors:
            s, q = self.p(a)
            parts.append(s if (q > MUL or (q == MUL and not parts) or latex_frac and q >= MUL) else self.wrap(s))
        if self.mode == "pretty":
            # 2·x reads well; a number after another factor keeps the dot too
            return "·".join(parts)
        return self.times.join(parts)

    def pow(self, e):
        b, p = e.args
        if b == se.E:
            return self.func("exp", self(p)), ATOM
        if _is_number(p):
            x = float(p)
            if x == 0.5:
                if self.mode == "latex":
                    return rf"\sqrt{{{self(b)}}}", ATOM
                return ("√" + self.at_least(b, ATOM) if self.mode == "pretty" and self.p(b)[1] == ATOM else self.func("sqrt", self(b))), ATOM
            if x < 0:
                inverse = b ** (-p)
                if self.mode == "latex":
                    return rf"\frac{{1}}{{{self(inverse)}}}", ATOM
                return "1/" + self.at_least(inverse, POW), MUL
        base = self.at_least(b, ATOM if _is_number(b) else POW + 1)
        if self.mode == "pretty" and isinstance(p, se.Integer):
            return base + str(int(p)).translate(_SUPERSCRIPT), POW
        if self.mode == "latex":
            return f"{{{base}}}^{{{self(p)}}}", POW
        exponent = self.at_least(p, ATOM)
        op = "^" if self.mode == "pretty" else "**"
        return f"{base}{op}{exponent}", POW


_plain = Printer("plain")
_pretty = Printer("pretty")
_latex = Printer("latex")


def plain(e) -> str:
    """`2*x`, `x**2`: the form JSON carries; gdsim can read it back."""
    return _plain(e)


def pretty(e) -> str:
    """`2·x`, `x²`: the form a student reads on screen."""
    return _pretty(e)


def latex(e) -> str:
    return _latex(e)


# --- f as the student typed it ----------------------------------------------------------------


def typed(node) -> str:
    """The parse tree in the pretty form, terms and factors in the order they were typed
    (`x1^2 + 2*x2^2` → `x1² + 2·x2²`): the student recognises the function they entered."""
    return _typed(node)[0]


def shown(function) -> str:
    """f for the screen: as typed when the tree is known, else the canonical pretty form."""
    tree = getattr(function, "tree", None)
    return typed(tree) if tree is not None else pretty(function.expr)


def _typed(node):
    from gdsim.expr import parser as P

    def at_least(child, prec: int) -> str:
        s, q = _typed(child)
        return s if q >= prec else f"({s})"

    if isinstance(node, P.Num):
        return node.text, ATOM
    if isinstance(node, P.Name):
        return node.id, ATOM
    if isinstance(node, P.Const):
        return ("π" if node.id == "pi" else node.id), ATOM
    if isinstance(node, P.Index):
        inside = str(node.lo) if not node.is_slice else f"{'' if node.lo is None else node.lo}:{'' if node.hi is None else node.hi}"
        return f"{node.id}[{inside}]", ATOM
    if isinstance(node, P.Call):
        return f"{node.func}({', '.join(_typed(a)[0] for a in node.args)})", ATOM
    if isinstance(node, P.Unary):
        if node.op == "+":
            return _typed(node.operand)
        return "-" + at_least(node.operand, NEG), NEG
    if node.op == "**":
        base = at_least(node.left, ATOM)
        exponent = node.right
        if isinstance(exponent, P.Num) and exponent.text.isdigit():
            return base + exponent.text.translate(_SUPERSCRIPT), POW
        return f"{base}^{at_least(exponent, POW)}", POW
    if node.op in "+-":
        # Walk a long sum in a loop: x1 + x2 + ... + x2000 is deeper than Python's recursion limit.
        chain = []
        while isinstance(node, P.Binary) and node.op in "+-":
            chain.append(node)
            node = node.left
        out = _typed(node)[0]
        for link in reversed(chain):
            right = at_least(link.right, ADD if link.op == "+" else MUL)
            out += f" {link.op} {right}"
        return out, ADD
    chain = []
    while isinstance(node, P.Binary) and node.op in "*/":
        chain.append(node)
        node = node.left
    out = at_least(node, MUL)
    for link in reversed(chain):
        out += ("·" if link.op == "*" else "/") + at_least(link.right, MUL if link.op == "*" else NEG)
    return out, MUL
