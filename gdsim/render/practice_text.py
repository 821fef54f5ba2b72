"""`gdsim practice` for people: the prompts, the verdicts with their working, hints and the summary.

`play` asks the engine's questions one by one through a `read(prompt)` function (a terminal or a
file of answers) and shows each verdict on a rich console; it returns what was answered.
"""

from __future__ import annotations

import shlex
import sys
from typing import Callable

from rich.text import Text

from gdsim.engine import practice as core
from gdsim.engine.practice import POINT, SLOPE, Answer, Practice, Question, Stage
from gdsim.expr.printing import pretty, shown
from gdsim.i18n import tr

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def num(x) -> str:
    """A number as a student writes it: up to 10 significant digits, no -0."""
    x = float(x)
    return "0" if x == 0 else f"{x:.10g}"


def factor(x) -> str:
    """A number inside a product: negative ones in parentheses, 3 − 0.1·(-6)."""
    return f"({num(x)})" if float(x) < 0 else num(x)


def printable(text: str) -> str:
    """An answer as it may be shown: control characters escaped, so a file cannot drive the terminal."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def at_step(name: str, k: int) -> str:
    """x₀, x₁, ...; a name that ends in a digit keeps it apart: x1₍₀₎."""
    sub = str(k).translate(_SUBSCRIPT)
    return f"{name}₍{sub}₎" if name[-1:].isdigit() else f"{name}{sub}"


class View:
    """Everything a session shows, on one console."""

    def __init__(self, console, practice: Practice):
        self.console = console
        self.practice = practice
        self.function = practice.function
        self.names = list(practice.function.variables)
        self.one = len(self.names) == 1
        self.grads = dict(zip(self.names, practice.function.gradient_exprs))

    def say(self, text, style: str | None = None) -> None:
        self.console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    # --- names and places ---

    def slope_name(self, v: str) -> str:
        return "f′" if self.one else f"∂f/∂{v}"

    def where(self, point, k: int | None = None) -> str:
        """x₀ = 3 for one variable; (x, y) = (1, 2) for several."""
        if self.one:
            name = self.names[0] if k is None else at_step(self.names[0], k)
            return f"{name} = {num(point[0])}"
        return f"({', '.join(self.names)}) = ({', '.join(num(x) for x in point)})"

    def slope_at(self, q: Question) -> str:
        """f′(3) or ∂f/∂y at (1, 2), for the prompt and the working."""
        point = q.stage.point
        if self.one:
            return f"f′({num(point[0])})"
        return tr("{name} at ({point})", name=self.slope_name(q.variable), point=", ".join(num(x) for x in point))

    def step_rule(self, v: str, k: int = 0) -> str:
        """x₁ = x₀ − lr·f′(x₀): the lecture's step for one coordinate, from step k."""
        slope = f"f′({at_step(v, k)})" if self.one else self.slope_name(v)
        return f"{at_step(v, k + 1)} = {at_step(v, k)} − lr·{slope}"

    # --- the session ---

    def intro(self, start_source: str) -> None:
        p = self.practice
        self.say(f"f({', '.join(self.names)}) = {shown(self.function)}", "bold")
        self.say(tr("Practice: take the hiker's steps by hand (plain gradient descent, lr = {lr}, steps: {n}).",
                    lr=num(p.lr), n=p.steps))
        rules = ", ".join(self.step_rule(v) for v in self.names)
        if p.ask == (SLOPE,):
            self.say(tr("At each step: the slope at the point; gdsim takes the step."), "dim")
        elif p.ask == (POINT,):
            self.say(tr("At each step gdsim gives the slope; you take the step: {rule}", rule=rules), "dim")
        else:
            self.say(tr("At each step: feel the slope at the point, then take the step: {rule}", rule=rules), "dim")
        self.say(tr("Answer with a number and Enter; ? for a hint, q to stop."), "dim")
        if start_source == "default":
            self.say("(" + tr("no --start given: every variable starts at 1") + ")", "dim")

    def stage(self, stage: Stage) -> None:
        self.say("")
        where = self.where(stage.point, stage.step)
        self.say(tr("Step {k}: the hiker is at {where}, f = {f}", k=stage.step, where=where, f=num(stage.value)), "bold cyan")
        if SLOPE not in self.practice.ask and stage.ending is None:
            if self.one:
                slopes = f"f′({num(stage.point[0])}) = {num(stage.gradient[0])}"
            else:
                slopes = ", ".join(f"{self.slope_name(v)} = {num(g)}" for v, g in zip(self.names, stage.gradient))
            self.say("  " + tr("the slope here: {slopes}", slopes=slopes))

    def prompt(self, q: Question) -> Text:
        if q.kind == SLOPE:
            text = tr("{slope}?", slope=self.slope_at(q))
        else:
            text = tr("next {v}?", v=q.variable)
        return Text.assemble("  ", (text, "bold"), " ")

    def hint(self, q: Question) -> None:
        if q.kind == SLOPE:
            v = q.variable
            rule = f"{self.slope_name(v)}({v}) = {pretty(self.grads[v])}" if self.one else f"{self.slope_name(v)} = {pretty(self.grads[v])}"
            if not self.one:
                rule += " " + tr("(differentiate along {v}, holding the other variables fixed)", v=v)
            text = tr("hint: {rule}; put in the point {where}", rule=rule, where=self.where(q.stage.point))
        else:
            v, k = q.variable, q.step
            text = tr("hint: {rule}, with {v} = {x} and lr = {lr}; the slope is the one found above",
                      rule=self.step_rule(v, k), v=at_step(v, k), x=num(q.stage.point[q.index]), lr=num(self.practice.lr))
        self.say("    " + text, "yellow")

    def working(self, q: Question) -> str:
        """The right value and the rule that gives it."""
        stage = q.stage
        if q.kind == SLOPE:
            v = q.variable
            rule = f"{self.slope_name(v)}({v}) = {pretty(self.grads[v])}" if self.one else f"{self.slope_name(v)} = {pretty(self.grads[v])}"
            return tr("{rule}; at {where}: {name} = {value}", rule=rule, where=self.where(stage.point),
                      name=self.slope_at(q) if self.one else self.slope_name(v), value=num(q.expected))
        i = q.index
        x, g = stage.point[i], stage.gradient[i]
        return f"{self.step_rule(q.variable, q.step)} = {num(x)} − {num(self.practice.lr)}·{factor(g)} = {num(q.expected)}"

    def verdict(self, a: Answer) -> None:
        if a.correct:
            self.say("    " + tr("✓ right"), "green")
        elif not a.text:
            self.say("    " + tr("✗ no answer: {working}", working=self.working(a.question)), "red")
        elif a.given is None:
            shown = printable(a.text if len(a.text) <= 20 else a.text[:17] + "...")
            self.say("    " + tr("✗ not a number ('{text}'): {working}", text=shown, working=self.working(a.question)), "red")
        else:
            self.say("    " + tr("✗ not quite: {working}", working=self.working(a.question)), "red")

    def step_taken(self, stage: Stage) -> None:
        """With --ask slope, gdsim takes the step itself."""
        if POINT not in self.practice.ask and stage.next_point is not None:
            self.say("  " + tr("the hiker steps to {where}", where=self.where(stage.next_point, stage.step + 1)))

    def ending(self, status: str, stage: Stage | None) -> None:
        p = self.practice
        self.say("")
        if status == core.FLAT_GROUND:
            norm = float((stage.gradient @ stage.gradient) ** 0.5)
            self.say(tr("Flat ground: ‖∇f‖ = {norm} here, so the hiker assumes this is the bottom and stops (lecture step 2).",
                        norm=num(norm)), "bold")
        elif status == core.DIVERGED:
            self.say(tr("At step {k} the numbers are no longer finite: the stride lr = {lr} is too long and the hiker fell off the mountain; try a smaller --lr.",
                        k=stage.step, lr=num(p.lr)), "bold")
        elif status == core.COMPLETED:
            self.say(tr("After step {n} the hiker is at {where}, f = {f}.", n=stage.step,
                        where=self.where(stage.point, stage.step), f=num(stage.value)), "bold")
        elif status == core.QUIT:
            self.say(tr("Practice stopped (q)."), "bold")
        elif status == core.END_OF_INPUT:
            self.say(tr("The answers ended before the questions did."), "bold")
        else:
            self.say(tr("Interrupted: the score so far."), "bold")

    def summary(self, answers: list[Answer]) -> None:
        s = core.score(answers)
        if not answers:
            self.say(tr("No question was answered."))
            return
        self.say(tr("Score: {correct} of {asked} right", correct=s["correct"], asked=s["asked"]), "bold")
        labels = {SLOPE: tr("slopes"), POINT: tr("steps (next point)")}
        for kind in core.KINDS:
            n = sum(1 for a in answers if a.question.kind == kind)
            if n:
                self.say("  " + tr("{kind}: {right} of {n} right", kind=labels[kind], right=n - s["wrong"][kind], n=n))
        wrong = [a.question for a in answers if not a.correct]
        if wrong:
            items = [tr("step {k} slope {name}", k=q.step, name=self.slope_at(q) if self.one else self.slope_name(q.variable))
                     if q.kind == SLOPE
                     else tr("step {k} next {v}", k=q.step, v=q.variable) for q in wrong[:8]]
            more = ", …" if len(wrong) > 8 else ""
            self.say("  " + tr("to review: {items}", items=", ".join(items) + more))
        text = shlex.quote(self.function.text)
        if s["wrong"][SLOPE]:
            q = next(q for q in wrong if q.kind == SLOPE)
            point = ",".join(f"{v}={num(x)}" for v, x in zip(self.names, q.stage.point))
            self.say("  " + tr("the slope and how it is found: {command}",
                               command=f"gdsim derive {text} --at {point} --steps"), "dim")
        if s["wrong"][POINT]:
            start = ",".join(f"{v}={num(x)}" for v, x in zip(self.names, self.practice.start))
            self.say("  " + tr("every step in a table: {command}",
                               command=f"gdsim descend {text} --start {start} --lr {num(self.practice.lr)} "
                                       f"--max-steps {self.practice.steps} --no-plot"), "dim")


