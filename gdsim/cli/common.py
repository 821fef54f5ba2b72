"""What every subcommand shares at the edge: checks of output options, exits, and error lines.

Output itself is the renderers' (gdsim/render/); this module turns GdsimError into one line on
stderr and an exit code.
"""

from __future__ import annotations

import os
import sys

from gdsim.errors import GdsimError, OptionError
from gdsim.i18n import tr

FORMATS = ("text", "json", "ndjson", "csv", "latex")


class Exit(Exception):
    """Leave the command with this exit code (after output has been written).

    Under typer it becomes a typer.Exit (options.typer_callback), so that typer and its CliRunner
    report the code as the exit status; typer itself is imported only when a run needs it.
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
    from gdsim.render.figures import is_figure, require_matplotlib

    if is_figure(path):
        require_matplotlib(path)
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


# --- errors -----------------------------------------------------------------------------------


def one_line(text: str) -> str:
    """`text` with control characters escaped (a newline, a NUL, a terminal escape sequence
    typed into an option value, a right-to-left override), so that an error is one line and
    cannot drive the terminal."""
    from gdsim.render.console import escaped_char

    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else escaped_char(c) for c in text)


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
