"""Per-coordinate step sizes from the history of squared gradients: Adagrad and RMSprop.

Both follow torch.optim's arithmetic (eps after the square root, accumulators starting at 0).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.optim.base import Optimizer


class AdagradState(NamedTuple):
    """The sum of every squared gradient seen so far, per coordinate."""

    sum_of_squares: np.ndarray


class RMSpropState(NamedTuple):
    """The running average of squared gradients, per coordinate."""

    square_avg: np.ndarray


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
