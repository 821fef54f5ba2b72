"""The kind of flat ground: minimum, maximum, saddle or degenerate, from the Hessian's eigenvalues.

Flat ground is not always a valley: gradient descent stops wherever ∇f = 0, on a hilltop or a
saddle too. kind() is the second-derivative test as a pure function; stationary_kind() applies it
where a run converged.
"""

from __future__ import annotations

import numpy as np

from gdsim.errors import GdsimError
from gdsim.expr.function import hessian_is_affordable

# An eigenvalue counts as 0 when |λ| ≤ ZERO · max(1, |λ|max): above the rounding of eigvalsh
# (~1e-16·|λ|max) and the noise of vector mode's finite-difference Hessian (x⁴ at 0 reads ~1e-10),
# far below any curvature a student's function has on purpose.
ZERO = 1e-8
# A curvature is trusted only if it holds where the quadratic model puts the flat point (one
# Newton step away): changing by more than this fraction there means the point is degenerate
# (x³ and x⁴ near 0 change by 50% or more; a quadratic by 0%).
STEADY = 0.25
MAX_VARIABLES = 20  # beyond this the symbolic Hessian costs more than the run itself


def kind(eigenvalues) -> str:
    """The second-derivative test: "minimum" when every eigenvalue is > 0, "maximum" when every one is
    < 0, "saddle" when there are both signs, "degenerate" when some is 0 and the rest agree in sign
    (the test cannot decide: x⁴, -x⁴ and x³ all have f″(0) = 0)."""
    lam = np.asarray(eigenvalues, dtype=float)
    zero = ZERO * max(1.0, float(np.max(np.abs(lam))))
    up, down = bool(np.any(lam > zero)), bool(np.any(lam < -zero))
    if up and down:
        return "saddle"
    if np.any(np.abs(lam) <= zero):
        return "degenerate"
    return "minimum" if up else "maximum"


def steady(eigenvalues, eigenvalues_there) -> bool:
    """Whether each curvature (ascending eigenvalues) keeps its sign and roughly its size at a second point."""
    a, b = np.asarray(eigenvalues, dtype=float), np.asarray(eigenvalues_there, dtype=float)
    return bool(np.all(np.abs(b - a) <= STEADY * np.abs(a)))


def stationary_kind(function, point: np.ndarray, gradient: np.ndarray) -> str | None:
    """The kind of stationary point a run converged at, or None when f has more than MAX_VARIABLES
    variables, its Hessian is too large to build quickly, or it is not finite there.

    A run stops where ‖∇f‖ ≤ tol, a little away from the flat point itself. Near a degenerate point
    (x³ approached from the right) the Hessian there can look like a bowl; so the curvature must also
    hold one Newton step further, at x - H⁻¹∇f, where the quadratic model says the ground is flat.
    """
    if function.dimension > MAX_VARIABLES or not hessian_is_affordable(function):
        return None  # (a product of a hundred factors has a Hessian that takes minutes to build)
    try:
        matrix = function.hessian(point)
    except (GdsimError, ValueError, np.linalg.LinAlgError):  # no Hessian here: no verdict
        return None
    if not np.all(np.isfinite(matrix)):
        return None
    eigenvalues, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    verdict = kind(eigenvalues)
    if verdict == "degenerate" or not np.any(gradient):
        return verdict
    with np.errstate(all="ignore"):
        newton = point - vectors @ ((vectors.T @ gradient) / eigenvalues)
        there = function.hessian(newton)
    if not (np.all(np.isfinite(newton)) and np.all(np.isfinite(there))):
        return "degenerate"
    if not steady(eigenvalues, np.linalg.eigvalsh((there + there.T) / 2)):
        return "degenerate"
    return verdict
