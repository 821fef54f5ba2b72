"""Hostile input across every command and option is refused with exit 2 and one clear line, never a
crash or a hang. Numerical hazards during a run end it as diverged, and no output format carries a NaN.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import plain_env, run_gdsim
from gdsim.errors import GdsimError, PointError

# A hang guard, not a benchmark: CPU seconds (start-up included for real processes), which a
# busy machine does not inflate.
CPU_SECONDS = 2.0
HERE = Path(__file__).resolve().parent

DESCEND = ["descend", "x**2 + y**2", "--format", "json"]
SGD = ["sgd", "--synthetic", "linear", "--format", "json"]
DERIVE = ["derive", "x**2 + y**2", "--format", "json"]


def refusal_problems(run, words=(), machine: bool = True) -> list[str]:
    """What is wrong with `run` as a refusal: exit 2, one `error:` line saying `words`, nothing else."""
    problems = []
    lines = run.stderr.rstrip("\n").split("\n")
    if run.code != 2:
        problems.append(f"exit {run.code}")
    if not lines[0].startswith("error: "):
        problems.append("stderr does not start with 'error: '")
    # One line; an expression error adds the text and a caret line under the offending part.
    if not (len(lines) == 1 or (len(lines) == 3 and lines[2].strip() and set(lines[2].strip()) <= {"^"})):
        problems.append(f"{len(lines)} lines on stderr")
    if "Traceback" in run.stderr or "internal error" in run.stderr:
        problems.append("a traceback or an internal error")
    if machine and run.stdout:
        problems.append(f"stdout is not empty: {run.stdout[:80]!r}")
    for word in words:
        if word not in lines[0]:
            problems.append(f"{word!r} is not in the error line")
    if run.cpu_seconds >= CPU_SECONDS:
        problems.append(f"{run.cpu_seconds:.2f} s of CPU")
    return problems


def assert_refused(run, *words, machine: bool = True):
    problems = refusal_problems(run, words, machine)
    assert not problems, f"{problems}; stderr: {run.stderr[:400]!r}"


# --- expressions, on every command that takes one ---------------------------------------------

EXPRESSIONS = [
    ("хx**2", ["U+0445", "column 1"]),  # Cyrillic х
    ("x + ｙ", ["U+FF59", "column 5"]),  # fullwidth y
    ("x\x00+1", ["NUL", "column 2"]),
    ("1" + "0" * 400 + "*x", ["too large", "column 1"]),
    ("1e400*x", ["1e400", "too large", "column 1"]),
    ("sin", ["'sin' is a function", "column 1"]),
    ("sin + x", ["'sin' is a function", "column 1"]),
    ("x +", ["column 3"]),
    ("x **", ["column 3"]),
    ("x * (", ["column 5"]),
    ("   ", ["empty", "column 1"]),
    ("x.real", ["attribute", "column 2"]),
]


@pytest.mark.parametrize("text, words", EXPRESSIONS, ids=[repr(t[:12]) for t, _ in EXPRESSIONS])
@pytest.mark.parametrize("command", ["derive", "descend", "sgd --model"])
def test_hostile_expressions_are_refused_by_every_command(gdsim_cli, command, text, words):
    if command == "sgd --model":
        run = gdsim_cli(*SGD, "--model", text)
    else:
        run = gdsim_cli(command, text, "--format", "json")
    assert_refused(run, *words)
    assert len(run.stderr.splitlines()) == 3  # the text and a caret under the offending part


@pytest.mark.parametrize("command", ["derive", "descend"])
def test_no_function_at_all_is_refused(gdsim_cli, command):
    assert_refused(gdsim_cli(command, "", "--format", "json"), "give a function")


# --- points: --at, --start, --init ------------------------------------------------------------

# {a} and {b} are the two variables (x, y) or the two parameters of the linear model (w_x, b).
POINTS = [
    ("", ["empty"]),
    ("{a}=", ["{a}", "not a number"]),
    ("{a}=1,{a}=2", ["'{a}' is given twice"]),
    ("1,2,3", ["3 values for 2 variables"]),
    ("{a}=nan,{b}=1", ["'nan' is not a number"]),
    ("{a}=inf,{b}=1", ["'inf' is not a number"]),
    ("{a}=1,{b}=-inf", ["'-inf' is not a number"]),
    ("1e999", ["1e999", "too large"]),
    ("1" * 100_000, ["too large"]),
    ("{a}=" + "1" * 100_000, ["too long"]),
    ("{a}=١,{b}=1", ["'١' is not a number"]),  # an Arabic-Indic digit, which float() would take
    ("{a}=1,zz=2", ["unknown variable 'zz'"]),
    ("{a}=1", ["no value for {b}"]),
]


@pytest.mark.parametrize("text, words", POINTS, ids=[repr(t[:14]) for t, _ in POINTS])
@pytest.mark.parametrize("option", ["--at", "--start", "--init"])
def test_hostile_points_are_refused_by_every_point_option(gdsim_cli, option, text, words):
    a, b = ("w_x", "b") if option == "--init" else ("x", "y")
    base = {"--at": DERIVE, "--start": DESCEND, "--init": SGD}[option]
    run = gdsim_cli(*base, f"{option}={text.format(a=a, b=b)}")
    assert_refused(run, option, *[w.format(a=a, b=b) for w in words])


# --- option values ----------------------------------------------------------------------------

DESCEND_OPTIONS = [
    (["--lr", "0"], ["--lr"]),
    (["--lr", "-1"], ["--lr"]),
    (["--lr", "nan"], ["--lr", "nan"]),
    (["--lr", "inf"], ["--lr", "inf"]),
    (["--lr", "abc"], ["--lr", "abc"]),
    (["--lr", "1e-400"], ["--lr"]),
    (["--lr", "0.1,nan"], ["--lr", "nan"]),
    (["--max-steps", "-1"], ["--max-steps", "-1"]),
    (["--max-steps", str(10**12)], ["--max-steps", "100,000,000"]),
    (["--max-steps", "abc"], ["--max-steps"]),
    (["--every", "0"], ["--every", "0"]),
    (["-o", "momentum", "--momentum", "1.5"], ["--momentum", "1.5"]),
    (["-o", "nesterov", "--momentum", "nan"], ["--momentum", "nan"]),
    (["-o", "adam", "--beta1", "1"], ["--beta1"]),
    (["-o", "adam", "--beta2", "nan"], ["--beta2"]),
    (["-o", "adam", "--eps", "0"], ["--eps"]),
    (["-o", "rmsprop", "--alpha", "1"], ["--alpha"]),
    (["--bound", "0"], ["--bound"]),
    (["--bound", "nan"], ["--bound"]),
    (["--delay", "-1"], ["--delay"]),
    (["--delay", "nan"], ["--delay"]),
    (["--tol", "nan"], ["--tol", "nan"]),
    (["--tol", "-1"], ["--tol"]),
    (["--ftol", "-1"], ["--ftol"]),
    (["--optimizer", "bogus"], ["--optimizer", "bogus"]),
    (["--optimizer", "gd,bogus"], ["--optimizer", "bogus"]),
    (["--dim", "0"], ["--dim"]),
    (["--lang", "xx"], ["--lang", "xx"]),
    (["--preset", "unknown"], ["preset", "unknown"]),
    (["--get", "bad.path"], ["--get", "bad"]),
    (["--max-steps", "3", "--get", "bad.path"], ["--get", "bad"]),  # no "max_steps:" line before the error
    (["--save-plot", "/nonexistent-folder/plots.txt"], ["--save-plot", "/nonexistent-folder"]),
    (["--bogus-option", "1"], ["--bogus-option"]),
    (["--lr", "0.1\nrm -rf"], ["--lr", "0.1\\nrm -rf"]),  # a newline typed into a value stays on one line
    (["--optimizer", "\x1b[2J"], ["--optimizer", "\\x1b[2J"]),  # a terminal escape is shown, not obeyed
    (["--format", "json\x00"], ["--format", "json\\x00"]),
]
SGD_OPTIONS = [
    (["--lr", "0"], ["--lr"]),
    (["--lr", "-1"], ["--lr"]),
    (["--lr", "nan"], ["--lr", "nan"]),
    (["--lr", "inf"], ["--lr", "inf"]),
    (["--lr", "abc"], ["--lr", "abc"]),
    (["--batch-size", "0"], ["--batch-size", "0"]),
    (["--epochs", "0"], ["--epochs", "0"]),
    (["--epochs", str(10**12)], ["--epochs", "100,000,000"]),
    (["--samples", "0"], ["--samples", "0"]),
    (["--samples", str(10**12)], ["--samples"]),
    (["--features", "0"], ["--features", "0"]),
    (["--noise", "-1"], ["--noise"]),
    (["--noise", "nan"], ["--noise", "nan"]),
    (["--seed", "-1"], ["--seed"]),
    (["--optimizer", "bogus"], ["--optimizer", "bogus"]),
    (["--loss", "bogus"], ["--loss", "bogus"]),
    (["--model", "x"], ["--model", "no parameters"]),
    (["--target", "missing"], ["target", "missing"]),
    (["--every", "0"], ["--every", "0"]),
    (["--compare-batch", "0"], ["--compare-batch", "0"]),
    (["-o", "momentum", "--momentum", "1.5"], ["--momentum", "1.5"]),
    (["-o", "adam", "--beta1", "1"], ["--beta1"]),
    (["-o", "adam", "--eps", "0"], ["--eps"]),
    (["--delay", "-1"], ["--delay"]),
    (["--synthetic", "bogus"], ["--synthetic", "bogus"]),
    (["--get", "bad.path"], ["--get", "bad"]),
    (["--save-plot", "/nonexistent-folder/plots.txt"], ["--save-plot", "/nonexistent-folder"]),
]
OTHER_COMMANDS = [
    (["derive", "x**2", "--wrt", "z"], ["--wrt", "'z'"]),
    (["derive", "x**2", "--format", "csv"], ["--format", "csv"]),
    (["derive", "x**2", "--dim", "0"], ["--dim"]),
    (["derive", "x**2", "--format", "json", "--get", "bad.path"], ["--get", "bad"]),
    (["derive", "--preset", "unknown"], ["preset", "unknown"]),
    (["derive", "x**2", "--lang", "xx"], ["--lang", "xx"]),
    (["derive", "x**2", "--at"], ["--at"]),
    (["descend", "x**2", "--format", "bogus"], ["--format", "bogus"]),
    (["sgd", "--synthetic", "linear", "--format", "bogus"], ["--format", "bogus"]),
    (["sgd", "--format", "json"], ["give data"]),
    (["sgd", "--data", "data.csv", "--synthetic", "linear"], ["not both"]),
    (["presets", "unknown"], ["preset", "unknown"]),
    (["presets", "--format", "bogus"], ["--format", "bogus"]),
    (["presets", "--format", "json", "--get", "bad.path"], ["--get", "bad"]),
    (["lab", "show", "unknown"], ["lab", "unknown"]),
    (["lab", "show", "slope-sign", "--format", "bogus"], ["--format", "bogus"]),
    (["lab", "list", "--format", "bogus"], ["--format", "bogus"]),
    (["lab", "bogus"], ["bogus"]),
    (["bogus"], ["bogus"]),
]


def _ids(cases):
    return [" ".join(args)[:40] for args, _ in cases]


@pytest.mark.parametrize("args, words", DESCEND_OPTIONS, ids=_ids(DESCEND_OPTIONS))
def test_bad_descend_options_are_refused(gdsim_cli, args, words):
    assert_refused(gdsim_cli(*DESCEND, *args), *words)


@pytest.mark.parametrize("args, words", SGD_OPTIONS, ids=_ids(SGD_OPTIONS))
def test_bad_sgd_options_are_refused(gdsim_cli, args, words):
    assert_refused(gdsim_cli(*SGD, *args), *words)


@pytest.mark.parametrize("args, words", OTHER_COMMANDS, ids=_ids(OTHER_COMMANDS))
def test_bad_input_to_the_other_commands_is_refused(gdsim_cli, args, words):
    assert_refused(gdsim_cli(*args), *words)


@pytest.mark.parametrize("args, words", [
    (["--data", "DATA", "--model", "w/x + b"], ["loss at the initial parameters", "--init"]),  # x = 0 in the data
    (["--synthetic", "linear", "--epochs", str(10**12)], ["--epochs"]),
    (["--synthetic", "linear", "--epochs", "10000000", "--compare-batch", "100,1"], ["--epochs", "100,000,000"]),
])
def test_sgd_refuses_before_it_prints_anything_in_text_mode(gdsim_cli, tmp_path, args, words):
    data = tmp_path / "data.csv"
    data.write_text("x,y\n0,1\n1,2\n")
    run = gdsim_cli("sgd", *[str(data) if a == "DATA" else a for a in args], "--no-plot")
    assert_refused(run, *words)  # stdout empty too: no introduction, then an error


def test_a_hyper_parameter_the_optimizer_does_not_use_is_ignored(gdsim_cli):
    # The spec lets one command line compare optimizers: gd has no momentum, so 1.5 is not checked.
    run = gdsim_cli(*DESCEND, "--momentum", "1.5", "--beta1", "7")
    assert run.code == 0
    assert json.loads(run.stdout)["optimizer"] == {"name": "gd", "lr": 0.1}


# --- TOML lab files ---------------------------------------------------------------------------

CONFIGS = [
    ("unknown-key", b"bogus_key = 1\n", ["bogus_key", "unknown key"]),
    ("wrong-type", b'lr = "fast"\n', ["'lr'", "must be"]),
    ("invalid", b"lr = [1, 2\n", ["not valid TOML"]),
    ("non-utf8", b"lr = 0.1\n# \xff\xfe\n", ["not UTF-8"]),
    ("huge-integer", b"every = " + b"9" * 5000 + b"\n", ["cannot be read as TOML", "digits"]),
    ("deep-nesting", b"a = " + b"[" * 100_000 + b"\n", ["nested too deeply"]),
    ("every-0", b"every = 0\n", ["--every", "0"]),
]


@pytest.mark.parametrize("name, content, words", CONFIGS, ids=[c[0] for c in CONFIGS])
@pytest.mark.parametrize("command", [DESCEND, SGD], ids=["descend", "sgd"])
def test_bad_lab_files_are_refused(gdsim_cli, tmp_path, command, name, content, words):
    path = tmp_path / f"{name}.toml"
    path.write_bytes(content)
    # the file's name is in the message unless the value itself is named (--every 0)
    where = [] if name == "every-0" else [str(path)]
    assert_refused(gdsim_cli(*command, "--config", str(path)), *where, *words)


@pytest.mark.parametrize("command", [DESCEND, SGD, DERIVE], ids=["descend", "sgd", "derive"])
def test_a_missing_lab_file_or_a_folder_is_refused(gdsim_cli, tmp_path, command):
    assert_refused(gdsim_cli(*command, "--config", str(tmp_path / "missing.toml")), "missing.toml", "no such file")
    assert_refused(gdsim_cli(*command, "--config", str(tmp_path)), str(tmp_path), "directory")


def test_a_nul_byte_in_a_lab_file_expression_is_refused_with_a_caret(gdsim_cli, tmp_path):
    path = tmp_path / "nul.toml"
    path.write_text('expression = "x\\u0000+1"\n', encoding="utf-8")
    run = gdsim_cli("descend", "--config", str(path), "--format", "json")
    assert_refused(run, "NUL", "column 2")
    assert run.stderr.splitlines()[1:] == ["  x?+1", "   ^"]


def test_a_lab_file_with_a_byte_order_mark_works_like_one_without(gdsim_cli, tmp_path):
    plain, bom = tmp_path / "plain.toml", tmp_path / "bom.toml"
    plain.write_bytes(b"lr = 0.5\nmax_steps = 7\n")
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    with_bom = gdsim_cli(*DESCEND, "--config", str(bom))
    without = gdsim_cli(*DESCEND, "--config", str(plain))
    assert with_bom.code == without.code == 0
    assert json.loads(with_bom.stdout)["optimizer"]["lr"] == 0.5
    assert with_bom.stdout == without.stdout


# --- CSV files --------------------------------------------------------------------------------

CSVS = [
    ("empty", b"", ["empty"]),
    ("header-only", b"x,y\n", ["no data rows"]),
    ("short-row", b"x,y\n1,2\n3\n", ["line 3", "no value for 'y'"]),
    ("long-row", b"x,y\n1,2\n3,4,5\n", ["line 3", "3 cells"]),
    ("ten-million-characters", b"x,y\n1,2\n" + b"1" * 10**7 + b",2\n", ["line 3", "column 'x'", "too long"]),
    ("ten-million-commas", b"x,y\n1,2\n" + b"," * 10**7 + b"\n", ["line 3", "cells"]),
    ("non-utf8", b"x,y\n1,2\n2,\xff\n", ["line 3", "column 'y'", "UTF-8"]),
    ("nan", b"x,y\n1,nan\n2,3\n", ["line 2", "column 'y'", "'nan'"]),
    ("inf", b"x,y\n1,2\ninf,3\n", ["line 3", "column 'x'", "'inf'"]),
    ("minus-infinity", b"x,y\n1,-Infinity\n", ["line 2", "column 'y'", "'-Infinity'"]),
    ("too-large", b"x,y\n1,1e999\n", ["line 2", "column 'y'", "too large"]),
    ("unclosed-quote", b'x,y\n1,"2\n', ["line 2", "quote"]),
    ("nul", b"x,y\n1,2\x00\n", ["line 2", "column 'y'"]),
    ("hex", b"x,y\n1,0x10\n", ["line 2", "'0x10'"]),
    ("duplicate-column", b"x,x\n1,2\n", ["line 1", "duplicate"]),
]


@pytest.mark.parametrize("name, content, words", CSVS, ids=[c[0] for c in CSVS])
def test_bad_csv_files_are_refused(gdsim_cli, tmp_path, name, content, words):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(content)
    assert_refused(gdsim_cli("sgd", "--data", str(path), "--format", "json"), str(path), *words)


def test_a_folder_or_a_missing_file_as_csv_is_refused(gdsim_cli, tmp_path):
    assert_refused(gdsim_cli("sgd", "--data", str(tmp_path), "--format", "json"), str(tmp_path), "directory")
    assert_refused(gdsim_cli("sgd", "--data", str(tmp_path / "no.csv"), "--format", "json"), "no.csv", "no such file")


def test_a_missing_target_column_names_the_columns(gdsim_cli, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x,z\n1,2\n")
    assert_refused(gdsim_cli("sgd", "--data", str(path), "--format", "json"), "no target column 'y'", "x, z")


PLAIN_CSV = b"x,y\n1,3\n2,5\n3,7.5\n4,9\n"
ACCEPTED_CSVS = {
    "byte-order-mark": b"\xef\xbb\xbf" + PLAIN_CSV,
    "crlf": PLAIN_CSV.replace(b"\n", b"\r\n"),
    "quoted-numbers": b'"x","y"\n"1","3"\n2,"5"\n" 3 ",7.5\n4,9\n',
    "comments-and-blank-lines": b"# measured in the lab\nx,y\n\n1,3\n2,5\n# a pause\n3,7.5\n4,9\n",
}


@pytest.mark.parametrize("name", sorted(ACCEPTED_CSVS))
def test_csv_variants_that_are_accepted_give_the_same_run_as_the_plain_file(gdsim_cli, tmp_path, name):
    plain, variant = tmp_path / "plain.csv", tmp_path / f"{name}.csv"
    plain.write_bytes(PLAIN_CSV)
    variant.write_bytes(ACCEPTED_CSVS[name])
    args = ["sgd", "--format", "json", "--epochs", "3", "--batch-size", "2", "--no-shuffle"]
    expected, got = gdsim_cli(*args, "--data", str(plain)), gdsim_cli(*args, "--data", str(variant))
    assert expected.code == got.code == 0, got.stderr
    a, b = json.loads(expected.stdout), json.loads(got.stdout)
    assert b["samples"] == 4
    assert b["steps"] == a["steps"]
    assert {k: v for k, v in b["result"].items() if k != "wall_time_s"} == {k: v for k, v in a["result"].items() if k != "wall_time_s"}


# --- the same, as real processes --------------------------------------------------------------


def test_a_representative_subset_is_refused_by_real_processes(tmp_path):
    csv_path = tmp_path / "ragged.csv"
    csv_path.write_bytes(b"x,y\n1,2\n3\n")
    toml_path = tmp_path / "nul.toml"
    toml_path.write_text('expression = "x\\u0000+1"\n', encoding="utf-8")
    cases = [
        (["derive", "хx**2", "--format", "json"], ["U+0445", "column 1"]),
        (["descend", "1" + "0" * 400 + "*x", "--format", "json"], ["too large", "column 1"]),
        (["descend", "sin", "--format", "ndjson"], ["'sin' is a function"]),
        (["sgd", "--synthetic", "linear", "--model", "w*x +", "--format", "csv"], ["column 5"]),
        (["descend", "--config", str(toml_path), "--format", "json"], ["NUL", "column 2"]),
        (["descend", "x**2", "--start", "x=nan", "--format", "csv"], ["--start", "nan"]),
        (["derive", "x**2 + y**2", "--at", "1,2,3", "--format", "json"], ["--at", "3 values"]),
        (["sgd", "--synthetic", "linear", "--init", "1" * 100_000, "--format", "json"], ["--init", "too large"]),
        (["descend", "x**2", "--lr", "nan", "--format", "json"], ["--lr", "nan"]),
        (["descend", "x**2", "--max-steps", str(10**12), "--format", "ndjson"], ["--max-steps"]),
        (["descend", "x**2", "--every", "0", "--format", "csv"], ["--every"]),
        (["sgd", "--synthetic", "linear", "--epochs", str(10**12), "--format", "json"], ["--epochs"]),
        (["sgd", "--data", str(csv_path), "--format", "json"], [str(csv_path), "line 3"]),
        (["sgd", "--data", str(tmp_path), "--format", "json"], ["directory"]),
        (["descend", "x**2", "--config", str(tmp_path), "--format", "json"], ["directory"]),
        (["presets", "unknown"], ["unknown"]),
        (["lab", "show", "unknown"], ["unknown"]),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda case: run_gdsim(*case[0], timeout=60), cases))
    failures = {" ".join(args)[:60]: refusal_problems(run, words, machine=args[0] != "lab" and args[0] != "presets")
                for (args, words), run in zip(cases, runs)}
    assert not {k: v for k, v in failures.items() if v}


def test_a_file_name_that_is_not_utf8_is_printed_escaped(tmp_path):
    # A Latin-1 file name reaches Python as a lone surrogate; the JSON must still be UTF-8.
    name = bytes(tmp_path / "donn") + b"\xe9es.csv"
    Path(name.decode("utf-8", "surrogateescape")).write_bytes(PLAIN_CSV)
    proc = subprocess.run(
        [sys.executable, "-m", "gdsim", "sgd", "--data", name, "--format", "json", "--epochs", "1"],
        capture_output=True, env=plain_env({"PYTHONIOENCODING": "utf-8:strict"}), timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout.decode("utf-8"))
    assert doc["data"].endswith("donn\udce9es.csv")


def test_numbers_with_huge_exponents_are_answered_quickly():
    texts = ["1e99999999*x", "x + 2.5e-99999999", "0e99999999*x"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda t: run_gdsim("derive", t, "--format", "json", timeout=3), texts))
    assert_refused(runs[0], "too large", "column 1")
    assert_refused(runs[1], "too small", "column 5")
    # 0e99999999 is just 0: the function 0·x, whose slope is 0 everywhere.
    assert runs[2].code == 0, runs[2].stderr
    assert json.loads(runs[2].stdout)["gradient"] == {"x": "0"}
    assert runs[2].cpu_seconds < CPU_SECONDS


# --- numerical hazards during a run -----------------------------------------------------------

# f, options, the step where the run must stop, and what the reason must name there.
# Every value comes from the closed form of plain gradient descent, x_{k+1} = x_k - lr·f'(x_k).
DESCEND_HAZARDS = {
    # x_k = (-2)^k: f = x² = 2^1024 overflows at x_512 = 2^512 = 1.34078e+154.
    "overflow": ("x**2", ["--lr", "1.5", "--bound", "inf", "--max-steps", "2000"], 512, ["x=1.34078e+154", "overflows"]),
    "overflow-at-start": ("exp(x)", ["--start", "800"], 0, ["x=800", "exp(x) overflows"]),
    # f' = 2x - 1 = -3 at x = -1, so x_1 = 899, where exp(-x) underflows to 0 and log(0) is -∞.
    "underflow": ("log(exp(-x)) + x**2", ["--start", "-1", "--lr", "300"], 1, ["x=899", "exp(-x) = 0"]),
    # f' = 1/x = 1 at x = 1, so x_1 = 1 - 10 = -9.
    "log-domain": ("log(x)", ["--lr", "10"], 1, ["x=-9", "log"]),
    # f' = 1/(2√x) = 0.5 at x = 1, so x_1 = 1 - 10·0.5 = -4.
    "sqrt-domain": ("sqrt(x)", ["--lr", "10"], 1, ["x=-4", "square root"]),
    # f' = 1/x² = 1 at x = 1, so x_1 = 0.
    "division-by-zero": ("-1/x", ["--lr", "1"], 1, ["x=0", "division by zero"]),
}
NON_FINITE_WORD = re.compile(r"\b(nan|infinity)\b", re.IGNORECASE)
NON_FINITE_CELL = re.compile(r"(^|,)(nan|-?inf|-?infinity)(,|$)", re.IGNORECASE | re.MULTILINE)


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, which are not JSON."""
    def refuse(constant):
        raise AssertionError(f"{constant} in the JSON output")
    return json.loads(text, parse_constant=refuse)


