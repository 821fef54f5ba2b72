"""The hiker's walk at the speed of a hand-written loop: for a function of a few named variables, and
in vector mode.

f and ∇f are the ones the exact walk uses (for named variables, one compiled SymEngine function
called through its C entry point into preallocated buffers; in vector mode, the function's tape),
and the update rules are gdsim.optim's with the same operations in the same order (on plain floats,
or in place in preallocated arrays), so a fast walk yields the very records the exact walk
(gdsim.engine.descend.walk_exact) yields; tests/test_fast_walk.py holds them equal. Either builds
a Step only for the points its consumer asks for.

The loop of each (optimizer, dimension) is generated once from the templates below and compiled
with Python's own compiler: its text is made of this module's strings and of coordinate numbers
only, never of anything a user typed (the function itself is machine code by then).
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Callable, Iterator
from functools import lru_cache
from types import SimpleNamespace

import numpy as np

from gdsim.engine.descend import Result, Settings, Step, ending, gradient_norm
from gdsim.expr.function import Function
from gdsim.optim import Optimizer

#: Up to this many variables every coordinate gets its own local variable in the loop.
MAX_DIMENSION = 8

#: Whether a Step records the lr of its update (then, on these rules' constant lr, the optimizer's lr).
STEP_HAS_LR = "lr" in getattr(Step, "__dataclass_fields__", {})

# Each rule: its hyper-parameters (exactly the optimizer's `hyper` keys), the state it keeps per
# coordinate, the lines run once per update before the coordinates, and the lines per coordinate
# that turn g{i} into the update u{i}. The arithmetic is gdsim/optim/*.py's, operation for operation.
RULES: dict[str, tuple[frozenset, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "gd": (frozenset({"lr"}), (), (), (
        "u{i} = neg_lr * g{i}",
    )),
    "momentum": (frozenset({"lr", "momentum"}), ("b{i}",), (), (
        "b{i} = b{i} * momentum + g{i}",
        "u{i} = neg_lr * b{i}",
    )),
    "nesterov": (frozenset({"lr", "momentum"}), ("b{i}",), (), (
        "b{i} = b{i} * momentum + g{i}",
        "u{i} = neg_lr * (g{i} + momentum * b{i})",
    )),
    "adagrad": (frozenset({"lr", "eps"}), ("s{i}",), (), (
        "s{i} = s{i} + g{i} * g{i}",
        "u{i} = (neg_lr * g{i}) / (sqrt(s{i}) + eps)",
    )),
    "rmsprop": (frozenset({"lr", "alpha", "eps"}), ("v{i}",), (), (
        "v{i} = v{i} * alpha + (one_minus_alpha * g{i}) * g{i}",
        "u{i} = (neg_lr * g{i}) / (sqrt(v{i}) + eps)",
    )),
    "adam": (frozenset({"lr", "beta1", "beta2", "eps"}), ("m{i}", "v{i}"), (
        "count += 1",
        "neg_step = -(lr / (1 - beta1 ** count))",
        "bias_correction2_sqrt = (1 - beta2 ** count) ** 0.5",
    ), (
        "m{i} = {lerp}",
        "v{i} = v{i} * beta2 + (one_minus_beta2 * g{i}) * g{i}",
        "u{i} = (neg_step * m{i}) / (sqrt(v{i}) / bias_correction2_sqrt + eps)",
    )),
}

# torch's lerp m + w·(g − m), in the form gdsim.optim.adam picks for the weight w = 1 − β₁ at hand.
LERP = {True: "m{i} + (g{i} - m{i}) * weight", False: "g{i} - (g{i} - m{i}) * one_minus_weight"}


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

    every = isinstance(record, int)
    constants = SimpleNamespace(
        compiled=compiled,  # keeps the machine code alive as long as the walk
        call=call, out_address=ctypes.c_void_p(outputs.buffer_info()[0]),
        in_address=ctypes.c_void_p(inputs.buffer_info()[0]), data=data,
        inputs=memoryview(inputs), outputs=outputs,
        sqrt=math.sqrt, inf=math.inf, array=np.array, Step=Step,
        slow_norm=lambda g: gradient_norm(np.array(g)),
        bound=_finite_bound(settings.bound), tol=settings.tol, ftol=settings.ftol, max_steps=settings.max_steps,
        record=record, finish=finish, interrupted=interrupted,
        **_hyper(optimizer),
    )
    small_weight = optimizer.name == "adam" and constants.small_weight
    return _loop(optimizer.name, d, every, settings.ftol > 0, small_weight)(constants, start.tolist())


def _finite_bound(bound: float) -> float:
    """--bound as the walks test it: |x| <= bound, and x finite (so --bound inf means the largest double)."""
    return min(bound, sys.float_info.max)


def _hyper(optimizer: Optimizer) -> dict[str, float]:
    """The rule's constants, computed as gdsim.optim computes them."""
    h = optimizer.hyper
    constants = {"lr": h["lr"], "neg_lr": -h["lr"]}
    if "momentum" in h:
        constants["momentum"] = h["momentum"]
    if "eps" in h:
        constants["eps"] = h["eps"]
    if "alpha" in h:
        constants.update(alpha=h["alpha"], one_minus_alpha=1 - h["alpha"])
    if "beta1" in h:
        weight = 1 - h["beta1"]
        constants.update(beta1=h["beta1"], beta2=h["beta2"], one_minus_beta2=1 - h["beta2"], weight=weight,
                         one_minus_weight=1 - weight, small_weight=abs(weight) < 0.5)
    return constants


