"""Hostile function texts on the real command line: refused with exit 2, one clear error, no side effect.

Each text goes through `gdsim derive TEXT --at 1` as a real process (two at a time): it must
exit 2, start stderr with "error:", print no traceback and nothing on stdout, finish quickly, and
run nothing (the file a shell command would touch never appears).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

# A hang guard, not a benchmark: the child's own CPU time (start-up included), which a busy
# machine does not inflate.
CPU_SECONDS = 2.0

PWNED = Path("/tmp/pwned")


def corpus(marker: Path) -> list[str]:
    shell = f"touch {marker}"
    return [
        # code instead of a function
        f"__import__('os').system('{shell}')",
        f'__import__("os").system("{shell}")',
        "__import__('os').system('touch /tmp/pwned')",
        "().__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "x.real",
        "lambda: 1",
        "(lambda x: x)(2)",
        "[x for x in y]",
        "{x: 1}",
        "open('f')",
        "open(x)",
        "eval(1)",
        "exec(x)",
        "exec('import os')",
        "compile('x', 'f', 'eval')",
        "globals()",
        "getattr(x, 'real')",
        "x if x else y",
        "x == y",
        "import os",
        "x; import os",
        "sin(x).real",
        "x[0]",
        "'x'",
        # names that shadow functions, or look like letters
        "sin",
        "sin + x",
        "х^2",  # Cyrillic х
        "x + ｙ",
        # broken text
        "",
        "x +",
        "x **",
        "((x)",
        "x)",
        # too big, too deep, too long
        "(" * 5000 + "x" + ")" * 5000,
        "(" * 4000 + "x" + ")" * 4000,
        "x" * 10_001,
        "+".join(["x"] * 20_000),
        "9**9**9**9",
        "x**(10**100)",
        "2**2**2**2**2**2**2",
        "1e400*x",
        "1" + "0" * 400 + "*x",
        "-" * 300 + "x",
        "+".join(f"x{i}" for i in range(150)),
        # constants
        "3",
        "1/0",
        "pi*e",
    ]


@pytest.fixture(scope="module")
def marker(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile") / "pwned"


def representative(marker: Path) -> list[str]:
    """One or two texts of each kind, for real processes (each start costs about 0.4 s)."""
    texts = corpus(marker)
    picks = [
        "__import__('os').system('touch /tmp/pwned')", "().__class__", "lambda: 1", "[x for x in y]",
        "open('f')", "eval(1)", "x.real", "x[0]", "sin", "х^2", "", "x +", "9**9**9**9", "1e400*x", "3", "1/0",
    ]
    long = [t for t in texts if len(t) > 5000]  # 5,000 parentheses, 10,001 characters, 20,000 terms...
    return [texts[0], *picks, *long[:3]]


@pytest.fixture(scope="module")
def real_runs(marker):
    """The representative texts through a real `gdsim derive TEXT --at 1`, two processes at a time."""
    from conftest import run_gdsim

    pwned_before = PWNED.exists()
    texts = representative(marker)
    assert set(texts) <= set(corpus(marker))
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda t: run_gdsim("derive", t, "--at", "1", timeout=30), texts))
    return dict(zip(texts, runs)), pwned_before


def check_refused(text: str, code: int, out: str, err: str):
    shown = repr(text[:40])
    assert code == 2, f"{shown}: exit {code}, stderr {err[:200]!r}"
    assert out == "", f"{shown}: printed {out[:100]!r}"
    lines = err.splitlines()
    assert lines and lines[0].startswith("error: "), f"{shown}: {err[:200]!r}"
    assert len(lines) <= 3, f"{shown}: the error line, the text and the caret at most: {lines}"
    assert "Traceback" not in err and "Error:" not in err.replace("error:", "")


def test_every_hostile_text_is_refused_by_the_real_command(real_runs, marker):
    runs, _ = real_runs
    for text, run in runs.items():
        check_refused(text, *run)
        assert run.cpu_seconds < CPU_SECONDS, f"{text[:40]!r} took {run.cpu_seconds:.2f} s of CPU"
    assert not marker.exists()


def test_nothing_was_run(real_runs, marker):
    _, pwned_before = real_runs
    assert not marker.exists()
    if not pwned_before:
        assert not PWNED.exists()


def test_expression_errors_carry_the_text_and_a_caret(real_runs):
    runs, _ = real_runs
    code, out, err = runs["x.real"]
    assert err.splitlines() == ["error: attribute access is not allowed (column 2)", "  x.real", "   ^"]


def test_every_hostile_text_is_refused_in_process_too(gdsim_cli, marker):
    """The same corpus through the in-process entry, and with other options that must not change the outcome."""
    for text in corpus(marker):
        for extra in ([], ["--format", "json"], ["--hessian", "--steps", "--check"]):
            run = gdsim_cli("derive", text, "--at", "1", *extra)
            check_refused(text, *run)
    assert not marker.exists()


def test_a_nul_byte_from_a_lab_file_is_refused(run_gdsim, tmp_path):
    lab = tmp_path / "lab.toml"
    lab.write_text('[derive]\nexpression = "x\\u0000 + 1"\nat = "1"\n', encoding="utf-8")
    code, out, err = run_gdsim("derive", "--config", str(lab))
    check_refused("x\\0", code, out, err)
    assert "NUL" in err


def test_a_nul_byte_in_process(gdsim_cli):
    run = gdsim_cli("derive", "x\x00", "--at", "1")
    check_refused("x\\0", *run)
    assert "?" in run.stderr.splitlines()[1]  # shown as a question mark, not a raw NUL


def test_a_builtin_name_alone_is_just_a_variable(gdsim_cli, marker):
    # `exec` is not a keyword: as a bare name it is a variable like any other, and nothing runs.
    code, out, err = gdsim_cli("derive", "exec", "--at", "1", "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["variables"] == ["exec"] and doc["value"] == 1.0
    assert not marker.exists()


def test_debug_mode_shows_no_traceback_for_refused_input(run_gdsim):
    code, out, err = run_gdsim("derive", "__import__('os')", "--at", "1", env={"GDSIM_DEBUG": "1"})
    assert code == 2 and out == "" and "Traceback" not in err