def check_machine_output(fmt: str, out: str) -> dict:
    """The result record of a machine-format run, after checking no non-finite number is written."""
    if fmt == "json":
        return strict_json(out)["result"]
    if fmt == "ndjson":
        lines = [strict_json(line) for line in out.splitlines()]
        assert [line["type"] for line in lines[:1] + lines[-1:]] == ["run", "result"]
        return lines[-1]
    assert not NON_FINITE_CELL.search(out), out[-400:]
    return {}


@pytest.mark.filterwarnings("error")  # numpy's RuntimeWarning would reach a student's terminal
@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "text"])
@pytest.mark.parametrize("hazard", sorted(DESCEND_HAZARDS))
def test_numerical_hazards_stop_descend_as_diverged_naming_the_step(gdsim_cli, hazard, fmt):
    f, options, step, words = DESCEND_HAZARDS[hazard]
    run = gdsim_cli("descend", f, *options, "--format", fmt, "--no-plot")
    assert run.code == 4, run.stderr
    assert "Traceback" not in run.stderr and "Warning" not in run.stderr
    assert not NON_FINITE_WORD.search(run.stdout + run.stderr), (run.stdout + run.stderr)[-600:]
    reason = run.stderr if fmt != "text" else run.stdout
    assert f"step {step}:" in reason and all(w in reason for w in words), reason[-600:]
    result = check_machine_output(fmt, run.stdout) if fmt != "text" else {}
    if result:
        assert result["status"] == "diverged" and result["steps"] == step
        assert f"step {step}:" in result["reason"]
        assert result["value"] is None  # f is not a finite number there: null, the reason says why


