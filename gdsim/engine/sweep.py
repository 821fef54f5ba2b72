"""The engine of `gdsim sweep`: descend's walk once per value of one hyper-parameter, all from the
same start with the same stopping rules, to see how the outcome depends on the stride.

values() reads the swept values (A:B:N, evenly or geometrically spaced, or a comma list); sweep()
yields one SweepRun per value, each the Result of descend's own engine. Nothing here prints.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from gdsim.engine.descend import MAX_HINT_DIMENSION, Result, Settings, run
from gdsim.engine.stationary import kind
from gdsim.errors import GdsimError, OptionError
from gdsim.expr.function import hessian_is_affordable
from gdsim.expr.points import parse_number
from gdsim.i18n import tr
from gdsim.optim import Optimizer

MAX_VALUES = 1000  # a sweep is a picture, not a search: beyond this the table and plot stop being readable


@dataclass(frozen=True)
class SweepRun:
    """One value of the swept hyper-parameter and how descend's walk ended with it."""

    value: float
    result: Result


def is_sweep(text) -> bool:
    """Whether an option's text asks for several values (a range A:B:N or a comma list)."""
    return isinstance(text, str) and (":" in text or "," in text)


def values(text: str, option: str, log: bool = False) -> list[float]:
    """The values of `A:B:N` (N values from A to B inclusive; geometric with `log`) or of a comma list."""
    text = str(text).strip()
    if ":" not in text:
        if log:
            raise OptionError(tr("{option}: --log spaces a range A:B:N geometrically; give a range, not a list", option=option))
        found = [parse_number(part, option) for part in text.split(",")]
    else:
        parts = text.split(":")
        if len(parts) != 3:
            raise OptionError(tr("{option}: a range is A:B:N (from A to B in N values), got '{value}'", option=option, value=text))
        a, b = parse_number(parts[0], option), parse_number(parts[1], option)
        count = parts[2].strip()
        if not count.isdigit() or not 2 <= int(count) <= MAX_VALUES:
            raise OptionError(tr("{option}: N in A:B:N must be a whole number from 2 to {limit}, got '{value}'",
                                 option=option, limit=MAX_VALUES, value=count))
        if log and not (a > 0 and b > 0):
            raise OptionError(tr("{option}: --log needs A and B above 0, got {a} and {b}", option=option, a=f"{a:g}", b=f"{b:g}"))
        spaced = (np.geomspace if log else np.linspace)(a, b, int(count))
        # 12 significant digits: 0.3, not linspace's 0.30000000000000004, in the table and the JSON alike
        found = [float(f"{v:.12g}") for v in spaced]
        found[0], found[-1] = a, b  # the ends exactly as typed
    if len(found) > MAX_VALUES:
        raise OptionError(tr("{option}: at most {limit} values, got {n}", option=option, limit=MAX_VALUES, n=len(found)))
    if not all(math.isfinite(v) for v in found):
        raise OptionError(tr("{option}: every value must be a finite number", option=option))
    return found


def final(function, start: np.ndarray, optimizer: Optimizer, settings: Settings) -> Result:
    """How descend's walk ends, keeping none of its steps."""
    return deque(run(function, start, optimizer, settings), maxlen=1)[0]


def sweep(function, start: np.ndarray, optimizers: list[Optimizer], swept: list[float],
          settings: Settings) -> Iterator[SweepRun]:
    """One SweepRun per (value, optimizer built with that value), in order."""
    for value, optimizer in zip(swept, optimizers):
        yield SweepRun(value, final(function, start, optimizer, settings))


def lr_limit(function, start: np.ndarray, optimizer_name: str) -> float | None:
    """2/λ_max of the Hessian at the start for gd where f is locally convex there (every eigenvalue
    > 0), else None: above it each gd step overshoots the valley of the local quadratic further."""
    if optimizer_name != "gd" or function.dimension > MAX_HINT_DIMENSION or not hessian_is_affordable(function):
        return None
    try:
        matrix = function.hessian(start)
    except (GdsimError, ValueError, np.linalg.LinAlgError):
        return None
    if not np.all(np.isfinite(matrix)):
        return None
    eigenvalues = np.linalg.eigvalsh((matrix + matrix.T) / 2)
    if kind(eigenvalues) != "minimum":  # the same test (and tolerance) as the kind of flat ground
        return None
    return 2.0 / float(eigenvalues[-1])
