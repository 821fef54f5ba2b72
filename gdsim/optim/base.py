"""What every optimizer shares: the Optimizer record and the checks of hyper-parameters.

An optimizer is `init(params) -> state` and `update(gradient, state) -> (updates, state)` with
`new_params = params + updates`, as in optax; each family module holds a few such rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from gdsim.errors import OptionError
from gdsim.i18n import tr


class Optimizer(NamedTuple):
    """A named update rule: `hyper` lists exactly the hyper-parameters it uses, lr first."""

    name: str
    hyper: dict[str, float]
    init: Callable[[np.ndarray], Any]
    update: Callable[[np.ndarray, Any], tuple[np.ndarray, Any]]


def number(option: str, value: object) -> float:
    """`value` as a float, or OptionError naming the option."""
    if isinstance(value, bool):
        raise OptionError(tr("{option} must be a number, got {value}", option=option, value=repr(value)))
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise OptionError(tr("{option} must be a number, got {value}", option=option, value=repr(value))) from None


def positive(option: str, value: object) -> float:
    """A number > 0 and finite (a learning rate, an eps)."""
    x = number(option, value)
    if not (x > 0 and math.isfinite(x)):
        raise OptionError(tr("{option} must be a positive finite number, got {value}", option=option, value=repr(x)))
    return x


def fraction(option: str, value: object) -> float:
    """A number in [0, 1) (a momentum, a decay rate)."""
    x = number(option, value)
    # Written so that nan fails too: every comparison with nan is False.
    if not 0 <= x < 1:
        raise OptionError(tr("{option} must be a number in [0, 1), got {value}", option=option, value=repr(x)))
    return x
