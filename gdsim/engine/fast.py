"""The hiker's walk at the speed of a hand-written loop: for a function of a few named variables, and
in vector mode.

f and ∇f are the ones the exact walk uses (for named variables, one compiled SymEngine function
called through its C entry point into preallocated buffers; in vector mode, the function's tape),
and the update rules are gdsim.optim's with the same operations in the same order (on plain floats,
or in place in preallocated arrays), so a fast walk yields the very records the exact walk
(gdsim.engine.descend.walk_exact) yields; tests/test_fast_walk.py holds them equal. Either builds
a Step only for the points its consumer asks for.

For named variables the point, the gradient and each rule's state are plain floats: one local
variable per coordinate for functions of one and of two variables (the lecture's cases, and the
fastest), a list of them for three to MAX_DIMENSION variables.
"""

from __future__ import annotations

import math
import struct
import sys
from array import array
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import numpy as np

from gdsim.engine.descend import Result, Settings, Step, ending, gradient_norm
from gdsim.expr.function import Function
from gdsim.optim import Optimizer

#: The most variables a function of named variables may have for the fast walk.
MAX_DIMENSION = 8

#: Whether a Step records the lr of its update (then, on these rules' constant lr, the optimizer's lr).
STEP_HAS_LR = "lr" in getattr(Step, "__dataclass_fields__", {})


def eligible(function, start, optimizer: Optimizer) -> bool:
    """Whether the fast walk computes this run: a scalar function of at most MAX_DIMENSION
    variables, compiled to a C entry point, and one of the six classic rules with its own
    hyper-parameters and nothing else."""
    rule = RULES.get(optimizer.name)
    return (
        rule is not None
        and set(optimizer.hyper) == rule[0]
        and getattr(optimizer, "plain", True)  # a constant lr, and an update that needs only the gradient
        and isinstance(function, Function)
        and not function.is_vector
        and 1 <= function.dimension <= MAX_DIMENSION
        and np.shape(start) == (function.dimension,)
        and hasattr(function._value_and_gradient, "as_ctypes")
    )


def walk(function: Function, start, optimizer: Optimizer, settings: Settings,
         record: int | Callable[[int], bool] = 1) -> Iterator[Step | Result] | None:
    """The fast walk's records (a Step for every recorded point, then one Result), or None when
    the run is not eligible() and the exact walk must compute it."""
    if vector_eligible(function, start, optimizer):
        return vector_walk(function, np.array(start, dtype=float), optimizer, settings, record)
    if not eligible(function, start, optimizer):
        return None
    import ctypes

    d = function.dimension
    compiled = function._value_and_gradient
    entry, data = compiled.as_ctypes()
    # The same entry point called without ctypes' argument conversion, and without letting go of
    # the interpreter lock around a call that takes a few dozen nanoseconds.
    call = ctypes.PYFUNCTYPE(None)(ctypes.cast(entry, ctypes.c_void_p).value)
    call.argtypes = None  # the arguments are ready-made c_void_p
    inputs, outputs = array("d", bytes(8 * d)), array("d", bytes(8 * (d + 1)))
    start = np.array(start, dtype=float)

    def finish(k, point, value, gradient, norm, previous_value):
        point, gradient = np.array(point), np.array(gradient)
        result = ending(function, start, optimizer, settings, k, point, value, gradient, norm, previous_value)
        yield Step(k, point, value, gradient, norm, None)
        yield result

    def interrupted(k, point):
        point = np.array(point)
        value, gradient = function.value_and_gradient(point)
        yield Step(k, point, value, gradient, gradient_norm(gradient), None)

    w = SimpleNamespace(
        compiled=compiled,  # keeps the machine code alive as long as the walk
        call=call, out_address=ctypes.c_void_p(outputs.buffer_info()[0]),
        in_address=ctypes.c_void_p(inputs.buffer_info()[0]), data=data,
        inputs=memoryview(inputs), outputs=outputs, unpack=struct.Struct(f"{d + 1}d").unpack,
        bound=_finite_bound(settings.bound), tol=settings.tol, ftol=settings.ftol, max_steps=settings.max_steps,
        record=record, every=isinstance(record, int), lr=(optimizer.hyper["lr"],) if STEP_HAS_LR else (),
        finish=finish, interrupted=interrupted,
    )
    update = RULES[optimizer.name][1](optimizer.hyper, d)
    loop = _walk_1 if d == 1 else _walk_2 if d == 2 else _walk_n
    return loop(w, start.tolist(), update)