SGD_HAZARDS = {
    "overflow": (["--synthetic", "linear", "--lr", "1e300", "--epochs", "1"], "infinite"),
    "log-domain": (["--synthetic", "linear", "--model", "log(w)*x + b", "--init", "w=1,b=0", "--lr", "10"], "undefined"),
    "sqrt-domain": (["--synthetic", "linear", "--model", "sqrt(w)*x + b", "--init", "w=1,b=0", "--lr", "10"], "undefined"),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "text"])
@pytest.mark.parametrize("hazard", sorted(SGD_HAZARDS))
def test_numerical_hazards_stop_sgd_as_diverged_naming_the_step(gdsim_cli, hazard, fmt):
    options, word = SGD_HAZARDS[hazard]
    run = gdsim_cli("sgd", *options, "--format", fmt, "--no-plot")
    assert run.code == 4, run.stderr
    assert "Traceback" not in run.stderr and "Warning" not in run.stderr
    assert not NON_FINITE_WORD.search(run.stdout + run.stderr), (run.stdout + run.stderr)[-600:]
    reason = run.stderr if fmt != "text" else run.stdout
    # Either a minibatch loss that cannot be computed (that step is not taken), or, usually first,
    # the full-data loss after a step passing 1,000 times its start (that step is shown).
    undefined = re.search(r"diverged at step (\d+) \(epoch \d+, batch \d+\): the minibatch loss at (\S+=\S+) .*is " + word, reason)
    blown_up = re.search(r"diverged at step (\d+) \(epoch \d+, batch \d+\): the full-data loss (\S+ is more than 1,000 times|is no longer a finite)", reason)
    assert undefined or blown_up, reason[-600:]
    result = check_machine_output(fmt, run.stdout) if fmt != "text" else {}
    if result:
        assert result["status"] == "diverged"
        if undefined:
            assert int(undefined.group(1)) == result["steps"] + 1  # the step that could not be taken
        else:
            assert int(blown_up.group(1)) == result["steps"]  # the step that blew up, shown


