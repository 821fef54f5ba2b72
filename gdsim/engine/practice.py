"""The practice walk of `gdsim practice`: the hiker's steps as questions, each with its expected answer.

The walk is the lecture's plain gradient descent, x ← x − lr·∇f(x). It does not depend on the
student's answers (a wrong answer is corrected and the walk goes on from the right point), so the
questions are known in advance; this module yields them, reads and checks answers, and builds the
document of a session. It never reads input or prints.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from gdsim.errors import OptionError
from gdsim.expr.function import Function, check_defined
from gdsim.expr.points import format_point
from gdsim.expr.printing import plain
from gdsim.i18n import tr

SLOPE, POINT = "slope", "point"
KINDS = (SLOPE, POINT)
DEFAULT_STEPS = 5
MAX_STEPS = 1000
DEFAULT_TOLERANCE = 1e-3  # relative
ABSOLUTE_TOLERANCE = 1e-6  # near 0, where a relative tolerance asks for every digit
FLAT = 1e-6  # ‖∇f‖ at or below this is flat ground (descend's default --tol)
BOUND = 1e8  # a coordinate beyond this: the hiker fell off (descend's default --bound)

# How a session can end (JSON result.status).
COMPLETED, FLAT_GROUND, DIVERGED, QUIT, END_OF_INPUT, INTERRUPTED = (
    "completed", "flat", "diverged", "quit", "end_of_input", "interrupted")


@dataclass(frozen=True)
class Stage:
    """The hiker at x_k: where, how high, the slope there, and x_{k+1} (None where the walk ends)."""

    step: int
    point: np.ndarray
    value: float
    gradient: np.ndarray
    next_point: np.ndarray | None
    ending: str | None = None  # FLAT_GROUND, DIVERGED or COMPLETED at the last stage

    @property
    def flat(self) -> bool:
        return self.ending == FLAT_GROUND


@dataclass(frozen=True)
class Question:
    """One line to answer: the slope along `variable` at x_k, or the coordinate `variable` of x_{k+1}."""

    stage: Stage
    kind: str
    index: int
    variable: str

    @property
    def step(self) -> int:
        return self.stage.step

    @property
    def expected(self) -> float:
        if self.kind == SLOPE:
            return float(self.stage.gradient[self.index])
        return float(self.stage.next_point[self.index])


@dataclass(frozen=True)
class Answer:
    """What the student gave for one question (None: not a number) and whether it was right."""

    question: Question
    text: str
    given: float | None
    correct: bool
    hints: int = 0


@dataclass(frozen=True)
class Practice:
    """The settings of one session, checked up front."""

    function: Function
    start: np.ndarray
    lr: float
    steps: int = DEFAULT_STEPS
    ask: tuple[str, ...] = KINDS
    tolerance: float = DEFAULT_TOLERANCE


def check_practice(function: Function, start, lr: float, steps: int, ask: str, tolerance: float) -> Practice:
    """The options of a session, each refused with its value named."""
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise OptionError(tr("--lr must be a number > 0 (the length of the hiker's stride), got {value}", value=lr))
    if not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise OptionError(tr("--steps must be a whole number from 1 to {limit}, got {value}", limit=MAX_STEPS, value=steps))
    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and 0 < tolerance < 1):
        raise OptionError(tr("--tolerance must be a number between 0 and 1 (relative), got {value}", value=tolerance))
    kinds = tuple(dict.fromkeys(k.strip() for k in str(ask).split(",")))
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise OptionError(tr("--ask: '{value}' is not slope, point or slope,point", value=str(ask)[:40]))
    point = np.asarray(start, dtype=float)
    value, gradient = function.value_and_gradient(point)
    check_defined(function, point, value, gradient, format_point(function.variables, point))
    return Practice(function, point, float(lr), steps, tuple(k for k in KINDS if k in kinds), float(tolerance))


def walk(practice: Practice) -> Iterator[Stage]:
    """The stages x_0, x_1, ... of plain gradient descent: --steps updates, fewer on flat ground or
    when the numbers blow up. The last stage has no next point and says why the walk ends there."""
    function, lr = practice.function, practice.lr
    point = practice.start
    for k in range(practice.steps + 1):
        value, gradient = function.value_and_gradient(point)
        finite = math.isfinite(value) and bool(np.all(np.isfinite(gradient))) and bool(np.all(np.abs(point) <= BOUND))
        if not finite:
            yield Stage(k, point, value, gradient, None, DIVERGED)
            return
        if math.sqrt(float(gradient @ gradient)) <= FLAT:
            yield Stage(k, point, value, gradient, None, FLAT_GROUND)
            return
        if k == practice.steps:
            yield Stage(k, point, value, gradient, None, COMPLETED)
            return
        with np.errstate(all="ignore"):
            next_point = point - lr * gradient
        yield Stage(k, point, value, gradient, next_point)
        point = next_point


def questions(practice: Practice, stage: Stage) -> list[Question]:
    """At x_k: every partial derivative (slope), then every coordinate of x_{k+1} (point).
    On flat ground the slopes are still asked (feeling them is how the hiker knows); no step follows."""
    names = practice.function.variables
    out = []
    if SLOPE in practice.ask and stage.ending in (None, FLAT_GROUND):
        out += [Question(stage, SLOPE, i, v) for i, v in enumerate(names)]
    if POINT in practice.ask and stage.next_point is not None:
        out += [Question(stage, POINT, i, v) for i, v in enumerate(names)]
    return out


# --- answers ----------------------------------------------------------------------------------

# A number as a student types it: 2.4, -0.6, .5, 1e-3, +3, with − (U+2212) for minus; or a fraction 12/7.
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_ANSWER = re.compile(rf"^({_NUMBER})(?:\s*/\s*({_NUMBER}))?$", re.ASCII)
QUIT_WORDS = {"q", "quit", "exit", "ㅂ"}  # ㅂ: the q key with a Korean keyboard layout
HINT_WORDS = {"?", "h", "hint", "ㅗ"}  # ㅗ: the h key with a Korean keyboard layout


def read_number(text: str) -> float | None:
    """The number in an answer line, or None when it is not one finite number."""
    t = text.strip().replace("\u2212", "-")
    m = _ANSWER.match(t)
    if not m:
        return None
    try:
        value = float(m[1]) if m[2] is None else float(m[1]) / float(m[2])
    except ZeroDivisionError:
        return None
    return value if math.isfinite(value) else None


def wants_hint(text: str) -> bool:
    return text.strip().lower() in HINT_WORDS


def wants_to_quit(text: str) -> bool:
    return text.strip().lower() in QUIT_WORDS


def is_close(given: float, expected: float, tolerance: float = DEFAULT_TOLERANCE) -> bool:
    """Right within the relative tolerance, or within ABSOLUTE_TOLERANCE of an expected value near 0."""
    return abs(given - expected) <= max(tolerance * abs(expected), ABSOLUTE_TOLERANCE)


def answer(practice: Practice, question: Question, text: str, hints: int = 0) -> Answer:
    given = read_number(text)
    correct = given is not None and is_close(given, question.expected, practice.tolerance)
    return Answer(question, text.strip(), given, correct, hints)


# --- the record of a session ------------------------------------------------------------------


def score(answers: list[Answer]) -> dict:
    """{correct, asked, wrong: {slope, point}}: `asked` counts the questions that got an answer."""
    wrong = {kind: sum(1 for a in answers if a.question.kind == kind and not a.correct) for kind in KINDS}
    return {"correct": sum(a.correct for a in answers), "asked": len(answers), "wrong": wrong}


def named(names, values) -> dict:
    return {v: float(x) for v, x in zip(names, values)}


def document(practice: Practice, answers: list[Answer], status: str, last: Stage | None) -> dict:
    """The session as JSON carries it; `last` is the last stage reached (where the hiker stands)."""
    names = list(practice.function.variables)
    return {
        "function": plain(practice.function.expr),
        "input": practice.function.text,
        "variables": names,
        "lr": practice.lr,
        "start": named(names, practice.start),
        "steps": practice.steps,
        "ask": list(practice.ask),
        "tolerance": {"relative": practice.tolerance, "absolute": ABSOLUTE_TOLERANCE},
        "questions": [
            {"step": a.question.step, "kind": a.question.kind, "variable": a.question.variable,
             "expected": a.question.expected, "given": a.given, "correct": a.correct, "hints": a.hints}
            for a in answers
        ],
        "score": score(answers),
        "result": {
            "status": status,
            "step": last.step if last is not None else 0,
            "point": named(names, last.point if last is not None else practice.start),
            "value": float(last.value) if last is not None else None,
        },
    }
