"""Shared test helpers: gdsim as a real process, and gdsim's command line run in this process.

Both give (exit code, stdout, stderr) in a plain environment: English, no colour settings
inherited from the shell, no GDSIM_DEBUG.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

# Settings of the developer's shell that would change what gdsim prints.
INHERITED = ("FORCE_COLOR", "NO_COLOR", "GDSIM_DEBUG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "COLUMNS")


class GdsimRun(tuple):
    """(code, stdout, stderr), with the wall time and the process's own CPU time as attributes.

    CPU time is what a hang guard should measure: it does not grow when the machine is busy.
    """

    def __new__(cls, code: int, stdout: str, stderr: str, seconds: float = 0.0, cpu_seconds: float = 0.0,
                max_rss_mb: float = 0.0):
        run = super().__new__(cls, (code, stdout, stderr))
        run.code, run.stdout, run.stderr = code, stdout, stderr
        run.seconds, run.cpu_seconds, run.max_rss_mb = seconds, cpu_seconds, max_rss_mb
        return run


def plain_env(env: dict | None = None) -> dict:
    """os.environ without the INHERITED settings, in English; `env` on top (a None value removes a name)."""
    out = {k: v for k, v in os.environ.items() if k not in INHERITED}
    out["LANG"] = "C.UTF-8"
    for k, v in (env or {}).items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def run_gdsim(*args: str, env: dict | None = None, input: str | None = None, timeout: float = 60) -> GdsimRun:
    """`python -m gdsim ARGS...` as a real process with pipes; killed after `timeout` seconds.

    Returns GdsimRun (code, stdout, stderr) with .seconds (wall), .cpu_seconds (user + system) and
    .max_rss_mb (the child's peak resident memory).
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "gdsim", *args],
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=plain_env(env),
    )
    chunks: dict[str, bytes] = {}

    def drain(name, stream):
        chunks[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s), daemon=True) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for r in readers:
        r.start()
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    start = time.perf_counter()
    try:
        if input is not None:
            try:
                proc.stdin.write(input.encode())
                proc.stdin.close()
            except BrokenPipeError:
                pass
        # wait4 reports the child's own CPU time, which a busy machine does not inflate.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        watchdog.cancel()
    seconds = time.perf_counter() - start
    for r in readers:
        r.join()
    proc.stdout.close()
    proc.stderr.close()
    decode = lambda b: (b or b"").decode("utf-8", errors="replace")  # noqa: E731
    return GdsimRun(proc.returncode, decode(chunks.get("out")), decode(chunks.get("err")), seconds, usage.ru_utime + usage.ru_stime,
                    usage.ru_maxrss / 1024)  # Linux reports kilobytes


@pytest.fixture(name="run_gdsim")
def run_gdsim_fixture():
    """The run_gdsim function, as a fixture."""
    return run_gdsim


@pytest.fixture
def gdsim_cli(monkeypatch, capsys):
    """Run `gdsim ARGS...` in this process, through the same entry as the console script.

    Returns GdsimRun (code, stdout, stderr). `env` sets (or, with None, removes) environment variables.
    """
    from gdsim.cli import app as gdsim_app

    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    sigterm = signal.getsignal(signal.SIGTERM)  # a run may install its own handler

    def call(*args: str, env: dict | None = None) -> GdsimRun:
        with monkeypatch.context() as m:
            for k, v in (env or {}).items():
                if v is None:
                    m.delenv(k, raising=False)
                else:
                    m.setenv(k, v)
            capsys.readouterr()
            start = time.perf_counter()
            cpu = time.thread_time()
            code = gdsim_app.run(gdsim_app._protect_expressions(list(args)))
            cpu = time.thread_time() - cpu
            seconds = time.perf_counter() - start
            out, err = capsys.readouterr()
        return GdsimRun(code, out, err, seconds, cpu)

    yield call
    signal.signal(signal.SIGTERM, sigterm)


@pytest.fixture(autouse=True)
def _english_by_default():
    """The language is one process-wide setting: every test starts (and leaves) it in English."""
    from gdsim.i18n import set_language

    set_language("en")
    yield
    set_language("en")
