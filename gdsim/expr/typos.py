"""Likely typos in what a student typed: pointed out, never silently changed.

`suggest` finds the known name nearest to an unknown one (`Sin` → sin, `arctan` → atan);
`typo_notes` reads a parsed tree for names that look like a call or a product run together
(`sinx`, `2xy` where x is also used) and says how to write what was probably meant.
"""

from __future__ import annotations

from gdsim.i18n import tr

# Names other notations use for gdsim's functions.
_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "sqr": "sqrt", "ln2": "log2", "lg": "log10",
            "logistic": "sigmoid", "absolute": "abs", "fabs": "abs", "exponential": "exp"}


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions of one character."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def suggest(name: str, known) -> str | None:
    """The known name `name` was most likely meant to be, or None when none is close."""
    known = sorted(known)
    lower = name.lower()
    if lower in known:
        return lower
    if lower in _ALIASES and _ALIASES[lower] in known:
        return _ALIASES[lower]
    limit = 1 if len(name) <= 4 else 2
    scored = sorted((edit_distance(lower, k), k) for k in known)
    if scored and scored[0][0] <= limit and len(name) > 1:
        return scored[0][1]
    return None


def _split_product(name: str, variables: set[str]) -> list[str] | None:
    """`name` cut into two or more pieces, each a variable of the expression or a single letter,
    at least one of them a variable used elsewhere: `xy` → [x, y] when x is used."""
    others = variables - {name}

    def cuts(rest: str) -> list[list[str]]:
        if not rest:
            return [[]]
        found = []
        for piece in sorted({v for v in others if rest.startswith(v)} | ({rest[0]} if rest[0].isalpha() else set()),
                            key=len, reverse=True):
            for tail in cuts(rest[len(piece):]):
                found.append([piece, *tail])
        return found

    for pieces in cuts(name):
        if len(pieces) >= 2 and any(p in others for p in pieces):
            return pieces
    return None


def _split_call(name: str, functions) -> tuple[str, str] | None:
    """`sinx` → (sin, x): a function name followed by one letter (and digits): x, y2."""
    for f in sorted(functions, key=len, reverse=True):
        rest = name[len(f):]
        if name.startswith(f) and rest[:1].isalpha() and (len(rest) == 1 or rest[1:].isdigit()):
            return f, rest
    return None


def typo_notes(variables, functions) -> list[str]:
    """One note per variable name that reads as a call or a product run together."""
    names = set(variables)
    notes = []
    for name in variables:
        if not 2 <= len(name) <= 12:  # longer names are chosen on purpose (and would be slow to cut)
            continue
        call = _split_call(name, functions)
        if call:
            f, arg = call
            notes.append(tr("'{name}' is read as one variable; for {f} of {arg} write {f}({arg})", name=name, f=f, arg=arg))
            continue
        pieces = _split_product(name, names)
        if pieces:
            notes.append(tr("'{name}' is read as one variable; for a product write {product}", name=name,
                            product="*".join(pieces)))
    return notes
