"""Stochastic gradient descent as torch.optim.SGD has it: the lecture's plain rule, momentum and Nesterov.

Each rule is its state plus one update equation; the docstrings say where other texts write it differently.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.optim.base import Optimizer


class EmptyState(NamedTuple):
    """Plain gradient descent remembers nothing between steps."""


class MomentumState(NamedTuple):
    """The momentum buffer b: a running, decaying sum of past gradients."""

    buffer: np.ndarray


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
