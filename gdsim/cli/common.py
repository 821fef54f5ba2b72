"""What every subcommand shares at the edge: output formats, `--get`, consoles and exits.

Machine formats are written with the standard library only; rich is imported lazily, when
text output is actually drawn, so that `--format json` starts fast.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

import typer

from gdsim.errors import GdsimError, OptionError
from gdsim.i18n import tr

FORMATS = ("text", "json", "ndjson", "csv", "latex")


class Exit(typer.Exit):
    """Leave the command with this exit code (after output has been written).

    A typer.Exit, so that typer (and its CliRunner) report the code as the exit status.
    """

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise OptionError(tr("--format: '{value}' is not one of {choices}", value=fmt, choices=', '.join(allowed)))
    return fmt


def check_plot_path(path: str | None) -> None:
    """Refuse a --save-plot file that cannot be written before the run, not after its output."""
    if not path:
        return
    if os.path.isdir(path):
        raise OptionError(tr("--save-plot {path}: is a directory; give a file name such as plots.txt", path=path))
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise OptionError(tr("--save-plot {path}: there is no folder {folder}", path=path, folder=folder))


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def color_wanted() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("FORCE_COLOR", "") != "":
        return True
    return stdout_is_terminal()


def terminal_width() -> int:
    """Width for plots and tables: the terminal's, or COLUMNS, or 100 when piped."""
    if stdout_is_terminal():
        try:
            return os.get_terminal_size(sys.stdout.fileno()).columns
        except OSError:
            pass
    try:
        return max(40, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 100


def make_console(stderr: bool = False):
    """A rich console; when piped, wide enough that no number is squeezed or ellipsised."""
    from rich.console import Console

    tty = (sys.stderr if stderr else sys.stdout).isatty()
    no_color = not color_wanted() if not stderr else (os.environ.get("NO_COLOR", "") != "" or not tty)
    return Console(
        file=sys.stderr if stderr else sys.stdout,
        width=None if tty else 10_000,
        no_color=no_color,
        color_system=None if no_color else "auto",
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


def number_text(x, spec: str) -> str:
    """A number for people: never the words nan or inf."""
    x = float(x)
    if math.isfinite(x):
        return format(x, spec)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return "undefined"


# --- machine formats --------------------------------------------------------------------------


def json_safe(obj: Any) -> Any:
    """Plain JSON: non-finite floats become null (the reason is carried in the document)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "tolist"):
        return json_safe(obj.tolist())
    return obj


def dumps(doc: Any, indent: int | None = 2) -> str:
    return json.dumps(json_safe(doc), indent=indent, ensure_ascii=False, allow_nan=False)


def write(text: str) -> None:
    sys.stdout.write(text)
    if not text.endswith("\n"):
        sys.stdout.write("\n")
    sys.stdout.flush()


def get_path(doc: Any, path: str) -> Any:
    """doc['result']['point']['x'] from 'result.point.x' (list items by index: runs.0.result)."""
    node = doc
    walked = []
    for part in path.split("."):
        if isinstance(node, dict):
            if part not in node:
                where = ".".join(walked) or "the top level"
                keys = ", ".join(node.keys())
                raise OptionError(tr("--get {path}: no '{part}' at {where}; available: {keys}", path=path, part=part, where=where, keys=keys))
            node = node[part]
        elif isinstance(node, list):
            try:
                i = int(part)
                node = node[i]
            except (ValueError, IndexError):
                where = ".".join(walked) or "the top level"
                raise OptionError(tr("--get {path}: '{part}' at {where} must be an index from 0 to {last}", path=path, part=part, where=where, last=len(node) - 1))
        else:
            where = ".".join(walked)
            raise OptionError(tr("--get {path}: {where} is a single value, it has no '{part}'", path=path, where=where, part=part))
        walked.append(part)
    return node


def format_value(value: Any) -> str:
    """One value for a shell: numbers as JSON writes them, text as is, the rest as JSON."""
    value = json_safe(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def print_get(doc: Any, paths: str) -> None:
    """`--get a.b,c.d`: the value at each path, one per line, in the order given.

    Every path is looked up before anything is printed, so a bad path leaves stdout empty.
    """
    values = [get_path(doc, path.strip()) for path in paths.split(",")]
    write("\n".join(format_value(v) for v in values))


# --- errors -----------------------------------------------------------------------------------


def one_line(text: str) -> str:
    """`text` with control characters escaped (a newline, a NUL, a terminal escape sequence
    typed into an option value), so that an error is one line and cannot drive the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def error_lines(err: GdsimError) -> list[str]:
    return [f"error: {one_line(err.message)}", *err.details()]


def print_notes(notes) -> None:
    """Likely typos and other hints: one `note: ...` line each on stderr; stdout and the exit code stay as they are."""
    for note in notes:
        sys.stderr.write(f"note: {one_line(note)}\n")
    sys.stderr.flush()


def report_error(err: GdsimError) -> int:
    sys.stderr.write("\n".join(error_lines(err)) + "\n")
    sys.stderr.flush()
    return err.exit_code
