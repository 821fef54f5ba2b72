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


class AdadeltaState(NamedTuple):
    """Running averages of the squared gradients (v) and of the squared steps (u), per coordinate."""

    square_avg: np.ndarray
    acc_delta: np.ndarray


def adadelta(lr: float, rho: float, eps: float, weight_decay: float) -> Optimizer:
    """Adadelta (torch.optim.Adadelta, Zeiler 2012).

        g ← g + wd·x
        v ← ρ·v + (1−ρ)·g²
        δ = (√(u + eps) / √(v + eps))·g            (eps inside both roots; u from the last step)
        u ← ρ·u + (1−ρ)·δ²
        x ← x − lr·δ

    The step carries its own units (√u/√v times g), so Zeiler's method has no learning rate;
    torch keeps lr as a plain factor, 1 by default. No bias correction: u starts at 0, so the
    first steps are about √eps/|g|·g long and grow from there.
    """
    neg_lr = -lr
    one_minus_rho = 1 - rho

    def init(params: np.ndarray) -> AdadeltaState:
        return AdadeltaState(np.zeros(np.shape(params)), np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: AdadeltaState, oracle) -> tuple[np.ndarray, AdadeltaState]:
        if weight_decay != 0:
            gradient = gradient + weight_decay * oracle.point
        square_avg = state.square_avg * rho + (one_minus_rho * gradient) * gradient
        delta = (np.sqrt(state.acc_delta + eps) / np.sqrt(square_avg + eps)) * gradient
        acc_delta = state.acc_delta * rho + (one_minus_rho * delta) * delta
        return neg_lr * delta, AdadeltaState(square_avg, acc_delta)

    return Optimizer("adadelta", {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay}, init, update,
                     needs="point")
