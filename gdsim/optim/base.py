"""What every optimizer shares: the Optimizer record, the Oracle, and the checks of hyper-parameters.

An optimizer is `init(params) -> state` and `update(gradient, state) -> (updates, state)` with
`new_params = params + updates`, as in optax; each family module holds a few such rules.

Some rules need more than the gradient at the current point. Their `needs` says what, and the
engine then calls `update(gradient, state, oracle)` with an Oracle:
- "point": the rule reads the current point x (weight decay: AdamW, Lion, ...);
- "function": the rule also evaluates f, ∇f or the Hessian elsewhere (newton, lbfgs, a line
  search), through the oracle's callables.
A rule that chooses its own step length (a line search, L-BFGS), and the schedule wrapper, keep
the step length of the last update in `state.lr`; the engine reports it as that step's lr.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from gdsim.errors import OptionError
from gdsim.i18n import tr


class Oracle(NamedTuple):
    """What the engine knows at the current point, and how to ask f about other points.

    In `gdsim sgd` only `point` and `value` (the minibatch loss) are set: the rules that need
    the callables are refused there.
    """

    point: np.ndarray
    value: float
    value_and_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None
    value_at: Callable[[np.ndarray], float] | None = None
    hessian: Callable[[np.ndarray], np.ndarray] | None = None


class Optimizer(NamedTuple):
    """A named update rule: `hyper` lists exactly the hyper-parameters it uses, lr first.

    `needs` is "gradient" (update(gradient, state)), "point" or "function" (update(gradient,
    state, oracle)); `schedule` is the text of the lr schedule, None for a constant lr;
    `remark(state)` returns a list of (English template, values) that the run's summary should
    tell (e.g. that newton modified the Hessian), often empty.
    """

    name: str
    hyper: dict[str, float | str]
    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]
    needs: str = "gradient"
    schedule: str | None = None
    remark: Callable[[Any], list[tuple[str, dict]]] | None = None

    @property
    def plain(self) -> bool:
        """True when an update needs only the gradient and the lr never changes (a fast loop may run it)."""
        return self.needs == "gradient" and self.schedule is None

    @property
    def lr_varies(self) -> bool:
        """True when the step length can change from one update to the next (a schedule, a line search, L-BFGS)."""
        return self.schedule is not None or "line_search" in self.hyper or self.name == "lbfgs"


def step_lr(optimizer: Optimizer, state: Any) -> float:
    """The lr of the update that produced `state`: the rule's own step length, else the fixed lr."""
    lr = getattr(state, "lr", None)
    return float(optimizer.hyper["lr"] if lr is None else lr)


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


def nonnegative(option: str, value: object) -> float:
    """A finite number >= 0 (a weight decay)."""
    x = number(option, value)
    if not (x >= 0 and math.isfinite(x)):
        raise OptionError(tr("{option} must be a finite number >= 0, got {value}", option=option, value=repr(x)))
    return x


def fraction(option: str, value: object) -> float:
    """A number in [0, 1) (a momentum, a decay rate)."""
    x = number(option, value)
    # Written so that nan fails too: every comparison with nan is False.
    if not 0 <= x < 1:
        raise OptionError(tr("{option} must be a number in [0, 1), got {value}", option=option, value=repr(x)))
    return x


def whole(option: str, value: object) -> int:
    """A whole number >= 1 (a history length)."""
    x = number(option, value)
    if not (math.isfinite(x) and x >= 1 and x == int(x)):
        raise OptionError(tr("{option} must be a whole number >= 1, got {value}", option=option, value=repr(value)))
    return int(x)