def _finite_bound(bound: float) -> float:
    """--bound as the walks test it: |x| <= bound, and x finite (so --bound inf means the largest double)."""
    return min(bound, sys.float_info.max)


def _slow_norm(gradient) -> float:
    """‖∇f‖ where g·g overflows (gradient_norm's way)."""
    return gradient_norm(np.array(gradient))


# --- the walk, for one, two and up to MAX_DIMENSION variables ------------------------------------
#
# The three loops are one loop written three times, with the coordinates as x0 (one variable),
# x0, x1 (two) or a list x (more). Each step: f and ∇f at x (read out of the output buffer by a
# struct, which is quicker than the array's own items); ‖∇f‖, summed in the order numpy's dot
# sums at these lengths (gradient_norm's, which takes over past overflow); the stopping rules of
# descend.ending() in one test (ending() then says which rule and why: finite and inside --bound,
# f and ‖∇f‖ finite, ‖∇f‖ above --tol, f still changing, updates left); the rule's update u; a Step
# if one is asked for; x ← x + u. `yielded` is set just before a yield, so that a Ctrl-C seen when
# the walk resumes finds step k already given; x and k move in one statement, so that an interrupt
# never sees a half-updated point. `w` holds what walk() prepared; `update` is the rule's (below).


def _walk_1(w, point, update):
    """The walk of a function of one variable; update(g0) -> u0."""
    call, out_address, in_address, data = w.call, w.out_address, w.in_address, w.data
    inputs, outputs, unpack, record, every, lr = w.inputs, w.outputs, w.unpack, w.record, w.every, w.lr
    bound, tol, ftol, max_steps = w.bound, w.tol, w.ftol, w.max_steps
    low, INF, sqrt, vector = -bound, math.inf, math.sqrt, np.array
    stops_on_ftol = ftol > 0  # once: a float compared with the int 0 is slow enough to show in a step
    (x0,) = point
    k, previous_value, next_record, yielded = 0, math.nan, 0, -1
    try:
        while True:
            inputs[0] = x0
            call(out_address, in_address, data)
            value, g0 = unpack(outputs)
            squared = g0 * g0
            norm = sqrt(squared) if squared < INF else _slow_norm((g0,))
            if not (low <= x0 <= bound and -INF < value < INF and tol < norm < INF
                    and not (stops_on_ftol and k > 0 and abs(value - previous_value) <= ftol) and k < max_steps):
                break
            u0 = update(g0)
            if k == next_record if every else record(k):
                if every:
                    next_record += record
                step = Step(k, vector((x0,)), value, vector((g0,)), norm, vector((u0,)), *lr)
                yielded = k
                yield step
            previous_value = value
            x0, k = x0 + u0, k + 1
    except KeyboardInterrupt:
        if yielded != k:
            yield from w.interrupted(k, (x0,))
        raise
    yield from w.finish(k, (x0,), value, (g0,), norm, previous_value)


def _walk_2(w, point, update):
    """The walk of a function of two variables; update(g0, g1) -> (u0, u1)."""
    call, out_address, in_address, data = w.call, w.out_address, w.in_address, w.data
    inputs, outputs, unpack, record, every, lr = w.inputs, w.outputs, w.unpack, w.record, w.every, w.lr
    bound, tol, ftol, max_steps = w.bound, w.tol, w.ftol, w.max_steps
    low, INF, sqrt, vector = -bound, math.inf, math.sqrt, np.array
    stops_on_ftol = ftol > 0  # once: a float compared with the int 0 is slow enough to show in a step
    x0, x1 = point
    k, previous_value, next_record, yielded = 0, math.nan, 0, -1
    try:
        while True:
            inputs[0] = x0
            inputs[1] = x1
            call(out_address, in_address, data)
            value, g0, g1 = unpack(outputs)
            squared = g0 * g0 + g1 * g1
            norm = sqrt(squared) if squared < INF else _slow_norm((g0, g1))
            if not (low <= x0 <= bound and low <= x1 <= bound and -INF < value < INF and tol < norm < INF
                    and not (stops_on_ftol and k > 0 and abs(value - previous_value) <= ftol) and k < max_steps):
                break
            u0, u1 = update(g0, g1)
            if k == next_record if every else record(k):
                if every:
                    next_record += record
                step = Step(k, vector((x0, x1)), value, vector((g0, g1)), norm, vector((u0, u1)), *lr)
                yielded = k
                yield step
            previous_value = value
            x0, x1, k = x0 + u0, x1 + u1, k + 1
    except KeyboardInterrupt:
        if yielded != k:
            yield from w.interrupted(k, (x0, x1))
        raise
    yield from w.finish(k, (x0, x1), value, (g0, g1), norm, previous_value)


