"""Rules that use the curvature of f: Newton's method with the exact Hessian, and L-BFGS.

Both need more than the gradient at the current point (needs="function"): newton asks the
oracle for the Hessian, L-BFGS with a line search asks for f and ∇f at trial points.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.optim.base import Optimizer
from gdsim.optim.line_search import strong_wolfe

#: Newton replaces each eigenvalue λ of the Hessian by max(|λ|, this).
NEWTON_FLOOR = 1e-8
#: torch.optim.LBFGS's defaults, which gdsim does not expose as options.
TOLERANCE_GRAD = 1e-7
TOLERANCE_CHANGE = 1e-9


class NewtonState(NamedTuple):
    """Counts for the summary: updates made, and those where the Hessian had to be modified."""

    updates: int = 0
    modified: int = 0
    first_modified: int | None = None
    lowest: float = np.inf  # the smallest eigenvalue met at a modified step
    not_finite: int = 0


def newton(lr: float) -> Optimizer:
    """Newton's method with the exact Hessian H, made safe where H is not positive definite.

        x ← x − lr·H̃⁻¹·g,   H̃ = Q·diag(max(|λᵢ|, 1e-8))·Qᵀ   where H = Q·diag(λᵢ)·Qᵀ

    Where H is positive definite (every λᵢ ≥ 1e-8) H̃ = H and this is the plain Newton step, which
    lands on the minimum of a positive definite quadratic in one step (lr = 1). Where it is not,
    plain Newton would head for the saddle or the top (it seeks flat ground, not low ground);
    flipping the negative curvatures (Dauphin et al.'s saddle-free Newton) makes the step point
    downhill again. Where H is not a finite number the step is a plain gradient step −lr·g.
    """

    def init(params: np.ndarray) -> NewtonState:
        return NewtonState()

    def update(gradient: np.ndarray, state: NewtonState, oracle) -> tuple[np.ndarray, NewtonState]:
        k = state.updates
        with np.errstate(all="ignore"):
            hessian = np.asarray(oracle.hessian(oracle.point), dtype=float)
        if not np.all(np.isfinite(hessian)):
            return (-lr) * gradient, state._replace(updates=k + 1, not_finite=state.not_finite + 1)
        eigenvalues, vectors = np.linalg.eigh(hessian)
        if eigenvalues[0] >= NEWTON_FLOOR:
            return (-lr) * np.linalg.solve(hessian, gradient), state._replace(updates=k + 1)
        flipped = np.maximum(np.abs(eigenvalues), NEWTON_FLOOR)
        direction = vectors @ ((vectors.T @ gradient) / flipped)
        first = k if state.first_modified is None else state.first_modified
        return (-lr) * direction, NewtonState(k + 1, state.modified + 1, first,
                                              min(state.lowest, float(eigenvalues[0])), state.not_finite)

    def remark(state: NewtonState) -> list[tuple[str, dict]]:
        notes = []
        if state.modified:
            notes.append((
                "newton: the Hessian was not positive definite at {n} of the {m} steps (first at step {k}; smallest "
                "eigenvalue {low}). There each eigenvalue λ was replaced by max(|λ|, 1e-8), so the step points "
                "downhill (saddle-free Newton) instead of towards the saddle or the top",
                {"n": state.modified, "m": state.updates, "k": state.first_modified, "low": f"{state.lowest:.3g}"}))
        if state.not_finite:
            notes.append(("newton: the Hessian was not a finite number at {n} of the steps; a plain gradient step "
                          "-lr·∇f was taken there", {"n": state.not_finite}))
        return notes

    return Optimizer("newton", {"lr": lr}, init, update, needs="function", remark=remark)


class LbfgsState(NamedTuple):
    """torch.optim.LBFGS's state (n_iter, d, t, the (s, y) pairs with ρ = 1/(y·s), H_diag, the last
    gradient), the step length of the last update (lr) and its closure calls (evals), and counts
    for the summary."""

    n_iter: int = 0
    d: np.ndarray | None = None
    t: float | None = None
    steps: tuple = ()  # s = d·t, oldest first
    changes: tuple = ()  # y = g − g_prev
    rho: tuple = ()
    h_diag: float = 1.0
    previous_gradient: np.ndarray | None = None
    lr: float | None = None
    evals: int = 0
    updates: int = 0
    rejected: int = 0
    first_rejected: int | None = None
    stuck_since: int | None = None  # the first of the latest updates whose line search all kept the point
    idle: int = 0
    idle_since: int | None = None  # the first of the latest updates that all found no downhill direction


def lbfgs(lr: float, history: int, line_search: str = "none", max_eval: int | None = None) -> Optimizer:
    """L-BFGS: one update is one torch.optim.LBFGS.step(closure) with max_iter=1.

        if max|g| ≤ 1e-7: no move
        first iteration:  d = −g,  t = min(1, 1/Σ|gᵢ|)·lr
        later:            y = g − g_prev, s = d_prev·t_prev; if y·s > 1e-10 keep (s, y) (the last
                          `history` pairs) and H_diag = y·s / y·y;
                          d = −H·g by the two-loop recursion over the pairs, starting from H_diag;  t = lr
        if g·d > −1e-9: no move (d and t are kept)
        x ← x + t·d      (with strong_wolfe: t from torch's strong-Wolfe search along d)

    The pairs (s, y) record how the gradient changed along each step, a low-rank picture of the
    curvature (Nocedal 1980). With max_iter=1 torch leaves the strong-Wolfe search max_eval − 1 = 0
    further evaluations: it tries x + t·d once and keeps it only if f is lower there; otherwise
    the point stays, and the next update tries the very same point again. gdsim does the same.
    """
    max_eval = 1 * 5 // 4 if max_eval is None else max_eval  # torch: max_iter * 5 // 4

    def init(params: np.ndarray) -> LbfgsState:
        return LbfgsState()

    def update(gradient: np.ndarray, state: LbfgsState, oracle) -> tuple[np.ndarray, LbfgsState]:
        g = np.array(gradient, dtype=float)
        k = state.updates
        still = np.zeros_like(g)
        if not np.max(np.abs(g)) > TOLERANCE_GRAD:  # flat: torch returns before touching its state
            return still, state._replace(lr=0.0, evals=1, updates=k + 1, stuck_since=None, idle_since=None)
        n_iter = state.n_iter + 1
        steps, changes, rho, h_diag = state.steps, state.changes, state.rho, state.h_diag
        if n_iter == 1:
            d = -g
            steps, changes, rho, h_diag = (), (), (), 1.0
        else:
            y = g - state.previous_gradient
            s = state.d * state.t
            ys = float(y @ s)
            if ys > 1e-10:
                if len(changes) == history:
                    steps, changes, rho = steps[1:], changes[1:], rho[1:]
                steps, changes, rho = steps + (s,), changes + (y,), rho + (1.0 / ys,)
                h_diag = ys / float(y @ y)
            q = -g
            alphas = [0.0] * len(changes)
            for i in range(len(changes) - 1, -1, -1):
                alphas[i] = float(steps[i] @ q) * rho[i]
                q = q + (-alphas[i]) * changes[i]
            d = r = q * h_diag
            for i in range(len(changes)):
                beta = float(changes[i] @ r) * rho[i]
                r = r + (alphas[i] - beta) * steps[i]
            d = r
        t = min(1.0, 1.0 / float(np.sum(np.abs(g)))) * lr if n_iter == 1 else lr
        gtd = float(g @ d)
        kept = LbfgsState(n_iter, d, t, steps, changes, rho, h_diag, g, 0.0, 1, k + 1, state.rejected,
                          state.first_rejected, None, state.idle)
        if gtd > -TOLERANCE_CHANGE:  # not downhill enough: torch stops here, keeping d and t
            since = k if state.idle_since is None else state.idle_since
            return still, kept._replace(idle=state.idle + 1, idle_since=since)
        if line_search == "strong_wolfe":
            x = oracle.point
            _, _, t, evals = strong_wolfe(lambda step: oracle.value_and_gradient(x + step * d), t, d, oracle.value, g,
                                          gtd, max_ls=max_eval - 1)
            kept = kept._replace(t=t, evals=1 + evals)
            if t == 0:
                first = k if state.first_rejected is None else state.first_rejected
                since = k if state.stuck_since is None else state.stuck_since
                return t * d, kept._replace(lr=0.0, rejected=state.rejected + 1, first_rejected=first, stuck_since=since)
        return t * d, kept._replace(lr=t)

    def remark(state: LbfgsState) -> list[tuple[str, dict]]:
        notes = []
        if state.rejected:
            if state.stuck_since is not None:
                values = {"n": state.updates - state.stuck_since, "m": state.updates, "k": state.stuck_since}
                notes.append((
                    "lbfgs: from step {k} on the strong-Wolfe line search found no lower point and the hiker has not "
                    "moved since ({n} of the {m} steps). This is torch's LBFGS with max_iter=1, which gdsim follows: its "
                    "search makes a single trial at x + t·d and keeps x unless f is lower there, and the next step tries "
                    "the very same point again, so the run cannot move on; --line-search none does", values))
            else:
                values = {"n": state.rejected, "m": state.updates, "k": state.first_rejected}
                notes.append((
                    "lbfgs: at {n} of the {m} steps (first at step {k}) the strong-Wolfe line search found no lower point "
                    "and the hiker stayed where it was (torch's LBFGS with max_iter=1 makes a single trial at x + t·d "
                    "and keeps x unless f is lower there)", values))
        if state.idle_since is not None:
            notes.append(("lbfgs: from step {k} on the L-BFGS direction was not downhill enough (∇f·d > -1e-9, torch's tolerance_change) and no step was taken ({n} of the {m} steps); the next steps see the same gradient and the same direction, so the run cannot move on (torch's LBFGS stays there too): a larger --tol ends the run there",
                          {"k": state.idle_since, "n": state.updates - state.idle_since, "m": state.updates}))
        elif state.idle:
            notes.append(("lbfgs: at {n} of the steps the L-BFGS direction was not downhill enough (∇f·d > -1e-9, "
                          "torch's tolerance_change) and no step was taken", {"n": state.idle}))
        return notes

    hyper = {"lr": lr, "history": history}
    if line_search != "none":
        hyper["line_search"] = line_search
    return Optimizer("lbfgs", hyper, init, update, needs="function", remark=remark)
