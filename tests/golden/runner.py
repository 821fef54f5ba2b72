"""The one runner of the golden corpus, shared by the test (tests/test_golden.py) and the recorder
(tests/golden/record.py, which runs that same test in record mode), so that recording and replaying
cannot differ.

A case runs in this process through conftest's `gdsim_cli` fixture (gdsim.cli.app.run, the console
script's entry, with INHERITED settings removed and LANG=C.UTF-8), on top of which the runner sets
COLUMNS=80 and removes the few other variables that change how rich and typer draw. The result is
normalised (only the wall-clock times below) and written as, or compared with, one text file per case.
"""

from __future__ import annotations

import io
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the repository's root: cases name their files relative to it
EXPECTED = Path(__file__).resolve().parent / "expected"

#: Set by record.py on the pytest config: write the files instead of comparing with them.
RECORD = pytest.StashKey[bool]()

# The environment every case starts from, on top of the gdsim_cli fixture's (which removes
# FORCE_COLOR, NO_COLOR, GDSIM_DEBUG, LC_ALL, LC_MESSAGES, LANGUAGE, COLUMNS and sets LANG=C.UTF-8).
# COLUMNS is fixed because plots and --help are as wide as it says; the names set to None are
# removed because rich (TTY_*, LINES, JUPYTER_*) or typer (TERMINAL_WIDTH, GITHUB_ACTIONS, PY_COLORS)
# would otherwise change widths or colour. A case's own env goes on top of this.
BASE_ENV: dict[str, str | None] = {
    "COLUMNS": "80",
    "LINES": None,
    "TTY_COMPATIBLE": None,
    "TTY_INTERACTIVE": None,
    "JUPYTER_COLUMNS": None,
    "JUPYTER_LINES": None,
    "TERMINAL_WIDTH": None,
    "GITHUB_ACTIONS": None,
    "PY_COLORS": None,
}


# --- normalisation ------------------------------------------------------------------------------
# Only gdsim sgd's text output has something that changes from run to run: the wall-clock time the
# run took. It appears in two places, and only that text is replaced:
#   1. the summary line "  wall time: 0.00106 s" (Korean "  걸린 시간: 0.00106초") -> the number
#      becomes <seconds>;
#   2. the last column ("seconds", Korean "초") of the --compare-batch table. The number's width
#      changes the column's width, which moves that column's header and the centred title by a
#      space or two; so inside that table (its title line and the non-blank lines under it) the
#      title's padding is stripped and the last cell of each line is written as "  <cell>  ".
#      Every other column is right-aligned to its own width and stays compared byte for byte.
# Machine formats (json, ndjson, csv) carry no time (the same seed gives the same bytes).

WALL_TIME = re.compile(r"(?m)^(  wall time: )[0-9][0-9.e+-]*( s)$")
WALL_TIME_KO = re.compile(r"(?m)^(  걸린 시간: )[0-9][0-9.e+-]*(초)$")
BATCH_TABLE = re.compile(
    r"(?m)^ *(?P<title>Batch sizes compared from the same start|같은 시작점에서 비교한 배치 크기) *\n"
    r"(?P<body>(?:[^\n]*\S[^\n]*\n)+)"
)
BATCH_TABLE_LAST_CELL = re.compile(r" +(\S+) *$")  # rich padded the last cell; the plain table does not


def _batch_table(match: re.Match) -> str:
    header, *rows = match["body"].splitlines()
    header = BATCH_TABLE_LAST_CELL.sub(lambda m: f"  {m[1]}  ", header)  # "seconds" / "초"
    rows = [BATCH_TABLE_LAST_CELL.sub("  <seconds>  ", row) for row in rows]
    return "\n".join([match["title"], header, *rows]) + "\n"


NORMALISE = [
    ("sgd wall time", WALL_TIME, r"\1<seconds>\2"),
    ("sgd wall time, Korean", WALL_TIME_KO, r"\1<seconds>\2"),
    ("sgd --compare-batch table, seconds column", BATCH_TABLE, _batch_table),
]


def normalise(text: str) -> str:
    for _name, pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    return text


# --- running a case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


def case_env(case: dict) -> dict[str, str | None]:
    env = dict(BASE_ENV)
    env.update(case.get("env", {}))
    return env


def run_case(case: dict, gdsim_cli, monkeypatch) -> Result:
    """Run one case with conftest's gdsim_cli fixture; stdout and stderr normalised."""
    with monkeypatch.context() as m:
        if "stdin" in case:
            m.setattr(sys, "stdin", io.StringIO(case["stdin"]))
        # typer reads these once, when typer.rich_utils is first imported; if that happened in a
        # shell that had them (a CI runner sets GITHUB_ACTIONS), undo their effect on --help.
        rich_utils = sys.modules.get("typer.rich_utils")
        if rich_utils is not None:
            if getattr(rich_utils, "FORCE_TERMINAL", None):
                m.setattr(rich_utils, "FORCE_TERMINAL", None)
            if getattr(rich_utils, "MAX_WIDTH", None) is not None:
                m.setattr(rich_utils, "MAX_WIDTH", None)
        code, out, err = gdsim_cli(*case["argv"], env=case_env(case))
    return Result(code, normalise(out), normalise(err))


# --- the files -----------------------------------------------------------------------------------

NO_NEWLINE = "\\ no newline at end of section\n"  # after a section whose text does not end with one


def file_name(index: int, case: dict) -> str:
    return f"{index + 1:03d}-{case['name']}.txt"


def _section(title: str, text: str) -> str:
    if text and not text.endswith("\n"):
        text += "\n" + NO_NEWLINE
    return f"=== {title} ===\n{text}"


def header(case: dict) -> str:
    """The argv, env and stdin of a case, as the file's first sections."""
    env = {"LANG": "C.UTF-8", **case_env(case)}
    env_lines = "".join(f"{k}={v}\n" if v is not None else f"{k} (unset)\n" for k, v in sorted(env.items())
                        if v is not None or k in case.get("env", {}))
    parts = [_section("argv", shlex.join(["gdsim", *case["argv"]]) + "\n"), _section("env", env_lines)]
    if "stdin" in case:
        parts.append(_section("stdin", case["stdin"]))
    return "".join(parts)


def render(case: dict, result: Result) -> str:
    """The whole file for a case and its result."""
    return (header(case) + _section("exit code", f"{result.code}\n")
            + _section("stdout", result.stdout) + _section("stderr", result.stderr))


def parse(text: str) -> dict[str, str]:
    """The sections of a file, by title (the inverse of render). Sections come in a fixed order, so
    each title is looked for after the previous one; stderr, the last, is found from the end."""
    titles = ["argv", "env", "stdin", "exit code", "stdout", "stderr"]
    starts = []  # (title, where its mark starts, where its text starts)
    at = 0
    for title in titles:
        mark = f"=== {title} ===\n"
        i = text.rfind("\n" + mark) + 1 if title == "stderr" else text.find(mark, at)
        if text.startswith(mark, i) and i >= at:
            starts.append((title, i, i + len(mark)))
            at = i + len(mark)
        elif title != "stdin":
            raise ValueError(f"no '=== {title} ===' section")
    sections = {}
    for (title, _, begin), after in zip(starts, starts[1:] + [(None, len(text), None)]):
        body = text[begin: after[1]]
        if body.endswith("\n" + NO_NEWLINE):
            body = body[: -len(NO_NEWLINE) - 1]
        sections[title] = body
    return sections


def write_expected(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def read_expected(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()
