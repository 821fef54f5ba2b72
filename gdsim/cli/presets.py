"""`gdsim presets`: the named classic test functions, and `gdsim lab`: the lecture's exercises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import typer

from gdsim.cli.common import Exit, check_format
from gdsim.render.machine import dumps, print_get, write
from gdsim.cli.options import argument, config_option, option, typer_callback


def register(app: typer.Typer, only: str | None = None) -> None:
    if only != "lab":
        app.command("presets")(typer_callback(Options, "presets", presets, "List the named classic functions (use one with --preset NAME on derive and descend)."))
    if only == "presets":
        return
    lab_app = typer.Typer(help="Lab exercises that follow the lecture: list them, print one's task or an answer file to fill in.",
                          no_args_is_help=True)
    lab_app.command("list")(lab_list)
    lab_app.command("show")(lab_show)
    lab_app.command("template")(lab_template)
    app.add_typer(lab_app, name="lab")


def _preset_doc(p) -> dict:
    return {
        "name": p.name,
        "title": p.title,
        "expression": p.expression,
        "start": dict(p.start),
        "optimizer": p.optimizer,
        "lr": p.lr,
        "max_steps": p.max_steps,
        "tol": p.tol,
        "ftol": p.ftol,
        "window": {k: list(v) for k, v in p.window.items()},
        "minima": [{"point": dict(m.point), "value": m.value, "kind": m.kind} for m in p.minima],
        "teaches": p.teaches,
    }


@dataclass(frozen=True)
class Options:
    name: str | None = argument("Show one preset in full.", in_file=False)
    format: str = option("--format", "-f", default="text", help="text (default) or json.")
    get: str | None = option("--get", help="Print values of the JSON document, one per line, e.g. rosenbrock.lr (several: a,b).")
    lang: str | None = option("--lang", help="Language of the explanations: en or ko.")
    config: str | None = config_option("Read options from a TOML file (the command line wins).")


def presets(opts: Options, source: dict[str, str]) -> None:
    from gdsim.labs.presets import get_preset, load_presets

    name, format, get = opts.name, opts.format, opts.get
    fmt = "json" if get else check_format(format, ("text", "json"))
    chosen = [get_preset(name)] if name else list(load_presets().values())
    doc = {p.name: _preset_doc(p) for p in chosen}
    if get:
        print_get(doc, get)
    elif fmt == "json":
        write(dumps(doc))
    else:
        from gdsim.render.console import make_console
        from gdsim.render.lab_text import render_presets

        make_console().print(render_presets(chosen, detailed=bool(name)))
    raise Exit(0)


def lab_list(
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the explanations: en or ko.", show_default=False),
) -> None:
    """The lab exercises, one line each."""
    from gdsim.cli.options import setup_language
    from gdsim.labs.lab import load_labs

    setup_language(lang)
    fmt = check_format(format, ("text", "json"))
    labs = list(load_labs().values())
    if fmt == "json":
        write(dumps([{"name": lab.name, "title": lab.text("title")} for lab in labs]))
    else:
        width = max(len(lab.name) for lab in labs)
        write("\n".join(f"{lab.name.ljust(width)}  {lab.text('title')}" for lab in labs))
    raise Exit(0)


def lab_show(
    name: str = typer.Argument(..., help="The lab's name (see `gdsim lab list`) or a lab file, e.g. lab1.toml."),
    answers: bool = typer.Option(False, "--answers", help="Add the answer key (for the teacher)."),
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the explanations: en or ko.", show_default=False),
) -> None:
    """Print a lab's task: what to run, what to observe, the keys of the answer file (--answers: the key)."""
    from gdsim.cli.options import setup_language
    from gdsim.labs.lab import get_lab

    setup_language(lang)
    fmt = check_format(format, ("text", "json"))
    lab = get_lab(name)
    if fmt == "json":
        doc = {"name": lab.name, "title": lab.text("title"), "task": lab.text("task"), "commands": list(lab.commands),
               "keys": dict(lab.text("keys"))}
        if answers:
            doc["answer"] = lab.text("answer")
        write(dumps(doc))
    else:
        from gdsim.render.lab_text import render_lab

        write(render_lab(lab, name, answers=answers))
    raise Exit(0)


def lab_template(
    name: str = typer.Argument(..., help="The lab's name (see `gdsim lab list`) or a lab file, e.g. lab1.toml."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the explanations: en or ko.", show_default=False),
) -> None:
    """Print an answer file to fill in: one `key = ` line per answer, each under what to write."""
    from gdsim.cli.options import setup_language
    from gdsim.labs.lab import get_lab
    from gdsim.render.lab_text import render_template

    setup_language(lang)
    write(render_template(get_lab(name)))
    raise Exit(0)
