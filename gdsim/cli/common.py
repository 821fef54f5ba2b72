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


#: An existing file with one of these endings is a plot file, which --save-plot may replace.
PLOT_ENDINGS = (".txt", ".html", ".htm", ".svg", ".png")


def check_plot_path(path: str | None, inputs: dict[str, str | None] | None = None) -> None:
    """Refuse a --save-plot file that cannot or must not be written, before the run, not after
    its output.

    The rule: a new file is created; an existing regular file is replaced only when its name ends
    in a plot ending (.txt, .html, .htm, .svg, .png) and it is not an input of the run (`inputs`:
    option name -> file, e.g. {"--data": "points.csv"}). Anything else (a data file, a lab file,
    a device such as /dev/full) is refused with its name.
    """
    if not path:
        return
    if os.path.isdir(path):
        raise OptionError(tr("--save-plot {path}: is a directory; give a file name such as plots.txt", path=path))
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise OptionError(tr("--save-plot {path}: there is no folder {folder}", path=path, folder=folder))
    if not os.path.exists(path):
        return
    for option, given in (inputs or {}).items():
        if given and os.path.exists(given) and os.path.samefile(path, given):
            raise OptionError(tr("--save-plot {path}: is the run's {option} file; it is never replaced; choose another name",
                                 path=path, option=option))
    if not os.path.isfile(path):
        raise OptionError(tr("--save-plot {path}: is not a regular file; give a file name such as plots.txt", path=path))
    if not path.lower().endswith(PLOT_ENDINGS):
        message = "--save-plot {path}: the file exists and is not a plot file (.txt, .html, .svg, .png); it is not replaced; choose another name or delete it first"
        raise OptionError(tr(message, path=path))


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

    class SafeConsole(Console):
        """Text from the user (a column name, a lab file's task) is shown with its control and
        bidirectional characters escaped: it cannot clear the screen or reorder a line."""

        def render_str(self, text: str, **kwargs):
            return super().render_str(escape_controls(text), **kwargs)

    tty = (sys.stderr if stderr else sys.stdout).isatty()
    no_color = not color_wanted() if not stderr else (os.environ.get("NO_COLOR", "") != "" or not tty)
    return SafeConsole(
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
                if not (part.isascii() and part.isdigit()):
                    raise ValueError(part)  # runs.-1 would count from the end, which the message does not promise
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


def print_get(doc: Any, path: str) -> None:
    write(format_value(get_path(doc, path)))


# --- errors -----------------------------------------------------------------------------------


def one_line(text: str) -> str:
    """`text` with control characters escaped (a newline, a NUL, a terminal escape sequence
    typed into an option value, a right-to-left override), so that an error is one line and
    cannot drive the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def escape_controls(text: str) -> str:
    """`text` for a multi-line output: line breaks and tabs kept, every other control or
    formatting character (ESC, CR, U+202E...) escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else _escaped(c) for c in text)


def _escaped(c: str) -> str:
    code = ord(c)
    if c in "\n\r\t":
        return repr(c)[1:-1]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def error_lines(err: GdsimError) -> list[str]:
    return [f"error: {one_line(err.message)}", *err.details()]


def report_error(err: GdsimError) -> int:
    sys.stderr.write("\n".join(error_lines(err)) + "\n")
    sys.stderr.flush()
    return err.exit_code
