"""Points typed on the command line: `x=1,y=-2` (named), `1,-2` (positional) or `3` (every variable).

A point is returned as a float array in the function's variable order; every mistake names the
function's variables so the student can see what was expected.
"""

from __future__ import annotations

import math
import re

import numpy as np

from gdsim.errors import PointError
from gdsim.i18n import tr

# ASCII digits only: Python's float() would also take '١' or '１' and silently read them as 1.
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$", re.ASCII)
MAX_POINT_TEXT = 100_000


def parse_number(text: str, what: str) -> float:
    """One finite number, or a PointError naming `what`."""
    t = text.strip()
    if not _NUMBER.match(t):
        shown = t if len(t) <= 30 else t[:27] + "..."
        raise PointError(tr("{what}: '{shown}' is not a number", what=what, shown=shown))
    value = float(t)
    if not math.isfinite(value):
        raise PointError(tr("{what}: {number} is too large (beyond 1.8e308)", what=what, number=t[:30]))
    if value == 0 and any(ch in "123456789" for ch in t.split("e")[0].split("E")[0]):
        raise PointError(tr("{what}: {number} is too small (below 5e-324) and would silently become 0", what=what, number=t[:30]))
    return value


def parse_point(text: str, variables, *, option: str = "--at", vector: bool = False) -> np.ndarray:
    """Parse a point for the given variables (in order); see the module docstring for the forms.

    With `vector`, the variables are the components x[0], x[1], ... of one vector variable.
    """
    names = list(variables)
    if vector:
        return _vector_point(text, names, option)
    listing = ", ".join(names)
    if len(text) > MAX_POINT_TEXT:
        raise PointError(tr("{option}: the point text is too long ({length} characters)", option=option, length=f"{len(text):,}"))
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(p == "" for p in parts):
        raise PointError(tr("{option}: empty value in '{text}'; give values for {listing}", option=option, text=text[:60], listing=listing))
    named = ["=" in p for p in parts]
    if any(named) and not all(named):
        raise PointError(tr("{option}: mix of named and positional values in '{text}'; use {example}",
                              option=option, text=text[:60], example=_example(names)))
    if all(named):
        values: dict[str, float] = {}
        for part in parts:
            name, _, raw = part.partition("=")
            name = name.strip()
            if name not in names:
                raise PointError(tr("{option}: unknown variable '{name}'; the function's variables are {listing}",
                                      option=option, name=name[:40], listing=listing))
            if name in values:
                raise PointError(tr("{option}: '{name}' is given twice", option=option, name=name))
            values[name] = parse_number(raw, f"{option} {name}")
        missing = [n for n in names if n not in values]
        if missing:
            raise PointError(tr("{option}: no value for {missing}; the function's variables are {listing}",
                                  option=option, missing=", ".join(missing), listing=listing))
        return np.array([values[n] for n in names], dtype=float)
    numbers = [parse_number(p, option) for p in parts]
    if len(numbers) == 1:
        return np.full(len(names), numbers[0], dtype=float)
    if len(numbers) != len(names):
        raise PointError(tr("{option}: {got} values for {n} variables; the function's variables are {listing}",
                            option=option, got=len(numbers), n=len(names), listing=listing))
    return np.array(numbers, dtype=float)


def _example(names) -> str:
    return ",".join(f"{n}={i + 1}" for i, n in enumerate(names[:3]))


def _coordinate(x) -> str:
    x = float(x)
    if math.isfinite(x):
        return f"{x:.6g}"
    return "undefined" if math.isnan(x) else ("∞" if x > 0 else "-∞")  # never the words inf or nan


def format_point(variables, point) -> str:
    """`x=1, y=-2` for messages."""
    names = list(variables)
    if len(names) > 6:
        head = ", ".join(f"{n}={_coordinate(v)}" for n, v in zip(names[:3], point))
        return f"{head}, … ({len(names)} components)"
    return ", ".join(f"{n}={_coordinate(v)}" for n, v in zip(names, point))


def _vector_point(text: str, names: list[str], option: str) -> np.ndarray:
    """A point of a vector variable: one number for every component, `x=0`, or all N components."""
    vector = names[0][:-3]
    t = text.strip()
    if "=" in t:
        name, _, raw = t.partition("=")
        if name.strip() != vector or "," in raw:
            raise PointError(tr("{option}: in vector mode write {vector}=NUMBER, one NUMBER, or {n} numbers",
                                  option=option, vector=vector, n=len(names)))
        t = raw
    numbers = [parse_number(p, option) for p in t.split(",")]
    if len(numbers) == 1:
        return np.full(len(names), numbers[0], dtype=float)
    if len(numbers) != len(names):
        raise PointError(tr("{option}: {got} values for the {n} components of {vector}; give one number for all or {n}",
                              option=option, got=len(numbers), n=len(names), vector=vector))
    return np.array(numbers, dtype=float)
