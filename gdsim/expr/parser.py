"""The expression language: a tokenizer and a recursive-descent parser under an allow-list.

User text becomes a small tree of plain nodes (numbers, names, operators, calls of known
functions); nothing is ever evaluated as Python, and anything outside the language is refused
with an ExpressionError that points at the offending column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from gdsim.errors import ExpressionError
from gdsim.i18n import tr

MAX_LENGTH = 10_000
MAX_DEPTH = 100
#: Digits in one number literal: a double holds 17 significant digits, and Python refuses to
#: read an integer of more than 4,300 digits, so a longer literal is refused before it is read.
MAX_DIGITS = 400

#: Functions of one argument (log also takes a base as a second argument).
FUNCTIONS = frozenset(
    "sin cos tan asin acos atan sinh cosh tanh exp log ln log2 log10 sqrt abs sigmoid relu sign step".split()
)
#: Reductions that only make sense on a vector variable (vector mode, --dim).
VECTOR_FUNCTIONS = frozenset("sum mean norm dot".split())
CONSTANTS = frozenset({"pi", "e"})
#: Python's keywords, fixed here so the language does not change with the Python version
#: (soft keywords such as match, case and type stay ordinary names).
KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except finally for from "
    "global if import in is lambda nonlocal not or pass raise return try while with yield".split()
)


# --- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True)
class Num(Node):
    value: Fraction  # exact, as typed (0.1 is 1/10)
    text: str


@dataclass(frozen=True)
class Name(Node):
    id: str


@dataclass(frozen=True)
class Const(Node):
    id: str  # "pi" or "e"


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-" or "+"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / **
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Index(Node):
    """A vector variable subscripted: x[0], x[1:], x[:-1] (vector mode only)."""

    id: str
    lo: int | None
    hi: int | None
    is_slice: bool


# --- tokens -----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),\[\]:])
    """,
    re.VERBOSE,
)


def _why_not(ch: str) -> str:
    """Why a character outside the language is refused, named for what the student may have meant."""
    if ch in "'\"":
        return tr("strings are not allowed")
    if ch == ".":
        return tr("attribute access is not allowed")
    if ch == "=":
        return tr("comparisons and assignments are not allowed")
    if ch in "<>!":
        return tr("comparisons are not allowed")
    if ch in "{}":
        return tr("braces are not allowed")
    if ch == "@":
        return tr("'@' is not an operator here; use * for products")
    if ch == "|":
        return tr("'|' is not allowed; write abs(...) for an absolute value")
    if ch == "#":
        return tr("comments are not allowed")
    if ch in "%&~;\\`$?":
        return tr("'{ch}' is not allowed", ch=ch)
    if ch == "\x00":
        return tr("a NUL byte")
    code = f"U+{ord(ch):04X}"
    if ch.isdecimal():
        return tr("unexpected digit '{ch}' ({code}); numbers use only the digits 0-9", ch=ch, code=code)
    if ch.isalpha():
        return tr("unexpected character '{ch}' ({code}); names use only the letters a-z, A-Z, digits and _", ch=ch, code=code)
    if ch.isprintable() and ch.strip():
        return tr("unexpected character '{ch}' ({code})", ch=ch, code=code)
    return tr("unexpected character {code}", code=code)


@dataclass(frozen=True)
class Token:
    kind: str  # num, sup (a superscript exponent), name, op, end
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + max(1, len(self.text))


# What gdsim prints can be typed back: x², x¹⁰ (powers), x·y and x×y (products), − (U+2212, minus).
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_AS_PRINTED = _SUPERSCRIPT_DIGITS + "·×−"


def _read_printed(text: str, pos: int, tokens: list[Token]) -> int:
    """Append the tokens a printed character stands for; return the position after it."""
    ch = text[pos]
    if ch in _SUPERSCRIPT_DIGITS:
        end = pos
        while end < len(text) and text[end] in _SUPERSCRIPT_DIGITS:
            end += 1
        digits = "".join(str(_SUPERSCRIPT_DIGITS.index(c)) for c in text[pos:end])
        # '^' has no width of its own: the exponent's column is the superscript's.
        # kind "sup": a number that never multiplies what follows it (x²y is not x^(2y)).
        tokens += [Token("op", "^", pos), Token("sup", digits, pos)]
        return end
    tokens.append(Token("op", "*" if ch in "·×" else "-", pos))
    return pos + 1


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None and text[pos] in _AS_PRINTED:
            pos = _read_printed(text, pos, tokens)
            continue
        if m is None:
            raise ExpressionError(_why_not(text[pos]), text, pos)
        kind = m.lastgroup
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", n))
    return tokens