def test_a_divergence_in_a_comparison_never_prints_nan_in_the_table(gdsim_cli):
    run = gdsim_cli("descend", "log(x)", "--lr", "1,10", "--no-plot")
    assert run.code == 4
    assert not NON_FINITE_WORD.search(run.stdout), run.stdout
    assert "undefined" in run.stdout  # f at x = -9


# --- property tests ---------------------------------------------------------------------------

# Random text, and text made of the language's own pieces joined by spaces. Numbers with long
# exponents are left to the subprocess tests (test_numbers_with_huge_exponents...) and to the
# fuzz target, where a computation that never returns cannot stop the suite.
PIECES = ["x", "y", "x1", "sin", "log", "exp", "sqrt", "sigmoid", "relu", "pi", "e", "1", "2.5", ".5", "1e3",
          "1e-3", "+", "-", "*", "/", "**", "^", "(", ")", ",", "[", "]", ":", "=", "'", ".", "__class__", "lambda"]
TEXTS = st.one_of(
    st.text(st.characters(exclude_characters="eE"), max_size=60),
    st.lists(st.sampled_from(PIECES), max_size=25).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=25).map("".join).filter(lambda t: not re.search(r"e\d{4}", t)),
)
PROPERTY = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def only_gdsim_errors(call) -> None:
    """Run call(); a GdsimError is a fine answer, any other exception escapes; CPU time is bounded."""
    start = time.thread_time()
    try:
        call()
    except GdsimError as e:
        assert e.message
    assert time.thread_time() - start < CPU_SECONDS