def _walk_n(w, point, update):
    """The walk of a function of up to MAX_DIMENSION variables; update(g) -> u, lists of floats."""
    call, out_address, in_address, data = w.call, w.out_address, w.in_address, w.data
    inputs, outputs, unpack, record, every, lr = w.inputs, w.outputs, w.unpack, w.record, w.every, w.lr
    bound, tol, ftol, max_steps = w.bound, w.tol, w.ftol, w.max_steps
    low, INF, sqrt, vector = -bound, math.inf, math.sqrt, np.array
    stops_on_ftol = ftol > 0  # once: a float compared with the int 0 is slow enough to show in a step
    x = point
    coordinates = range(len(x))
    k, previous_value, next_record, yielded = 0, math.nan, 0, -1
    try:
        while True:
            for i in coordinates:
                inputs[i] = x[i]
            call(out_address, in_address, data)
            value, *g = unpack(outputs)
            squared = 0.0  # 0 + g0·g0 is g0·g0 to the bit; then left to right, as numpy's dot at these lengths
            for gi in g:
                squared += gi * gi
            norm = sqrt(squared) if squared < INF else _slow_norm(g)
            if not (all(low <= xi <= bound for xi in x) and -INF < value < INF and tol < norm < INF
                    and not (stops_on_ftol and k > 0 and abs(value - previous_value) <= ftol) and k < max_steps):
                break
            u = update(g)
            if k == next_record if every else record(k):
                if every:
                    next_record += record
                step = Step(k, vector(x), value, vector(g), norm, vector(u), *lr)
                yielded = k
                yield step
            previous_value = value
            x, k = [xi + ui for xi, ui in zip(x, u)], k + 1
    except KeyboardInterrupt:
        if yielded != k:
            yield from w.interrupted(k, x)
        raise
    yield from w.finish(k, x, value, g, norm, previous_value)


# --- the six classic rules on plain floats -------------------------------------------------------
#
# rule(hyper, d) -> update: update(g0) -> u0 for one variable, update(g0, g1) -> (u0, u1) for two,
# update(g) -> u on lists for more; the rule's state lives in the closure. Each line is the
# operation of gdsim/optim/*.py it stands for, in the same order.


def _gd(h: dict, d: int) -> Callable:
    """x ← x − lr·g: the update is (−lr)·g."""
    neg_lr = -h["lr"]
    if d == 1:
        def update(g0):
            return neg_lr * g0
    elif d == 2:
        def update(g0, g1):
            return neg_lr * g0, neg_lr * g1
    else:
        def update(g):
            return [neg_lr * gi for gi in g]
    return update


def _momentum(h: dict, d: int) -> Callable:
    """b ← b·μ + g; the update is (−lr)·b."""
    neg_lr, momentum = -h["lr"], h["momentum"]
    b0 = b1 = 0.0
    b = [0.0] * d
    if d == 1:
        def update(g0):
            nonlocal b0
            b0 = b0 * momentum + g0
            return neg_lr * b0
    elif d == 2:
        def update(g0, g1):
            nonlocal b0, b1
            b0, b1 = b0 * momentum + g0, b1 * momentum + g1
            return neg_lr * b0, neg_lr * b1
    else:
        def update(g):
            nonlocal b
            b = [bi * momentum + gi for bi, gi in zip(b, g)]
            return [neg_lr * bi for bi in b]
    return update


