"""The Adam family: running averages of the gradient and of its square, with bias correction.

The arithmetic follows torch.optim.Adam step for step (its lerp, its folded bias corrections).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.optim.base import Optimizer


class AdamState(NamedTuple):
    """The step count t and the running averages of the gradient (mu) and its square (nu)."""

    count: int
    mu: np.ndarray
    nu: np.ndarray


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
