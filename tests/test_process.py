"""gdsim as an operating-system process: Ctrl-C and SIGTERM end a run with the summary so far, and a
reader that goes away ends it quietly. A million-step run keeps only the rows it prints, and fifty
processes started together all give the right answers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import plain_env, run_gdsim

GDSIM = [sys.executable, "-m", "gdsim"]
LR = 1e-9
# A walk down x² so slow that it is still going when it is interrupted: x_k = (1 - 2·lr)^k.
SLOW_WALK = ["descend", "x**2", "--lr", str(LR), "--max-steps", "100000000", "--tol", "0", "--every", "10000000"]
# 100 rows and batches of 16: 7 updates an epoch, 70 million in all, so it is still going too.
SLOW_FIT = ["sgd", "--synthetic", "linear", "--epochs", "10000000", "--every", "10000000"]


def start(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*GDSIM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=plain_env(), **kwargs)


def caught_signals(pid: int) -> int:
    """The mask of signals the process has a handler for (SigCgt in /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("SigCgt:"):
                return int(line.split()[1], 16)
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_running(proc: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until gdsim handles SIGTERM (it does from start-up), then until it has used a whole CPU
    second: start-up takes about 0.3, so the run has taken thousands of steps, however busy the
    machine is."""
    end = time.monotonic() + timeout
    while not caught_signals(proc.pid) & (1 << (signal.SIGTERM - 1)):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < end, "the run never started"
        time.sleep(0.02)
    while cpu_seconds(proc.pid) < 1.0:
        assert time.monotonic() < end, "the run does not get the CPU"
        time.sleep(0.02)


def interrupt(args: list[str], sig: int) -> tuple[int, str, str]:
    proc = start(*args)
    wait_until_running(proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out.decode(), err.decode()


# --- Ctrl-C and SIGTERM -----------------------------------------------------------------------


@pytest.mark.parametrize("sig, why", [(signal.SIGINT, "interrupted by Ctrl-C"), (signal.SIGTERM, "terminated (SIGTERM)")])
def test_a_signal_ends_descend_with_the_json_of_the_steps_so_far(sig, why):
    code, out, err = interrupt([*SLOW_WALK, "--format", "json"], sig)
    assert code == 130, err
    doc = json.loads(out)
    result = doc["result"]
    assert result["status"] == "interrupted"
    assert result["reason"] == f"{why} at step {result['steps']}"
    assert result["steps"] > 0
    # The last recorded step is where the walk was stopped, and on the closed-form path.
    assert [s["step"] for s in doc["steps"]] == [0, result["steps"]]
    # Rounding adds up over the steps: about 1e-16 each, so 1e-9 holds for ten million of them.
    assert result["point"]["x"] == pytest.approx((1 - 2 * LR) ** result["steps"], rel=1e-9)
    assert err == f"interrupted: {result['reason']}\n"


@pytest.mark.parametrize("sig, why", [(signal.SIGINT, "interrupted by Ctrl-C"), (signal.SIGTERM, "terminated (SIGTERM)")])
def test_a_signal_ends_descend_with_the_text_summary_so_far(sig, why):
    code, out, err = interrupt([*SLOW_WALK, "--format", "text", "--no-plot"], sig)
    assert code == 130, err
    assert "Traceback" not in err
    assert "Interrupted: the summary of the steps so far." in out
    steps = int(out.split(f"why: {why} at step ")[1].split()[0])
    assert steps > 0
    assert f"steps taken (updates applied): {steps}" in out
    x = float(out.split("final point: x=")[1].split()[0])
    assert x == pytest.approx((1 - 2 * LR) ** steps, rel=1e-9)


@pytest.mark.parametrize("sig, why", [(signal.SIGINT, "interrupted by Ctrl-C"), (signal.SIGTERM, "terminated (SIGTERM)")])
def test_a_signal_ends_sgd_with_the_json_of_the_steps_so_far(sig, why):
    code, out, err = interrupt([*SLOW_FIT, "--format", "json"], sig)
    assert code == 130, err
    doc = json.loads(out)
    result = doc["result"]
    assert result["status"] == "interrupted"
    assert result["reason"] == f"{why} after step {result['steps']}"
    # Rows are recorded every 10,000,000 steps, but the summary is where the run really was.
    assert result["steps"] > 0
    assert [s["step"] for s in doc["steps"]] == [0, result["steps"]]
    assert doc["steps"][-1]["params"] == result["params"]
    assert result["loss"] < doc["steps"][0]["loss"]  # thousands of steps down from θ = 0
    assert err == f"interrupted: {result['reason']}\n"


def test_ctrl_c_ends_sgd_with_the_text_summary_so_far():
    code, out, err = interrupt([*SLOW_FIT, "--format", "text", "--no-plot"], signal.SIGINT)
    assert code == 130, err
    assert "Traceback" not in err
    assert "Interrupted: the summary of the steps so far." in out
    steps = int(out.split("why: interrupted by Ctrl-C after step ")[1].split()[0])
    assert steps > 0
    assert f"steps (minibatch updates): {steps}" in out


# --- a reader that goes away ------------------------------------------------------------------

# Each writes far more than a pipe holds, so gdsim is still writing when the reader leaves.
LONG_OUTPUT = {
    "descend-text": ["descend", "x**2", "--lr", "1e-6", "--max-steps", "30000", "--tol", "0", "--no-plot"],
    "descend-json": ["descend", "x**2", "--lr", "1e-6", "--max-steps", "30000", "--tol", "0", "--format", "json"],
    "descend-ndjson": ["descend", "x**2", "--lr", "1e-6", "--max-steps", "30000", "--tol", "0", "--format", "ndjson"],
    "descend-csv": ["descend", "x**2", "--lr", "1e-6", "--max-steps", "30000", "--tol", "0", "--format", "csv"],
    "sgd-text": ["sgd", "--synthetic", "linear", "--epochs", "4000", "--every", "1", "--no-plot"],
    "sgd-json": ["sgd", "--synthetic", "linear", "--epochs", "4000", "--every", "1", "--format", "json"],
    "sgd-ndjson": ["sgd", "--synthetic", "linear", "--epochs", "4000", "--every", "1", "--format", "ndjson"],
    "sgd-csv": ["sgd", "--synthetic", "linear", "--epochs", "4000", "--every", "1", "--format", "csv"],
}


def read_one_line_and_leave(args: list[str]) -> tuple[int, str]:
    proc = start(*args)
    first = proc.stdout.readline()
    proc.stdout.close()  # like `gdsim ... | head -1`
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert first, err
    return proc.returncode, err


def test_a_closed_stdout_ends_every_format_quietly():
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(LONG_OUTPUT, pool.map(read_one_line_and_leave, LONG_OUTPUT.values())))
    for name, (code, err) in results.items():
        # Ended by SIGPIPE as `head` expects of a Unix tool (or a clean exit), with nothing said.
        assert code in (-signal.SIGPIPE, 0), (name, code, err)
        assert "Traceback" not in err and "error" not in err.lower(), (name, err)


# --- memory over a million steps, and fifty processes at once ---------------------------------

MILLION = ["descend", "x**2", "--lr", "1e-9", "--max-steps", "1000000", "--tol", "0", "--format", "json", "--every", "100000"]


def peak_memory_mb(proc: subprocess.Popen, peak: list[float]) -> None:
    """Follow VmHWM, the peak resident memory of the process's own address space, until it exits.

    (ru_maxrss would not do: a child's counts the test runner's memory at the moment it started.
    The loop stops as soon as the process is gone, so a later process given the same pid is
    never measured.)
    """
    pid = proc.pid
    while proc.poll() is None:
        try:
            with open(f"/proc/{pid}/status") as fh:
                hwm = [line for line in fh if line.startswith("VmHWM:")]
        except OSError:
            return
        if not hwm:  # exited: a zombie has no memory left
            return
        peak[0] = max(peak[0], int(hwm[0].split()[1]) / 1024)
        time.sleep(0.05)


@pytest.fixture(scope="module")
def million_step_run():
    """The million-step run, started when the module's tests start so that it runs beside them."""
    out = tempfile.TemporaryFile()
    proc = subprocess.Popen([*GDSIM, *MILLION], stdout=out, stderr=subprocess.PIPE, env=plain_env())
    peak = [0.0]
    watcher = threading.Thread(target=peak_memory_mb, args=(proc, peak), daemon=True)
    watcher.start()
    yield proc, out, watcher, peak
    if proc.returncode is None:
        proc.kill()
        proc.wait()
    out.close()


@pytest.fixture(scope="module", autouse=True)
def _start_the_million_step_run_first(million_step_run):
    yield


def test_fifty_processes_at_once_all_give_the_right_answers():
    # derive: f = k·x² + y at x = 1 + k/10 has ∂f/∂x = 2k·x and ∂f/∂y = 1;
    # descend: gd with lr 0.5 on (x - c)² lands on c in one step, x₁ = x₀ - 0.5·2(x₀ - c).
    jobs = []
    for k in range(25):
        x = 1 + k / 10
        jobs.append((["derive", f"{k}*x**2 + y", "--at", f"x={x},y=0", "--format", "json"], ("derive", k, x)))
        c = (k - 12.5) / 7  # never the start, 0
        jobs.append((["descend", f"(x - ({c!r}))**2", "--start", "0", "--lr", "0.5", "--format", "json"], ("descend", k, c)))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        runs = list(pool.map(lambda job: run_gdsim(*job[0], timeout=180), jobs))
    assert len(runs) == 50
    for (args, (kind, k, value)), run in zip(jobs, runs):
        assert run.code == 0, (args, run.stderr)
        doc = json.loads(run.stdout)
        if kind == "derive":
            assert doc["gradient_value"]["x"] == pytest.approx(2 * k * value, rel=1e-12, abs=1e-12)
            assert doc["gradient_value"]["y"] == 1
        else:
            assert doc["result"]["status"] == "converged"
            assert doc["result"]["steps"] == 1
            assert doc["result"]["point"]["x"] == pytest.approx(value, rel=1e-12, abs=1e-15)


def test_a_million_step_json_run_keeps_only_the_rows_it_prints(million_step_run):
    proc, out, watcher, peak = million_step_run
    err = proc.communicate(timeout=600)[1].decode()
    watcher.join()
    assert proc.returncode == 3, err  # max_steps: x² is not flat at x ≈ 0.998
    out.seek(0)
    doc = json.loads(out.read())
    assert [s["step"] for s in doc["steps"]] == list(range(0, 1_000_001, 100_000))
    assert doc["steps"][-1]["point"]["x"] == pytest.approx((1 - 2e-9) ** 1_000_000, rel=1e-9)
    # Kept steps cost about 4.5 KB each (the same run with --every 1 peaks at 1.4 GB after
    # 300,000 steps); Python, numpy and symengine alone take about 70 MB.
    assert 0 < peak[0] < 200, f"peak memory {peak[0]:.0f} MB"