def _nesterov(h: dict, d: int) -> Callable:
    """b ← b·μ + g; the update is (−lr)·(g + μ·b)."""
    neg_lr, momentum = -h["lr"], h["momentum"]
    b0 = b1 = 0.0
    b = [0.0] * d
    if d == 1:
        def update(g0):
            nonlocal b0
            b0 = b0 * momentum + g0
            return neg_lr * (g0 + momentum * b0)
    elif d == 2:
        def update(g0, g1):
            nonlocal b0, b1
            b0, b1 = b0 * momentum + g0, b1 * momentum + g1
            return neg_lr * (g0 + momentum * b0), neg_lr * (g1 + momentum * b1)
    else:
        def update(g):
            nonlocal b
            b = [bi * momentum + gi for bi, gi in zip(b, g)]
            return [neg_lr * (gi + momentum * bi) for gi, bi in zip(g, b)]
    return update


def _adagrad(h: dict, d: int) -> Callable:
    """s ← s + g·g; the update is ((−lr)·g) / (√s + eps)."""
    neg_lr, eps = -h["lr"], h["eps"]
    sqrt = math.sqrt
    s0 = s1 = 0.0
    s = [0.0] * d
    if d == 1:
        def update(g0):
            nonlocal s0
            s0 = s0 + g0 * g0
            return (neg_lr * g0) / (sqrt(s0) + eps)
    elif d == 2:
        def update(g0, g1):
            nonlocal s0, s1
            s0, s1 = s0 + g0 * g0, s1 + g1 * g1
            return (neg_lr * g0) / (sqrt(s0) + eps), (neg_lr * g1) / (sqrt(s1) + eps)
    else:
        def update(g):
            nonlocal s
            s = [si + gi * gi for si, gi in zip(s, g)]
            return [(neg_lr * gi) / (sqrt(si) + eps) for gi, si in zip(g, s)]
    return update


def _rmsprop(h: dict, d: int) -> Callable:
    """v ← v·α + ((1−α)·g)·g; the update is ((−lr)·g) / (√v + eps)."""
    neg_lr, alpha, eps = -h["lr"], h["alpha"], h["eps"]
    one_minus_alpha = 1 - alpha
    sqrt = math.sqrt
    v0 = v1 = 0.0
    v = [0.0] * d
    if d == 1:
        def update(g0):
            nonlocal v0
            v0 = v0 * alpha + (one_minus_alpha * g0) * g0
            return (neg_lr * g0) / (sqrt(v0) + eps)
    elif d == 2:
        def update(g0, g1):
            nonlocal v0, v1
            v0, v1 = v0 * alpha + (one_minus_alpha * g0) * g0, v1 * alpha + (one_minus_alpha * g1) * g1
            return (neg_lr * g0) / (sqrt(v0) + eps), (neg_lr * g1) / (sqrt(v1) + eps)
    else:
        def update(g):
            nonlocal v
            v = [vi * alpha + (one_minus_alpha * gi) * gi for vi, gi in zip(v, g)]
            return [(neg_lr * gi) / (sqrt(vi) + eps) for gi, vi in zip(g, v)]
    return update