@PROPERTY
@given(TEXTS)
def test_the_parser_raises_nothing_but_gdsim_errors(text):
    from gdsim.expr.function import parse
    from gdsim.expr.parser import parse_tree

    only_gdsim_errors(lambda: parse_tree(text))
    only_gdsim_errors(lambda: parse_tree(text, vector=True))
    only_gdsim_errors(lambda: parse(text).gradient_exprs)


NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,3}", fullmatch=True), min_size=1, max_size=4, unique=True)


@PROPERTY
@given(NAMES, st.one_of(st.text(max_size=60), st.lists(st.sampled_from(["x", "y", "=", ",", "1", "-2.5", "1e3", " ",
                                                                          "nan", "inf", "1e999", "١"]), max_size=12).map("".join)))
def test_point_text_gives_a_finite_point_or_a_point_error(names, text):
    from gdsim.expr.points import parse_point

    start = time.thread_time()
    try:
        point = parse_point(text, names, option="--start")
    except PointError as e:
        assert e.message.startswith("--start")
    else:
        assert point.shape == (len(names),) and np.all(np.isfinite(point))
    assert time.thread_time() - start < CPU_SECONDS


@PROPERTY
@given(st.data())
def test_a_named_point_reads_back_the_numbers_written(data):
    from gdsim.expr.points import parse_point

    names = data.draw(NAMES)
    values = {n: data.draw(st.floats(allow_nan=False, allow_infinity=False)) for n in names}
    order = data.draw(st.permutations(names))
    text = ",".join(f"{n}={values[n]!r}" for n in order)
    assert parse_point(text, names).tolist() == [values[n] for n in names]


