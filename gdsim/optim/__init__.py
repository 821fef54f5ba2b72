"""The six optimizers of gdsim, each a small pure update rule in the style of optax.

An optimizer is `init(params) -> state` and `update(gradient, state) -> (updates, state)`
with `new_params = params + updates`; the arithmetic follows torch.optim step for step,
so a run gives the same trajectory as torch to within floating-point rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from gdsim.errors import OptionError
from gdsim.i18n import tr

OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

# gd, momentum and nesterov use the lecture's stride; the others use torch's defaults.
DEFAULT_LR = {"gd": 0.1, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.01, "rmsprop": 0.01, "adam": 0.001}

# torch.optim.SGD defaults to momentum=0, which would make `momentum` and `nesterov`
# plain gradient descent; 0.9 is the value every textbook and course uses.
DEFAULT_MOMENTUM = 0.9
DEFAULT_ALPHA = 0.99
DEFAULT_BETA1 = 0.9
DEFAULT_BETA2 = 0.999
DEFAULT_EPS = {"adagrad": 1e-10, "rmsprop": 1e-8, "adam": 1e-8}


class EmptyState(NamedTuple):
    """Plain gradient descent remembers nothing between steps."""


class MomentumState(NamedTuple):
    """The momentum buffer b: a running, decaying sum of past gradients."""

    buffer: np.ndarray


class AdagradState(NamedTuple):
    """The sum of every squared gradient seen so far, per coordinate."""

    sum_of_squares: np.ndarray


class RMSpropState(NamedTuple):
    """The running average of squared gradients, per coordinate."""

    square_avg: np.ndarray


class AdamState(NamedTuple):
    """The step count t and the running averages of the gradient (mu) and its square (nu)."""

    count: int
    mu: np.ndarray
    nu: np.ndarray


State = EmptyState | MomentumState | AdagradState | RMSpropState | AdamState


class Optimizer(NamedTuple):
    """A named update rule: `hyper` lists exactly the hyper-parameters it uses, lr first."""

    name: str
    hyper: dict[str, float]
    init: Callable[[np.ndarray], State]
    update: Callable[[np.ndarray, State], tuple[np.ndarray, State]]


def gd(lr: float) -> Optimizer:
    """Gradient descent, the lecture's rule (torch.optim.SGD with momentum=0).

        x ← x − lr·g

    The update is (−lr)·g, added to x as torch's `param.add_(grad, alpha=-lr)` does.
    """
    neg_lr = -lr

    def init(params: np.ndarray) -> EmptyState:
        return EmptyState()

    def update(gradient: np.ndarray, state: EmptyState) -> tuple[np.ndarray, EmptyState]:
        return neg_lr * gradient, state

    return Optimizer("gd", {"lr": lr}, init, update)


def sgd_momentum(lr: float, momentum: float) -> Optimizer:
    """Gradient descent with momentum μ (torch.optim.SGD, dampening=0, nesterov=False).

        b ← μ·b + g        (torch starts b at the first gradient: b₁ = g₁)
        x ← x − lr·b

    Starting b at zero gives exactly b₁ = μ·0 + g₁ = g₁, so the buffer needs no special
    first step. Other texts write the "velocity" form v ← μ·v − lr·g, x ← x + v, which is
    the same path for a fixed lr, or the averaging form b ← μ·b + (1−μ)·g, whose steps
    are (1−μ) times smaller than these.
    """
    neg_lr = -lr

    def init(params: np.ndarray) -> MomentumState:
        return MomentumState(np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: MomentumState) -> tuple[np.ndarray, MomentumState]:
        buffer = state.buffer * momentum + gradient
        return neg_lr * buffer, MomentumState(buffer)

    return Optimizer("momentum", {"lr": lr, "momentum": momentum}, init, update)


def sgd_nesterov(lr: float, momentum: float) -> Optimizer:
    """Nesterov momentum (torch.optim.SGD with nesterov=True, dampening=0).

        b ← μ·b + g        (b₁ = g₁, as for momentum)
        x ← x − lr·(g + μ·b)

    The gradient is taken at the current point x, not at Sutskever et al.'s look-ahead
    point x + μ·v: torch's x is that look-ahead point (Bengio et al.'s rewriting), so the
    two forms are the same method written in shifted variables.
    """
    neg_lr = -lr

    def init(params: np.ndarray) -> MomentumState:
        return MomentumState(np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: MomentumState) -> tuple[np.ndarray, MomentumState]:
        buffer = state.buffer * momentum + gradient
        return neg_lr * (gradient + momentum * buffer), MomentumState(buffer)

    return Optimizer("nesterov", {"lr": lr, "momentum": momentum}, init, update)


def adagrad(lr: float, eps: float) -> Optimizer:
    """Adagrad (torch.optim.Adagrad with lr_decay=0, initial_accumulator_value=0).

        s ← s + g²
        x ← x − lr·g / (√s + eps)

    eps is added after the square root, and s starts at 0 (TensorFlow starts it at 0.1),
    so the first step is lr·sign(g) in every coordinate (up to eps), whatever the slope.
    """
    neg_lr = -lr

    def init(params: np.ndarray) -> AdagradState:
        return AdagradState(np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: AdagradState) -> tuple[np.ndarray, AdagradState]:
        sum_of_squares = state.sum_of_squares + gradient * gradient
        std = np.sqrt(sum_of_squares) + eps
        return (neg_lr * gradient) / std, AdagradState(sum_of_squares)

    return Optimizer("adagrad", {"lr": lr, "eps": eps}, init, update)


def rmsprop(lr: float, alpha: float, eps: float) -> Optimizer:
    """RMSprop (torch.optim.RMSprop with momentum=0, centered=False).

        v ← α·v + (1−α)·g²
        x ← x − lr·g / (√v + eps)

    There is no bias correction and v starts at 0, so the first steps are long
    (lr/√(1−α) ≈ 10·lr for α = 0.99); eps is added after the square root, where
    TensorFlow 1's RMSPropOptimizer adds it inside.
    """
    neg_lr = -lr
    one_minus_alpha = 1 - alpha

    def init(params: np.ndarray) -> RMSpropState:
        return RMSpropState(np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: RMSpropState) -> tuple[np.ndarray, RMSpropState]:
        square_avg = state.square_avg * alpha + (one_minus_alpha * gradient) * gradient
        avg = np.sqrt(square_avg) + eps
        return (neg_lr * gradient) / avg, RMSpropState(square_avg)

    return Optimizer("rmsprop", {"lr": lr, "alpha": alpha, "eps": eps}, init, update)


def adam(lr: float, beta1: float, beta2: float, eps: float) -> Optimizer:
    """Adam with bias correction (torch.optim.Adam, amsgrad=False).

        t ← t + 1
        m ← m + (1−β₁)·(g − m)                 (torch's lerp; textbooks: β₁·m + (1−β₁)·g)
        v ← β₂·v + (1−β₂)·g²
        x ← x − (lr / (1−β₁ᵗ))·m / (√v / √(1−β₂ᵗ) + eps)

    This is Kingma and Ba's m̂ / (√v̂ + eps) with the bias corrections folded in as torch
    folds them; their "efficient" variant adds eps to √v before the correction instead.
    """
    weight = 1 - beta1
    one_minus_beta2 = 1 - beta2

    def init(params: np.ndarray) -> AdamState:
        return AdamState(0, np.zeros(np.shape(params)), np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: AdamState) -> tuple[np.ndarray, AdamState]:
        count = state.count + 1
        # torch's lerp picks the form that is more accurate for the weight at hand.
        # (In-place operations on fresh arrays: the same roundings, fewer allocations.)
        difference = gradient - state.mu
        if abs(weight) < 0.5:
            difference *= weight
            mu = np.add(state.mu, difference)
        else:
            difference *= 1 - weight
            mu = np.subtract(gradient, difference)
        squared = one_minus_beta2 * gradient
        squared *= gradient
        nu = state.nu * beta2
        nu += squared
        step_size = lr / (1 - beta1**count)
        bias_correction2_sqrt = (1 - beta2**count) ** 0.5
        denom = np.sqrt(nu)
        denom /= bias_correction2_sqrt
        denom += eps
        updates = -step_size * mu
        updates /= denom
        return updates, AdamState(count, mu, nu)

    return Optimizer("adam", {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps}, init, update)


def make_optimizer(
    name: str,
    *,
    lr: float | None = None,
    momentum: float | None = None,
    alpha: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    eps: float | None = None,
) -> Optimizer:
    """The optimizer called `name`, with None meaning the default for each hyper-parameter.

    Only the hyper-parameters `name` uses are checked; the others are ignored, so one
    command line can compare several optimizers. Bad values raise OptionError.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in OPTIMIZERS:
        raise OptionError(tr("--optimizer must be one of {choices}, got {value}", choices=", ".join(OPTIMIZERS), value=repr(name)))
    lr = _positive("--lr", DEFAULT_LR[key] if lr is None else lr)
    if key == "gd":
        return gd(lr)
    if key in ("momentum", "nesterov"):
        momentum = _fraction("--momentum", DEFAULT_MOMENTUM if momentum is None else momentum)
        return sgd_momentum(lr, momentum) if key == "momentum" else sgd_nesterov(lr, momentum)
    eps = _positive("--eps", DEFAULT_EPS[key] if eps is None else eps)
    if key == "adagrad":
        return adagrad(lr, eps)
    if key == "rmsprop":
        alpha = _fraction("--alpha", DEFAULT_ALPHA if alpha is None else alpha)
        return rmsprop(lr, alpha, eps)
    beta1 = _fraction("--beta1", DEFAULT_BETA1 if beta1 is None else beta1)
    beta2 = _fraction("--beta2", DEFAULT_BETA2 if beta2 is None else beta2)
    return adam(lr, beta1, beta2, eps)


def _number(option: str, value: object) -> float:
    if isinstance(value, bool):
        raise OptionError(tr("{option} must be a number, got {value}", option=option, value=repr(value)))
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise OptionError(tr("{option} must be a number, got {value}", option=option, value=repr(value))) from None


def _positive(option: str, value: object) -> float:
    number = _number(option, value)
    if not (number > 0 and math.isfinite(number)):
        raise OptionError(tr("{option} must be a positive finite number, got {value}", option=option, value=repr(number)))
    return number


def _fraction(option: str, value: object) -> float:
    number = _number(option, value)
    # Written so that nan fails too: every comparison with nan is False.
    if not 0 <= number < 1:
        raise OptionError(tr("{option} must be a number in [0, 1), got {value}", option=option, value=repr(number)))
    return number
