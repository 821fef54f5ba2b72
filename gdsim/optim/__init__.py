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
from gdsim.optim import sgd as _sgd
from gdsim.optim.base import Optimizer, fraction, positive

__all__ = ["OPTIMIZERS", "DEFAULT_LR", "Optimizer", "make_optimizer"]

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
    check: Callable[[str, object], float]


class Spec(NamedTuple):
    """How to build one optimizer: its rule, default learning rate and other hyper-parameters (checked in order)."""

    factory: Callable[..., Optimizer]
    lr: float
    hyper: tuple[Hyper, ...] = ()


_MOMENTUM = Hyper("momentum", DEFAULT_MOMENTUM, fraction)
_BETAS = (Hyper("beta1", DEFAULT_BETA1, fraction), Hyper("beta2", DEFAULT_BETA2, fraction))

# gd, momentum and nesterov use the lecture's stride; the others use torch's defaults.
SPECS: dict[str, Spec] = {
    "gd": Spec(_sgd.gd, 0.1),
    "momentum": Spec(_sgd.sgd_momentum, 0.1, (_MOMENTUM,)),
    "nesterov": Spec(_sgd.sgd_nesterov, 0.1, (_MOMENTUM,)),
    "adagrad": Spec(_adaptive.adagrad, 0.01, (Hyper("eps", 1e-10, positive),)),
    "rmsprop": Spec(_adaptive.rmsprop, 0.01, (Hyper("eps", 1e-8, positive), Hyper("alpha", DEFAULT_ALPHA, fraction))),
    "adam": Spec(_adam.adam, 0.001, (Hyper("eps", 1e-8, positive), *_BETAS)),
}

OPTIMIZERS = tuple(SPECS)
DEFAULT_LR = {name: spec.lr for name, spec in SPECS.items()}
#: Every hyper-parameter some optimizer takes besides lr (the options descend and sgd offer).
HYPER_PARAMETERS = tuple(dict.fromkeys(h.name for spec in SPECS.values() for h in spec.hyper))


def make_optimizer(name: str, *, lr: float | None = None, **hyper: float | None) -> Optimizer:
    """The optimizer called `name`, with None meaning the default for each hyper-parameter.

    Only the hyper-parameters `name` uses are checked; the others are ignored, so one
    command line can compare several optimizers. Bad values raise OptionError.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in SPECS:
        raise OptionError(tr("--optimizer must be one of {choices}, got {value}", choices=", ".join(OPTIMIZERS), value=repr(name)))
    spec = SPECS[key]
    rate = positive("--lr", spec.lr if lr is None else lr)
    chosen = {}
    for h in spec.hyper:
        given = hyper.get(h.name)
        chosen[h.name] = h.check(f"--{h.name}", h.default if given is None else given)
    return spec.factory(rate, **chosen)
