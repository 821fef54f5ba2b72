"""Regenerate README.md's example outputs from real runs, so that they never drift from gdsim.

    python tools/readme.py            # rewrite every example block in README.md
    python tools/readme.py --check    # exit 1 and name the examples whose output changed

An example is a marker line naming a command, followed by a ```text block:

    <!-- example: gdsim descend "x^2" --start 3 --lr 0.1 --no-plot -->
    <!-- example, last 12 lines: gdsim descend "x^2" --start 3 --lr 1.1 --no-plot -->
    <!-- example, first 8 lines: gdsim derive "x^2" --at 3 -->
    <!-- example, 80 columns: gdsim descend "x^2" --start 3 --lr 0.1,0.9 --no-plot -->
    <!-- example, terminal, lines 1-13;70-78, 80 columns: gdsim descend "x**2+y**2" --lr 0.1 -->

The block becomes `$ COMMAND` followed by what the command prints on stdout (with a trailing
`2>&1`, stderr too, after it; a trailing `< FILE` feeds FILE to its standard input), whatever its
exit code. A block cut to its first or last lines,
or to some ranges of its lines (`lines A-B;C-D`, counted from 1), shows `...` where the rest was.
`terminal` runs the command at a real pseudo-terminal of that many columns and shows what the
terminal holds at the end, its scrollback included (pyte, from the test extra, plays the
terminal), so an example can show the view a student sees rather than the piped text. Commands run from the repository's root with this Python's
gdsim, in a fixed environment: 100 columns (or the marker's), no colour, English. Commands whose output changes
from run to run (timings) cannot be examples; show their deterministic part with first/last.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = re.compile(r"^<!-- example(?P<terminal>, terminal)?(?:, (?P<cut>first|last) (?P<keep>\d+) lines)?"
                    r"(?:, lines (?P<ranges>\d+-\d+(?:;\d+-\d+)*))?(?:, (?P<columns>\d+) columns)?: (?P<command>gdsim .+?) -->$")
ENV = {"COLUMNS": "100", "LINES": "40", "NO_COLOR": "1", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


@dataclass(frozen=True)
class Example:
    command: str
    cut: str | None  # "first", "last" or None
    keep: int
    columns: int  # the width gdsim is told the output has
    start: int  # index of the block's first line (the ```text line) in the file's lines
    end: int  # index of the closing ``` line
    terminal: bool = False  # run at a pseudo-terminal and show the terminal's scrollback and screen
    ranges: tuple[tuple[int, int], ...] = ()  # lines kept (from 1, inclusive); () keeps every line


def examples(lines: list[str]) -> list[Example]:
    """Every marker with the ```text block right after it."""
    found = []
    for i, line in enumerate(lines):
        m = MARKER.match(line.strip())
        if not m:
            continue
        if i + 1 >= len(lines) or lines[i + 1].strip() != "```text":
            raise SystemExit(f"README.md:{i + 1}: an example marker must be followed by a ```text block")
        end = next((j for j in range(i + 2, len(lines)) if lines[j].strip() == "```"), None)
        if end is None:
            raise SystemExit(f"README.md:{i + 2}: the ```text block is never closed")
        ranges = tuple(tuple(int(n) for n in r.split("-")) for r in m["ranges"].split(";")) if m["ranges"] else ()
        found.append(Example(m["command"], m["cut"], int(m["keep"] or 0), int(m["columns"] or 100), i + 1, end,
                             bool(m["terminal"]), ranges))
    return found


def run(command: str, columns: int = 100) -> str:
    """What `command` prints, as a reader at a terminal of `columns` without colour would see it piped."""
    words = shlex.split(command)
    both = words[-1:] == ["2>&1"]
    if both:
        words = words[:-1]
    answers = None
    if len(words) > 2 and words[-2] == "<":  # `< FILE`: the file is the command's standard input
        answers = (ROOT / words[-1]).read_text(encoding="utf-8")
        words = words[:-2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDSIM_", "LC_", "FORCE_COLOR"))}
    env.update(ENV, COLUMNS=str(columns))
    done = subprocess.run([sys.executable, "-m", "gdsim", *words[1:]], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, input=answers if answers is not None else "")
    out = done.stdout + (done.stderr if both else "")
    # trailing spaces are invisible in a README and editors strip them
    return "\n".join(line.rstrip() for line in out.rstrip("\n").splitlines())


def run_at_terminal(command: str, columns: int = 80, rows: int = 40) -> str:
    """What a terminal of `columns` holds after `command` ran in it: its scrollback, then its screen."""
    import fcntl
    import pty
    import struct
    import termios

    import pyte

    words = shlex.split(command)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDSIM_", "LC_", "FORCE_COLOR", "NO_COLOR"))}
    env.update(ENV, TERM="xterm-256color")
    for name in ("COLUMNS", "LINES"):  # the terminal's own size is the one that counts
        env.pop(name, None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: gdsim on the pseudo-terminal
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "gdsim", *words[1:]], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    data = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child has closed the terminal
            break
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    screen = pyte.HistoryScreen(columns, rows, history=10000)
    pyte.ByteStream(screen).feed(data)
    lines = ["".join(line[x].data for x in range(columns)).rstrip() for line in screen.history.top]
    lines += [line.rstrip() for line in screen.display]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def block(example: Example, output: str) -> list[str]:
    lines = output.splitlines()
    if example.ranges:
        kept, last = [], 0
        for a, b in example.ranges:
            if a > last + 1:
                kept.append("...")
            kept += lines[a - 1 : b]
            last = b
        if last < len(lines):
            kept.append("...")
        lines = kept
    elif example.cut == "first" and len(lines) > example.keep:
        lines = lines[: example.keep] + ["..."]
    elif example.cut == "last" and len(lines) > example.keep:
        lines = ["..."] + lines[-example.keep :]
    return ["```text", f"$ {example.command}", *lines, "```"]


def produce(example: Example) -> str:
    """A fresh run of the example's command: piped, or at a pseudo-terminal."""
    return (run_at_terminal if example.terminal else run)(example.command, example.columns)


def regenerate(text: str, runner=None) -> str:
    """`text` with every example block replaced by a fresh run of its command
    (or by `runner(command, columns)`, for a test that supplies the outputs)."""
    lines = text.split("\n")
    for example in reversed(examples(lines)):
        output = runner(example.command, example.columns) if runner else produce(example)
        lines[example.start : example.end + 1] = block(example, output)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    fresh = regenerate(text)
    if "--check" in argv:
        old, new = text.split("\n"), fresh.split("\n")
        drifted = [e.command for e, f in zip(examples(old), examples(new))
                   if old[e.start : e.end + 1] != new[f.start : f.end + 1]]
        for command in drifted:
            print(f"drifted: {command}")
        return 1 if drifted else 0
    if fresh != text:
        README.write_text(fresh, encoding="utf-8")
        print(f"README.md: {len(examples(fresh.split(chr(10))))} examples regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
