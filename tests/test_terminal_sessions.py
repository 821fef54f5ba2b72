"""Sessions at a real terminal (a pseudo-terminal driven by pexpect): `gdsim practice` answered
prompt by prompt, and `gdsim descend --pause` waiting for Enter only when stdin is a terminal."""

from __future__ import annotations

import shlex
import sys

import pexpect
import pytest

from conftest import plain_env, run_gdsim

TIMEOUT = 30


def spawn(*args: str, color: bool = False, shell_stdin: str | None = None) -> pexpect.spawn:
    env = plain_env({"TERM": "xterm-256color", "COLUMNS": "100", **({} if color else {"NO_COLOR": "1"})})
    command = [sys.executable, "-m", "gdsim", *args]
    if shell_stdin is not None:  # the terminal on stdout and stderr, stdin from elsewhere
        return pexpect.spawn("/bin/sh", ["-c", f"exec {shlex.join(command)} < {shell_stdin}"], env=env,
                             encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 100))
    return pexpect.spawn(command[0], command[1:], env=env, encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 100))


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    rest = child.before
    child.close()
    return child.exitstatus, rest


def test_practice_answered_prompt_by_prompt_with_a_hint_and_a_wrong_answer():
    child = spawn("practice", "x^2 + 3y^2", "--start", "x=2,y=1", "--steps", "2")
    child.expect_exact("Step 0: the hiker is at (x, y) = (2, 1), f = 7")
    child.expect_exact("∂f/∂x at (2, 1)? ")
    child.sendline("?")
    child.expect_exact("hint: ∂f/∂x = 2·x (differentiate along x, holding the other variables fixed); "
                       "put in the point (x, y) = (2, 1)")
    child.expect_exact("∂f/∂x at (2, 1)? ")  # asked again after the hint
    child.sendline("4")
    child.expect_exact("✓ right")
    child.expect_exact("∂f/∂y at (2, 1)? ")
    child.sendline("3")  # d/dy 3y² is 6y: 6 at y = 1
    child.expect_exact("✗ not quite: ∂f/∂y = 6·y; at (x, y) = (2, 1): ∂f/∂y = 6")
    child.expect_exact("next x? ")
    child.sendline("1.6")
    child.expect_exact("✓ right")
    child.expect_exact("next y? ")
    child.sendline("0.4")  # 1 − 0.1·6, from the corrected slope
    child.expect_exact("✓ right")
    # the walk goes on from the right point (1.6, 0.4)
    child.expect_exact("Step 1: the hiker is at (x, y) = (1.6, 0.4), f = 3.04")
    for prompt, answer in (("∂f/∂x at (1.6, 0.4)? ", "3.2"), ("∂f/∂y at (1.6, 0.4)? ", "2.4"),
                           ("next x? ", "1.28"), ("next y? ", "0.17")):
        child.expect_exact(prompt)
        child.sendline(answer)
    child.expect_exact("✗ not quite: y₂ = y₁ − lr·∂f/∂y = 0.4 − 0.1·2.4 = 0.16")
    child.expect_exact("After step 2 the hiker is at (x, y) = (1.28, 0.16), f = 1.7152.")
    child.expect_exact("Score: 6 of 8 right")
    code, rest = finish(child)
    assert code == 0
    assert "slopes: 3 of 4 right" in rest and "steps (next point): 3 of 4 right" in rest


def test_practice_in_a_terminal_is_in_colour_and_q_quits():
    child = spawn("practice", "x^2", "--start", "3", color=True)
    child.expect_exact("f′(3)?")
    assert "\x1b[" in child.before  # styled header and prompt
    child.sendline("q")
    child.expect_exact("Practice stopped (q).")
    code, _ = finish(child)
    assert code == 0


def test_practice_ctrl_c_gives_the_score_so_far_and_exit_130():
    child = spawn("practice", "x^2", "--start", "3")
    child.expect_exact("f′(3)? ")
    child.sendline("6")
    child.expect_exact("next x? ")
    child.sendintr()
    child.expect_exact("Interrupted: the score so far.")
    child.expect_exact("Score: 1 of 1 right")
    code, _ = finish(child)
    assert code == 130


DESCEND = ("descend", "x^2", "--start", "3", "--max-steps", "3", "--no-plot", "--pause")


def test_pause_waits_for_enter_at_a_terminal():
    child = spawn(*DESCEND)
    child.expect_exact("press Enter for each next step")
    child.expect(r"\n\s+0\s+3\s+9\s")
    # Nothing more comes until Enter is pressed.
    with pytest.raises(pexpect.TIMEOUT):
        child.expect(r"\n\s+1\s+2\.4\s", timeout=1.5)
    assert child.isalive()
    child.send("\r")
    child.expect(r"\n\s+1\s+2\.4\s")
    child.send("\r")
    child.expect(r"\n\s+2\s+1\.92\s")
    child.send("\r")
    child.expect(r"\n\s+3\s+1\.536\s")
    code, rest = finish(child)  # no Enter after the last row
    assert code == 3 and "Stopped at --max-steps" in rest


def test_pause_does_not_wait_when_stdin_is_not_a_terminal():
    # stdout and stderr on the terminal, stdin from /dev/null: the run goes straight through.
    child = spawn(*DESCEND, shell_stdin="/dev/null")
    code, rest = finish(child)
    assert code == 3
    assert "1.536" in rest and "press Enter" not in rest
    # and with every stream a pipe
    run = run_gdsim(*DESCEND, timeout=TIMEOUT)
    assert run.code == 3 and "1.536" in run.stdout and "press Enter" not in run.stderr
