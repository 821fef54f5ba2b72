"""Learning-rate schedules, as torch.optim.lr_scheduler computes them, and the wrapper that applies one.

Each schedule is torch's recursive rule: the lr at last_epoch e is made from the lr at e − 1
(torch's get_lr), not from its closed form, so the rounding is torch's too (for cosine the two
differ visibly: the recursive form is what torch runs). The lr of update k (0-based) is the lr
at last_epoch k: the constructor's own step gives the first one, and the schedule is stepped
once after every update, as `optimizer.step(); scheduler.step()` does.

`parse_schedule("cosine:T_max=50,eta_min=0")` reads the option; `scheduled(build, lr, schedule)`
wraps an update rule so that every update uses the schedule's lr (optax's inject_hyperparams).
"""

from __future__ import annotations

import inspect
import math
from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple

from gdsim.errors import OptionError
from gdsim.i18n import tr
from gdsim.optim.base import Optimizer


class Schedule(NamedTuple):
    """A schedule: its name and arguments (torch's names), its text, and its two rules.

    first(base) gives the lr at last_epoch 0 and the schedule's own memory (None, or the
    warm-restart counters); following(e, lr, base, memory) gives the lr at e ≥ 1 from the one at e − 1.
    """

    name: str
    args: dict[str, Any]
    text: str
    first: Callable[[float], tuple[float, Any]]
    following: Callable[[int, float, float, Any], tuple[float, Any]]

    def lrs(self, base: float, count: int) -> list[float]:
        """The lr of each of the first `count` updates."""
        lr, memory = self.first(base)
        out = []
        for e in range(1, count + 1):
            out.append(lr)
            lr, memory = self.following(e, lr, base, memory)
        return out


# --- the rules ---------------------------------------------------------------------------------


def _unchanged(base: float) -> tuple[float, Any]:
    return base, None


def step(step_size: int, gamma: float = 0.1) -> tuple:
    """StepLR: lr·γ every step_size updates."""
    return _unchanged, lambda e, lr, base, m: (lr * gamma if e % step_size == 0 else lr, m)


def multistep(milestones: tuple[int, ...], gamma: float = 0.1) -> tuple:
    """MultiStepLR: lr·γⁿ at each milestone (n = how often it is listed)."""
    counts = Counter(milestones)
    return _unchanged, lambda e, lr, base, m: (lr * gamma ** counts[e] if e in counts else lr, m)


def exponential(gamma: float) -> tuple:
    """ExponentialLR: lr·γ after every update."""
    return _unchanged, lambda e, lr, base, m: (lr * gamma, m)


def cosine(T_max: int, eta_min: float = 0.0) -> tuple:
    """CosineAnnealingLR, torch's recursive form (past T_max it climbs back up, period 2·T_max).

        e − 1 − T ≡ 0 (mod 2T):  lr + (base − η)·(1 − cos(π/T))/2
        otherwise:               (1 + cos(π·e/T)) / (1 + cos(π·(e−1)/T))·(lr − η) + η
    """

    def following(e, lr, base, m):
        if (e - 1 - T_max) % (2 * T_max) == 0:
            return lr + (base - eta_min) * (1 - math.cos(math.pi / T_max)) / 2, m
        return (1 + math.cos(math.pi * e / T_max)) / (1 + math.cos(math.pi * (e - 1) / T_max)) * (lr - eta_min) + eta_min, m

    return _unchanged, following


def cosine_restarts(T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> tuple:
    """CosineAnnealingWarmRestarts: η + (base − η)·(1 + cos(π·T_cur/T_i))/2, T_cur = 0, 1, …;
    when T_cur reaches T_i it starts again from 0 and T_i grows T_mult times."""

    def value(base, t_cur, t_i):
        return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

    def first(base):
        return value(base, 0, T_0), (0, T_0)

    def following(e, lr, base, memory):
        t_cur, t_i = memory
        t_cur += 1
        if t_cur >= t_i:
            t_cur -= t_i
            t_i *= T_mult
        return value(base, t_cur, t_i), (t_cur, t_i)

    return first, following


def linear(start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5) -> tuple:
    """LinearLR: from base·start_factor to base·end_factor over total_iters updates, then unchanged."""

    def following(e, lr, base, m):
        if e > total_iters:
            return lr, m
        return lr * (1.0 + (end_factor - start_factor) / (total_iters * start_factor + (e - 1) * (end_factor - start_factor))), m

    return (lambda base: (base * start_factor, None)), following


def polynomial(total_iters: int = 5, power: float = 1.0) -> tuple:
    """PolynomialLR: base·(1 − e/T)^power up to e = T (0 from there on), in torch's ratio form."""

    def following(e, lr, base, m):
        if e > total_iters:
            return lr, m
        return lr * ((1.0 - e / total_iters) / (1.0 - (e - 1) / total_iters)) ** power, m

    return _unchanged, following


# --- reading --schedule ------------------------------------------------------------------------


def _whole(text: str) -> int | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return int(x) if math.isfinite(x) and x >= 1 and x == int(x) else None


def _float(text: str, ok: Callable[[float], bool]) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) and ok(x) else None


def _milestones(text: str) -> tuple[int, ...] | None:
    parts = [_whole(p.strip()) for p in text.split(";") if p.strip()]
    return tuple(parts) if parts and None not in parts else None