TOML_VALUES = ["1", "-1", "0", "0.5", "1e400", "nan", "inf", "true", '"x"', '"gd"', '""', "[1, 2]", "[]", "{x = 1}",
               "{}", "1979-05-27", '"1,2"', "9" * 30, "[[1], [2]]", '"\\u0000"']


@pytest.fixture(scope="module")
def toml_file(tmp_path_factory):
    return tmp_path_factory.mktemp("toml") / "lab.toml"


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.lists(st.tuples(st.sampled_from(["lr", "max_steps", "max-steps", "start", "optimizer", "tol", "every", "plot",
                                        "format", "bogus", '"a\\nb"', "descend", "sgd", "[descend]", "[sgd]", "epochs"]),
                       st.sampled_from(TOML_VALUES)), max_size=6)
      .map(lambda pairs: "\n".join(k if k.startswith("[") else f"{k} = {v}" for k, v in pairs).encode()),
    st.text(max_size=80).map(str.encode),
    st.binary(max_size=80),
))
def test_lab_files_give_options_or_a_config_error(toml_file, content):
    from gdsim.cli.descend import Options
    from gdsim.cli.options import schema

    SCHEMA = schema(Options)
    from gdsim.labs.config import load_config

    toml_file.write_bytes(content)
    only_gdsim_errors(lambda: load_config(str(toml_file), "descend", SCHEMA))


