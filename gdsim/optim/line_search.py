"""Line searches: how far to walk along a chosen direction, by asking f at trial points.

`armijo_gd` is gradient descent whose stride is found anew at every step by backtracking;
`strong_wolfe` is torch.optim.LBFGS's search (Moré–Thuente-style bracketing and cubic zoom, as in
minFunc and torch's lswolfe.lua), used by L-BFGS.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from gdsim.optim.base import Optimizer

ARMIJO_C = 1e-4
ARMIJO_MAX_HALVINGS = 50


class ArmijoState(NamedTuple):
    """The accepted step size of the last update, its halvings, and totals for the summary."""

    lr: float | None = None
    halvings: int = 0
    total_halvings: int = 0
    updates: int = 0
    capped: int = 0  # updates where 50 halvings still did not give enough decrease
    first_capped: int | None = None


def armijo_gd(lr: float) -> Optimizer:
    """Gradient descent with Armijo backtracking from lr.

        t ← lr;  while f(x − t·g) > f(x) − c·t·‖g‖²:  t ← t/2      (c = 1e-4, at most 50 halvings)
        x ← x − t·g

    The step is taken only where f falls by at least c times what the slope promises, so a too
    large lr cannot make the hiker overshoot: it is halved until the step goes far enough downhill.
    """
    def init(params: np.ndarray) -> ArmijoState:
        return ArmijoState()

    def update(gradient: np.ndarray, state: ArmijoState, oracle) -> tuple[np.ndarray, ArmijoState]:
        x, f = oracle.point, oracle.value
        slope = float(gradient @ gradient)
        t = lr
        halvings = 0
        capped = False
        # A trial where f is undefined or overflows (nan, inf) fails the test too.
        while not oracle.value_at(x + (-t) * gradient) <= f - ARMIJO_C * t * slope:
            if halvings == ARMIJO_MAX_HALVINGS:
                capped = True
                break
            t /= 2
            halvings += 1
        k = state.updates
        first = k if capped and state.first_capped is None else state.first_capped
        return (-t) * gradient, ArmijoState(t, halvings, state.total_halvings + halvings, k + 1, state.capped + capped, first)

    def remark(state: ArmijoState):
        if state.updates == 0:
            return []
        if state.capped:
            return [("Armijo line search: at {n} of the steps (first at step {k}) even {max} halvings of --lr {lr} gave "
                    "no sufficient decrease, and the tiny step was taken anyway; the slope there may not be the slope "
                    "of f (a kink, or rounding)", {"n": state.capped, "k": state.first_capped,
                                                   "max": ARMIJO_MAX_HALVINGS, "lr": f"{lr:g}"})]
        return [("Armijo line search: the stride was halved {n} times in {m} steps, starting each step from --lr {lr}",
                {"n": state.total_halvings, "m": state.updates, "lr": f"{lr:g}"})]

    return Optimizer("gd", {"lr": lr, "line_search": "armijo"}, init, update, needs="function", remark=remark)


def cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, kept in bounds.

    Without a real minimiser (d1² < g1·g2) it returns the middle of the bounds.
    """
    if bounds is not None:
        low, high = bounds
    else:
        low, high = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(at, low), high)
    return (low + high) / 2.0


def strong_wolfe(evaluate, t: float, d: np.ndarray, f: float, g: np.ndarray, gtd: float,
                 c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25):
    """torch.optim.LBFGS's strong-Wolfe search along d from x, where f(x) = f, ∇f(x) = g, gtd = g·d.

    `evaluate(t)` returns f and ∇f at x + t·d. Returns (f_new, g_new, t, evaluations). With
    max_ls = 0 (LBFGS with max_iter=1 and its default max_eval) it makes one trial at t and
    keeps it only if f is lower there, else returns t = 0: no Armijo or curvature test at all.
    """
    d_norm = float(np.max(np.abs(d)))
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket_gtd = None
    # Bracket an interval that holds a point satisfying the strong Wolfe conditions.
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous = t
        t = cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new, gtd_new
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # Zoom: shrink the bracket until a point satisfies the conditions.
    insufficient = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # Too close to an end of the bracket: after a second time, or on the end itself,
        # step 0.1 of the bracket's length inside it instead.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = (
                    bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low])
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals
