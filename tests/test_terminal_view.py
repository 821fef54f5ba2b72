"""What a student sees in a real terminal: gdsim runs in a pseudo-terminal of 60, 80 and 120 columns
and its bytes go through a terminal emulator (pyte) that keeps the scrollback, as tmux would.

Checked there: every row of a 67-step run stays in the scrollback; a 1001-row run keeps its first
100 and last 20 rows and one line on the rest; no row wraps (a wrapped row would be two screen
lines) and rows stay aligned when the numbers grow; no value of a comparison summary is cut or
ellipsised (each is read back and compared with the JSON run); long explanation lines break
between words. And the pipes: `| head -5`, `| cat` get no progress bytes on a terminal's stderr,
while rows written to a file do get a progress line (so the pipe checks can fail).

Every process of this module is started at once, so the module takes about as long as its
slowest run.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import selectors
import shlex
import struct
import subprocess
import sys
import termios
import time

import pytest

from conftest import plain_env

pyte = pytest.importorskip("pyte")

HEIGHT = 40
WIDTHS = (60, 80, 120)
BOWL = ["descend", "x**2+y**2", "--lr", "0.1"]
LONG = ["descend", "x^2", "--start", "3", "--lr", "0.001", "--no-plot"]
LAB = ["descend", "x^2", "--start", "3", "--lr", "0.001,0.1,0.9,1.1", "--no-plot"]
GROWS = ["descend", "x^2", "--start", "3", "--lr", "1.1", "--no-plot"]
D2L = ["descend", "--preset", "d2l", "--max-steps", "20", "--no-plot"]
SGD = ["sgd", "--synthetic", "linear", "--epochs", "3", "--no-plot"]
SGD_COMPARE = [*SGD, "--compare-batch", "1,16,N"]
# Progress shows from the first step (then at most ten times a second), so a short run is enough.
SLOW = ["descend", "x^2", "--start", "3", "--lr", "1e-6", "--tol", "0", "--max-steps", "3000", "--every", "1000", "--no-plot"]

GDSIM = [sys.executable, "-m", "gdsim"]
ENV = plain_env({"TERM": "xterm-256color", "LINES": None, "COLUMNS": None})


def _pty(width: int):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, width, 0, 0))
    return master, slave


class Screen:
    """A finished run as a terminal would show it: the scrollback and the screen, one string per line."""

    def __init__(self, width: int, data: bytes):
        screen = pyte.HistoryScreen(width, HEIGHT, history=5000)
        stream = pyte.ByteStream(screen)
        stream.feed(data)
        history = ["".join(line[x].data for x in range(width)).rstrip() for line in screen.history.top]
        self.lines = history + [line.rstrip() for line in screen.display]
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.width = width

    def rows(self, after: str) -> list[str]:
        """The lines after the first header line that contains `after`, up to the first blank line."""
        start = next(i for i, line in enumerate(self.lines) if after in line and line.lstrip().startswith(after.split()[0]))
        out = []
        for line in self.lines[start + 1:]:
            if line == "":
                break
            out.append(line)
        return [self.lines[start], *out]


def _start_all():
    """Every run of this module, started at once; returns {key: process handle} to collect."""
    runs = {}
    for name, args, widths in (("bowl", BOWL, WIDTHS), ("lab", LAB, (60, 80)), ("grows", GROWS, (60, 120)),
                               ("d2l", D2L, (80, 120))):
        for width in widths:
            runs[(name, width)] = ("pty", width, GDSIM + args)
    runs[("long", 80)] = ("pty", 80, GDSIM + LONG)
    runs[("sgd", 60)] = ("pty", 60, GDSIM + SGD)
    runs[("sgd-compare", 80)] = ("pty", 80, GDSIM + SGD_COMPARE)
    command = " ".join(shlex.quote(a) for a in GDSIM + SLOW)
    runs[("head", 80)] = ("stderr", 80, ["sh", "-c", f"{command} | head -5"])
    runs[("less", 80)] = ("stderr", 80, ["sh", "-c", f"{command} | cat"])
    runs[("file", 80)] = ("stderr", 80, ["sh", "-c", f"{command} > /dev/null"])
    handles = {}
    for key, (kind, width, argv) in runs.items():
        master, slave = _pty(width)
        if kind == "pty":
            proc = _forked(argv, slave)
        else:  # a real shell pipeline: stdout where the shell says, stderr a terminal
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=ENV,
                                    start_new_session=True)
        os.close(slave)
        handles[key] = (proc, master, width)
    return handles


class _Child:
    """A forked gdsim: waited for like a Popen."""

    stdout = None

    def __init__(self, pid: int):
        self.pid = pid

    def wait(self, timeout=None) -> int:
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])


def _forked(argv: list[str], slave: int) -> _Child:
    """gdsim's console entry in a child of this process whose terminal is `slave`: the same code as
    the installed script, without a new interpreter's start-up for each of the many runs."""
    from gdsim.cli import app

    for module in ("gdsim.cli.descend", "gdsim.cli.sgd", "gdsim.cli.descend_run", "gdsim.cli.sgd_run",
                   "gdsim.render.descend_text", "gdsim.render.sgd_text", "gdsim.render.plots", "gdsim.engine.sgd",
                   "rich.live", "plotext"):  # once here, not once per child
        __import__(module)
    args = argv[len(GDSIM):]
    pid = os.fork()
    if pid:
        return _Child(pid)
    code = 1
    try:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.environ.clear()
        os.environ.update(ENV)
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)
        try:
            app.main(args)
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # shown on the terminal, so that the failing test shows it
        import traceback

        os.write(2, traceback.format_exc().encode())
    finally:
        os._exit(code)


