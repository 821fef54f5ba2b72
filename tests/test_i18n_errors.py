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
PRESET_NAMES = ", ".join(sorted(p.stem for p in (Path(__file__).parents[1] / "gdsim" / "labs" / "presets").glob("*.toml")))


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
        "error: unknown lab 'nope'; choose one of: slope-sign, partials, practice, learning-rate, optimizer-race, optimizer-zoo, sgd-batches",
        None,
        ["'nope'", "slope-sign, partials, practice, learning-rate, optimizer-race, optimizer-zoo, sgd-batches"],
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


# Refused options, points and files. {dir} is a temporary folder holding the files below.
# (args, English first line, parts that stay as typed, Korean parts that carry the place)
FILES = {
    "bad.toml": "lr = \n",
    "type.toml": 'lr = "fast"\n',
    "bad.csv": "x,y\n1,2\n# a comment line still counts\n3,abc\n",
    "short.csv": "x,y\n1,2\n3\n",
}
REFUSED_OPTIONS = {
    "a point with a word in it": (
        ["descend", "x^2 + y^2", "--start", "1,abc", "--no-plot"],
        "error: --start: 'abc' is not a number",
        ["--start", "'abc'"],
        [],
    ),
    "a point naming another variable": (
        ["derive", "x^2 + y^2", "--at", "x=1,z=2"],
        "error: --at: unknown variable 'z'; the function's variables are x, y",
        ["--at", "'z'", "x, y"],
        [],
    ),
    "a number too large": (
        ["descend", "x^2", "--lr", "1e999", "--no-plot"],
        "error: --lr: 1e999 is too large (beyond 1.8e308)",
        ["--lr", "1e999", "1.8e308"],
        [],
    ),
    "a TOML file that is not TOML": (
        ["descend", "x^2", "--config", "{dir}/bad.toml", "--no-plot"],
        "error: --config {dir}/bad.toml: not valid TOML: Invalid value (at line 1, column 6)",
        ["--config {dir}/bad.toml"],
        ["1번째 줄", "6번째 글자"],
    ),
    "a TOML key of the wrong type": (
        ["descend", "x^2", "--config", "{dir}/type.toml", "--no-plot"],
        "error: {dir}/type.toml: key 'lr' must be a number or a list of numbers, got str 'fast'",
        ["{dir}/type.toml", "'lr'", "'fast'"],
        [],
    ),
    "a CSV cell that is not a number": (
        ["sgd", "--data", "{dir}/bad.csv", "--no-plot"],
        "error: {dir}/bad.csv line 4, column 'y': 'abc' is not a number",
        ["{dir}/bad.csv", "'y'", "'abc'"],
        ["4번째 줄"],
    ),
    "a CSV line with a cell missing": (
        ["sgd", "--data", "{dir}/short.csv", "--no-plot"],
        "error: {dir}/short.csv line 3: 1 cell but the header has 2 columns (no value for 'y')",
        ["{dir}/short.csv", "'y'"],
        ["3번째 줄"],
    ),
    "an optimizer hyper-parameter out of range": (
        ["descend", "x^2", "--optimizer", "momentum", "--momentum", "1.5", "--no-plot"],
        "error: --momentum must be a number in [0, 1), got 1.5",
        ["--momentum", "[0, 1)", "1.5"],
        [],
    ),
    "--max-steps above the limit": (
        ["descend", "x^2", "--max-steps", "200000000", "--no-plot"],
        "error: --max-steps must be at most 100,000,000, got 200,000,000",
        ["--max-steps", "100,000,000", "200,000,000"],
        [],
    ),
    "--max-steps below 0": (
        ["descend", "x^2", "--max-steps", "-1", "--no-plot"],
        "error: --max-steps must be a whole number >= 0, got -1",
        ["--max-steps", "-1"],
        [],
    ),
    "an sgd batch size of 0": (
        ["sgd", "--synthetic", "linear", "--batch-size", "0", "--no-plot"],
        "error: --batch-size must be a whole number >= 1, got 0",
        ["--batch-size", "0"],
        [],
    ),
    "negative sgd noise": (
        ["sgd", "--synthetic", "linear", "--noise", "-1", "--no-plot"],
        "error: --noise must be a finite number >= 0, got -1.0",
        ["--noise", "-1.0"],
        [],
    ),
    "an sgd run too long": (
        ["sgd", "--synthetic", "linear", "--epochs", "100000000", "--batch-size", "1", "--no-plot"],
        "error: --epochs 100,000,000 × 100 minibatches per epoch is 10,000,000,000 steps; the limit is 100,000,000",
        ["--epochs 100,000,000", "10,000,000,000"],
        [],
    ),
    "an sgd model that uses the target": (
        ["sgd", "--synthetic", "linear", "--model", "w*y + b", "--no-plot"],
        "error: --model uses the target column 'y'; the model must predict y from the other columns (x)",
        ["--model", "'y'", "(x)"],
        [],
    ),
}


@pytest.mark.parametrize("case", list(REFUSED_OPTIONS))
def test_refused_options_and_files_are_explained_in_korean(gdsim_cli, tmp_path, case):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    def fill(text: str) -> str:
        return text.replace("{dir}", str(tmp_path))

    args, english, kept, places = REFUSED_OPTIONS[case]
    args, english, kept = [fill(a) for a in args], fill(english), [fill(k) for k in kept]
    en = gdsim_cli(*args)
    ko = gdsim_cli(*args, "--lang", "ko")
    assert (en.code, ko.code) == (2, 2)
    assert (en.stdout, ko.stdout) == ("", "")
    assert en.stderr.splitlines() == [english]
    [korean] = ko.stderr.splitlines()
    assert korean.startswith("error: ")
    assert HANGUL.search(korean)
    for part in kept + places:
        assert part in korean


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
