"""`derive`: the first half of the lecture as data — derivatives, the gradient at a point,
the hiker's reading of each slope, curvature from the Hessian, and a finite-difference check.

compute() returns one plain dict (the JSON document of `gdsim derive`); renderers only read it.
"""

from __future__ import annotations

import math

import numpy as np
import symengine as se

from gdsim.errors import ExpressionError, PointError
from gdsim.expr.function import Function, check_defined
from gdsim.i18n import tr
from gdsim.expr.points import format_point
from gdsim.expr.printing import plain
from gdsim.engine.stationary import kind as stationary_kind_of

FLAT = 1e-12  # a slope this small reads as flat ground
# Derivatives larger than this (counted in operations) are unreadable, and printing them takes
# seconds: sigmoid nested 48 deep has second derivatives of 600,000 operations.
MAX_SHOWN_OPS = 5_000


def slope_reading(slope: float) -> str:
    """The hiker's reading of one slope: "rising", "falling" or "flat"."""
    if abs(slope) <= FLAT:
        return "flat"
    return "rising" if slope > 0 else "falling"


def curvature(eigenvalues: np.ndarray) -> str:
    """convex / concave / saddle / degenerate, from the Hessian's eigenvalues at a point (the same test,
    and the same tolerance, as the kind of a stationary point)."""
    verdict = stationary_kind_of(eigenvalues)
    return {"minimum": "convex", "maximum": "concave"}.get(verdict, verdict)


def curvature_at(function, at: np.ndarray) -> dict:
    """The Hessian at a point, its eigenvalues (ascending), what they say, and 2/λ_max."""
    matrix = function.hessian(at)
    if not np.all(np.isfinite(matrix)):
        from gdsim.errors import DomainError

        reason = function.undefined_reason(at, tr) or tr("a second derivative is not a finite number")
        raise DomainError(tr("the Hessian is not defined at {where}: {reason}",
                             where=format_point(function.variables, at), reason=reason))
    eigenvalues = np.linalg.eigvalsh((matrix + matrix.T) / 2)
    top = float(eigenvalues[-1])
    return {
        "hessian_value": matrix.tolist(),
        "hessian_eigenvalues": eigenvalues.tolist(),
        "curvature": curvature(eigenvalues),
        "max_stable_lr": 2.0 / top if top > 1e-12 else None,
    }


def stationary_at(doc: dict, gradient: np.ndarray) -> str | None:
    """On flat ground (‖∇f‖ ≤ FLAT), its kind from the Hessian there; elsewhere None."""
    if not float(np.linalg.norm(gradient)) <= FLAT:
        return None
    return stationary_kind_of(doc["hessian_eigenvalues"])


# Each checked coordinate costs two evaluations of f, and one evaluation costs about as much as the
# number of coordinates: beyond this many in all, a long vector is checked at evenly spaced ones.
MAX_CHECK_WORK = 20_000_000


def checked_components(n: int) -> np.ndarray:
    """Which coordinates --check compares: all of them, or evenly spaced ones (first and last included)."""
    budget = max(10, MAX_CHECK_WORK // (2 * max(n, 1)))
    if n <= budget:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, budget).round().astype(np.intp))


def finite_difference_gradient(function: Function, point: np.ndarray, which=None) -> tuple[np.ndarray, np.ndarray]:
    """Central differences (f(x+h) - f(x-h)) / 2h with h scaled to each coordinate (at `which`
    coordinates; nan elsewhere)."""
    h = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(point))
    out = np.full_like(point, np.nan)
    x = np.array(point, dtype=float)
    for i in range(point.size) if which is None else which:
        original = x[i]
        x[i] = original + h[i]
        up_value, up = function.value(x), x[i]
        x[i] = original - h[i]
        down_value, down = function.value(x), x[i]
        x[i] = original
        out[i] = (up_value - down_value) / (up - down)
    return out, h


def number(x: float):
    """A JSON number, or None for a non-finite value."""
    x = float(x)
    return x if math.isfinite(x) else None


def _check_size(function: Function, exprs, second: bool = False) -> None:
    ops = se.count_ops(*exprs)
    if ops > MAX_SHOWN_OPS:
        sizes = {"ops": f"{ops:,}", "limit": f"{MAX_SHOWN_OPS:,}"}
        if second:
            message = tr("the second derivatives of this function are too large to show ({ops} operations; the limit is {limit})", **sizes)
        else:
            message = tr("the derivatives of this function are too large to show ({ops} operations; the limit is {limit})", **sizes)
        raise ExpressionError(message, function.text, 0, len(function.text))