def _collect(handles, timeout: float = 120.0) -> dict:
    selector = selectors.DefaultSelector()
    data = {key: bytearray() for key in handles}
    for key, (proc, master, width) in handles.items():
        os.set_blocking(master, False)
        selector.register(master, selectors.EVENT_READ, key)
    open_ = len(handles)
    deadline = time.monotonic() + timeout
    while open_ and time.monotonic() < deadline:
        for sel, _ in selector.select(timeout=1.0):
            try:
                chunk = os.read(sel.fd, 65536)
            except OSError as e:  # EIO: the terminal's other side is closed
                if e.errno not in (errno.EIO, errno.EBADF):
                    raise
                chunk = b""
            if chunk:
                data[sel.data].extend(chunk)
            else:
                selector.unregister(sel.fd)
                os.close(sel.fd)
                open_ -= 1
    out = {}
    for key, (proc, master, width) in handles.items():
        stdout = proc.stdout.read() if proc.stdout is not None else b""
        code = proc.wait(timeout=30)
        out[key] = (code, bytes(data[key]), stdout, width)
    return out


@pytest.fixture(scope="module")
def runs():
    return _collect(_start_all())


_SCREENS: dict = {}


def screen(runs, name, width) -> Screen:
    key = (id(runs), name, width)
    if key not in _SCREENS:
        _SCREENS[key] = Screen(width, runs[(name, width)][1])
    return _SCREENS[key]


ROW = re.compile(r"^ *(\d+)(  |$)")


def _fields(line: str):
    """(start, end) of each field: fields are separated by two spaces or more."""
    return [(m.start(), m.end()) for m in re.finditer(r"\S+(?: \S+)*", line)]


def assert_aligned(header: str, rows: list[str]):
    """Every field of every row lines up with a header title: right-aligned (same end) or
    left-aligned (same start); and no row is wider than its header."""
    ends = {e for _, e in _fields(header)}
    starts = {s for s, _ in _fields(header)}
    for row in rows:
        assert len(row) <= len(header), f"row wider than the header:\n{header}\n{row}"
        for s, e in _fields(row):
            assert e in ends or s in starts, f"field {row[s:e]!r} out of line:\n{header}\n{row}"


# --- rows and scrollback ----------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_every_row_of_the_67_step_run_stays_in_the_scrollback(runs, width):
    code, *_ = runs[("bowl", width)]
    assert code == 0
    header, *rows = screen(runs, "bowl", width).rows("step")
    steps = [int(ROW.match(r).group(1)) for r in rows]
    assert steps == list(range(68)), "each step on one screen line, none lost, none wrapped"
    assert_aligned(header, rows)


def test_a_long_run_keeps_its_first_and_last_rows_and_says_how_to_see_the_rest(runs):
    code, *_ = runs[("long", 80)]
    assert code == 3  # max steps
    lines = screen(runs, "long", 80).lines
    steps = [int(m.group(1)) for line in lines if (m := ROW.match(line))]
    assert steps == list(range(100)) + list(range(981, 1001))
    note = [line for line in lines if "left out" in line]
    assert note and "881 rows left out" in note[0] and "steps 100 to 980" in note[0]
    text = " ".join(lines)
    assert "--every 4" in text and "--format csv" in text


