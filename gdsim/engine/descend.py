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
from gdsim.expr.function import Function, hessian_is_affordable
from gdsim.i18n import tr
from gdsim.optim import Optimizer, Oracle, step_lr
from gdsim.expr.points import format_point
from gdsim.engine.stationary import stationary_kind

DEFAULT_TOL = 1e-6
DEFAULT_MAX_STEPS = 1000
DEFAULT_BOUND = 1e8
MAX_STEPS_LIMIT = 100_000_000
MAX_HINT_DIMENSION = 20
#: newton computes the full n×n Hessian at every step; beyond this many variables it is refused.
NEWTON_MAX_DIMENSION = 200


@dataclass(frozen=True)
class Step:
    """The hiker at point k: where, how high, the slope there, and the update taken from here."""

    step: int
    point: np.ndarray
    value: float
    gradient: np.ndarray
    gradient_norm: float
    update: np.ndarray | None  # x_{k+1} - x_k; None at the last point
    lr: float | None = None  # the step length of that update: the lr, the schedule's, or a line search's


@dataclass(frozen=True)
class Reason:
    """Why a run ended: an English template and its values (text output may translate the template)."""

    template: str
    values: dict

    def __str__(self) -> str:
        return self.render(lambda template, **values: template.format(**values))

    def render(self, translate) -> str:
        """The text through `translate(template, **values)` (e.g. gdsim.i18n.tr), nested reasons first."""
        values = {k: v.render(translate) if isinstance(v, Reason) else v for k, v in self.values.items()}
        return translate(self.template, **values)


@dataclass(frozen=True)
class Result:
    """How the run ended: status converged / max_steps / diverged, and why."""

    status: str
    reason: str | Reason
    steps: int
    point: np.ndarray
    value: float
    gradient_norm: float
    stationary: str | None = None  # converged only: minimum, maximum, saddle or degenerate (stationary.kind)
    cause: str | None = None  # what ended a divergence: "bound", "undefined" (left f's domain) or "overflow"
    notes: tuple[Reason, ...] = ()  # what the optimizer has to say about the run (e.g. newton's modified steps)

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
        raise OptionError(tr("--tol must be a finite number >= 0, got {value}", value=tol))
    if not (isinstance(ftol, (int, float)) and math.isfinite(ftol) and ftol >= 0):
        raise OptionError(tr("--ftol must be a finite number >= 0, got {value}", value=ftol))
    if not isinstance(max_steps, int) or max_steps < 0:
        raise OptionError(tr("--max-steps must be a whole number >= 0, got {value}", value=max_steps))
    if max_steps > MAX_STEPS_LIMIT:
        raise OptionError(tr("--max-steps must be at most {limit}, got {value}", limit=f"{MAX_STEPS_LIMIT:,}", value=f"{max_steps:,}"))
    if not (isinstance(bound, (int, float)) and bound > 0 and not math.isnan(bound)):
        raise OptionError(tr("--bound must be a positive number, got {value}", value=bound))
    return Settings(float(tol), float(ftol), max_steps, float(bound))


def gradient_norm(gradient: np.ndarray) -> float:
    """‖∇f‖ without overflow: g·g overflows long before the norm itself does."""
    with np.errstate(all="ignore"):
        squared = float(gradient @ gradient)
    if math.isfinite(squared):
        return math.sqrt(squared)
    if not np.all(np.isfinite(gradient)):
        return math.inf
    return math.hypot(*gradient.tolist())


def stability_hint(function: Function, start: np.ndarray, optimizer: Optimizer) -> Reason:
    """What a student can change after a divergence, from the curvature at the start."""
    lr = optimizer.hyper["lr"]
    # A symbolic Hessian of many variables, or of a large gradient, is slow to build and to compile.
    if function.dimension > MAX_HINT_DIMENSION or not hessian_is_affordable(function):
        return Reason("try a smaller --lr than {lr}", {"lr": f"{lr:g}"})
    try:
        eig = np.linalg.eigvalsh(function.hessian(start))
    except (np.linalg.LinAlgError, ValueError, GdsimError):  # no Hessian (e.g. too many dimensions)
        eig = np.array([math.nan])
    top = float(eig[-1]) if eig.size and np.all(np.isfinite(eig)) else math.nan
    if optimizer.name == "gd" and math.isfinite(top) and top > 0:
        limit = 2.0 / top
        if lr >= limit:
            return Reason(
                "the learning rate {lr} is above 2/λ_max = {limit} (λ_max = {top} is the largest curvature at the "
                "start): each step overshoots further; try --lr below {limit}",
                {"lr": f"{lr:g}", "limit": f"{limit:.4g}", "top": f"{top:.4g}"},
            )
        return Reason(
            "the slope grows faster than the steps shrink it; try a smaller --lr than {lr} (2/λ_max at the start is {limit})",
            {"lr": f"{lr:g}", "limit": f"{limit:.4g}"},
        )
    return Reason("try a smaller --lr than {lr}", {"lr": f"{lr:g}"})


