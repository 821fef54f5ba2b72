"""`gdsim presets`: the named classic test functions, and `gdsim lab`: the lecture's exercises."""

from __future__ import annotations

from typing import Optional

import typer

from gdsim.cli.common import Exit, check_format, dumps, print_get, write


def register(app: typer.Typer, only: str | None = None) -> None:
    if only != "lab":
        app.command("presets")(presets)
    if only == "presets":
        return
    lab_app = typer.Typer(help="Lab exercises that follow the lecture: list them, print one's task.", no_args_is_help=True)
    lab_app.command("list")(lab_list)
    lab_app.command("show")(lab_show)
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


def presets(
    name: Optional[str] = typer.Argument(None, help="Show one preset in full.", show_default=False),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="text (default) or json.", show_default=False),
    get: Optional[str] = typer.Option(None, "--get", help="Print one value of the JSON document, e.g. rosenbrock.lr.", show_default=False),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the explanations: en or ko.", show_default=False),
    config: Optional[str] = typer.Option(None, "--config", help="Read options from a TOML file (the command line wins).", show_default=False),
) -> None:
    """List the named classic functions (use one with --preset NAME on derive and descend)."""
    from gdsim.cli.options import merge, setup_language
    from gdsim.labs.presets import get_preset, load_presets

    opts, _ = merge("presets", dict(format=format, get=get, lang=lang), {"format": str, "get": str, "lang": str},
                    {"format": "text"}, config)
    format, get, lang = opts["format"], opts["get"], opts["lang"]
    setup_language(lang)
    fmt = "json" if get else check_format(format, ("text", "json"))
    chosen = [get_preset(name)] if name else list(load_presets().values())
    doc = {p.name: _preset_doc(p) for p in chosen}
    if get:
        print_get(doc, get)
    elif fmt == "json":
        write(dumps(doc))
    else:
        from gdsim.cli.common import make_console
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
        write(dumps([{"name": lab.name, "title": lab.title} for lab in labs]))
    else:
        width = max(len(lab.name) for lab in labs)
        write("\n".join(f"{lab.name.ljust(width)}  {lab.title}" for lab in labs))
    raise Exit(0)


def lab_show(
    name: str = typer.Argument(..., help="The lab's name (see `gdsim lab list`)."),
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the explanations: en or ko.", show_default=False),
) -> None:
    """Print a lab's task: what to run, what to observe, what to answer."""
    from gdsim.cli.options import setup_language
    from gdsim.labs.lab import get_lab

    setup_language(lang)
    fmt = check_format(format, ("text", "json"))
    lab = get_lab(name)
    if fmt == "json":
        write(dumps({"name": lab.name, "title": lab.title, "task": lab.task, "commands": list(lab.commands), "answer": lab.answer}))
    else:
        from gdsim.i18n import tr

        lines = [lab.title, "=" * len(lab.title), "", lab.task.rstrip(), "", tr("Commands:")]
        lines += [f"  {c}" for c in lab.commands]
        lines += ["", tr("How it is checked:"), "  " + lab.answer.strip()]
        write("\n".join(lines))
    raise Exit(0)
