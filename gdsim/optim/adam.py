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


def _lerp(mu: np.ndarray, gradient: np.ndarray, weight: float) -> np.ndarray:
    """torch's lerp(mu, g, w): the form that is more accurate for the weight at hand."""
    if abs(weight) < 0.5:
        return mu + weight * (gradient - mu)
    return gradient - (gradient - mu) * (1 - weight)


def _second_moment(nu: np.ndarray, gradient: np.ndarray, beta2: float) -> np.ndarray:
    """v ← β₂·v + (1−β₂)·g², in torch's order (v·β₂ first, then ((1−β₂)·g)·g added)."""
    return nu * beta2 + ((1 - beta2) * gradient) * gradient


def adamw(lr: float, beta1: float, beta2: float, eps: float, weight_decay: float) -> Optimizer:
    """AdamW: Adam with decoupled weight decay (torch.optim.AdamW, amsgrad=False).

        x ← x·(1 − lr·wd)                        (first, on the old x; g is not changed)
        m ← m + (1−β₁)·(g − m);  v ← β₂·v + (1−β₂)·g²
        x ← x − (lr / (1−β₁ᵗ))·m / (√v / √(1−β₂ᵗ) + eps)

    Adam with weight_decay adds wd·x to the gradient, where it is divided by √v like the rest;
    AdamW shrinks x directly (Loshchilov and Hutter), so the decay is the same for every coordinate.
    """
    shrink = 1 - lr * weight_decay
    weight = 1 - beta1

    def init(params: np.ndarray) -> AdamState:
        return AdamState(0, np.zeros(np.shape(params)), np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: AdamState, oracle) -> tuple[np.ndarray, AdamState]:
        x = oracle.point
        count = state.count + 1
        mu = _lerp(state.mu, gradient, weight)
        nu = _second_moment(state.nu, gradient, beta2)
        denom = np.sqrt(nu) / (1 - beta2**count) ** 0.5 + eps
        new_x = x * shrink + (-(lr / (1 - beta1**count))) * (mu / denom)
        return new_x - x, AdamState(count, mu, nu)

    return Optimizer("adamw", {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay},
                     init, update, needs="point")


class NAdamState(NamedTuple):
    """Adam's t, m and v, and the running product Π of the momentum coefficients μ₁…μₜ."""

    count: int
    mu_product: float
    mu: np.ndarray
    nu: np.ndarray


def nadam(lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, momentum_decay: float) -> Optimizer:
    """NAdam: Adam with Nesterov momentum (torch.optim.NAdam, Dozat 2016).

        g ← g + wd·x
        μₜ = β₁·(1 − ½·0.96^(t·ψ)),  μₜ₊₁ likewise,  Π ← Π·μₜ     (ψ = momentum_decay)
        m ← m + (1−β₁)·(g − m);  v ← β₂·v + (1−β₂)·g²
        d = √(v / (1−β₂ᵗ)) + eps                                  (the division inside the root)
        x ← x − lr·(1−μₜ)/(1−Π) · g/d − lr·μₜ₊₁/(1−Π·μₜ₊₁) · m/d    (two additions, in this order)

    The momentum coefficient μₜ warms up from β₁/2 towards β₁, and the step looks ahead by
    mixing the current gradient with the momentum.
    """
    weight = 1 - beta1

    def init(params: np.ndarray) -> NAdamState:
        return NAdamState(0, 1.0, np.zeros(np.shape(params)), np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: NAdamState, oracle) -> tuple[np.ndarray, NAdamState]:
        x = oracle.point
        count = state.count + 1
        step = float(count)
        bias_correction2 = 1 - beta2**step
        if weight_decay != 0:
            gradient = gradient + weight_decay * x
        mu_t = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product = state.mu_product * mu_t
        mu = _lerp(state.mu, gradient, weight)
        nu = _second_moment(state.nu, gradient, beta2)
        denom = np.sqrt(nu / bias_correction2) + eps
        new_x = x + (-lr * (1.0 - mu_t) / (1.0 - mu_product)) * (gradient / denom)
        new_x = new_x + ((-lr * mu_next) / (1.0 - mu_product * mu_next)) * (mu / denom)
        return new_x - x, NAdamState(count, mu_product, mu, nu)

    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay,
             "momentum_decay": momentum_decay}
    return Optimizer("nadam", hyper, init, update, needs="point")


def radam(lr: float, beta1: float, beta2: float, eps: float, weight_decay: float) -> Optimizer:
    """RAdam: Adam whose adaptive step is switched on only once v can be trusted (torch.optim.RAdam).

        g ← g + wd·x;  m ← m + (1−β₁)·(g − m);  v ← β₂·v + (1−β₂)·g²
        m̂ = m / (1−β₁ᵗ);  ρ∞ = 2/(1−β₂) − 1;  ρₜ = ρ∞ − 2t·β₂ᵗ/(1−β₂ᵗ)
        if ρₜ > 5:  r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
                    x ← x − m̂·lr·(√(1−β₂ᵗ) / (√v + eps))·r
        else:       x ← x − m̂·lr                               (plain momentum: the first steps)

    ρₜ estimates how many gradients v really averages; with β₂ = 0.999 the switch comes at t = 6.
    """
    weight = 1 - beta1
    rho_inf = 2 / (1 - beta2) - 1

    def init(params: np.ndarray) -> AdamState:
        return AdamState(0, np.zeros(np.shape(params)), np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: AdamState, oracle) -> tuple[np.ndarray, AdamState]:
        x = oracle.point
        count = state.count + 1
        step = float(count)
        if weight_decay != 0:
            gradient = gradient + weight_decay * x
        mu = _lerp(state.mu, gradient, weight)
        nu = _second_moment(state.nu, gradient, beta2)
        bias_correction2 = 1 - beta2**step
        corrected = mu / (1 - beta1**step)
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = (bias_correction2**0.5) / (np.sqrt(nu) + eps)
            new_x = x - corrected * lr * adaptive * rect
        else:
            new_x = x - corrected * lr
        return new_x - x, AdamState(count, mu, nu)

    return Optimizer("radam", {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay},
                     init, update, needs="point")


class AdamaxState(NamedTuple):
    """The step count t, the running average of the gradient (mu) and the decaying max of |g| (u)."""

    count: int
    mu: np.ndarray
    u: np.ndarray


def adamax(lr: float, beta1: float, beta2: float, eps: float, weight_decay: float) -> Optimizer:
    """Adamax: Adam with the infinity norm in place of the root mean square (torch.optim.Adamax).

        g ← g + wd·x;  m ← m + (1−β₁)·(g − m)
        u ← max(β₂·u, |g| + eps)                                (eps inside the max)
        x ← x − (lr / (1−β₁ᵗ))·m / u

    u needs no bias correction: a max is not pulled towards its zero start.
    """
    weight = 1 - beta1

    def init(params: np.ndarray) -> AdamaxState:
        return AdamaxState(0, np.zeros(np.shape(params)), np.zeros(np.shape(params)))

    def update(gradient: np.ndarray, state: AdamaxState, oracle) -> tuple[np.ndarray, AdamaxState]:
        x = oracle.point
        count = state.count + 1
        if weight_decay != 0:
            gradient = gradient + weight_decay * x
        mu = _lerp(state.mu, gradient, weight)
        u = np.maximum(state.u * beta2, np.abs(gradient) + eps)
        new_x = x + (-(lr / (1 - beta1**count))) * (mu / u)
        return new_x - x, AdamaxState(count, mu, u)

    return Optimizer("adamax", {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay},
                     init, update, needs="point")