WHOLE = ("a whole number >= 1", _whole)
POSITIVE = ("a positive finite number", lambda t: _float(t, lambda x: x > 0))
AT_LEAST_0 = ("a finite number >= 0", lambda t: _float(t, lambda x: x >= 0))
START = ("a number in (0, 1]", lambda t: _float(t, lambda x: 0 < x <= 1))
END = ("a number in [0, 1]", lambda t: _float(t, lambda x: 0 <= x <= 1))
MILESTONES = ("whole numbers >= 1 separated by ; (e.g. 30;60;90)", _milestones)

# name: (rule, {key: (what it must be, reader)}, the keys that have no default, an example)
SCHEDULES: dict[str, tuple[Callable[..., tuple], dict[str, tuple], tuple[str, ...], str]] = {
    "step": (step, {"step_size": WHOLE, "gamma": POSITIVE}, ("step_size",), "step:step_size=30,gamma=0.1"),
    "multistep": (multistep, {"milestones": MILESTONES, "gamma": POSITIVE}, ("milestones",),
                  "multistep:milestones=30;60,gamma=0.1"),
    "exponential": (exponential, {"gamma": POSITIVE}, ("gamma",), "exponential:gamma=0.99"),
    "cosine": (cosine, {"T_max": WHOLE, "eta_min": AT_LEAST_0}, ("T_max",), "cosine:T_max=100,eta_min=0"),
    "cosine_restarts": (cosine_restarts, {"T_0": WHOLE, "T_mult": WHOLE, "eta_min": AT_LEAST_0}, ("T_0",),
                        "cosine_restarts:T_0=50,T_mult=2"),
    "linear": (linear, {"start_factor": START, "end_factor": END, "total_iters": WHOLE}, (),
               "linear:start_factor=0.1,end_factor=1,total_iters=20"),
    "polynomial": (polynomial, {"total_iters": WHOLE, "power": AT_LEAST_0}, (), "polynomial:total_iters=100,power=2"),
}
SCHEDULE_NAMES = ("constant", *SCHEDULES)


def _text(value) -> str:
    if isinstance(value, tuple):
        return ";".join(str(v) for v in value)
    return str(value) if isinstance(value, int) else repr(float(value))


def parse_schedule(text: str | None) -> Schedule | None:
    """`NAME[:key=value,...]` as a Schedule, or None for a constant lr; OptionError names what is wrong."""
    if text is None:
        return None
    name, _, rest = str(text).strip().partition(":")
    name = name.strip().lower()
    if name == "constant":
        if rest.strip():
            raise OptionError(tr("--schedule constant takes no keys, got '{rest}'", rest=rest.strip()))
        return None
    if name not in SCHEDULES:
        raise OptionError(tr("--schedule: '{name}' is not a schedule; use one of {choices}",
                             name=name, choices=", ".join(SCHEDULE_NAMES)))
    rule, keys, needed, example = SCHEDULES[name]
    by_lower = {k.lower(): k for k in keys}
    args: dict[str, Any] = {}
    for item in (p.strip() for p in rest.split(",") if rest.strip()):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise OptionError(tr("--schedule {name}: '{item}' is not key=value, e.g. {example}",
                                 name=name, item=item, example=example))
        if key.lower() not in by_lower:
            raise OptionError(tr("--schedule {name}: unknown key '{key}'; its keys are {keys}",
                                 name=name, key=key, keys=", ".join(keys)))
        key = by_lower[key.lower()]
        if key in args:
            raise OptionError(tr("--schedule {name}: {key} is given twice", name=name, key=key))
        what, read = keys[key]
        parsed = read(value.strip())
        if parsed is None:
            raise OptionError(tr("--schedule {name}: {key} must be {what}, got '{value}'",
                                 name=name, key=key, what=tr(what), value=value.strip()))
        args[key] = parsed
    missing = [k for k in needed if k not in args]
    if missing:
        raise OptionError(tr("--schedule {name} needs {key}, e.g. {example}", name=name, key=missing[0], example=example))
    first, following = rule(**args)
    # Every argument spelled out, defaults included, in the order of torch's signature.
    full = {k: p.default for k, p in inspect.signature(rule).parameters.items() if p.default is not inspect.Parameter.empty}
    full = {k: args.get(k, full.get(k)) for k in keys}
    return Schedule(name, full, name + ":" + ",".join(f"{k}={_text(v)}" for k, v in full.items()), first, following)


# --- applying one --------------------------------------------------------------------------------


class ScheduledState(NamedTuple):
    """The scheduler's last_epoch and the lr of the next update, its memory, the lr the last update
    used (`lr`, what the engine reports), and the wrapped rule's own state."""

    epoch: int
    upcoming: float
    memory: Any
    lr: float | None
    inner: Any


def scheduled(build: Callable[[float], Optimizer], base_lr: float, schedule: Schedule) -> Optimizer:
    """The rule `build(lr)` with its lr set by `schedule` at every update (the rule is made anew with
    each lr; its state carries over, as torch's does when the scheduler changes group["lr"])."""
    base = build(base_lr)

    def init(params) -> ScheduledState:
        lr, memory = schedule.first(base_lr)
        return ScheduledState(0, lr, memory, None, base.init(params))

    def update(gradient, state: ScheduledState, *oracle):
        rule = build(state.upcoming)
        updates, inner = rule.update(gradient, state.inner, *oracle)
        own = getattr(inner, "lr", None)  # a line search's accepted step
        e = state.epoch + 1
        upcoming, memory = schedule.following(e, state.upcoming, base_lr, state.memory)
        return updates, ScheduledState(e, upcoming, memory, state.upcoming if own is None else own, inner)

    remark = (lambda state: base.remark(state.inner)) if base.remark else None
    return Optimizer(base.name, {**base.hyper, "schedule": schedule.text}, init, update, base.needs, schedule.text, remark)