def _adam(h: dict, d: int) -> Callable:
    """t ← t + 1; m ← lerp(m, g, 1−β₁); v ← v·β₂ + ((1−β₂)·g)·g; the update is
    (−(lr / (1−β₁ᵗ))·m) / (√v / √(1−β₂ᵗ) + eps)."""
    lr, beta1, beta2, eps = h["lr"], h["beta1"], h["beta2"], h["eps"]
    one_minus_beta2 = 1 - beta2
    weight = 1 - beta1
    one_minus_weight = 1 - weight
    small_weight = abs(weight) < 0.5
    sqrt = math.sqrt

    def lerp(m, g):
        """torch's m + w·(g − m), in the form gdsim.optim.adam picks for the weight w = 1 − β₁ at hand."""
        return m + (g - m) * weight if small_weight else g - (g - m) * one_minus_weight

    count = 0
    m0 = m1 = v0 = v1 = 0.0
    m, v = [0.0] * d, [0.0] * d

    if d == 1:
        def update(g0):
            nonlocal count, m0, v0
            count += 1
            neg_step = -(lr / (1 - beta1**count))
            bias_correction2_sqrt = (1 - beta2**count) ** 0.5
            m0 = lerp(m0, g0)
            v0 = v0 * beta2 + (one_minus_beta2 * g0) * g0
            return (neg_step * m0) / (sqrt(v0) / bias_correction2_sqrt + eps)
    elif d == 2:
        def update(g0, g1):
            nonlocal count, m0, m1, v0, v1
            count += 1
            neg_step = -(lr / (1 - beta1**count))
            bias_correction2_sqrt = (1 - beta2**count) ** 0.5
            m0, m1 = lerp(m0, g0), lerp(m1, g1)
            v0, v1 = v0 * beta2 + (one_minus_beta2 * g0) * g0, v1 * beta2 + (one_minus_beta2 * g1) * g1
            return ((neg_step * m0) / (sqrt(v0) / bias_correction2_sqrt + eps),
                    (neg_step * m1) / (sqrt(v1) / bias_correction2_sqrt + eps))
    else:
        def update(g):
            nonlocal count, m, v
            count += 1
            neg_step = -(lr / (1 - beta1**count))
            bias_correction2_sqrt = (1 - beta2**count) ** 0.5
            m = [lerp(mi, gi) for mi, gi in zip(m, g)]
            v = [vi * beta2 + (one_minus_beta2 * gi) * gi for vi, gi in zip(v, g)]
            return [(neg_step * mi) / (sqrt(vi) / bias_correction2_sqrt + eps) for mi, vi in zip(m, v)]
    return update


#: The six classic rules: each one's hyper-parameters (exactly the optimizer's `hyper` keys), and
#: its update on plain floats.
RULES: dict[str, tuple[frozenset, Callable[[dict, int], Callable]]] = {
    "gd": (frozenset({"lr"}), _gd),
    "momentum": (frozenset({"lr", "momentum"}), _momentum),
    "nesterov": (frozenset({"lr", "momentum"}), _nesterov),
    "adagrad": (frozenset({"lr", "eps"}), _adagrad),
    "rmsprop": (frozenset({"lr", "alpha", "eps"}), _rmsprop),
    "adam": (frozenset({"lr", "beta1", "beta2", "eps"}), _adam),
}


# --- vector mode ------------------------------------------------------------------------------


def vector_eligible(function, start, optimizer: Optimizer) -> bool:
    """A function of one vector variable (--dim N) and one of the six classic rules."""
    rule = RULES.get(optimizer.name)
    return (rule is not None and set(optimizer.hyper) == rule[0] and getattr(optimizer, "plain", True)
            and getattr(function, "is_vector", False)
            and np.shape(start) == (function.dimension,))


def vector_walk(function, start: np.ndarray, optimizer: Optimizer, settings: Settings,
                record: int | Callable[[int], bool]) -> Iterator[Step | Result]:
    """The walk in vector mode with the update rules working in place in preallocated arrays (the
    same operations as gdsim.optim's, so the same numbers), one floating-point guard per step, and a
    Step built only for the points asked for."""
    keep = (lambda k: k % record == 0) if isinstance(record, int) else record
    lr = (float(optimizer.hyper["lr"]),) if STEP_HAS_LR else ()
    update = _in_place(optimizer, function.dimension)
    bound, tol, ftol, max_steps = _finite_bound(settings.bound), settings.tol, settings.ftol, settings.max_steps
    value_and_gradient, errstate, sqrt, isfinite = function.value_and_gradient, np.errstate, math.sqrt, math.isfinite
    x = start.copy()
    k, previous_value, yielded = 0, math.nan, -1
    try:
        while True:
            value, gradient = value_and_gradient(x)
            step = None
            with errstate(all="ignore"):  # one guard for the whole step
                squared = float(np.dot(gradient, gradient))
                norm = sqrt(squared) if isfinite(squared) else gradient_norm(gradient)
                # the stopping rules of descend.ending(), which then says which and why
                if (not (np.abs(x) <= bound).all() or not isfinite(value) or not isfinite(norm) or norm <= tol
                        or (ftol > 0 and k > 0 and abs(value - previous_value) <= ftol) or k >= max_steps):
                    break
                u = update(gradient)
                if keep(k):
                    step = Step(k, x.copy(), value, gradient, norm, u.copy(), *lr)
                x += u
                previous_value, k = value, k + 1
            if step is not None:
                yielded = step.step
                yield step
    except KeyboardInterrupt:
        if yielded != k:
            value, gradient = value_and_gradient(x)
            yield Step(k, x.copy(), value, gradient, gradient_norm(gradient), None)
        raise
    point = x.copy()
    result = ending(function, start, optimizer, settings, k, point, value, gradient, norm, previous_value)
    yield Step(k, point, value, gradient, norm, None)
    yield result


