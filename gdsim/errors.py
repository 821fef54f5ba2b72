"""The one exception family of gdsim: every refused input is a GdsimError.

The command line turns a GdsimError into one line on stderr and exit code 2;
an ExpressionError adds the text with a caret under the offending part.
"""

from __future__ import annotations

from gdsim.i18n import tr


class GdsimError(Exception):
    """Input that gdsim refuses: the message says what was wrong and where."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def details(self) -> list[str]:
        """Extra lines printed after the `error:` line (none by default)."""
        return []


class ExpressionError(GdsimError):
    """A function text that cannot be parsed: carries the text and the column."""

    def __init__(self, message: str, text: str, start: int, end: int | None = None):
        self.text = text
        self.start = max(0, min(start, len(text)))
        self.end = max(self.start + 1, end if end is not None else self.start + 1)
        super().__init__(tr("{message} (column {column})", message=message, column=self.start + 1))
        self.reason = message

    def details(self) -> list[str]:
        # Long texts are shown as a window around the offending part.
        text, start, end = self.text, self.start, self.end
        end = min(end, start + 60)  # a long span is marked by its first 60 characters
        lo = max(0, start - 60)
        hi = min(len(text), max(end, start + 1) + 60)
        # Control and bidirectional characters are shown escaped (an ESC typed into the text
        # must not drive the terminal), and the caret moves with their longer form.
        cells = [_shown(c) for c in text[lo:hi]]
        prefix = "…" if lo > 0 else ""
        suffix = "…" if hi < len(text) else ""
        before = sum(len(c) for c in cells[: start - lo])
        under = sum(len(c) for c in cells[start - lo : max(end, start + 1) - lo])
        caret = " " * (len(prefix) + before) + "^" * max(1, min(under, sum(len(c) for c in cells) - before))
        return [f"  {prefix}{''.join(cells)}{suffix}", f"  {caret}"]


def _shown(c: str) -> str:
    if c in "\n\t":
        return " "
    if c == "\x00":
        return "?"
    if c.isprintable():
        return c
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


class PointError(GdsimError):
    """A point (`--at`, `--start`, `--init`) that does not fit the function's variables."""


class OptionError(GdsimError):
    """An option value that is out of range or does not make sense."""


class DataError(GdsimError):
    """A data file or data set that cannot be used."""


class ConfigError(GdsimError):
    """A TOML lab file or preset that cannot be used."""


class DomainError(GdsimError):
    """A point outside the function's domain (log of a negative, division by zero...)."""
