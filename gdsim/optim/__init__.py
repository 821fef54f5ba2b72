"""The optimizers: small pure update rules in the style of optax, one module per family.

`make_optimizer(name, lr=..., ...)` builds one from the table below, which holds each optimizer's
default learning rate and the hyper-parameters it uses; the arithmetic follows torch.optim step
for step, so a run gives torch's trajectory to within floating-point rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from gdsim.errors import OptionError
from gdsim.i18n import tr
from gdsim.optim import adam as _adam
from gdsim.optim import adaptive as _adaptive
from gdsim.optim import lion as _lion
from gdsim.optim import second_order as _second_order
from gdsim.optim import sgd as _sgd
from gdsim.optim.base import Optimizer, Oracle, fraction, nonnegative, positive, step_lr, whole
from gdsim.optim.line_search import armijo_gd
from gdsim.optim.schedules import parse_schedule, scheduled

__all__ = ["OPTIMIZERS", "DEFAULT_LR", "LINE_SEARCHES", "Optimizer", "Oracle", "make_optimizer", "step_lr"]

# torch.optim.SGD defaults to momentum=0, which would make `momentum` and `nesterov`
# plain gradient descent; 0.9 is the value every textbook and course uses.
DEFAULT_MOMENTUM = 0.9
DEFAULT_ALPHA = 0.99
DEFAULT_BETA1 = 0.9
DEFAULT_BETA2 = 0.999


class Hyper(NamedTuple):
    """One hyper-parameter an optimizer uses: its option name, default and check."""

    name: str
    default: float
    check: Callable[[str, object], float | int]


class Spec(NamedTuple):
    """How to build one optimizer: its rule, default learning rate and other hyper-parameters (checked in order)."""

    factory: Callable[..., Optimizer]
    lr: float
    hyper: tuple[Hyper, ...] = ()
    line_searches: tuple[str, ...] = ()  # besides "none"


_MOMENTUM = Hyper("momentum", DEFAULT_MOMENTUM, fraction)
_BETAS = (Hyper("beta1", DEFAULT_BETA1, fraction), Hyper("beta2", DEFAULT_BETA2, fraction))
_EPS = Hyper("eps", 1e-8, positive)
_NO_DECAY = Hyper("weight_decay", 0.0, nonnegative)

# gd, momentum and nesterov use the lecture's stride; the others use the defaults of their anchor
# (torch.optim's class of the same name; optax.lion for lion, whose lr gdsim sets at 1e-4).
SPECS: dict[str, Spec] = {
    "gd": Spec(_sgd.gd, 0.1, (), ("armijo",)),
    "momentum": Spec(_sgd.sgd_momentum, 0.1, (_MOMENTUM,)),
    "nesterov": Spec(_sgd.sgd_nesterov, 0.1, (_MOMENTUM,)),
    "adagrad": Spec(_adaptive.adagrad, 0.01, (Hyper("eps", 1e-10, positive),)),
    "rmsprop": Spec(_adaptive.rmsprop, 0.01, (Hyper("eps", 1e-8, positive), Hyper("alpha", DEFAULT_ALPHA, fraction))),
    "adam": Spec(_adam.adam, 0.001, (_EPS, *_BETAS)),
    "adamw": Spec(_adam.adamw, 0.001, (_EPS, *_BETAS, Hyper("weight_decay", 1e-2, nonnegative))),
    "nadam": Spec(_adam.nadam, 0.002, (_EPS, *_BETAS, _NO_DECAY, Hyper("momentum_decay", 4e-3, nonnegative))),
    "radam": Spec(_adam.radam, 0.001, (_EPS, *_BETAS, _NO_DECAY)),
    "adadelta": Spec(_adaptive.adadelta, 1.0, (Hyper("eps", 1e-6, positive), Hyper("rho", 0.9, fraction), _NO_DECAY)),
    "adamax": Spec(_adam.adamax, 0.002, (_EPS, *_BETAS, _NO_DECAY)),
    "lion": Spec(_lion.lion, 1e-4, (Hyper("beta1", 0.9, fraction), Hyper("beta2", 0.99, fraction),
                                    Hyper("weight_decay", 1e-3, nonnegative))),
    "newton": Spec(_second_order.newton, 1.0),
    "lbfgs": Spec(_second_order.lbfgs, 1.0, (Hyper("history", 100, whole),), ("strong_wolfe",)),
}
LINE_SEARCHES = ("none", "armijo", "strong_wolfe")

OPTIMIZERS = tuple(SPECS)
DEFAULT_LR = {name: spec.lr for name, spec in SPECS.items()}
#: Every hyper-parameter some optimizer takes besides lr (the options descend and sgd offer).
HYPER_PARAMETERS = tuple(dict.fromkeys(h.name for spec in SPECS.values() for h in spec.hyper))


def make_optimizer(name: str, *, lr: float | None = None, schedule: str | None = None, line_search: str | None = None,
                   **hyper: float | None) -> Optimizer:
    """The optimizer called `name`, with None meaning the default for each hyper-parameter.

    Only the hyper-parameters `name` uses are checked; the others are ignored, so one
    command line can compare several optimizers. A line search the optimizer has not (armijo
    is gd's, strong_wolfe lbfgs's) is ignored likewise. `schedule` is the --schedule text
    (None or "constant": a constant lr). Bad values raise OptionError.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in SPECS:
        raise OptionError(tr("--optimizer must be one of {choices}, got {value}", choices=", ".join(OPTIMIZERS), value=repr(name)))
    spec = SPECS[key]
    rate = positive("--lr", spec.lr if lr is None else lr)
    chosen = {}
    for h in spec.hyper:
        given = hyper.get(h.name)
        chosen[h.name] = h.check(f"--{h.name.replace('_', '-')}", h.default if given is None else given)
    search = check_line_search(line_search)
    if search == "armijo" and "armijo" in spec.line_searches:
        build = armijo_gd
    elif search == "strong_wolfe" and "strong_wolfe" in spec.line_searches:
        build = lambda rate: spec.factory(rate, **chosen, line_search="strong_wolfe")  # noqa: E731
    else:
        build = lambda rate: spec.factory(rate, **chosen)  # noqa: E731
    plan = parse_schedule(schedule)
    return build(rate) if plan is None else scheduled(build, rate, plan)


def check_line_search(value: str | None) -> str:
    """--line-search as one of LINE_SEARCHES (None means none)."""
    search = "none" if value is None else str(value).strip().lower()
    if search not in LINE_SEARCHES:
        raise OptionError(tr("--line-search must be one of {choices}, got {value}", choices=", ".join(LINE_SEARCHES),
                             value=repr(value)))
    return search


def uses_line_search(name: str, line_search: str) -> bool:
    """Whether the optimizer called `name` has the line search `line_search` (none: always)."""
    spec = SPECS.get(str(name).strip().lower())
    return line_search == "none" or (spec is not None and line_search in spec.line_searches)