# --- widths -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, width", [("grows", 60), ("grows", 120), ("d2l", 80), ("d2l", 120)])
def test_rows_stay_whole_and_aligned_when_the_numbers_grow(runs, name, width):
    sc = screen(runs, name, width)
    header, *rows = sc.rows("step")
    steps = [int(ROW.match(r).group(1)) for r in rows]
    assert steps == list(range(len(rows))) and len(rows) > 15
    assert_aligned(header, rows)
    if name == "grows":  # x grows past 1e8: the last rows have numbers far wider than the first
        assert "e+" in rows[-1]


def test_at_80_columns_the_left_out_update_columns_are_named(runs):
    lines = screen(runs, "d2l", 80).lines
    note = [line for line in lines if "left out" in line]
    assert note and "Δx1" in note[0] and "Δx2" in note[0]
    assert "Δx1" not in screen(runs, "d2l", 80).rows("step")[0]
    assert "Δx1" in screen(runs, "d2l", 120).rows("step")[0]  # 120 columns hold them


@pytest.mark.parametrize("width", [60, 120])
def test_explanations_wrap_between_words(runs, width, gdsim_cli):
    reason = json.loads(gdsim_cli(*GROWS, "--format", "json")[1])["result"]["reason"]
    lines = screen(runs, "grows", width).lines
    start = next(i for i, line in enumerate(lines) if line.startswith("  why:"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  steps taken"))
    assert end - start > 1, "the reason is long enough to need more than one line"
    words = [w for line in lines[start:end] for w in line.split()]
    assert words == ["why:", *reason.split()], "every screen line holds whole words of the reason"


def test_sgd_rows_fit_60_columns(runs):
    code, *_ = runs[("sgd", 60)]
    assert code == 0
    header, *rows = screen(runs, "sgd", 60).rows("step")
    assert [int(ROW.match(r).group(1)) for r in rows] == list(range(22))
    assert_aligned(header, rows)


# --- comparison summaries ---------------------------------------------------------------------


@pytest.mark.parametrize("width", [60, 80])
def test_the_comparison_summary_shows_every_value_whole(runs, width, gdsim_cli):
    doc = json.loads(gdsim_cli(*LAB, "--format", "json")[1])
    lines = screen(runs, "lab", width).lines
    table = lines[lines.index("Comparison from the same start") + 1:]
    assert not any("…" in line for line in table)
    # While the runs ran, a progress line said which (a comparison prints nothing else until its
    # table); it is gone from the screen afterwards.
    assert b"run 4 of 4: step" in runs[("lab", width)][1]
    assert not any("of at most" in line for line in lines)
    text = "\n".join(table)
    for run in doc["runs"]:
        lr = run["optimizer"]["lr"]
        row = next(line for line in table if line.startswith(f"gd lr={lr:g} "))
        label, status, steps, f, *rest = re.split(r"  +", row.strip())
        assert status == run["result"]["status"] and int(steps) == run["result"]["steps"]
        assert float(f) == pytest.approx(run["result"]["value"], rel=1e-3)
        x = run["result"]["point"]["x"]
        shown = re.search(rf"gd lr={lr:g}\b.*?x=(\S+)", text, re.S).group(1).rstrip(",")
        assert float(shown) == pytest.approx(x, rel=1e-3)


def test_sgd_batch_comparison_shows_every_value_whole(runs, gdsim_cli):
    doc = json.loads(gdsim_cli(*SGD_COMPARE, "--format", "json")[1])
    lines = screen(runs, "sgd-compare", 80).lines
    table = lines[lines.index("Batch sizes compared from the same start") + 1:]
    assert not any("…" in line for line in table)
    for run in doc["runs"]:
        row = next(line for line in table if re.match(rf" *{run['batch_size']}  ", line))
        fields = re.split(r"  +", row.strip())
        assert float(fields[3]) == pytest.approx(run["result"]["loss"], rel=1e-3)
        for name, value in run["result"]["params"].items():
            assert float(re.search(rf"{name}=([^,\s]+)", row).group(1)) == pytest.approx(value, rel=1e-3)


# --- progress ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pipe", ["head", "less"])
def test_a_pipe_gets_no_progress_bytes(runs, pipe):
    code, on_stderr, stdout, _ = runs[(pipe, 80)]
    assert on_stderr == b"", f"stderr (a terminal) got {on_stderr[:200]!r}"
    assert stdout.count(b"\n") == (5 if pipe == "head" else stdout.count(b"\n")) and stdout


def test_rows_written_to_a_file_get_a_progress_line_that_is_erased(runs):
    """The control for the pipe tests: the same run does show progress when its rows go to a file."""
    code, on_stderr, _, _ = runs[("file", 80)]
    assert code == 3
    assert b"step " in on_stderr and b"of at most 3000" in on_stderr
    assert on_stderr.endswith(b"\r\x1b[K")