def _in_place(optimizer: Optimizer, n: int) -> Callable[[np.ndarray], np.ndarray]:
    """update(g) -> the update, computed into one buffer; the rule's state lives in buffers too.
    Each line is the operation of gdsim/optim/*.py it stands for, in the same order."""
    h = optimizer.hyper
    neg_lr = -h["lr"]
    u, t, t2 = np.empty(n), np.empty(n), np.empty(n)
    multiply, add, subtract, np_sqrt = np.multiply, np.add, np.subtract, np.sqrt
    name = optimizer.name
    if name == "gd":
        def update(g):
            return multiply(neg_lr, g, out=u)  # neg_lr * gradient
    elif name in ("momentum", "nesterov"):
        momentum, b = h["momentum"], np.zeros(n)
        nesterov = name == "nesterov"

        def update(g):
            b.__imul__(momentum)  # buffer * momentum + gradient
            b.__iadd__(g)
            if nesterov:  # neg_lr * (gradient + momentum * buffer)
                add(g, multiply(momentum, b, out=t), out=t)
                return multiply(neg_lr, t, out=u)
            return multiply(neg_lr, b, out=u)  # neg_lr * buffer
    elif name == "adagrad":
        eps, s = h["eps"], np.zeros(n)

        def update(g):
            s.__iadd__(multiply(g, g, out=t))  # sum_of_squares + gradient * gradient
            np_sqrt(s, out=t).__iadd__(eps)  # sqrt(sum_of_squares) + eps
            return multiply(neg_lr, g, out=u).__itruediv__(t)  # (neg_lr * gradient) / std
    elif name == "rmsprop":
        alpha, eps, v = h["alpha"], h["eps"], np.zeros(n)
        one_minus_alpha = 1 - alpha

        def update(g):
            v.__imul__(alpha)  # square_avg * alpha + (one_minus_alpha * gradient) * gradient
            v.__iadd__(multiply(one_minus_alpha, g, out=t).__imul__(g))
            np_sqrt(v, out=t).__iadd__(eps)  # sqrt(square_avg) + eps
            return multiply(neg_lr, g, out=u).__itruediv__(t)  # (neg_lr * gradient) / avg
    else:  # adam
        lr, beta1, beta2, eps = h["lr"], h["beta1"], h["beta2"], h["eps"]
        weight = 1 - beta1
        one_minus_weight, one_minus_beta2 = 1 - weight, 1 - beta2
        small_weight = abs(weight) < 0.5
        m, v = np.zeros(n), np.zeros(n)
        count = 0

        def update(g):
            nonlocal count
            count += 1
            subtract(g, m, out=t)  # difference = gradient - mu
            if small_weight:
                m.__iadd__(t.__imul__(weight))  # mu + difference * weight
            else:
                subtract(g, t.__imul__(one_minus_weight), out=m)  # gradient - difference * (1 - weight)
            v.__imul__(beta2)  # nu * beta2 + (one_minus_beta2 * gradient) * gradient
            v.__iadd__(multiply(one_minus_beta2, g, out=t2).__imul__(g))
            step_size = lr / (1 - beta1**count)
            bias_correction2_sqrt = (1 - beta2**count) ** 0.5
            np_sqrt(v, out=t2).__itruediv__(bias_correction2_sqrt).__iadd__(eps)  # sqrt(nu) / bc2 + eps
            return multiply(-step_size, m, out=u).__itruediv__(t2)  # (-step_size * mu) / denom
    return update
