"""The expression language's parser: what it refuses, where it points, and that nothing hangs or escapes.

Refused texts must raise ExpressionError at the column of the offending part, quickly; property
tests (hypothesis) check that random trees survive print → parse, and that random text never
raises anything but a GdsimError.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gdsim.engine.derive import compute
from gdsim.errors import ExpressionError, GdsimError
from gdsim.expr.function import parse
from gdsim.expr.parser import parse_tree
from gdsim.expr.printing import latex, plain, pretty

# A hang guard, not a benchmark: CPU time of this thread, so a busy machine does not trip it.
PARSE_SECONDS = 1.0


def refused(text: str) -> ExpressionError:
    start = time.thread_time()
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert time.thread_time() - start < PARSE_SECONDS, f"{text[:40]!r} took too long to refuse"
    return info.value


def caret_column(err: ExpressionError) -> int:
    """The 1-based column of the text that the caret line points at."""
    shown, carets = err.details()
    i = carets.index("^")
    # the shown text may be a window "…" + part: find which character of the text sits above the caret
    prefix = 3 if shown.startswith("  …") else 2
    window_start = 0 if prefix == 2 else err.start - (i - prefix)
    return window_start + (i - prefix) + 1


# (text, column of the offending part (1-based), words the message must contain)
REFUSED = [
    ("x.real", 2, "attribute"),
    ("x.__class__.__bases__", 2, "attribute"),
    ("().__class__", 3, "attribute"),
    ("2*x[0]", 4, "subscript"),
    ("x + 'a'", 5, "string"),
    ('x + "a"', 5, "string"),
    ("lambda: 1", 1, "keyword"),
    ("x + lambda", 5, "keyword"),
    ("[x for x in y]", 1, "list"),
    ("sin(x for y)", 7, "keyword"),
    ("x < y", 3, "comparison"),
    ("x >= 1", 3, "comparison"),
    ("x == 1", 3, "comparison"),
    ("x and y", 3, "'and' is a keyword"),
    ("x if y else z", 3, "'if' is a keyword"),
    ("not x", 1, "keyword"),
    ("x + None", 5, "keyword"),
    ("import os", 1, "keyword"),
    ("foo(x) + 1", 1, "unknown function 'foo'"),
    ("x + eval(1)", 5, "unknown function 'eval'"),
    ("__class__", 1, "__"),
    ("x + __import__", 5, "__"),
    ("_x", 1, "_"),
    ("sin", 1, "'sin' is a function"),
    ("x*sin", 3, "'sin' is a function"),
    ("sin + x", 1, "'sin' is a function"),
    ("pi(2)", 1, "constant"),
    ("x +", 3, "ends after '+'"),
    ("x *", 3, "ends after '*'"),
    ("x**", 2, "ends after '**'"),
    ("x^", 2, "ends after '^'"),
    ("x**-", 4, "ends after '-'"),
    ("*x", 1, "'*' needs something on its left"),
    ("", 1, "empty"),
    ("   ", 1, "empty"),
    ("(x", 1, "never closed"),
    ("sin(x", 4, "never closed"),
    ("x)", 2, "unmatched ')'"),
    ("x + ()", 5, "empty parentheses"),
    ("x y", 3, "missing operator"),
    ("x,y", 2, "','"),
    ("sin(x, y)", 1, "1 argument"),
    ("log(x, 2, 3)", 1, "1 or 2 arguments"),
    ("log(x, 1)", 8, "base"),
    ("x % 2", 3, "'%'"),
    ("x @ y", 3, "'@'"),
    ("{x}", 1, "braces"),
    ("x; y", 2, "';'"),
    ("x # comment", 3, "comment"),
    ("x\x00", 2, "NUL"),
    ("\x00", 1, "NUL"),
    ("y + х", 5, "U+0445"),  # a Cyrillic letter that looks like x
    ("ｘ", 1, "U+FF58"),  # a full-width x
    ("x\u200b", 2, "U+200B"),  # a zero-width space
    ("x + 1e400", 5, "too large"),
    ("1e-400*x", 1, "too small"),
    ("1" + "0" * 400 + "*x", 1, "too large"),
    ("9**9**9**9", 4, "too large"),  # 9**(9**(9**9)): the part 9**9**9 is what overflows
    ("x**(10**100)", 4, "too large"),
    ("2**2**2**2**2**2**2", 7, "too large"),  # 2**65536 starts at the third 2
    ("2**(10**300/3)*x", 1, "too large"),
    ("1.5**(10**300)*x", 1, "too large"),
    ("2**(10**400)*x", 1, "too large"),
    ("2**(-10**400)*x", 1, "too small"),
    ("(1/2)**(10**300)*x", 1, "too small"),
    ("x**(10**300/3)", 4, "too large"),
    ("(-2)**(10**300+1/3)*x", 1, "too large"),
    ("3", 1, "at least one variable"),
    ("pi*e", 1, "at least one variable"),
    ("1/0", 3, "division by zero"),
    ("x/(y-y)", 3, "division by zero"),
    ("0**-1 + x", 1, "division by zero"),
    ("sqrt(-1)*x", 1, "imaginary"),
    ("x**(300*log(-1))", 1, "imaginary"),  # a complex coefficient inside a power, which has(I) misses
    ("log(0) + x", 1, "undefined"),
]


@pytest.mark.parametrize("text, column, words", REFUSED, ids=[repr(c[0])[:40] for c in REFUSED])
def test_refused_with_the_column_of_the_offending_part(text, column, words):
    err = refused(text)
    assert isinstance(err, GdsimError)
    assert words in err.message
    assert f"(column {column})" in err.message
    assert err.start + 1 == column
    assert caret_column(err) == column


def test_the_caret_sits_under_the_offending_character():
    err = refused("x + y.real")
    shown, carets = err.details()
    assert shown == "  x + y.real"
    assert carets == "       ^"
    assert shown[carets.index("^")] == "."


def test_the_caret_underlines_the_whole_offending_name():
    err = refused("x + foo(2)")
    shown, carets = err.details()
    assert carets.strip() == "^^^"
    assert shown[carets.index("^") :].startswith("foo")


def test_a_long_text_is_shown_as_a_window_around_the_error():
    text = "x + " * 100 + "y.z" + " + x" * 100
    err = refused(text)
    shown, carets = err.details()
    assert len(shown) < 200 and shown.startswith("  …") and shown.endswith("…")
    assert shown[carets.index("^")] == "."
    assert err.start == text.index(".")


def test_a_nul_byte_is_shown_as_a_question_mark():
    shown, carets = refused("x + \x00").details()
    assert "\x00" not in shown
    assert shown[carets.index("^")] == "?"


GUARDS = [
    ("(" * 5000 + "x" + ")" * 5000, "characters long"),
    ("(" * 4000 + "x" + ")" * 4000, "nested deeper than 100"),
    ("sin(" * 150 + "x" + ")" * 150, "nested deeper than 100"),
    ("-" * 200 + "x", "nested deeper than 100"),
    ("2^" * 200 + "x", "nested deeper than 100"),
    ("x" * 10_001, "characters long"),
    ("+".join(["x"] * 20_000), "characters long"),
    ("+".join(f"x{i}" for i in range(101)), "101 variables"),
    ("*".join(["x"] * 3000), None),  # accepted: x**3000 (a long chain is walked without recursion)
    ("+".join(f"x{i % 100}" for i in range(1500)), None),
]


@pytest.mark.parametrize("text, words", GUARDS, ids=lambda v: repr(v)[:30] if isinstance(v, str) else None)
def test_inputs_that_could_hang_are_answered_quickly(text, words):
    start = time.thread_time()
    if words is None:
        f = parse(text)
        assert f.dimension >= 1
    else:
        err = refused(text)
        assert words in err.message
        assert caret_column(err) == err.start + 1
    assert time.thread_time() - start < PARSE_SECONDS


@pytest.mark.parametrize(
    "text, at_two",
    [
        ("1**(10**300)*x", 2.0),
        ("(-1)**(10**300)*x", 2.0),
        ("(-1)**(10**300+1)*x", -2.0),
        ("(1/1)**(-10**300)*x", 2.0),
        ("(-1)**-1*x", -2.0),
        ("(1+10**-3)**(10**4)*x", 2 * (1 + 1e-3) ** 1e4),  # too many bits to keep exact: a double
        ("2**(-2**10)*x + x", 2.0),  # 2**-1024 is a tiny double, not an error
        ("(2**1024+1)/2**1024*x", 2.0),  # exact, with both parts beyond the largest double
    ],
)
def test_huge_exact_powers_that_are_small_numbers_are_computed_quickly(text, at_two):
    start = time.thread_time()
    f = parse(text)
    assert f.value(np.array([2.0])) == pytest.approx(at_two, rel=1e-12)
    assert time.thread_time() - start < PARSE_SECONDS


def test_the_nesting_error_points_at_the_first_level_too_deep():
    err = refused("(" * 150 + "x" + ")" * 150)
    assert err.start == 100  # the 101st parenthesis


def test_subscripts_are_allowed_in_vector_mode_only():
    parse_tree("x[0] + x[1:]", vector=True)
    with pytest.raises(ExpressionError, match="vector mode"):
        parse_tree("x[0] + x[1:]")


def test_a_non_string_is_refused():
    with pytest.raises(ExpressionError):
        parse(None)


@pytest.mark.parametrize(
    "text, names",
    [
        ("exec", ("exec",)),  # a harmless name: it is a variable, nothing is run
        ("type + open", ("open", "type")),
        ("x_1 + X", ("X", "x_1")),
        ("e1 + pi2", ("e1", "pi2")),
        ("sinx + cosy", ("cosy", "sinx")),  # names that start with a function's name are variables
    ],
)
def test_other_identifiers_are_variables(text, names):
    assert parse(text).variables == names


# --- property tests ---------------------------------------------------------------------------

SETTINGS = settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ["x", "y", "z1", "z10"]


class Reject(Exception):
    """The oracle cannot evaluate this tree at this point (outside a domain, overflow)."""


def evaluate(tree, env: dict, scale: list) -> float:
    """The tree's value by plain math: the oracle for gdsim's parse and print. Tracks the largest |part|."""
    kind = tree[0]
    if kind == "num":
        v = float(tree[1])
    elif kind == "var":
        v = env[tree[1]]
    elif kind == "const":
        v = math.pi if tree[1] == "pi" else math.e
    elif kind == "neg":
        v = -evaluate(tree[1], env, scale)
    elif kind == "pow":
        b = evaluate(tree[1], env, scale)
        k = tree[2]
        if b == 0 and k < 0 or abs(b) < 1e-3 and k < 0:
            raise Reject
        v = b**k
    elif kind == "bin":
        a, b = evaluate(tree[2], env, scale), evaluate(tree[3], env, scale)
        op = tree[1]
        if op == "/" and abs(b) < 1e-3:
            raise Reject
        v = {"+": a + b, "-": a - b, "*": a * b, "/": a / b if op == "/" else 0.0}[op]
    else:  # call
        u = evaluate(tree[2], env, scale)
        name = tree[1]
        try:
            v = {
                "sin": math.sin,
                "cos": math.cos,
                "atan": math.atan,
                "tanh": math.tanh,
                "exp": math.exp,
                "sigmoid": lambda t: 1 / (1 + math.exp(-t)),
                "abs": abs,
                "relu": lambda t: max(t, 0.0),
                "sqrt": math.sqrt,
                "log": math.log,
            }[name](u)
        except (ValueError, OverflowError) as exc:
            raise Reject from exc
    if not math.isfinite(v) or abs(v) > 1e12:
        raise Reject
    scale[0] = max(scale[0], abs(v))
    return v


def to_text(tree, draw) -> str:
    """The tree as text a student might type, with random choices among equivalent spellings."""
    kind = tree[0]
    if kind == "num":
        return tree[2]
    if kind in ("var", "const"):
        return tree[1]
    if kind == "neg":
        return f"-({to_text(tree[1], draw)})"
    if kind == "pow":
        op = draw(st.sampled_from(["^", "**"]))
        k = tree[2]
        exponent = str(k) if k >= 0 else draw(st.sampled_from([f"({k})", str(k)]))
        return f"({to_text(tree[1], draw)}){op}{exponent}"
    if kind == "bin":
        space = draw(st.sampled_from(["", " "]))
        return f"({to_text(tree[2], draw)}){space}{tree[1]}{space}({to_text(tree[3], draw)})"
    return f"{tree[1]}({to_text(tree[2], draw)})"


NUMBERS = st.sampled_from(
    [(0, "0"), (1, "1"), (2, "2"), (0.5, "0.5"), (0.5, ".5"), (3, "3"), (0.001, "1e-3"), (25, "2.5e1"), (7, "7.")]
)
LEAVES = st.one_of(
    NUMBERS.map(lambda n: ("num", n[0], n[1])),
    st.sampled_from(NAMES).map(lambda n: ("var", n)),
    st.sampled_from(["pi", "e"]).map(lambda n: ("const", n)),
)


def extend(children):
    return st.one_of(
        st.tuples(st.just("bin"), st.sampled_from("+-*/"), children, children),
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("pow"), children, st.sampled_from([0, 1, 2, 3, -1, -2])),
        st.tuples(
            st.just("call"),
            st.sampled_from(["sin", "cos", "atan", "tanh", "exp", "sigmoid", "abs", "relu", "sqrt", "log"]),
            children,
        ),
    )


TREES = st.recursive(LEAVES, extend, max_leaves=12)


@SETTINGS
@given(tree=TREES, values=st.lists(st.floats(-3, 3), min_size=4, max_size=4), data=st.data())
def test_random_trees_parse_to_the_right_value_and_print_back(tree, values, data):
    env = dict(zip(NAMES, values)) | {"w": 0.25}
    scale = [1.0]
    try:
        expected = evaluate(tree, env, scale) + env["w"]
    except Reject:
        assume(False)
    text = to_text(tree, data.draw) + " + w"  # w keeps the function from being a constant
    f = parse(text)
    point = np.array([env[n] for n in f.variables])
    tol = 1e-9 * scale[0]
    assert abs(f.value(point) - expected) <= tol, f"{text} = {f.value(point)}, expected {expected}"

    # plain() is what JSON carries; typed back in, it is the same function
    printed = plain(f.expr)
    again = parse(printed)
    assert set(again.variables) <= set(f.variables)
    assert abs(again.value(np.array([env[n] for n in again.variables])) - expected) <= tol, printed
    pretty(f.expr)
    latex(f.expr)


TOKENS = [
    "x", "y", "x1", "x10", "2", "0.5", ".5", "1e3", "1e400", "9", "e", "pi", "sin", "log", "log2", "sqrt",
    "abs", "relu", "sigmoid", "(", ")", "+", "-", "*", "/", "**", "^", ",", "[", "]", ":", " ", ".", "'",
    "=", "<", "lambda", "for", "if", "__class__", "__import__", "_", "х", "\x00", "\n", "é", "∂", "²",
    "(-1)", "10**300", "1.5", "/3", "(1/2)", "9**9",
]


def survives(text: str):
    """parse (and, when it parses, derive at a point) raises nothing but GdsimError, quickly."""
    start = time.thread_time()
    try:
        f = parse(text)
    except GdsimError:
        assert time.thread_time() - start < PARSE_SECONDS, repr(text)
        return
    assert time.thread_time() - start < PARSE_SECONDS, repr(text)
    try:
        doc = compute(f, at=np.full(f.dimension, 0.5))
        assert all(math.isfinite(v) for v in doc["gradient_value"].values())
    except GdsimError:
        pass
    assert time.thread_time() - start < 2 * PARSE_SECONDS, repr(text)


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(max_size=60))
def test_random_text_raises_only_gdsim_errors(text):
    survives(text)


@settings(max_examples=250, deadline=None, database=None)
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=25))
def test_random_token_soup_raises_only_gdsim_errors(tokens):
    survives("".join(tokens))