# --- numbers ----------------------------------------------------------------------------------

_FLOAT_MAX = Fraction(2) ** 1024  # anything at or beyond this is not a finite double


def _order_of_magnitude(number_text: str) -> int | None:
    """Roughly log10 of a number literal, read from its text (None for zero).

    Checked before Fraction(text) is built: Fraction("1e99999999") computes 10**99999999 in C,
    which no Ctrl-C can stop.
    """
    mantissa, _, exponent = number_text.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    if not (whole + fraction).strip("0"):
        return None
    digits = exponent.lstrip("+-")
    if len(digits) > 6:  # beyond any double either way
        return 10**7 if not exponent.startswith("-") else -(10**7)
    power = int(exponent) if exponent else 0
    if whole.lstrip("0"):
        return power + len(whole.lstrip("0")) - 1
    return power - (len(fraction) - len(fraction.lstrip("0"))) - 1


def _number(tok: Token, text: str) -> Fraction:
    order = _order_of_magnitude(tok.text)
    if order is None:
        return Fraction(0)
    if order > 308:
        raise ExpressionError(tr("number {number} is too large (the limit is about 1.8e308)", number=_short(tok.text)),
                              text, tok.start, tok.end)
    if order < -324:
        raise ExpressionError(tr("number {number} is too small (below about 5e-324)", number=_short(tok.text)),
                              text, tok.start, tok.end)
    digits = sum(c.isdigit() for c in tok.text.lower().partition("e")[0])
    if digits > MAX_DIGITS:
        raise ExpressionError(tr("number {number} has {n} digits; the limit is {limit}",
                                 number=_short(tok.text), n=digits, limit=MAX_DIGITS), text, tok.start, tok.end)
    value = Fraction(tok.text)  # exact; its size is bounded by the checks above and MAX_LENGTH
    if value >= _FLOAT_MAX:
        raise ExpressionError(tr("number {number} is too large (the limit is about 1.8e308)", number=_short(tok.text)),
                              text, tok.start, tok.end)
    if value != 0 and float(value) == 0.0:
        raise ExpressionError(tr("number {number} is too small (below about 5e-324)", number=_short(tok.text)),
                              text, tok.start, tok.end)
    return value