# Values that stress each kind of option; a run with them must end in a documented exit code.
HOSTILE_VALUES = ["0", "-1", "nan", "inf", "-inf", "abc", "", " ", "1e400", "1e-400", "0.5", "1", "2", "3", "1,2", ",",
                  "x=1", "١", str(10**12), "9" * 40, "gd,adam", "N"]
RANDOM_OPTIONS = {
    "descend": ["--lr", "--max-steps", "--tol", "--ftol", "--bound", "--every", "--momentum", "--alpha", "--beta1",
                "--beta2", "--eps", "--optimizer", "--start", "--dim", "--format", "--get", "--lang", "--preset"],
    "sgd": ["--lr", "--epochs", "--batch-size", "--samples", "--features", "--noise", "--seed", "--every", "--init",
            "--optimizer", "--loss", "--target", "--compare-batch", "--momentum", "--beta1", "--eps", "--format",
            "--model"],
}
BASE = {"descend": ["descend", "x**2 + y**2", "--max-steps=50", "--format=json", "--no-plot"],
        "sgd": ["sgd", "--synthetic=linear", "--epochs=2", "--format=json", "--no-plot"]}


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(RANDOM_OPTIONS)), st.data())
def test_random_option_values_end_in_a_documented_exit_code(gdsim_cli, command, data):
    options = data.draw(st.lists(st.sampled_from(RANDOM_OPTIONS[command]), min_size=1, max_size=3, unique=True))
    args = list(BASE[command])
    for option in options:
        args += [f"{option}={data.draw(st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=8)))}"]
    run = gdsim_cli(*args)
    fmt = next(a.split("=", 1)[1] for a in reversed(args) if a.startswith("--format="))
    machine = fmt in ("json", "ndjson", "csv")
    assert run.code in (0, 2, 3, 4), (args, run.code, run.stderr[-300:])
    if run.code == 2:
        assert_refused(run, machine=machine)
    else:
        assert "Traceback" not in run.stderr
        if fmt == "json" and not any(a.startswith("--get=") for a in args):
            strict_json(run.stdout)
        assert not NON_FINITE_WORD.search(run.stdout)
    assert run.cpu_seconds < CPU_SECONDS


# --- the fuzz target, a few seconds of it -----------------------------------------------------

FUZZ = HERE / "fuzz_parser.py"

def test_the_parser_fuzz_target_under_hypothesis(tmp_path):
    # One CPU second per input at most; an input that never returns ends the run after three.
    proc = subprocess.run([sys.executable, str(FUZZ), "--hypothesis", "--seconds", "2", "--examples", "300"],
                          capture_output=True, text=True, cwd=tmp_path, env=plain_env({"GDSIM_FUZZ_SLOW": "1"}), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "every one refused cleanly or parsed" in proc.stderr


def test_the_parser_fuzz_target_under_atheris(tmp_path):
    pytest.importorskip("atheris")
    proc = subprocess.run(
        [sys.executable, str(FUZZ), "--corpus", str(tmp_path / "corpus"), "-runs=3000", "-max_len=256", "-timeout=2",
         "-seed=1", f"-artifact_prefix={tmp_path}/"],
        capture_output=True, text=True, cwd=tmp_path, env=plain_env(), timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Done 3000 runs" in proc.stderr
