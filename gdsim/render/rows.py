"""Rows of numbers for a terminal: cells that keep their width whatever the number, explanation lines
wrapped between words, a stream that keeps a run's rows in the scrollback, and a plain summary table.

A terminal keeps every row of a run of up to KEEP_ALL rows. A longer run keeps its first HEAD rows,
shows a live tail of the latest ones while it runs, and ends with one line saying how many rows were
left out and how to see them, then its last TAIL rows. Piped text keeps every row.
"""

from __future__ import annotations

import math
import os
import re
import stat
import sys
import unicodedata
from collections import deque

from gdsim.i18n import tr

KEEP_ALL = 300
HEAD = 100
TAIL = 20


def cells(text: str) -> int:
    """Terminal columns of a text: East Asian wide characters (Korean) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


def rjust(text: str, width: int) -> str:
    return " " * max(0, width - cells(text)) + text


def fit_number(x, width: int, digits: int = 6) -> str:
    """A number right-aligned in `width` columns, with as many of `digits` significant digits as fit:
    a number that grows (1e+15, 1e+150) loses digits, never its alignment. Never "inf" or "nan"."""
    if x is None:
        return " " * width
    x = float(x)
    if math.isnan(x):
        text = "undefined" if width >= 9 else "undef"
    elif math.isinf(x):
        text = "∞" if x > 0 else "-∞"
    elif x == 0:
        text = "0"
    else:
        for d in range(digits, 0, -1):
            text = f"{x:.{d}g}"
            if len(text) <= width:
                break
    return rjust(text, width)


def wrap(text: str, width: int | None, indent: str = "", hang: str | None = None) -> list[str]:
    """`indent + text` broken between words so that no line is wider than `width` terminal columns;
    lines after the first start with `hang` (default: the indent and two spaces). None: one line."""
    if width is None:
        return [indent + text]
    hang = indent + "  " if hang is None else hang
    lines, line = [], indent
    fresh = True
    for gap, word in re.findall(r"( *)([^ ]+)", text):  # a run of spaces inside a line is kept
        if fresh:
            gap = ""
        elif cells(line) + len(gap) + cells(word) > width:
            lines.append(line)
            line, gap = hang, ""
        # A word wider than a whole line (a long path or number) is cut where the line ends.
        while cells(line) + len(gap) + cells(word) > width and cells(line) + len(gap) < width:
            room = width - cells(line) - len(gap)
            cut = 0
            while cut < len(word) and cells(word[: cut + 1]) <= room:
                cut += 1
            if cut == 0:
                break
            lines.append(line + gap + word[:cut])
            line, gap, word = hang, "", word[cut:]
        line += gap + word
        fresh = False
    lines.append(line)
    return lines


def stdout_is_pipe() -> bool:
    """stdout goes to a pipe or socket (`| less`, `| head`), not a terminal or a file."""
    try:
        mode = os.fstat(sys.stdout.fileno()).st_mode
    except (AttributeError, ValueError, OSError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def progress_wanted(beside_terminal_stdout: bool = False) -> bool:
    """A progress line on stderr: only when a person watches stderr and stdout is not a pipe (a
    pipe's reader, `| less` or `| head`, must not get a stray line on the same screen). Rows going
    to the terminal are progress enough, so there only when `beside_terminal_stdout` (a comparison,
    which prints nothing until every run is done)."""
    try:
        err, out = sys.stderr.isatty(), sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
    if not err or stdout_is_pipe():
        return False
    return beside_terminal_stdout or not out


class Progress:
    """One line on stderr, rewritten at most ten times a second, erased at the end."""

    def __init__(self, beside_terminal_stdout: bool = False):
        import time

        self.clock = time.monotonic
        self.on = progress_wanted(beside_terminal_stdout)
        self.last = 0.0
        self.shown = False

    def say(self, line: str) -> None:
        if not self.on:
            return
        now = self.clock()
        if now - self.last < 0.1:
            return
        self.last = now
        sys.stderr.write("\r" + line + "\x1b[K")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        """Erase the line; the next line said (the next run's first) shows at once."""
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.shown = False
        self.last = 0.0


class _Tail:
    """The live view of a long run: the header, the latest rows and a progress line."""

    def __init__(self, header: str, rows: int):
        self.header = header
        self.lines: deque[str] = deque(maxlen=rows)
        self.progress = ""

    def __rich__(self):
        from rich.text import Text

        return Text("\n".join([self.header, *self.lines, self.progress]), no_wrap=True, overflow="crop")


class RowStream:
    """Prints a run's rows as they come. On a terminal, rows past the first HEAD are held (and shown
    in a live tail) until the run ends; then all of them are printed if the run had at most KEEP_ALL
    rows, else one line on what was left out and the last TAIL rows."""

    def __init__(self, console, header: str, *, terminal: bool, width: int | None, every: int = 1,
                 header_style: str | None = "bold"):
        self.console = console
        self.header = header
        self.header_style = header_style
        self.terminal = terminal
        self.width = width
        self.every = max(1, every)
        self.total = 0
        self.held: deque[tuple[int, str]] = deque(maxlen=KEEP_ALL - HEAD)
        self.live = None
        self.tail = None
        self.first_held = 0
        self.say(header, header_style)

    def say(self, line: str, style: str | None = None) -> None:
        self.console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)

    def add(self, key: int, line: str, progress: str = "") -> None:
        """One row; `key` is its step number (to say which steps were left out)."""
        self.total += 1
        if not self.terminal or self.total <= HEAD:
            self.say(line)
            return
        self.held.append((key, line))
        if self.total == HEAD + 1:
            self.first_held = key
        if self.live is None:
            from rich.live import Live

            height = max(3, min(15, self.console.height - 4))
            self.tail = _Tail(self.header, height)
            self.live = Live(self.tail, console=self.console, refresh_per_second=10, transient=True)
            self.live.start()
        self.tail.lines.append(line)
        self.tail.progress = progress

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        if not self.held:
            return
        held = list(self.held)
        if self.total <= KEEP_ALL:
            for _, line in held:
                self.say(line)
        else:
            left_out = self.total - HEAD - TAIL
            first, last = self.first_held, held[-TAIL - 1][0]
            every = self.every * math.ceil(self.total / KEEP_ALL)
            note = tr("⋮ {n} rows left out (steps {a} to {b}): --every {e} shows fewer rows, --format csv every one",
                      n=left_out, a=first, b=last, e=every)
            for line in wrap(note, self.width, hang="  "):
                self.say(line, "dim")
            for _, line in held[-TAIL:]:
                self.say(line)
        self.held.clear()



def left_out_line(console, titles: list[str], width: int | None) -> None:
    """One line (wrapped between words) naming the columns left out to fit the terminal."""
    shown = ", ".join(titles) if len(titles) <= 8 else ", ".join(titles[:6]) + ", …"
    for line in wrap(tr("To fit {w} columns these are left out: {cols} (a wider terminal shows them).",
                        w=width, cols=shown), width, hang="  "):
        console.print(line, style="dim", markup=False, highlight=False, soft_wrap=True)


def text_width() -> int | None:
    """The terminal's width when stdout is one, else None: piped text is never squeezed."""
    from gdsim.render.console import stdout_is_terminal, terminal_width

    return terminal_width() if stdout_is_terminal() else None


class Table:
    """A plain table that never cuts a value: columns are as wide as their widest cell; optional
    columns are left out, then numbers shortened, until it fits `width`. Rich's tables squeeze and
    ellipsise instead."""

    def __init__(self, title: str, columns: list[tuple[str, str, int]]):
        # columns: (title, "l" or "r", priority: 0 always kept, higher is left out first)
        self.title = title
        self.columns = columns
        self.rows: list[list] = []  # each cell a str, or a callable digits -> str

    def add(self, *cells_) -> None:
        self.rows.append(list(cells_))

    def lines(self, width: int | None) -> tuple[list[str], list[str]]:
        """The lines (title, header, rows) and the titles of the columns left out to fit."""
        drops = sorted({p for _, _, p in self.columns if p > 0}, reverse=True)
        tries = []
        for level in [None, *drops]:
            kept = [i for i, (_, _, p) in enumerate(self.columns) if level is None or p < level]
            for digits in (6, 5, 4):
                tries.append((kept, digits))
        for kept, digits in tries:
            text = self._render(kept, digits)
            if width is None or max(cells(line) for line in text) <= width:
                break
        left_out = [self.columns[i][0] for i in range(len(self.columns)) if i not in kept]
        return [self.title, *text], left_out

    def _render(self, kept: list[int], digits: int) -> list[str]:
        grid = [[self.columns[i][0] for i in kept]]
        for row in self.rows:
            grid.append([row[i](digits) if callable(row[i]) else row[i] for i in kept])
        widths = [max(cells(r[j]) for r in grid) for j in range(len(kept))]
        out = []
        for r in grid:
            parts = [rjust(c, w) if self.columns[i][1] == "r" else ljust(c, w) for c, w, i in zip(r, widths, kept)]
            out.append("  ".join(parts).rstrip())
        return out
