"""Where text output goes: the terminal's width, whether to colour, and the rich console to print with.

Colour only on a terminal and never with NO_COLOR; piped text is never squeezed or ellipsised.
"""

from __future__ import annotations

import math
import os
import sys


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
        """Text from the user (a column name, a lab file's value) is shown with its control and
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


def escape_controls(text: str) -> str:
    """`text` for a multi-line output: line breaks and tabs kept, every other control or
    formatting character (ESC, CR, U+202E...) escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else escaped_char(c) for c in text)


def escaped_char(c: str) -> str:
    """One control or formatting character as the escape a reader can type back: \\n, \\x1b, \\u202e."""
    if c in "\n\r\t":
        return repr(c)[1:-1]
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def number_text(x, spec: str) -> str:
    """A number for people: never the words nan or inf."""
    x = float(x)
    if math.isfinite(x):
        return format(x, spec)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return "undefined"


def say(console, line: str, style: str | None = None) -> None:
    """One line of plain text (no markup, no highlighting), wrapped only by the terminal."""
    console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
