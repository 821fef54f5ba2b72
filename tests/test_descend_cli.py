"""Tests for the `gdsim descend` command: exit codes, the JSON/NDJSON/CSV contract, piped text, Ctrl-C and pipes.

Most runs go through gdsim.cli.app.run in this process (fast); signals and closed pipes need a real
process. Expected numbers come from closed forms (GD on x² + y² shrinks each coordinate by 1 − 2·lr).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import subprocess
import sys
import threading
import warnings

import pytest

from gdsim.cli import app as gdsim_app


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    """English, no inherited colour settings, and the SIGTERM handler a run installs put back afterwards."""
    for name in ("FORCE_COLOR", "NO_COLOR", "GDSIM_DEBUG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    handler = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, handler)


@pytest.fixture
def gdsim(capsys):
    """Run `gdsim descend ARGS...` in this process: (exit code, stdout, stderr)."""

    def call(*args):
        code = gdsim_app.run(["descend", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def strict_json(text):
    """json.loads that refuses NaN and Infinity, which are not JSON."""

    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def descend_json(gdsim, *args):
    code, out, err = gdsim(*args, "--format", "json")
    return code, strict_json(out), err


def process(*args, **popen):
    """`python -m gdsim descend ARGS...` as a real process with pipes, in English without colour settings.

    A watchdog kills it after a minute, so that a run that never prints makes a test fail, not hang.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "GDSIM_DEBUG", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "C.UTF-8"
    proc = subprocess.Popen([sys.executable, "-m", "gdsim", "descend", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, **popen)
    watchdog = threading.Timer(60, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    return proc


# --- exit codes -------------------------------------------------------------------------------


def test_converged_exits_0(gdsim):
    code, doc, _ = descend_json(gdsim, "x**2", "--lr", "0.5")
    assert code == 0
    assert doc["result"]["status"] == "converged"


def test_max_steps_exits_3(gdsim):
    code, doc, err = descend_json(gdsim, "x**2", "--max-steps", "3")
    assert code == 3
    assert doc["result"]["status"] == "max_steps"
    assert "max_steps" in err


def test_diverged_exits_4(gdsim):
    code, doc, _ = descend_json(gdsim, "x**2", "--lr", "1.5")
    assert code == 4
    assert doc["result"]["status"] == "diverged"


def test_overflow_exits_4_without_python_warnings(gdsim):
    # x_k = (-2)^k with no --bound to stop it: f overflows near step 512. A warning turned into an error
    # here would surface as an internal error (exit 1).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, out, err = gdsim("x**2", "--lr", "1.5", "--bound", "inf", "--max-steps", "2000", "--format", "json")
    assert code == 4
    assert "Warning" not in err and "internal error" not in err
    assert strict_json(out)["result"]["status"] == "diverged"


def test_a_comparison_exits_with_its_worst_outcome(gdsim):
    code, doc, _ = descend_json(gdsim, "x**2", "--lr", "0.5,1.5")
    assert [run["result"]["status"] for run in doc["runs"]] == ["converged", "diverged"]
    assert code == 4


@pytest.mark.parametrize(
    "args, named",
    [
        (["x**"], "column"),
        (["x**2 +* y"], "column"),
        (["x**2", "--start", "abc"], "--start"),
        (["x**2 + y**2", "--start", "1,2,3"], "x, y"),
        (["x**2 + y**2", "--start", "z=1"], "x, y"),
        (["x**2", "--lr", "0"], "--lr"),
        (["x**2", "--lr", "-0.1"], "--lr"),
        (["x**2", "--lr", "nan"], "--lr"),
        (["x**2", "--lr", "0.1,0"], "--lr"),
        (["x**2", "-o", "momentum", "--momentum", "1.5"], "--momentum"),
        (["x**2", "-o", "adam", "--beta1", "1"], "--beta1"),
        (["x**2", "-o", "adam", "--eps", "0"], "--eps"),
        (["x**2", "-o", "bogus"], "bogus"),
        (["x**2", "-o", "gd,bogus"], "bogus"),
        (["x**2", "--every", "0"], "--every"),
        (["x**2", "--format", "bogus"], "bogus"),
        (["x**2", "--tol", "-1"], "--tol"),
    ],
)
def test_refused_input_exits_2_with_one_clear_error(gdsim, args, named):
    code, out, err = gdsim(*args)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert named in err.splitlines()[0]
    assert "Traceback" not in err


def test_ctrl_c_before_the_first_step_exits_130_without_a_traceback(gdsim, monkeypatch):
    from gdsim.cli import descend_run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
        yield  # a generator, like the engine

    monkeypatch.setattr(descend_run, "run", interrupted)
    code, _, err = gdsim("x**2", "--format", "json")
    assert code == 130
    assert "Traceback" not in err


def _interrupt(sig, *args):
    """Start a long run, wait for its first step on stdout, send `sig`: (exit code, stdout, stderr)."""
    proc = process(*args, text=True)
    head = []
    try:
        while True:
            line = proc.stdout.readline()
            assert line, "the run ended before it was interrupted: " + proc.stderr.read()
            head.append(line)
            if line.split()[:1] == ["0"] or '"type": "step"' in line:
                break
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, "".join(head) + out, err


LONG_RUN = ["x**2", "--lr", "1e-9", "--max-steps", "100000000"]


def test_ctrl_c_prints_the_summary_so_far_and_exits_130():
    code, out, err = _interrupt(signal.SIGINT, *LONG_RUN, "--format", "text")
    assert code == 130
    assert "Interrupted" in out
    assert "interrupted by Ctrl-C at step" in out
    assert "final point: x=" in out
    assert "Traceback" not in err
    assert "\x1b" not in out


def test_sigterm_is_handled_like_ctrl_c():
    # descend_run.py turns SIGTERM into the same interrupted result as Ctrl-C, hence 130 rather than 143.
    code, out, err = _interrupt(signal.SIGTERM, *LONG_RUN, "--format", "text")
    assert code == 130
    assert "Interrupted" in out
    assert "SIGTERM" in out
    assert "Traceback" not in err


def test_ctrl_c_in_ndjson_still_ends_with_a_result_line():
    code, out, err = _interrupt(signal.SIGINT, *LONG_RUN, "--format", "ndjson", "--every", "1000000")
    assert code == 130
    lines = [strict_json(line) for line in out.splitlines()]
    assert lines[0]["type"] == "run"
    assert lines[-1]["type"] == "result"
    assert lines[-1]["status"] == "interrupted"
    assert lines[-2]["type"] == "step" and lines[-2]["step"] == lines[-1]["steps"]
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", ["text", "ndjson"])
def test_a_closed_pipe_ends_quietly(fmt):
    # As in `gdsim descend "x**2+y**2" --lr 0.001 --max-steps 100000 | head -3`.
    proc = process("x**2+y**2", "--lr", "0.001", "--max-steps", "100000", "--format", fmt)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        proc.stdout.close()
        proc.wait(timeout=60)
        err = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert all(lines)
    assert "Traceback" not in err
    assert "Error" not in err
    assert proc.returncode in (0, -signal.SIGPIPE, 128 + signal.SIGPIPE)


# --- JSON -------------------------------------------------------------------------------------


def test_json_has_the_contract_fields_and_the_closed_form_walk(gdsim):
    code, doc, _ = descend_json(gdsim, "x**2 + y**2", "--start", "x=1,y=-2", "--lr", "0.1", "--max-steps", "5")
    assert code == 3
    assert doc["function"] == "x**2 + y**2"
    assert doc["variables"] == ["x", "y"]
    assert doc["optimizer"] == {"name": "gd", "lr": 0.1}
    assert doc["start"] == {"x": 1.0, "y": -2.0}
    assert [s["step"] for s in doc["steps"]] == [0, 1, 2, 3, 4, 5]
    assert doc["steps"][0]["point"] == doc["start"]
    for k, s in enumerate(doc["steps"]):
        assert set(s) >= {"step", "point", "value", "gradient", "gradient_norm"}
        x, y = 0.8**k, -2 * 0.8**k  # each update multiplies by 1 - 2·lr
        assert s["point"] == {"x": pytest.approx(x, rel=1e-14), "y": pytest.approx(y, rel=1e-14)}
        assert s["value"] == pytest.approx(x * x + y * y, rel=1e-14)
        assert s["gradient"] == {"x": pytest.approx(2 * x, rel=1e-14), "y": pytest.approx(2 * y, rel=1e-14)}
        assert s["gradient_norm"] == pytest.approx(math.hypot(2 * x, 2 * y), rel=1e-14)
    result = doc["result"]
    assert set(result) >= {"status", "reason", "steps", "point", "value", "gradient_norm"}
    assert result["status"] == "max_steps"
    assert result["steps"] == 5
    assert result["point"] == doc["steps"][-1]["point"]
    assert result["value"] == doc["steps"][-1]["value"]
    assert result["gradient_norm"] == doc["steps"][-1]["gradient_norm"]
    assert isinstance(result["reason"], str) and result["reason"]


@pytest.mark.parametrize(
    "args, optimizer",
    [
        (["-o", "gd"], {"name": "gd", "lr": 0.1}),
        (["-o", "gd", "--momentum", "0.5", "--beta1", "0.5", "--eps", "1e-3"], {"name": "gd", "lr": 0.1}),
        (["-o", "momentum"], {"name": "momentum", "lr": 0.1, "momentum": 0.9}),
        (["-o", "nesterov", "--momentum", "0.5"], {"name": "nesterov", "lr": 0.1, "momentum": 0.5}),
        (["-o", "adagrad"], {"name": "adagrad", "lr": 0.01, "eps": 1e-10}),
        (["-o", "rmsprop"], {"name": "rmsprop", "lr": 0.01, "alpha": 0.99, "eps": 1e-8}),
        (["-o", "adam"], {"name": "adam", "lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
        (["-o", "adam", "--momentum", "0.5", "--beta1", "0.8", "--lr", "0.02"],
         {"name": "adam", "lr": 0.02, "beta1": 0.8, "beta2": 0.999, "eps": 1e-8}),
    ],
)
def test_json_optimizer_lists_exactly_the_hyper_parameters_in_use(gdsim, args, optimizer):
    # The defaults are torch.optim's, except momentum 0.9 and lr 0.1 for gd/momentum/nesterov (spec §3).
    _, doc, _ = descend_json(gdsim, "x**2", "--max-steps", "1", *args)
    assert doc["optimizer"] == optimizer


@pytest.mark.parametrize(
    "every, max_steps, steps",
    [(1, 3, [0, 1, 2, 3]), (4, 10, [0, 4, 8, 10]), (5, 10, [0, 5, 10]), (20, 10, [0, 10])],
)
def test_every_keeps_the_first_every_nth_and_the_last_step(gdsim, every, max_steps, steps):
    _, doc, _ = descend_json(gdsim, "x**2", "--every", str(every), "--max-steps", str(max_steps))
    assert [s["step"] for s in doc["steps"]] == steps
    for s in doc["steps"]:
        assert s["point"]["x"] == pytest.approx(0.8 ** s["step"], rel=1e-14)


def test_every_keeps_the_last_step_of_a_converged_run(gdsim):
    # lr 0.5 on x² lands on 0 at step 1.
    _, doc, _ = descend_json(gdsim, "x**2", "--lr", "0.5", "--every", "3")
    assert [s["step"] for s in doc["steps"]] == [0, 1]


def test_a_comparison_gives_one_run_per_combination_from_the_same_start(gdsim):
    code, doc, _ = descend_json(gdsim, "x**2 + y**2", "--start", "1,2", "--lr", "0.1,0.5", "-o", "gd,adam", "--max-steps", "4")
    assert code == 3  # gd with lr 0.1 and both adam runs stop at --max-steps
    assert doc["variables"] == ["x", "y"]
    assert doc["start"] == {"x": 1.0, "y": 2.0}
    runs = doc["runs"]
    assert sorted((r["optimizer"]["name"], r["optimizer"]["lr"]) for r in runs) == [
        ("adam", 0.1), ("adam", 0.5), ("gd", 0.1), ("gd", 0.5)]
    for r in runs:
        assert r["steps"][0]["step"] == 0
        assert r["steps"][0]["point"] == {"x": 1.0, "y": 2.0}
        assert r["result"]["status"] in ("converged", "max_steps")
        assert r["result"]["steps"] == r["steps"][-1]["step"]
    gd_half = next(r for r in runs if r["optimizer"] == {"name": "gd", "lr": 0.5})
    assert gd_half["result"]["status"] == "converged" and gd_half["result"]["steps"] == 1


def test_non_finite_numbers_are_null_with_the_reason_in_result(gdsim):
    # 1 - 5·(1/2) = -1.5: the square root is not defined there.
    code, out, _ = gdsim("sqrt(x)", "--lr", "5", "--format", "json")
    assert code == 4
    doc = strict_json(out)
    last = doc["steps"][-1]
    assert last["step"] == 1 and last["point"] == {"x": -1.5}
    assert last["value"] is None
    assert doc["result"]["value"] is None
    assert doc["result"]["status"] == "diverged"
    assert "step 1" in doc["result"]["reason"] and "square root" in doc["result"]["reason"]


def test_default_start_is_one_for_every_variable(gdsim):
    _, doc, _ = descend_json(gdsim, "x**2 + y**2 + z**2", "--max-steps", "1")
    assert doc["start"] == {"x": 1.0, "y": 1.0, "z": 1.0}
    assert doc["start_source"] == "default"
    _, doc, _ = descend_json(gdsim, "x**2 + y**2 + z**2", "--max-steps", "1", "--start", "2")
    assert doc["start"] == {"x": 2.0, "y": 2.0, "z": 2.0}
    assert doc["start_source"] != "default"


def test_get_prints_one_value(gdsim):
    code, out, _ = gdsim("x**2", "--max-steps", "2", "--get", "result.status")
    assert code == 3
    assert out == "max_steps\n"
    code, out, _ = gdsim("x**2", "--max-steps", "2", "--get", "result.point.x")
    assert float(out) == pytest.approx(0.64, rel=1e-14)
    assert out.count("\n") == 1
    code, out, _ = gdsim("x**2", "--lr", "0.1,0.5", "--get", "runs.1.result.status")
    assert out == "converged\n"


def test_get_with_an_unknown_key_exits_2_naming_the_available_keys(gdsim):
    code, out, err = gdsim("x**2", "--get", "bad.key")
    assert code == 2
    assert out == ""
    line = err.splitlines()[0]
    assert "bad" in line
    for key in ("function", "variables", "optimizer", "start", "steps", "result"):
        assert key in line


# --- NDJSON and CSV ---------------------------------------------------------------------------


def test_ndjson_is_a_run_line_step_lines_and_a_result_line(gdsim):
    code, out, _ = gdsim("x**2 + y**2", "--start", "1,-2", "--max-steps", "5", "--format", "ndjson")
    assert code == 3
    lines = [strict_json(line) for line in out.splitlines()]
    assert all(isinstance(line, dict) for line in lines)
    assert [line["type"] for line in lines] == ["run"] + ["step"] * 6 + ["result"]
    run = lines[0]
    assert run["function"] == "x**2 + y**2" and run["variables"] == ["x", "y"]
    assert run["optimizer"] == {"name": "gd", "lr": 0.1}
    assert run["start"] == {"x": 1.0, "y": -2.0}
    for k, step in enumerate(lines[1:-1]):
        assert step["step"] == k
        assert step["point"]["x"] == pytest.approx(0.8**k, rel=1e-14)
        assert set(step) >= {"step", "point", "value", "gradient", "gradient_norm"}
    result = lines[-1]
    assert result["status"] == "max_steps" and result["steps"] == 5
    assert set(result) >= {"status", "reason", "steps", "point", "value", "gradient_norm"}


def test_ndjson_writes_non_finite_numbers_as_null(gdsim):
    code, out, _ = gdsim("log(x)", "--lr", "5", "--format", "ndjson")
    assert code == 4
    lines = [strict_json(line) for line in out.splitlines()]
    assert lines[-2]["value"] is None
    assert lines[-1]["status"] == "diverged" and "log" in lines[-1]["reason"]


@pytest.mark.parametrize("extra", [[], ["--every", "3"]])
def test_csv_has_a_header_and_one_row_per_recorded_step(gdsim, extra):
    args = ["x**2 + y**2", "--start", "1,-2", "--max-steps", "10", *extra]
    code, out, _ = gdsim(*args, "--format", "csv")
    assert code == 3
    _, doc, _ = descend_json(gdsim, *args)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(doc["steps"])
    assert {"step", "x", "y", "value", "gradient_norm"} <= set(rows[0])
    for row, step in zip(rows, doc["steps"]):
        assert int(row["step"]) == step["step"]
        assert float(row["x"]) == step["point"]["x"]
        assert float(row["y"]) == step["point"]["y"]
        assert float(row["value"]) == step["value"]
        assert float(row["gradient_norm"]) == step["gradient_norm"]


def test_csv_of_a_comparison_says_which_run_each_row_belongs_to(gdsim):
    code, out, _ = gdsim("x**2", "--lr", "0.1,0.2", "--max-steps", "2", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(row["run"], row["step"]) for row in rows] == [("0", "0"), ("0", "1"), ("0", "2"), ("1", "0"), ("1", "1"), ("1", "2")]
    assert float(rows[4]["x"]) == pytest.approx(0.6, rel=1e-14)


# --- text -------------------------------------------------------------------------------------


def _rows(out, columns):
    """The step rows of a text run: lines that start with a step number and have `columns` cells or fewer."""
    rows = []
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0].isdigit() and len(cells) <= columns and len(cells) > columns // 2:
            rows.append(cells)
    return rows


@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}, {"NO_COLOR": "1", "FORCE_COLOR": "1"}])
def test_piped_text_has_no_ansi_codes(gdsim, monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, out, _ = gdsim("x**2 + y**2", "--max-steps", "5")
    assert code == 3
    assert "\x1b" not in out
    assert "f against step" in out


def test_piped_text_shows_every_number_whole(gdsim, monkeypatch):
    # A narrow COLUMNS must not squeeze the table: each cell is compared with the JSON run at 6 digits.
    monkeypatch.setenv("COLUMNS", "40")
    args = ["a**2 + 2*b**2 + 3*c**2 + 4*d**2", "--start", "1.23456789e-7,-2.3456789e-7,3.456789e-7,-4.56789e-7",
            "--lr", "0.01", "--tol", "0", "--max-steps", "300"]
    code, out, _ = gdsim(*args, "--no-plot")
    assert code == 3
    assert "…" not in out
    _, doc, _ = descend_json(gdsim, *args)
    rows = _rows(out, 15)
    assert len(rows) == len(doc["steps"]) == 301
    for cells, step in zip(rows, doc["steps"]):
        assert int(cells[0]) == step["step"]
        shown = [float(c) for c in cells[1:11]]
        expected = [*step["point"].values(), step["value"], *step["gradient"].values(), step["gradient_norm"]]
        assert shown == pytest.approx(expected, rel=1e-5), step["step"]


def test_text_has_the_summary(gdsim):
    code, out, _ = gdsim("x**2", "--start", "1", "--max-steps", "5", "--no-plot")
    assert code == 3
    _, doc, _ = descend_json(gdsim, "x**2", "--start", "1", "--max-steps", "5")
    assert "Stopped at --max-steps" in out
    assert doc["result"]["reason"] in out
    assert "final point: x=0.32768" in out  # 0.8^5
    assert "5" in next(line for line in out.splitlines() if "steps taken" in line)


def test_plots_are_drawn_by_default_and_no_plot_removes_them(gdsim):
    _, out, _ = gdsim("x**2 + y**2", "--max-steps", "5")
    assert "f against step" in out
    assert "map of f" in out
    _, out, _ = gdsim("x**2 + y**2", "--max-steps", "5", "--no-plot")
    assert "f against step" not in out
    assert "map of f" not in out
    assert "┌" not in out  # no plot frame either


def test_text_says_when_every_variable_starts_at_1(gdsim):
    _, out, _ = gdsim("x**2 + y**2", "--max-steps", "1", "--no-plot")
    assert "every variable starts at 1" in out
    assert "x=1, y=1" in out
    _, out, _ = gdsim("x**2 + y**2", "--max-steps", "1", "--no-plot", "--start", "2,3")
    assert "every variable starts at 1" not in out
    assert "x=2, y=3" in out


def test_machine_formats_keep_messages_off_stdout(gdsim):
    for fmt in ("json", "ndjson", "csv"):
        code, out, err = gdsim("x**2", "--lr", "1.5", "--format", fmt)
        assert code == 4
        assert "diverged" in err
        assert "\x1b" not in out and "f against step" not in out
