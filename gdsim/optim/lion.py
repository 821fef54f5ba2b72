"""Lion, the sign-of-momentum rule found by program search (Chen et al. 2023), as optax.lion has it."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.optim.base import Optimizer


class LionState(NamedTuple):
    """The momentum m: a running average of gradients (updated after the step, with β₂)."""

    mu: np.ndarray


def lion(lr: float, beta1: float, beta2: float, weight_decay: float) -> Optimizer:
    """Lion (optax.lion with b1 = β₁, b2 = β₂).

        c = (1−β₁)·g + β₁·m
        x ← x − lr·(sign(c) + wd·x)          (sign(0) = 0)
        m ← (1−β₂)·g + β₂·m                   (after the step, with β₂ and the plain gradient)

    Every coordinate moves by exactly lr (plus the decay) whatever the slope's size: only its
    sign counts, so Lion wants a learning rate 3 to 10 times smaller than AdamW's.
    """
    neg_lr = -lr

    def init(params: np.ndarray) -> LionState:
        return LionState(np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: LionState, oracle) -> tuple[np.ndarray, LionState]:
        direction = np.sign((1.0 - beta1) * gradient + beta1 * state.mu) + weight_decay * oracle.point
        mu = (1 - beta2) * gradient + beta2 * state.mu
        return neg_lr * direction, LionState(mu)

    return Optimizer("lion", {"lr": lr, "beta1": beta1, "beta2": beta2, "weight_decay": weight_decay}, init, update,
                     needs="point")
