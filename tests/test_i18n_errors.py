"""Refused input explained in Korean: `--lang ko` (or a Korean locale) gives the same exit code, a Korean
first line and the caret under the same column, while English stays as it was. Also snapshots of
Korean text output, checked in under tests/snapshots/ (GDSIM_UPDATE_SNAPSHOTS=1 rewrites them)."""

from __future__ import annotations

import os
import re
import shlex
import unicodedata
from pathlib import Path

import pytest

from gdsim.i18n import set_language

SNAPSHOTS = Path(__file__).parent / "snapshots"
HANGUL = re.compile("[\uac00-\ud7a3]")
PRESET_NAMES = ", ".join(sorted(p.stem for p in (Path(__file__).parents[1] / "gdsim" / "presets").glob("*.toml")))


@pytest.fixture(autouse=True)
def english_around_each_test():
    # The language is process-wide: a Korean run must not leak into the next test.
    set_language("en")
    yield
    set_language("en")


def columns(text: str) -> int:
    """Terminal columns: East Asian wide characters (Korean) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# (args, English first line, the two lines under it (text, caret) or None, parts that stay as typed)
REFUSED = {
    "operator without a left side": (
        ["derive", "x^2 +* y"],
        "error: '*' needs something on its left (column 6)",
        ["  x^2 +* y", "       ^"],
        ["'*'"],
    ),
    "function used without a call": (
        ["derive", "sin x"],
        "error: 'sin' is a function: call it as sin(...) (column 1)",
        ["  sin x", "  ^^^"],
        ["'sin'", "sin(...)"],
    ),
    "a wide character": (
        ["derive", "x + 가"],
        "error: unexpected character '가' (U+AC00); names use only the letters a-z, A-Z, digits and _ (column 5)",
        ["  x + 가", "      ^"],
        ["'가'", "U+AC00", "a-z, A-Z"],
    ),
    "parenthesis never closed": (
        ["derive", "(x+1"],
        "error: '(' is never closed (column 1)",
        ["  (x+1", "  ^"],
        ["'('"],
    ),
    "unknown function": (
        ["derive", "foo(x) + 1"],
        "error: unknown function 'foo' (write foo*(...) for a product) (column 1)",
        ["  foo(x) + 1", "  ^^^"],
        ["'foo'", "foo*(...)"],
    ),
    "wrong number of arguments": (
        ["derive", "2*log(x,2,3)"],
        "error: log() takes 1 or 2 arguments, got 3 (column 3)",
        ["  2*log(x,2,3)", "    ^^^^^^^^^^"],
        ["log()"],
    ),
    "number too large": (
        ["derive", "1e999*x"],
        "error: number 1e999 is too large (the limit is about 1.8e308) (column 1)",
        ["  1e999*x", "  ^^^^^"],
        ["1e999", "1.8e308"],
    ),
    "vectors of different lengths": (
        ["derive", "sum(x[1:] - x)", "--dim", "3"],
        "error: x[1:] has 2 components and x has 3; '-' works component by component and needs equal lengths (column 5)",
        ["  sum(x[1:] - x)", "      ^^^^^^^^^"],
        ["x[1:]", "'-'"],
    ),
    "bad expression in descend": (
        ["descend", "x^^2", "--no-plot"],
        "error: '^' needs something on its left (column 3)",
        ["  x^^2", "    ^"],
        ["'^'"],
    ),
    "point outside the domain": (
        ["derive", "log(x) + y", "--at", "-1,2"],
        "error: f is not defined at x=-1, y=2: log needs a positive argument: log(x) with x = -1",
        None,
        ["x=-1, y=2", "log(x)", "x = -1"],
    ),
    "vector point outside the domain": (
        ["derive", "sum(sqrt(x))", "--dim", "3", "--at", "1,-4,2"],
        "error: f is not defined at x[0]=1, x[1]=-4, x[2]=2: square root of a negative number at x[1] = -4",
        None,
        ["x[0]=1, x[1]=-4, x[2]=2", "x[1] = -4"],
    ),
    "--wrt names no variable": (
        ["derive", "x^2", "--wrt", "y"],
        "error: --wrt: 'y' is not a variable of the function; its variables are x",
        None,
        ["--wrt", "'y'"],
    ),
    "--check without a point": (
        ["derive", "x^2 + y^2", "--check"],
        "error: --check needs a point: add --at, e.g. --at x=1,y=1",
        None,
        ["--check", "--at x=1,y=1"],
    ),
    "unknown preset": (
        ["presets", "nope"],
        f"error: unknown preset 'nope'; choose one of: {PRESET_NAMES}",
        None,
        ["'nope'", PRESET_NAMES],
    ),
    "unknown lab": (
        ["lab", "show", "nope"],
        "error: unknown lab 'nope'; choose one of: slope-sign, partials, learning-rate, optimizer-race, sgd-batches",
        None,
        ["'nope'", "slope-sign, partials, learning-rate, optimizer-race, sgd-batches"],
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_input_is_explained_in_korean_and_unchanged_in_english(gdsim_cli, case):
    args, english, details, kept = REFUSED[case]
    en = gdsim_cli(*args)
    ko = gdsim_cli(*args, "--lang", "ko")
    assert (en.code, ko.code) == (2, 2)
    assert (en.stdout, ko.stdout) == ("", "")
    en_lines, ko_lines = en.stderr.splitlines(), ko.stderr.splitlines()
    assert en_lines[0] == english
    # the prefix stays "error: " in every language, for scripts that grep for it
    assert ko_lines[0].startswith("error: ")
    assert HANGUL.search(ko_lines[0].replace("'가'", ""))  # the input's own 가 does not count
    for part in kept:
        assert part in ko_lines[0]
    if details is None:
        assert len(en_lines) == len(ko_lines) == 1
    else:
        column = english.rsplit("(column ", 1)[1].rstrip(")")
        assert ko_lines[0].endswith(f"({column}번째 글자)")
        # the text and its caret are the same lines in both languages
        assert en_lines[1:] == ko_lines[1:] == details
        text, caret = details
        assert columns(text[: caret.index("^")]) == caret.index("^")


def test_unknown_preset_on_derive_is_explained_in_korean(gdsim_cli):
    code, _, err = gdsim_cli("derive", "--preset", "nope", "--lang", "ko")
    assert code == 2
    assert err.startswith("error: ") and HANGUL.search(err.splitlines()[0])


@pytest.mark.parametrize("variable", ["LANG", "LC_ALL", "LC_MESSAGES"])
def test_a_korean_locale_explains_errors_in_korean(gdsim_cli, variable):
    code, _, err = gdsim_cli("derive", "(x+1", env={"LANG": "C.UTF-8", variable: "ko_KR.UTF-8"})
    assert code == 2
    first, text, caret = err.splitlines()
    assert first.startswith("error: ") and HANGUL.search(first)
    assert (text, caret) == ("  (x+1", "  ^")


def test_a_run_stopped_outside_the_domain_writes_the_same_json_in_korean(gdsim_cli):
    # The reason a run stopped is recorded in JSON; JSON never changes with the language.
    args = ["descend", "sqrt(x)", "--start", "1", "--lr", "1", "--format", "json"]
    en, ko = gdsim_cli(*args), gdsim_cli(*args, "--lang", "ko")
    strip = lambda s: re.sub(r'"wall_time_s": [0-9.e-]+', "", s)  # noqa: E731
    assert en.code == ko.code == 4
    assert "square root of a negative number" in en.stdout
    assert strip(en.stdout) == strip(ko.stdout)


# --- snapshots of Korean text output -------------------------------------------------------------


def check_snapshot(name: str, text: str) -> None:
    """Compare `text` with tests/snapshots/<name>; with GDSIM_UPDATE_SNAPSHOTS=1, rewrite the file instead.

    Trailing spaces are dropped on both sides, so an editor that trims them cannot break the test.
    """
    text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    path = SNAPSHOTS / name
    if os.environ.get("GDSIM_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with GDSIM_UPDATE_SNAPSHOTS=1, then read it before checking it in"
    assert text == path.read_text(encoding="utf-8")


def assert_aligned(lines: list[str]) -> None:
    """Every line of a table fills the same number of terminal columns."""
    assert len(lines) >= 2
    assert len({columns(line) for line in lines}) == 1, "\n".join(lines)


def test_korean_derive_with_a_point_and_the_hessian(gdsim_cli):
    code, out, err = gdsim_cli("derive", "x^2 - x*y + 2*y^2", "--at", "1,2", "--hessian", "--lang", "ko")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("변수"))
    assert_aligned(lines[head : head + 3])  # the header and one row per variable
    check_snapshot("derive_hessian.ko.txt", out)


def test_korean_descend_without_plots(gdsim_cli):
    code, out, err = gdsim_cli("descend", "x^2 + 2*y^2", "--start", "1,1", "--lr", "0.1", "--max-steps", "5",
                               "--no-plot", "--lang", "ko")
    assert (code, err) == (3, "")
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:1] == ["걸음"])
    assert_aligned(lines[head : head + 7])  # the header and steps 0 to 5
    check_snapshot("descend.ko.txt", out)


def test_korean_sgd_without_plots(gdsim_cli):
    code, out, err = gdsim_cli("sgd", "--synthetic", "linear", "--epochs", "2", "--batch-size", "50", "--every", "1000",
                               "--no-plot", "--lang", "ko")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:1] == ["에포크"])
    assert_aligned(lines[head : head + 3])  # the header, step 0 and the last step
    # the wall time differs from run to run
    masked = re.sub(r"걸린 시간: [0-9.e+-]+초", "걸린 시간: <wall time>초", out)
    assert masked != out
    check_snapshot("sgd.ko.txt", masked)


def test_korean_error_messages(gdsim_cli):
    # One file to read them all side by side; each case's checks are in the test above.
    shown = []
    for args, _, _, _ in REFUSED.values():
        code, _, err = gdsim_cli(*args, "--lang", "ko")
        shown.append(f"$ {shlex.join(['gdsim', *args, '--lang', 'ko'])}   [exit {code}]\n{err}")
    check_snapshot("errors.ko.txt", "\n".join(shown))
