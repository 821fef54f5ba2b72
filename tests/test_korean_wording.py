"""Korean wording: the derivative rules carry their school names (합의 미분법, not the counting
principle 합의 법칙), and no particle that depends on the preceding sound follows a number."""

from __future__ import annotations

import re

import pytest

# 합의 법칙 and 곱의 법칙 are the counting principles of Korean school maths; sin의 법칙 reads as the law of sines.
WRONG_TERMS = ("합의 법칙", "곱의 법칙", "몫의 법칙", "sin의 법칙", "cos의 법칙", "상수배의 법칙", "거듭제곱의 법칙")
RIGHT_TERMS = ("합의 미분법", "곱의 미분법", "몫의 미분법")

# 은/는, 이/가, 을/를, 과/와 after a digit: the right one depends on how the number is read, so gdsim never writes one.
PARTICLE_AFTER_NUMBER = re.compile(r"[0-9]\s?(은|는|이|가|을|를|과|와)(?![가-힣(])")


def test_the_korean_table_has_none_of_the_wrong_terms():
    from gdsim.i18n.ko import KO

    for wrong in WRONG_TERMS:
        assert not [v for v in KO.values() if wrong in v], wrong


def test_derivation_steps_name_the_rules_as_korean_textbooks_do(gdsim_cli):
    run = gdsim_cli("derive", "3*x^2 + x*sin(y) + sin(x)/(x + y) + cos(x)", "--steps", "--lang", "ko")
    assert run.code == 0
    for wrong in WRONG_TERMS:
        assert wrong not in run.stdout, wrong
    for right in RIGHT_TERMS:
        assert right in run.stdout, right
    assert "sin 함수의 미분법" in run.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("derive", "x^2 + x*y + 2y^2", "--at", "x=1,y=2", "--hessian"),
        ("descend", "x^2 + 2y^2", "--start", "1,1", "--max-steps", "5", "--no-plot"),  # ‖∇f‖ = 0.725 ... still above --tol
        ("descend", "x^2", "--start", "3", "--lr", "1.1", "--no-plot"),  # λ_max = 2 in the divergence reason
    ],
)
def test_no_particle_right_after_a_number(gdsim_cli, args):
    run = gdsim_cli(*args, "--lang", "ko")
    text = run.stdout + run.stderr
    assert re.search(r"[가-힣]", text)
    assert not PARTICLE_AFTER_NUMBER.search(text), PARTICLE_AFTER_NUMBER.search(text).group(0)