def check_optimizer(function: Function, optimizer: Optimizer) -> None:
    """Refuse, before any output, a run the optimizer cannot make on this function."""
    if optimizer.name == "newton" and function.dimension > NEWTON_MAX_DIMENSION:
        raise OptionError(tr("newton needs the full {n}×{n} Hessian at every step, which gdsim computes only up to {limit} variables; use lbfgs, which needs only gradients",
                             n=f"{function.dimension:,}", limit=NEWTON_MAX_DIMENSION))


def _hint(function: Function, start: np.ndarray, optimizer: Optimizer, k: int, at_start: Reason) -> Reason:
    """At step 0 no step was taken, so the learning rate is not to blame: the start is."""
    return at_start if k == 0 else stability_hint(function, start, optimizer)


def run(function: Function, start: np.ndarray, optimizer: Optimizer, settings: Settings = Settings()) -> Iterator[Step | Result]:
    """Walk downhill from `start`; yield a Step per point visited, then one Result."""
    names = function.variables
    point = np.array(start, dtype=float)
    state = optimizer.init(point)
    value_and_gradient = function.value_and_gradient
    # Rules that need more than the gradient get an Oracle: the point, and f, ∇f and H anywhere.
    ask = (value_and_gradient, function.value, function.hessian) if optimizer.needs == "function" else ()
    fixed_lr = None if optimizer.lr_varies else float(optimizer.hyper["lr"])

    def end(*args, **fields) -> Result:
        notes = optimizer.remark(state) if optimizer.remark else ()
        return Result(*args, **fields, notes=tuple(Reason(template, values) for template, values in notes))

    previous_value = math.nan
    k = 0
    while True:
        value, gradient = value_and_gradient(point)
        norm = gradient_norm(gradient)
        if not np.isfinite(point).all():  # an update overflowed (with --bound inf nothing else catches it)
            yield Step(k, point, value, gradient, norm, None)
            hint = _hint(function, start, optimizer, k, Reason("choose another --start", {}))
            reason = Reason("step {k}: a coordinate is no longer a finite number (the update overflowed); {hint}",
                            {"k": k, "hint": hint})
            yield Result("diverged", reason, k, point, value, norm, cause="overflow")
            return
        if not (np.abs(point) <= settings.bound).all():
            yield Step(k, point, value, gradient, norm, None)
            hint = _hint(function, start, optimizer, k, Reason("choose a --start inside it, or a larger --bound", {}))
            reason = Reason("step {k}: a coordinate went beyond --bound {bound} ({where}); {hint}",
                            {"k": k, "bound": f"{settings.bound:g}", "where": format_point(names, point), "hint": hint})
            yield end("diverged", reason, k, point, value, norm, cause="bound")
            return
        if not math.isfinite(value) or not math.isfinite(norm):
            yield Step(k, point, value, gradient, norm, None)
            cause = function.undefined_reason(point, lambda template, **values: Reason(template, values))
            if cause and "overflows" not in str(cause):
                reason = Reason("step {k}: f is not defined at {where}: {cause}", {"k": k, "where": format_point(names, point), "cause": cause})
                kind = "undefined"
            else:
                kind = "overflow"
                hint = _hint(function, start, optimizer, k, Reason("choose another --start", {}))
                if cause:  # name the part that overflows
                    hint = Reason("{cause}; {hint}", {"cause": cause, "hint": hint})
                reason = Reason("step {k}: f or its slope is no longer a finite number at {where}; {hint}",
                                {"k": k, "where": format_point(names, point), "hint": hint})
            yield end("diverged", reason, k, point, value, norm, cause=kind)
            return
        if norm <= settings.tol:
            yield Step(k, point, value, gradient, norm, None)
            yield end("converged", Reason("flat ground: ‖∇f‖ = {norm} ≤ --tol {tol} at step {k}",
                                          {"norm": f"{norm:.3g}", "tol": f"{settings.tol:g}", "k": k}), k, point, value, norm,
                      stationary=stationary_kind(function, point, gradient))
            return
        if settings.ftol > 0 and k > 0 and abs(value - previous_value) <= settings.ftol:
            yield Step(k, point, value, gradient, norm, None)
            change = abs(value - previous_value)
            yield end("converged", Reason("f stopped changing: |f(k) - f(k-1)| = {change} ≤ --ftol {ftol} at step {k}",
                                          {"change": f"{change:.3g}", "ftol": f"{settings.ftol:g}", "k": k}), k, point, value, norm,
                      stationary=stationary_kind(function, point, gradient))
            return
        if k >= settings.max_steps:
            yield Step(k, point, value, gradient, norm, None)
            yield end(
                "max_steps",
                Reason("stopped after --max-steps {n} updates with ‖∇f‖ = {norm} still above --tol {tol}",
                       {"n": settings.max_steps, "norm": f"{norm:.3g}", "tol": f"{settings.tol:g}"}),
                k, point, value, norm,
            )
            return
        with np.errstate(all="ignore"):
            if optimizer.needs == "gradient":
                update, state = optimizer.update(gradient, state)
            else:
                update, state = optimizer.update(gradient, state, Oracle(point, value, *ask))
            new_point = point + update
        yield Step(k, point, value, gradient, norm, update, step_lr(optimizer, state) if fixed_lr is None else fixed_lr)
        previous_value = value
        point = new_point
        k += 1
