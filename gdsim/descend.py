"""The run engine of `gdsim descend`: the hiker's walk as a stream of step records.

run() yields one frozen Step per point visited (step 0 is the start) and ends with one Result,
in the spirit of scipy's OptimizeResult; it never prints. Renderers consume the stream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from gdsim.errors import GdsimError, OptionError
from gdsim.expr import Function
from gdsim.optimizers import Optimizer
from gdsim.points import format_point

DEFAULT_TOL = 1e-6
DEFAULT_MAX_STEPS = 1000
DEFAULT_BOUND = 1e8
MAX_STEPS_LIMIT = 100_000_000


@dataclass(frozen=True)
class Step:
    """The hiker at point k: where, how high, the slope there, and the update taken from here."""

    step: int
    point: np.ndarray
    value: float
    gradient: np.ndarray
    gradient_norm: float
    update: np.ndarray | None  # x_{k+1} - x_k; None at the last point


@dataclass(frozen=True)
class Result:
    """How the run ended: status converged / max_steps / diverged, and why."""

    status: str
    reason: str
    steps: int
    point: np.ndarray
    value: float
    gradient_norm: float

    @property
    def exit_code(self) -> int:
        return {"converged": 0, "max_steps": 3, "diverged": 4}.get(self.status, 1)


@dataclass(frozen=True)
class Settings:
    tol: float = DEFAULT_TOL
    ftol: float = 0.0
    max_steps: int = DEFAULT_MAX_STEPS
    bound: float = DEFAULT_BOUND


def check_settings(tol: float, ftol: float, max_steps: int, bound: float) -> Settings:
    """Stopping options, checked up front with the offending value named."""
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise OptionError(f"--tol must be a finite number >= 0, got {tol}")
    if not (isinstance(ftol, (int, float)) and math.isfinite(ftol) and ftol >= 0):
        raise OptionError(f"--ftol must be a finite number >= 0, got {ftol}")
    if not isinstance(max_steps, int) or max_steps < 0:
        raise OptionError(f"--max-steps must be a whole number >= 0, got {max_steps}")
    if max_steps > MAX_STEPS_LIMIT:
        raise OptionError(f"--max-steps must be at most {MAX_STEPS_LIMIT:,}, got {max_steps:,}")
    if not (isinstance(bound, (int, float)) and bound > 0 and not math.isnan(bound)):
        raise OptionError(f"--bound must be a positive number, got {bound}")
    return Settings(float(tol), float(ftol), max_steps, float(bound))


def stability_hint(function: Function, start: np.ndarray, optimizer: Optimizer) -> str:
    """What a student can change after a divergence, from the curvature at the start."""
    lr = optimizer.hyper["lr"]
    try:
        eig = np.linalg.eigvalsh(function.hessian(start))
    except (np.linalg.LinAlgError, ValueError, GdsimError):  # no Hessian (e.g. too many dimensions)
        eig = np.array([math.nan])
    top = float(eig[-1]) if eig.size and np.all(np.isfinite(eig)) else math.nan
    if optimizer.name == "gd" and math.isfinite(top) and top > 0:
        limit = 2.0 / top
        if lr >= limit:
            return (
                f"the learning rate {lr:g} is above 2/λ_max = {limit:.4g} (λ_max = {top:.4g} is the largest "
                f"curvature at the start): each step overshoots further; try --lr below {limit:.4g}"
            )
        return f"the slope grows faster than the steps shrink it; try a smaller --lr than {lr:g} (2/λ_max at the start is {limit:.4g})"
    return f"try a smaller --lr than {lr:g}"


def run(function: Function, start: np.ndarray, optimizer: Optimizer, settings: Settings = Settings()) -> Iterator[Step | Result]:
    """Walk downhill from `start`; yield a Step per point visited, then one Result."""
    names = function.variables
    point = np.array(start, dtype=float)
    state = optimizer.init(point)
    value_and_gradient = function.value_and_gradient
    previous_value = math.nan
    k = 0
    while True:
        value, gradient = value_and_gradient(point)
        norm = math.sqrt(float(gradient @ gradient)) if np.all(np.isfinite(gradient)) else math.inf
        where = format_point(names, point)
        if not np.all(np.abs(point) <= settings.bound):  # also catches inf and nan coordinates
            yield Step(k, point, value, gradient, norm, None)
            reason = f"step {k}: a coordinate went beyond --bound {settings.bound:g} ({where}); " + stability_hint(
                function, start, optimizer
            )
            yield Result("diverged", reason, k, point, value, norm)
            return
        if not math.isfinite(value) or not math.isfinite(norm):
            yield Step(k, point, value, gradient, norm, None)
            cause = function.undefined_reason(point)
            if cause and "overflows" not in cause:
                reason = f"step {k}: f is not defined at {where}: {cause}"
            else:
                reason = f"step {k}: f or its slope is no longer a finite number at {where}; " + stability_hint(
                    function, start, optimizer
                )
            yield Result("diverged", reason, k, point, value, norm)
            return
        if norm <= settings.tol:
            yield Step(k, point, value, gradient, norm, None)
            yield Result("converged", f"flat ground: ‖∇f‖ = {norm:.3g} ≤ --tol {settings.tol:g} at step {k}", k, point, value, norm)
            return
        if settings.ftol > 0 and k > 0 and abs(value - previous_value) <= settings.ftol:
            yield Step(k, point, value, gradient, norm, None)
            change = abs(value - previous_value)
            yield Result("converged", f"f stopped changing: |f(k) - f(k-1)| = {change:.3g} ≤ --ftol {settings.ftol:g} at step {k}", k, point, value, norm)
            return
        if k >= settings.max_steps:
            yield Step(k, point, value, gradient, norm, None)
            yield Result(
                "max_steps",
                f"stopped after --max-steps {settings.max_steps} updates with ‖∇f‖ = {norm:.3g} still above --tol {settings.tol:g}",
                k, point, value, norm,
            )
            return
        with np.errstate(all="ignore"):
            update, state = optimizer.update(gradient, state)
            new_point = point + update
        yield Step(k, point, value, gradient, norm, update)
        previous_value = value
        point = new_point
        k += 1
