"""What an attacker found beyond the hostile corpus, each case as a real process with the limits it
must meet: the exit code (2 for refused input, else the run's own), one line on stderr (three for an
expression: the line, the text and the caret), under 2 CPU seconds, bounded memory, and nothing on
stdout for refused input.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import plain_env, run_gdsim

CPU_SECONDS = 2.0
# Start-up alone (Python, numpy, symengine) is about 60 MB resident; no refused input may need
# much more than that, and none of these runs may come near the gigabytes the cases used to take.
RSS_MB = 400


def refused(run, *words, lines: int = 1):
    """Exit 2, the error line (and the text with a caret for an expression), nothing on stdout,
    within the CPU and memory limits."""
    err = run.stderr.rstrip("\n").split("\n")
    assert run.code == 2, (run.code, run.stderr[-600:])
    assert run.stdout == "", run.stdout[:200]
    assert err[0].startswith("error: "), run.stderr[:300]
    assert len(err) == lines, run.stderr[:600]
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    for word in words:
        assert word in err[0], (word, err[0][:300])
    assert run.cpu_seconds < CPU_SECONDS, f"{run.cpu_seconds:.2f} s of CPU"
    assert run.max_rss_mb < RSS_MB, f"{run.max_rss_mb:.0f} MB"


def product(n: int, first: str = "") -> str:
    """(1+x/1)*(1+x/2)*...*(1+x/n): its gradient has n terms of n factors, its Hessian n² of them."""
    return first + "*".join(f"(1+x/{i})" for i in range(1, n + 1))


# --- crashes: size limits before the expensive work -------------------------------------------

LONG_DECIMAL = "x+0." + "3" * 4400


@pytest.mark.parametrize("args", [
    ["derive", LONG_DECIMAL],
    ["descend", LONG_DECIMAL, "--format", "json"],
    ["sgd", "--synthetic", "linear", "--model", "w*x+b+0." + "3" * 4400, "--format", "json"],
], ids=["derive", "descend", "sgd-model"])
def test_a_number_of_thousands_of_digits_is_refused_by_its_digit_count(args):
    refused(run_gdsim(*args), "has 4401 digits; the limit is 400", lines=3)


def test_an_exact_product_past_the_double_range_is_refused_at_the_product():
    # Each power is under the 4,096-bit cap; their product (16,000 bits) is not.
    refused(run_gdsim("derive", "x*2**4000*2**4000*2**4000*2**4000", "--format", "json"), "too large", lines=3)


def test_an_exact_product_that_fits_a_double_is_kept_as_its_value():
    # 2**4000 * 2**-3990 = 2**10 exactly: the slope is 1024 whatever the path through the exact sizes.
    run = run_gdsim("derive", "x*2**4000*2**-3990", "--at", "1", "--format", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["gradient_value"] == {"x": 1024.0}


@pytest.mark.parametrize("text, column", [("x*৪", 3), ("２x", 1), ("x*٣", 3)])
def test_digits_other_than_ascii_are_refused_where_they_stand(text, column):
    # ৪ is the Bengali four and looks like an 8; --at refuses these digits too.
    refused(run_gdsim("derive", text, "--format", "json"), "numbers use only the digits 0-9", f"(column {column})", lines=3)


def test_a_non_ascii_subscript_is_refused_in_vector_mode():
    refused(run_gdsim("derive", "x[١]", "--dim", "3", "--format", "json"), "0-9", lines=3)


# --- memory: bounded reads ---------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["sgd", "--data", "/dev/zero", "--format", "json"],
    ["sgd", "--data", "/dev/urandom", "--format", "json"],
    ["descend", "x", "--config", "/dev/zero", "--format", "json"],
    ["descend", "x", "--config", "/dev/urandom", "--format", "json"],
], ids=["data-zero", "data-urandom", "config-zero", "config-urandom"])
def test_a_device_is_refused_without_reading_it(args):
    refused(run_gdsim(*args, timeout=20), "is not a regular file", args[2])


@pytest.mark.parametrize("option", ["--data", "--config"])
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path, option):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = ["sgd", "--data", str(fifo)] if option == "--data" else ["descend", "x", "--config", str(fifo)]
    run = run_gdsim(*args, "--format", "json", timeout=20)
    refused(run, "is not a regular file")
    assert run.seconds < 15  # the watchdog would have killed a process blocked on open()


def test_a_short_row_after_many_blank_lines_under_a_wide_header_takes_no_memory(tmp_path):
    # 429 KB: 20,000 columns, 300,000 blank lines and one short row once asked for 44.7 GiB.
    data = tmp_path / "wide.csv"
    data.write_text(",".join(f"c{i}" for i in range(20_000)) + "\n" + "\n" * 300_000 + "1,2\n")
    run = run_gdsim("sgd", "--data", str(data), "--target", "c0", "--format", "json")
    refused(run, "line 300002", "2 cells but the header has 20000 columns")
    # ... and the message names five missing columns and a count, not 19,998 names.
    assert len(run.stderr) < 300


def test_a_wide_csv_is_read_in_linear_time(tmp_path):
    # 20,000 columns took 3 s in tuple.index; 300,000 gave no output after 60 s.
    data = tmp_path / "wide.csv"
    columns = 20_000
    rows = [",".join(f"c{i}" for i in range(columns)) + ",y"] + [",".join(["1"] * (columns + 1))] * 3
    data.write_text("\n".join(rows) + "\n")
    # a small --lr: with 20,001 weights of one feature each, lr 0.1 makes the loss blow up at once (diverged)
    run = run_gdsim("sgd", "--data", str(data), "--epochs", "1", "--lr", "1e-6", "--format", "json", "--get", "result.status")
    assert (run.code, run.stdout) == (0, "completed\n"), run.stderr
    assert run.cpu_seconds < CPU_SECONDS


def test_a_json_document_of_a_million_coordinates_for_every_step_is_refused_before_the_run():
    run = run_gdsim("descend", "sum(x**2)", "--dim", "1000000", "--lr", "0.01", "--format", "json")
    refused(run, "--format json would hold up to", "ndjson")


# --- hangs: explanations and hints never do unbounded work ------------------------------------


def test_the_hint_after_a_divergence_skips_a_hessian_too_large_to_build():
    # 120 factors took 48 s (180 took 344 s) compiling a symbolic Hessian for the hint.
    run = run_gdsim("descend", product(180), "--start", "0", "--lr", "1e9", "--format", "json")
    assert run.code == 4, run.stderr
    assert json.loads(run.stdout)["result"]["status"] == "diverged"
    assert run.stderr.count("\n") == 1 and "try a smaller --lr than 1e+09" in run.stderr
    assert run.cpu_seconds < CPU_SECONDS


def test_a_model_with_a_gradient_too_large_to_compile_is_refused():
    model = product(200).replace("x/", "a*x/").replace(")*(", "+b*x)*(") + "+b*x"
    run = run_gdsim("sgd", "--synthetic", "linear", "--model", model, "--format", "json")
    refused(run, "too large to compute quickly", lines=3)


def test_explaining_an_undefined_point_is_bounded():
    # derive took 3-6 s compiling every part of sqrt(x)·(1+x/1)···(1+x/30) to say why x=0 fails.
    run = run_gdsim("derive", product(30, "sqrt(x)*"), "--at", "0", "--format", "json")
    refused(run, "f is not defined at x=0")


def test_a_divergence_at_the_start_of_a_large_function_is_explained_quickly():
    run = run_gdsim("descend", product(100, "sqrt(x)*"), "--start", "0", "--format", "json")
    assert run.code == 4, run.stderr
    assert json.loads(run.stdout)["result"]["status"] == "diverged"
    assert run.cpu_seconds < CPU_SECONDS


def test_check_of_a_million_coordinates_is_not_quadratic():
    # Every coordinate's central difference evaluated f at a million points: a million times.
    run = run_gdsim("derive", "sum(x**2)", "--dim", "1000000", "--at", "1", "--check", "--get", "check.max_difference")
    assert run.code == 0, run.stderr
    # f = Σ x² = 10⁶ and ∂f/∂x_i = 2: a central difference is exact for a quadratic but for the
    # rounding of f, about 10⁶·2e-16 / 6e-6 ≈ 4e-5.
    assert float(run.stdout) < 1e-3
    assert run.cpu_seconds < 2 * CPU_SECONDS  # f and ∇f of a million coordinates, and the JSON


# --- wrong or misleading output -----------------------------------------------------------------


def test_an_update_that_overflows_to_minus_infinity_is_a_divergence_not_convergence():
    run = run_gdsim("descend", "exp(x)", "--start", "709", "--lr", "1e308", "--bound", "inf", "--format", "json")
    assert run.code == 4, run.stderr
    result = json.loads(run.stdout)["result"]
    assert result["status"] == "diverged" and result["point"] == {"x": None}
    assert "no longer a finite number" in result["reason"]


def test_text_output_never_shows_the_words_inf_or_nan():
    run = run_gdsim("descend", "exp(x)", "--start", "709", "--lr", "1e308", "--bound", "inf", "--no-plot")
    assert run.code == 4
    words = (run.stdout + run.stderr).replace("infinite", "").split()
    assert not [w for w in words if w.strip(",.;:()=x").lower() in ("inf", "-inf", "nan")], run.stdout
    assert "x=-∞" in run.stdout


# --- data loss: --save-plot never replaces an input -------------------------------------------


def _unchanged_after(run, path: Path, before: bytes, *words):
    refused(run, *words)
    assert path.read_bytes() == before


def test_save_plot_never_replaces_the_runs_data_file(tmp_path):
    data = tmp_path / "points.txt"
    data.write_text("x,y\n1,2\n2,4\n3,6\n")
    before = data.read_bytes()
    run = run_gdsim("sgd", "--data", str(data), "--save-plot", str(data), "--format", "json")
    _unchanged_after(run, data, before, "is the run's --data file")


def test_a_lab_file_that_saves_its_plot_over_itself_is_refused(tmp_path):
    lab = tmp_path / "lab.toml"
    lab.write_text(f'lr = 0.1\nsave-plot = "{lab}"\n')
    before = lab.read_bytes()
    run = run_gdsim("descend", "x**2", "--config", str(lab), "--format", "json")
    _unchanged_after(run, lab, before, "is the run's --config file")


def test_save_plot_never_replaces_a_file_that_is_not_a_plot(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("my notes\n")
    run = run_gdsim("descend", "x**2", "--save-plot", str(notes), "--format", "json")
    _unchanged_after(run, notes, b"my notes\n", str(notes), "is not a plot file")


def test_save_plot_replaces_an_earlier_plot_file(tmp_path):
    plot = tmp_path / "plots.txt"
    plot.write_text("an older plot\n")
    run = run_gdsim("descend", "x**2", "--save-plot", str(plot), "--format", "json")
    assert run.code == 0, run.stderr
    assert "f against step" in plot.read_text()


def test_save_plot_to_a_device_is_refused_before_the_run():
    # It used to print the JSON and then exit 2, losing the run's exit code.
    refused(run_gdsim("descend", "x**2", "--save-plot", "/dev/full", "--format", "json"), "is not a regular file")


# --- messages ------------------------------------------------------------------------------------


def test_a_step_zero_overflow_names_the_part_briefly():
    run = run_gdsim("descend", product(60, "exp(x)*"), "--start", "800", "--format", "json")
    assert run.code == 4
    assert run.stderr.count("\n") == 1 and len(run.stderr) < 300, run.stderr


@pytest.mark.parametrize("args, words", [
    (["derive", "x**2", "--at", "1", "--get", ""], ["--get: give a path"]),
    (["descend", "x**2", "--lr", "0.1,0.2", "--get", "runs.-1.result.status"], ["must be an index from 0 to 1"]),
    (["descend", "x**2", "--preset", "rosenbrock", "--format", "json"], ["--preset rosenbrock brings a start"]),
], ids=["get-empty", "get-negative", "preset-start"])
def test_options_are_refused_with_the_right_words(args, words):
    refused(run_gdsim(*args), *words)


def test_a_function_that_starts_with_a_minus_and_a_letter_is_not_an_option():
    run = run_gdsim("derive", "-x", "--at", "1", "--format", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["gradient_value"] == {"x": -1.0}


@pytest.mark.parametrize("toml, words", [
    ("lr = 1e400\n", ["lab.toml", "'lr' must be a finite number"]),
    ("max-steps = 3\nmax_steps = 5\n", ["lab.toml", "'max-steps' and 'max_steps' set the same option"]),
], ids=["inf", "twice"])
def test_lab_file_mistakes_name_the_file(tmp_path, toml, words):
    (tmp_path / "lab.toml").write_text(toml)
    refused(run_gdsim("descend", "x**2", "--config", str(tmp_path / "lab.toml"), "--format", "json"), *words)


def test_a_lab_file_start_may_be_a_bare_number(tmp_path):
    (tmp_path / "lab.toml").write_text("start = 3\n")
    run = run_gdsim("descend", "x**2", "--config", str(tmp_path / "lab.toml"), "--max-steps", "0", "--get", "start")
    assert (run.code, run.stdout) == (3, '{"x": 3.0}\n'), run.stderr


# --- escapes --------------------------------------------------------------------------------------

RAW = ("\x1b", "\r", "\u202e", "\x07")


def clean(text: str) -> bool:
    return not any(c in text for c in RAW)


def test_an_escape_sequence_in_the_expression_is_shown_escaped():
    run = run_gdsim("derive", "\x1b[2J\x1b[31mHACKED x")
    refused(run, "U+001B", lines=3)
    assert clean(run.stderr) and "\\x1b[2J\\x1b[31mHACKED x" in run.stderr


@pytest.mark.parametrize("text", ["x+\u202ey", "x\r+1+"])
def test_bidi_overrides_and_carriage_returns_are_shown_escaped(text):
    run = run_gdsim("derive", text)
    assert run.code == 2 and clean(run.stderr), run.stderr


def test_a_lab_file_cannot_drive_the_terminal(tmp_path):
    (tmp_path / "lab.toml").write_text('optimizer = "gd\\u001b[2J"\n')
    run = run_gdsim("descend", "x**2", "--config", str(tmp_path / "lab.toml"))
    assert run.code == 2 and clean(run.stderr), run.stderr
    assert "\\x1b[2J" in run.stderr


def test_csv_column_names_are_shown_escaped_in_sgd_text(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a\x1b[31mX,y\n1,2\n2,4\n3,6.1\n")
    run = run_gdsim("sgd", "--data", str(data), "--epochs", "2", "--no-plot")
    assert run.code == 0, run.stderr
    assert clean(run.stdout) and "w_a\\x1b[31mX" in run.stdout


# --- interrupts from start-up to the last byte --------------------------------------------------


def _caught(pid: int, sig: int) -> bool:
    with open(f"/proc/{pid}/status") as fh:
        mask = next(int(line.split()[1], 16) for line in fh if line.startswith("SigCgt:"))
    return bool(mask & (1 << (sig - 1)))


@pytest.mark.parametrize("sig, words", [(signal.SIGTERM, "terminated (SIGTERM)"), (signal.SIGINT, "interrupted by Ctrl-C")])
def test_a_signal_before_the_run_starts_ends_with_one_line_and_130(sig, words):
    # Compiling the gradient of 90 factors takes a few hundred ms: the signal lands there.
    proc = subprocess.Popen([sys.executable, "-m", "gdsim", "descend", product(90), "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=plain_env())
    end = time.monotonic() + 30
    while not _caught(proc.pid, signal.SIGTERM):
        assert time.monotonic() < end and proc.poll() is None
        time.sleep(0.005)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode().count("\n") == 1 and words in err.decode(), err
    assert b"Traceback" not in err


def test_a_finished_run_blocked_on_a_slow_reader_says_its_output_was_cut():
    # The JSON of 20,000 steps is megabytes; nobody reads it until the signal.
    proc = subprocess.Popen([sys.executable, "-m", "gdsim", "descend", "x**2", "--lr", "1e-9", "--tol", "0",
                             "--max-steps", "20000", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=plain_env())
    end = time.monotonic() + 60
    while True:  # wait until it is blocked writing: its CPU time stops growing
        with open(f"/proc/{proc.pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        if state == "S" and _caught(proc.pid, signal.SIGTERM):
            time.sleep(0.3)
            with open(f"/proc/{proc.pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "S":
                    break
        assert time.monotonic() < end
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.decode() == "interrupted by Ctrl-C; any output above is incomplete\n"
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)  # a reader can tell: the document is not whole


# --- standard streams closed, full or slow, for every command and format --------------------------

# A representative matrix: each command in each of its formats; the descend runs diverge (exit 4)
# and say so on stderr, so that a lost stderr can be seen not to change the exit code.
STREAM_CASES = {
    "derive-text": ["derive", "x**2", "--at", "1"],
    "derive-json": ["derive", "x**2", "--at", "1", "--format", "json"],
    "derive-latex": ["derive", "x**2", "--at", "1", "--format", "latex"],
    "derive-refused": ["derive", "x**"],
    "descend-text": ["descend", "x**2", "--lr", "5", "--max-steps", "50", "--no-plot"],
    "descend-json": ["descend", "x**2", "--lr", "5", "--max-steps", "50", "--format", "json"],
    "descend-ndjson": ["descend", "x**2", "--lr", "5", "--max-steps", "50", "--format", "ndjson"],
    "descend-csv": ["descend", "x**2", "--lr", "5", "--max-steps", "50", "--format", "csv"],
    "sgd-text": ["sgd", "--synthetic", "linear", "--epochs", "2", "--no-plot"],
    "sgd-json": ["sgd", "--synthetic", "linear", "--epochs", "2", "--format", "json"],
    "sgd-ndjson": ["sgd", "--synthetic", "linear", "--epochs", "2", "--format", "ndjson"],
    "sgd-csv": ["sgd", "--synthetic", "linear", "--epochs", "2", "--format", "csv"],
    "presets": ["presets"],
    "presets-json": ["presets", "--format", "json"],
    "lab-list": ["lab", "list"],
    "sweep-text": ["sweep", "x**2", "--lr", "0.1:0.5:3", "--no-plot"],
    "sweep-json": ["sweep", "x**2", "--lr", "0.1:0.5:3", "--format", "json"],
    "sweep-csv": ["sweep", "x**2", "--lr", "0.1:0.5:3", "--format", "csv"],
    "practice-text": ["practice", "x**2", "--steps", "1"],
    "practice-json": ["practice", "x**2", "--steps", "1", "--format", "json"],
}


def run_with_streams(args, stdout="pipe", stderr="pipe"):
    """gdsim with stdout/stderr each a pipe, closed, or /dev/full; (code, stdout bytes, stderr bytes)."""
    closed = [fd for fd, how in ((1, stdout), (2, stderr)) if how == "closed"]
    full = open("/dev/full", "wb")
    pick = {"pipe": subprocess.PIPE, "closed": subprocess.DEVNULL, "full": full}
    with full:
        proc = subprocess.Popen([sys.executable, "-m", "gdsim", *args], stdin=subprocess.DEVNULL,
                                stdout=pick[stdout], stderr=pick[stderr], env=plain_env(),
                                preexec_fn=(lambda: [os.close(fd) for fd in closed]) if closed else None)
        out, err = proc.communicate(timeout=60)
    return proc.returncode, out or b"", err or b""


@pytest.fixture(scope="module")
def baseline():
    """Each case with both streams piped: the exit code and the output the others are held to."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(STREAM_CASES, pool.map(run_with_streams, STREAM_CASES.values())))
    assert [runs[k][0] for k in STREAM_CASES] == [0, 0, 0, 2, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    return runs


@pytest.mark.parametrize("case", [k for k in STREAM_CASES if k != "derive-refused"])
@pytest.mark.parametrize("how, words", [("closed", "standard output is closed"), ("full", "No space left on device")])
def test_stdout_that_cannot_be_written_is_one_line_and_exit_2(case, how, words):
    code, out, err = run_with_streams(STREAM_CASES[case], stdout=how)
    assert code == 2, err
    lines = err.decode().splitlines()
    # practice asks its questions on stderr whatever stdout is; the error is still one line, the last.
    assert words in lines[-1] and (len(lines) == 1 or case.startswith("practice")), err
    assert sum(line.startswith("error:") for line in lines) == 1
    assert b"Traceback" not in err


@pytest.mark.parametrize("case", ["derive-json", "derive-refused", "descend-text", "descend-json", "descend-ndjson",
                                  "descend-csv", "sgd-json", "sweep-json", "practice-json"])
@pytest.mark.parametrize("how", ["closed", "full"])
def test_stderr_that_cannot_be_written_keeps_the_runs_exit_code_and_output(baseline, case, how):
    code, out, _ = run_with_streams(STREAM_CASES[case], stderr=how)
    assert (code, out) == baseline[case][:2]


@pytest.mark.parametrize("args", [
    ["descend", "x**2", "--lr", "1e-6", "--tol", "0", "--max-steps", "3000", "--format", "json"],
    ["descend", "x**2", "--lr", "1e-6", "--tol", "0", "--max-steps", "3000", "--format", "csv"],
    ["sgd", "--synthetic", "linear", "--epochs", "300", "--every", "1", "--format", "ndjson"],
], ids=["json", "csv", "ndjson"])
def test_a_slow_reader_gets_every_byte(args):
    fast = run_with_streams(args)
    proc = subprocess.Popen([sys.executable, "-m", "gdsim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=plain_env())
    chunks = []
    while chunk := proc.stdout.read1(16384):
        chunks.append(chunk)
        time.sleep(0.002)  # far slower than gdsim writes: the pipe stays full
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert len(fast[1]) > 256 * 1024  # several pipe-fulls
    assert (proc.returncode, b"".join(chunks), err) == fast


# --- escaping: random control and bidirectional characters through every echoing path -----------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

CONTROLS = [chr(c) for c in range(0x20) if c != 0x0A] + ["\x7f", "\x85", "\x9b"] + \
           ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
            "\u2068", "\u2069"]
HOSTILE = st.text(alphabet=st.sampled_from(CONTROLS + list("ab1 [")), min_size=1, max_size=6).filter(
    lambda t: any(c in CONTROLS for c in t))


def echoing_paths(tmp_path: Path, bad: str) -> dict[str, list[str]]:
    lab = tmp_path / "lab.toml"
    lab.write_text(f"optimizer = {json.dumps('gd' + bad)}\n", encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text(f"a{bad}b,y\n1,2\n2,4\n", encoding="utf-8")
    return {
        "expression": ["derive", f"x{bad}+1"],
        "point": ["derive", "x**2", "--at", f"x=1{bad}"],
        "lr": ["descend", "x**2", "--lr", f"0.1{bad}"],
        "toml value": ["descend", "x**2", "--config", str(lab)],
        "file name": ["sgd", "--data", str(tmp_path / f"no{bad}.csv")],
        "csv column in text": ["sgd", "--data", str(data), "--epochs", "1", "--no-plot"],
        "csv column as target": ["sgd", "--data", str(data), "--target", f"z{bad}"],
        "get path": ["derive", "x**2", "--at", "1", "--get", f"value{bad}"],
        "preset": ["descend", "--preset", f"rosen{bad}"],
    }


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=HOSTILE)
def test_control_and_bidi_characters_are_shown_escaped_everywhere(gdsim_cli, tmp_path, bad):
    for path, args in echoing_paths(tmp_path, bad).items():
        run = gdsim_cli(*args)
        shown = run.stdout + run.stderr
        raw = sorted({f"U+{ord(c):04X}" for c in shown if c in CONTROLS})
        assert not raw, (path, raw, shown[-400:])
        assert "Traceback" not in shown, (path, shown)


# --- comparisons grow linearly with the number of runs --------------------------------------------


def test_a_comparison_of_many_runs_grows_linearly(gdsim_cli):
    # plots[_labels(optimizers)[i]] rebuilt every label for every run: 600 runs took 28 s.
    def cpu(n: int) -> float:
        lrs = ",".join(f"{0.001 * (i + 1):g}" for i in range(n))
        best = math.inf
        for _ in range(2):  # the faster of two: a busy machine only ever adds
            run = gdsim_cli("descend", "x**2", "--lr", lrs, "--max-steps", "0", "--format", "json")
            assert run.code == 3, run.stderr
            assert len(json.loads(run.stdout)["runs"]) == n
            best = min(best, run.cpu_seconds)
        return best

    t10, t100, t400 = cpu(10), cpu(100), cpu(400)
    # Linear growth is 40×; start-up costs make it less. Cubic growth was thousands.
    assert t400 <= 60 * t10, (t10, t100, t400)
    assert t400 <= 10 * t100, (t10, t100, t400)


@pytest.mark.parametrize("args", [
    ["descend", product(120) + "+x**2", "--start", "0", "--max-steps", "0", "--tol", "1e9", "--format", "json"],
    ["sweep", product(120), "--start", "0", "--lr", "0.1,0.2", "--max-steps", "2", "--format", "json"],
], ids=["stationary-kind", "sweep-lr-limit"])
def test_curvature_verdicts_skip_a_hessian_too_large_to_build(args):
    # The kind of flat ground and sweep's 2/λ_max compile the same Hessian as the divergence hint.
    run = run_gdsim(*args)
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["result"]["stationary"] if args[0] == "descend" else doc["lr_limit"]) is None
    assert run.cpu_seconds < CPU_SECONDS