@lru_cache(maxsize=None)
def _loop(rule: str, d: int, every: bool, ftol: bool, small_weight: bool):
    """The generator function of one (rule, dimension) walk, compiled from the templates."""
    names = RULES[rule][0] | {"neg_lr"} | ({"one_minus_alpha"} if rule == "rmsprop" else set()) | (
        {"one_minus_beta2", "weight", "one_minus_weight"} if rule == "adam" else set())
    _, state, per_update, per_coordinate = RULES[rule]
    each = range(d)

    def coords(template: str) -> str:
        return ", ".join(template.format(i=i) for i in each) + ("," if d == 1 else "")

    xs, gs, us = coords("x{i}"), coords("g{i}"), coords("u{i}")
    # The stopping rules of descend.ending() in one test (ending() then says which rule and why):
    # finite and inside --bound, f and ‖∇f‖ finite, ‖∇f‖ above --tol, f still changing, updates left.
    going = " and ".join([
        *(f"low <= x{i} <= bound" for i in each),
        "-INF < value < INF", "tol < norm < INF",
        *(["not (k > 0 and abs(value - previous_value) <= ftol)"] if ftol else []),
        "k < max_steps",
    ])
    lines = [
        "def walk(c, point):",
        "    call, out_address, in_address, data = c.call, c.out_address, c.in_address, c.data",
        "    inputs, outputs, sqrt, INF, array, Step = c.inputs, c.outputs, c.sqrt, c.inf, c.array, c.Step",
        "    bound, tol, ftol, max_steps, record = c.bound, c.tol, c.ftol, c.max_steps, c.record",
        "    low = -bound",
        *[f"    {name} = c.{name}" for name in sorted(names)],
        f"    {xs} = point",
        *[f"    {coords(s)} = {coords('0.0')}" for s in state],
        "    count = 0",
        "    k, previous_value = 0, float('nan')",
        "    next_record, yielded = 0, -1",
        "    try:",
        "        while True:",
        *[f"            inputs[{i}] = x{i}" for i in each],
        "            call(out_address, in_address, data)",
        f"            value, {gs} = outputs",
        # ‖∇f‖ summed in the order numpy's dot sums at these lengths (gradient_norm); past overflow, gradient_norm()
        "            squared = " + " + ".join(f"g{i} * g{i}" for i in each),
        f"            norm = sqrt(squared) if squared < INF else c.slow_norm(({gs}))",
        f"            if not ({going}):",
        "                break",
        *[f"            {line}" for line in per_update],
        *[f"            {line.replace('{lerp}', LERP[small_weight]).format(i=i)}" for i in each for line in per_coordinate],
        *([
            "            if k == next_record:",
            "                next_record += record",
        ] if every else [
            "            if record(k):",
        ]),
        f"                step = Step(k, array(({xs})), value, array(({gs})), norm, array(({us})){', lr' if STEP_HAS_LR else ''})",
        # set just before the yield: a Ctrl-C seen when the walk resumes finds step k already given
        "                yielded = k",
        "                yield step",
        *(["            previous_value = value"] if ftol else []),
        # one statement, so that an interrupt never sees a half-updated point
        "            " + ", ".join(f"x{i}" for i in each) + ", k = " + ", ".join(f"x{i} + u{i}" for i in each) + ", k + 1",
        "    except KeyboardInterrupt:",
        "        if yielded != k:",
        f"            yield from c.interrupted(k, ({xs}))",
        "        raise",
        f"    yield from c.finish(k, ({xs}), value, ({gs}), norm, previous_value)",
    ]
    namespace: dict = {}
    exec(compile("\n".join(lines) + "\n", f"<gdsim fast walk: {rule}, {d} variables>", "exec"), namespace)
    return namespace["walk"]


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