def compute(
    function: Function,
    *,
    at: np.ndarray | None = None,
    wrt: str | None = None,
    hessian: bool = False,
    check: bool = False,
) -> dict:
    names = list(function.variables)
    if wrt is not None and wrt not in names:
        raise PointError(tr("--wrt: '{wrt}' is not a variable of the function; its variables are {names}",
                            wrt=wrt, names=", ".join(names)))
    shown = [wrt] if wrt else names
    index = [names.index(v) for v in shown]
    grads = function.gradient_exprs
    _check_size(function, grads)
    doc: dict = {
        "function": plain(function.expr),
        "input": function.text,
        "variables": names,
        "gradient": {v: plain(grads[i]) for v, i in zip(shown, index)},
    }
    if wrt:
        doc["wrt"] = wrt
    if hessian:
        _check_size(function, [h for row in function.hessian_exprs for h in row], second=True)
        doc["hessian"] = [[plain(h) for h in row] for row in function.hessian_exprs]
    if at is None:
        if check:
            example = ",".join(f"{v}=1" for v in names[:3])
            raise PointError(tr("--check needs a point: add --at, e.g. --at {example}", example=example))
        return doc

    value, gradient = function.value_and_gradient(at)
    check_defined(function, at, value, gradient, format_point(names, at))
    doc["at"] = {v: float(x) for v, x in zip(names, at)}
    doc["value"] = value
    doc["gradient_value"] = {v: float(gradient[i]) for v, i in zip(shown, index)}
    if not wrt:
        doc["gradient_norm"] = float(np.linalg.norm(gradient))
        doc["descent_direction"] = {v: float(-g) + 0.0 for v, g in zip(names, gradient)}
    doc["slopes"] = {v: slope_reading(gradient[i]) for v, i in zip(shown, index)}
    if hessian:
        doc.update(curvature_at(function, at))
        if not wrt:
            doc["stationary"] = stationary_at(doc, gradient)
    if check:
        fd, h = finite_difference_gradient(function, at)
        diff = np.abs(fd - gradient)
        doc["check"] = {
            "finite_difference": {v: number(fd[i]) for v, i in zip(shown, index)},
            "step": {v: float(h[i]) for v, i in zip(shown, index)},
            "max_difference": number(np.max(diff[index])),
            "max_relative_difference": number(np.max(diff[index] / np.maximum(1.0, np.abs(gradient[index])))),
        }
    return doc


def derivation_doc(function: Function, names: list[str]) -> dict:
    """The rule-by-rule derivation of each partial, in plain text, for JSON."""
    from gdsim.expr.steps import derivation
    from gdsim.expr.printing import Printer

    out = {}
    for v in names:
        lines, result = derivation(function.expr, function.symbols[v])
        rows = []
        for line in lines:
            holes = {s: f"d/d{v}[{plain(sub)}]" for s, sub in line.pending.items()}
            rows.append({"derivative_of": plain(line.target), "rule": line.rule, "equals": Printer("plain", holes)(line.rhs)})
        out[v] = {"lines": rows, "result": plain(result)}
    return out


def compute_vector(function, *, at: np.ndarray | None = None, hessian: bool = False, check: bool = False) -> dict:
    """derive in vector mode: no symbolic partials, but f, ∇f (an array) and ‖∇f‖ at a point."""
    doc: dict = {
        "function": function.text,
        "input": function.text,
        "variables": [function.vector_name],
        "dim": function.vector_dim,
    }
    if at is None:
        if check or hessian:
            raise PointError(tr("--check and --hessian in vector mode need a point: add --at, e.g. --at 1"))
        return doc
    value, gradient = function.value_and_gradient(at)
    check_defined(function, at, value, gradient, format_point(function.variables, at))
    doc["at"] = [float(x) for x in at]
    doc["value"] = value
    doc["gradient_value"] = [float(g) for g in gradient]
    doc["gradient_norm"] = float(np.linalg.norm(gradient))
    doc["descent_direction"] = [float(-g) + 0.0 for g in gradient]
    doc["slopes"] = [slope_reading(g) for g in gradient]
    if hessian:
        doc.update(curvature_at(function, at))
        doc["stationary"] = stationary_at(doc, gradient)
    if check:
        which = checked_components(at.size)
        fd, h = finite_difference_gradient(function, at, which)
        diff = np.abs(fd[which] - gradient[which])
        doc["check"] = {
            "finite_difference": [number(x) for x in fd],  # null where a long vector was not checked
            "checked_components": int(which.size),
            "max_difference": number(np.max(diff)),
            "max_relative_difference": number(np.max(diff / np.maximum(1.0, np.abs(gradient[which])))),
        }
    return doc
