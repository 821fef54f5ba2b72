"""`gdsim practice EXPR`: the student takes the hiker's steps by hand and gdsim checks each one.

Answers come one per line from a terminal or from a file (a teacher grading an answer file); with
--format json the prompts go to stderr and stdout holds one document at the end. Exit code 0 however
the session ended (130 after Ctrl-C), 2 for bad input.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


from gdsim.cli.common import Exit, check_format
from gdsim.cli.options import argument, config_option, option, typer_callback
from gdsim.i18n import tr
from gdsim.render.machine import dumps, print_get, write


@dataclass(frozen=True)
class Options:
    expression: str | None = argument("The function to walk down by hand, e.g. \"x^2\" or \"x^2 + 2y^2\".")
    start: str | None = option("--start", help="Start point: x=1,y=-2, 1,-2 or 3 for every variable (default: 1 for every variable).")
    lr: float = option("--lr", default=0.1, help="Learning rate (the stride) of the steps to compute (default 0.1).")
    steps: int = option("--steps", default=5, help="How many steps to take by hand (default 5); fewer if the ground is flat sooner.")
    ask: str = option("--ask", default="slope,point", help="What to ask at each step: slope, point or slope,point (default).")
    tolerance: float = option("--tolerance", default=1e-3, help="Relative tolerance of a right answer (default 1e-3; within 1e-6 of 0 is right near 0).")
    format: str = option("--format", "-f", default="text", help="text (default) or json (prompts on stderr, the record on stdout).")
    get: str | None = option("--get", help="Print one value of the JSON document, e.g. score.correct.")
    config: str | None = config_option()
    lang: str | None = option("--lang", help="Language of the prompts and explanations: en or ko.")


DOC = "Take the hiker's steps by hand: gdsim asks for each slope and each next point, and checks them."


def register(app: "typer.Typer", only: str | None = None) -> None:
    app.command("practice")(typer_callback(Options, "practice", practice, DOC))


def practice(opts: Options, source: dict[str, str]) -> None:
    from gdsim.errors import OptionError

    fmt = "json" if opts.get else check_format(opts.format, ("text", "json"))
    if not opts.expression:
        raise OptionError(tr("give a function, e.g. gdsim practice \"x^2\" --start 3 --lr 0.1"))

    from gdsim.render.console import make_console
    from gdsim.cli.options import load_function
    from gdsim.engine import practice as core
    from gdsim.expr.points import parse_point
    from gdsim.render.practice_text import View, line_reader, play

    function = load_function(opts.expression, None)
    if opts.start is not None:
        start = parse_point(str(opts.start), function.variables, option="--start")
    else:
        import numpy as np

        start = np.ones(function.dimension)
    session = core.check_practice(function, start, opts.lr, opts.steps, opts.ask, opts.tolerance)

    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # an answer file that is not UTF-8 gives wrong answers, not a crash
    console = make_console(stderr=fmt == "json")
    view = View(console, session)
    view.intro(source.get("start", "default"))
    read = line_reader(console)
    answers, status, last = play(session, view, read, ask_again_on_blank=read.tty)
    view.summary(answers)
    doc = core.document(session, answers, status, last)
    if opts.get:
        print_get(doc, opts.get)
    elif fmt == "json":
        write(dumps(doc))
    raise Exit(130 if status == core.INTERRUPTED else 0)
