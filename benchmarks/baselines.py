"""The alternatives gdsim is measured against: the loops a student would write by hand in plain
Python, numpy or torch, each doing the same work as the gdsim run it is compared with.

Every function here is plain and self-contained so that a reader can check that the comparison
is fair; benchmarks/run.py times them and checks that they reach the same numbers as gdsim.
"""

from __future__ import annotations

import math

import numpy as np

# The 2-variable Rosenbrock function of the descend group, as a student types it.
ROSENBROCK = "(1-x)^2+100(y-x^2)^2"

# The N-variable (chained) Rosenbrock function of the vector group.
CHAIN_ROSENBROCK = "sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)"

# The natural alternative to `gdsim derive "x**2+y**2" --at x=1,y=2 --format json`: a SymPy script
# printing the same numbers. The function is written in Python here, never parsed from text.
SYMPY_DERIVE_SCRIPT = """\
import json, math
import sympy
x, y = sympy.symbols("x y")
f = x**2 + y**2
at = {x: 1, y: 2}
gradient = {str(v): float(sympy.diff(f, v).subs(at)) for v in (x, y)}
print(json.dumps({"value": float(f.subs(at)), "gradient_value": gradient,
                  "gradient_norm": math.hypot(*gradient.values())}))
"""


# --- descend, 2 variables -------------------------------------------------------------------


def python_descend(start, lr: float, steps: int, tol: float = 0.0) -> tuple[float, float]:
    """Gradient descent on ROSENBROCK in plain Python floats, with the gradient written by hand.

    Each step does what gdsim's engine does: the value, the gradient, its norm and the stopping
    test, then the update x <- x - lr*grad.
    """
    x, y = float(start[0]), float(start[1])
    for k in range(steps + 1):
        a = 1.0 - x
        b = y - x * x
        value = a * a + 100.0 * b * b
        gx = -2.0 * a - 400.0 * x * b
        gy = 200.0 * b
        norm = math.sqrt(gx * gx + gy * gy)
        if not (math.isfinite(value) and math.isfinite(norm)) or norm <= tol or k == steps:
            break
        x -= lr * gx
        y -= lr * gy
    return x, y


def python_sweep(start, lrs, steps: int, tol: float, bound: float = 1e8) -> list[tuple[str, int, float, float]]:
    """gdsim sweep's work in plain Python: for each lr, gradient descent on ROSENBROCK from `start` with
    the hand-written gradient, stopping as descend does (a coordinate beyond `bound` or a non-finite
    value: diverged; ‖∇f‖ <= tol: converged; `steps` updates: max_steps). (status, steps, x, y) per lr."""
    out = []
    for lr in lrs:
        x, y = float(start[0]), float(start[1])
        k = 0
        while True:
            a = 1.0 - x
            b = y - x * x
            value = a * a + 100.0 * b * b
            gx = -2.0 * a - 400.0 * x * b
            gy = 200.0 * b
            norm = math.sqrt(gx * gx + gy * gy) if math.isfinite(gx) and math.isfinite(gy) else math.inf
            if not (abs(x) <= bound and abs(y) <= bound) or not (math.isfinite(value) and math.isfinite(norm)):
                status = "diverged"
            elif norm <= tol:
                status = "converged"
            elif k >= steps:
                status = "max_steps"
            else:
                x, y, k = x - lr * gx, y - lr * gy, k + 1
                continue
            out.append((status, k, x, y))
            break
    return out


def torch_descend(torch, start, lr: float, steps: int) -> np.ndarray:
    """The same descent with torch autograd and torch.optim.SGD, in float64 (a plain torch loop)."""
    x = torch.tensor(list(start), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        value = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        value.backward()
        optimizer.step()
    return x.detach().numpy().copy()


# --- descend, N variables -------------------------------------------------------------------


def chain_rosenbrock(x: np.ndarray) -> tuple[float, np.ndarray]:
    """The value and the analytic gradient of CHAIN_ROSENBROCK, vectorised in numpy."""
    head, tail = x[:-1], x[1:]
    b = tail - head * head
    a = 1.0 - head
    value = float(np.sum(100.0 * b * b + a * a))
    gradient = np.zeros_like(x)
    gradient[:-1] = -400.0 * head * b - 2.0 * a
    gradient[1:] += 200.0 * b
    return value, gradient


def numpy_adam_descend(start, steps: int, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999,
                       eps: float = 1e-8, tol: float = 0.0) -> np.ndarray:
    """Adam on CHAIN_ROSENBROCK in numpy, torch.optim.Adam's arithmetic written out by hand.

    Like gdsim's engine, each step takes the value, the gradient, its norm and the stopping test.
    """
    x = np.array(start, dtype=float)
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    for t in range(1, steps + 2):
        value, g = chain_rosenbrock(x)
        norm = math.sqrt(float(g @ g))
        if not (math.isfinite(value) and math.isfinite(norm)) or norm <= tol or t == steps + 1:
            break
        m += (1 - beta1) * (g - m)
        v = v * beta2 + ((1 - beta2) * g) * g
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + eps
        x = x - step_size * m / denom
    return x


def torch_adam_descend(torch, start, steps: int, lr: float = 0.01) -> np.ndarray:
    """Adam on CHAIN_ROSENBROCK with torch autograd and torch.optim.Adam, in float64."""
    x = torch.tensor(np.asarray(start, dtype=float), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([x], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        value = torch.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        value.backward()
        optimizer.step()
    return x.detach().numpy().copy()


# --- minibatch SGD of a linear model ----------------------------------------------------------


def numpy_linear_epoch(X: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int, lr: float
                       ) -> tuple[np.ndarray, float, float]:
    """One epoch of minibatch gradient descent on the mean squared error of ŷ = X·w + b, from 0.

    The rows are put in `order` once (one copy), then cut into consecutive minibatches, the last
    smaller one kept; one update per minibatch. Taking each batch with X[order[i:i+b]] instead
    (d2l's data_iter) copies as much and is slower, so this is the stronger baseline.
    Returns w, b and the full-data loss after the epoch.
    """
    n, d = X.shape
    X, y = X[order], y[order]
    w, b = np.zeros(d), 0.0
    for start in range(0, n, batch_size):
        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        residual = Xb @ w + b - yb
        scale = 2.0 / len(yb)
        w = w - lr * (scale * (residual @ Xb))
        b = b - lr * (scale * float(residual.sum()))
    residual = X @ w + b - y
    return w, b, float(residual @ residual) / n


def torch_linear_epoch(torch, X: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int,
                       lr: float) -> tuple[np.ndarray, float, float]:
    """The same epoch in torch: the same batches, autograd on the batch loss, torch.optim.SGD, float64."""
    n, d = X.shape
    Xt, yt = torch.from_numpy(X[order]), torch.from_numpy(y[order])
    w = torch.zeros(d, dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    for start in range(0, n, batch_size):
        loss = torch.mean((Xt[start:start + batch_size] @ w + b - yt[start:start + batch_size]) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        full = float(torch.mean((Xt @ w + b - yt) ** 2))
    return w.detach().numpy().copy(), float(b.detach()), full