def play(practice: Practice, view: View, read: Callable[[Text], str | None], *,
         ask_again_on_blank: bool = True) -> tuple[list[Answer], str, Stage | None]:
    """Ask every question of the walk; returns the answers, how the session ended and the last stage reached.

    `read(prompt)` returns one line, or None at the end of the input. A wrong answer shows the right
    value and its working, and the walk goes on from the right point. A blank line asks again at a
    terminal; in an answer file it is an answer left out (so the lines after it keep their places).
    """
    answers: list[Answer] = []
    stage = None
    try:
        for stage in core.walk(practice):
            if stage.ending in (None, core.FLAT_GROUND):  # the last point of a full walk is told in the ending
                view.stage(stage)
            for q in core.questions(practice, stage):
                hints = 0
                while True:
                    line = read(view.prompt(q))
                    if line is None:
                        view.ending(core.END_OF_INPUT, stage)
                        return answers, core.END_OF_INPUT, stage
                    if core.wants_to_quit(line):
                        view.ending(core.QUIT, stage)
                        return answers, core.QUIT, stage
                    if core.wants_hint(line):
                        hints += 1
                        view.hint(q)
                        continue
                    if not line.strip() and ask_again_on_blank:
                        continue
                    break
                a = core.answer(practice, q, line, hints)
                answers.append(a)
                view.verdict(a)
            view.step_taken(stage)
            if stage.ending is not None:
                view.ending(stage.ending, stage)
                return answers, stage.ending, stage
    except KeyboardInterrupt:
        view.say("")
        view.ending(core.INTERRUPTED, stage)
        return answers, core.INTERRUPTED, stage
    raise AssertionError("the walk ended without a last stage")  # pragma: no cover


def line_reader(console, stdin=None) -> Callable[[Text], str | None]:
    """Read answers one line at a time: with line editing on a terminal; from a file or pipe, echoing
    each answer after its prompt so that the transcript reads like a session at the keyboard."""
    stdin = stdin or sys.stdin
    try:
        tty = stdin.isatty()
    except (AttributeError, ValueError):
        tty = False

    def read(prompt: Text) -> str | None:
        if tty:
            try:
                return console.input(prompt)
            except (EOFError, OSError):
                console.print()
                return None
        console.print(prompt, end="")
        try:
            line = stdin.readline()
            while line.lstrip().startswith("#"):  # a comment in an answer file
                line = stdin.readline()
        except OSError:  # stdin closed or unreadable: no more answers
            line = ""
        if not line:
            console.print()
            return None
        console.print(Text(printable(line.rstrip("\r\n"))), markup=False, highlight=False)
        return line.rstrip("\r\n")

    read.tty = tty  # type: ignore[attr-defined]
    return read