def _short(s: str, limit: int = 24) -> str:
    return s if len(s) <= limit else s[: limit // 2] + "…" + s[-limit // 2 :]


# --- the parser -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, vector: bool):
        self.text = text
        self.vector = vector
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def error(self, message: str, tok: Token | None = None, end: int | None = None) -> ExpressionError:
        t = tok or self.tok
        return ExpressionError(message, self.text, t.start, end if end is not None else t.end)

    def expect(self, op: str, opener: Token | None = None) -> Token:
        if self.tok.kind == "op" and self.tok.text == op:
            return self.advance()
        if self.tok.kind == "end" and opener is not None:
            raise self.error(tr("'{opener}' is never closed", opener=opener.text), opener)
        self.refuse_keyword()
        raise self.error(tr("expected '{op}' here, found {found}", op=op, found=self.describe(self.tok)))

    def refuse_keyword(self):
        # `x and y`, `(x if y else z)`: name the keyword rather than a missing operator.
        if self.tok.kind == "name" and self.tok.text in KEYWORDS:
            raise self.error(tr("'{keyword}' is a keyword, not allowed in a function", keyword=self.tok.text))

    def describe(self, t: Token) -> str:
        return tr("the end of the text") if t.kind == "end" else f"'{_short(t.text)}'"

    def enter(self, tok: Token):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(tr("the expression is nested deeper than {depth} levels", depth=MAX_DEPTH), tok)

    def leave(self):
        self.depth -= 1

    # grammar: sum := term (('+'|'-') term)* ; term := factor (('*'|'/') factor)*
    # factor := ('+'|'-') factor | power ; power := primary [('**'|'^') factor]
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExpressionError(tr("the expression is empty"), self.text, 0)
        node = self.sum()
        if self.tok.kind != "end":
            self.refuse_keyword()
            t = self.tok
            if t.kind == "op" and t.text in ")]":
                raise self.error(tr("unmatched '{bracket}'", bracket=t.text))
            if t.kind == "op" and t.text == ",":
                raise self.error(tr("unexpected ','; commas only separate the arguments of a function"))
            if t.kind in ("name", "num") or t.text == "(":
                raise self.error(tr("missing operator before {what} (write * for a product)", what=self.describe(t)))
            raise self.error(tr("unexpected {what}", what=self.describe(t)))
        return node

    def sum(self) -> Node:
        left = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance().text
            right = self.term()
            left = Binary(left.start, right.end, op, left, right)
        return left

    def term(self) -> Node:
        left = self.factor()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            op = self.advance().text
            right = self.factor()
            left = Binary(left.start, right.end, op, left, right)
        return left

    def factor(self) -> Node:
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.advance()
            self.enter(t)
            operand = self.factor()
            self.leave()
            return Unary(t.start, operand.end, t.text, operand)
        return self.power()

    def power(self) -> Node:
        t = self.tok
        self.enter(t)
        base = self.primary()
        # A number written right before a name or '(' multiplies it: 2x, 100(y-x^2), 2x^2 = 2*(x^2).
        if isinstance(base, Num) and self.tok.start == base.end and self.tokens[self.i - 1].kind != "sup" and (
            self.tok.kind == "name" or (self.tok.kind == "op" and self.tok.text == "(")
        ):
            rest = self.power()
            self.leave()
            return Binary(base.start, rest.end, "*", base, rest)
        if self.tok.kind == "op" and self.tok.text in ("**", "^"):
            self.advance()
            exponent = self.factor()  # right-associative, and allows 2**-1
            self.leave()
            return Binary(base.start, exponent.end, "**", base, exponent)
        self.leave()
        return base

    def primary(self) -> Node:
        t = self.tok
        if t.kind == "sup":
            self.advance()
            return Num(t.start, t.end, _number(t, self.text), t.text)  # the same limits as typed digits
        if t.kind == "num":
            self.advance()
            return Num(t.start, t.end, _number(t, self.text), t.text)
        if t.kind == "name":
            return self.name()
        if t.kind == "op" and t.text == "(":
            self.advance()
            if self.tok.kind == "op" and self.tok.text == ")":
                raise self.error(tr("empty parentheses"), t, self.tok.end)
            inner = self.sum()
            close = self.expect(")", t)
            # keep the node's own span; parentheses only group
            return _with_span(inner, t.start, close.end)
        if t.kind == "end":
            prev = self.tokens[self.i - 1] if self.i else t
            raise self.error(tr("the expression ends after '{last}'; something is missing", last=prev.text), prev)
        if t.kind == "op" and t.text == "[":
            raise self.error(tr("lists are not allowed"))
        if t.kind == "op" and t.text in ("**", "^", "*", "/"):
            raise self.error(tr("'{op}' needs something on its left", op=t.text))
        raise self.error(tr("unexpected {what}", what=self.describe(t)))

    def name(self) -> Node:
        t = self.advance()
        ident = t.text
        nxt = self.tok
        is_call = nxt.kind == "op" and nxt.text == "("
        if ident.startswith("__") or ident.endswith("__"):
            raise self.error(tr("'{name}': names with '__' are not allowed", name=_short(ident)), t)
        if ident.startswith("_"):
            raise self.error(tr("'{name}': names may not start with '_'", name=_short(ident)), t)
        if ident in KEYWORDS:
            raise self.error(tr("'{keyword}' is a keyword, not allowed in a function", keyword=ident), t)
        if nxt.kind == "op" and nxt.text == "[":
            if not self.vector:
                raise self.error(tr("subscripts are only allowed in vector mode (--dim N)"), nxt)
            if ident in FUNCTIONS or ident in VECTOR_FUNCTIONS or ident in CONSTANTS:
                raise self.error(tr("'{name}' cannot be subscripted", name=ident), nxt)
            return self.subscript(t)
        if ident in CONSTANTS:
            if is_call:
                raise self.error(tr("'{name}' is a constant, not a function", name=ident), t)
            return Const(t.start, t.end, ident)
        if ident in FUNCTIONS or (ident in VECTOR_FUNCTIONS and self.vector):
            if not is_call:
                raise self.error(tr("'{name}' is a function: call it as {name}(...)", name=ident), t)
            return self.call(t)
        if ident in VECTOR_FUNCTIONS:
            if is_call:
                raise self.error(tr("'{name}' is only available in vector mode (--dim N)", name=ident), t)
        if is_call:
            from gdsim.expr.typos import suggest

            known = FUNCTIONS | (VECTOR_FUNCTIONS if self.vector else frozenset())
            nearest = suggest(ident, known)
            if nearest:
                raise self.error(tr("unknown function '{name}': did you mean {nearest}?", name=_short(ident), nearest=nearest), t)
            raise self.error(tr("unknown function '{name}' (write {name}*(...) for a product)", name=_short(ident)), t)
        return Name(t.start, t.end, ident)

    def call(self, fname: Token) -> Node:
        opener = self.advance()  # '('
        self.enter(opener)
        args: list[Node] = []
        if self.tok.kind == "op" and self.tok.text == ")":
            raise self.error(tr("{f}() needs an argument", f=fname.text), opener, self.tok.end)
        while True:
            args.append(self.sum())
            if self.tok.kind == "op" and self.tok.text == ",":
                self.advance()
                continue
            break
        close = self.expect(")", opener)
        self.leave()
        want = {"log": (1, 2), "dot": (2, 2)}.get(fname.text, (1, 1))
        if not want[0] <= len(args) <= want[1]:
            f, got = fname.text, len(args)
            if want == (1, 2):
                message = tr("{f}() takes 1 or 2 arguments, got {got}", f=f, got=got)
            elif want == (2, 2):
                message = tr("{f}() takes 2 arguments, got {got}", f=f, got=got)
            else:
                message = tr("{f}() takes 1 argument, got {got}", f=f, got=got)
            raise self.error(message, fname, close.end)
        return Call(fname.start, close.end, fname.text, tuple(args))

    def subscript(self, name_tok: Token) -> Node:
        opener = self.advance()  # '['
        lo = hi = None
        is_slice = False
        if not (self.tok.kind == "op" and self.tok.text == ":"):
            lo = self.index_int()
        if self.tok.kind == "op" and self.tok.text == ":":
            self.advance()
            is_slice = True
            if not (self.tok.kind == "op" and self.tok.text in ":]"):
                hi = self.index_int()
            if self.tok.kind == "op" and self.tok.text == ":":
                raise self.error(tr("slices take no step here: write x[a:b], x[a:] or x[:b]"))
        elif lo is None:
            raise self.error(tr("expected an index"), self.tok)
        close = self.expect("]", opener)
        return Index(name_tok.start, close.end, name_tok.text, lo, hi, is_slice)

    def index_int(self) -> int:
        sign = 1
        if self.tok.kind == "op" and self.tok.text in "+-":
            sign = -1 if self.advance().text == "-" else 1
        t = self.tok
        if t.kind != "num" or not t.text.isdigit() or len(t.text) > 9:
            raise self.error(tr("an index must be a whole number such as 0, 1 or -1"), t)
        self.advance()
        return sign * int(t.text)


def _with_span(node: Node, start: int, end: int) -> Node:
    # dataclasses.replace would re-run nothing costly; spans matter only for error carets
    from dataclasses import replace

    return replace(node, start=start, end=end)


def parse_tree(text: str, *, vector: bool = False) -> Node:
    """Parse `text` into a tree, or raise ExpressionError saying what and where."""
    if not isinstance(text, str):
        raise ExpressionError(tr("the expression must be text"), "", 0)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            tr("the expression is {length} characters long; the limit is {limit}", length=f"{len(text):,}", limit=f"{MAX_LENGTH:,}"),
            text[:200], 0, 1,
        )
    return _Parser(text, vector).parse()


def names_in(node: Node) -> set[str]:
    """The variable names a tree uses (constants and functions excluded)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (Name, Index)):
            found.add(n.id)
        elif isinstance(n, Unary):
            stack.append(n.operand)
        elif isinstance(n, Binary):
            stack.extend((n.left, n.right))
        elif isinstance(n, Call):
            stack.extend(n.args)
    return found


_SPLIT = re.compile(r"(\d+)")


def natural_key(name: str):
    """Sort key for variable names: x2 before x10."""
    return [int(p) if p.isdigit() else p for p in _SPLIT.split(name)]


def natural_sorted(names) -> list[str]:
    return sorted(names, key=natural_key)


def log2_magnitude(value: Fraction) -> float:
    """log2(|value|), without building big floats (a bit-length difference alone is off by up to 1)."""
    if value == 0:
        return -math.inf
    return _log2_int(abs(value.numerator)) - _log2_int(value.denominator)


def _log2_int(n: int) -> float:
    # Keep the top 60 bits for the fraction part; the rest is an exact shift.
    shift = max(0, n.bit_length() - 60)
    return math.log2(n >> shift) + shift
