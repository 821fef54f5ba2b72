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
        shown = text[lo:hi].replace("\n", " ").replace("\t", " ").replace("\x00", "?")
        prefix = "…" if lo > 0 else ""
        suffix = "…" if hi < len(text) else ""
        caret = " " * (len(prefix) + start - lo) + "^" * max(1, min(end, hi) - start)
        return [f"  {prefix}{shown}{suffix}", f"  {caret}"]


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
