"""`gdsim practice`: the student's answers, piped or typed, are checked against the lecture's rule.

Expected values are worked out by hand here (x² from 3 with lr 0.1 gives x_k = 3·0.8^k, slope
2·x_k; x² + x·y from (1, 2) is written out step by step), never taken from gdsim.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from gdsim.engine import practice as core
from gdsim.expr.function import parse

X2 = ["practice", "x^2", "--start", "3", "--lr", "0.1", "--steps", "3"]
# x_k = 3·0.8^k and f′(x_k) = 2·x_k, in the order they are asked: slope, then next point.
X2_RIGHT = ["6", "2.4", "4.8", "1.92", "3.84", "1.536"]
X2_EXPECTED = [6.0, 2.4, 4.8, 1.92, 3.84, 1.536]


@pytest.fixture
def practice(gdsim_cli, monkeypatch):
    """Run `gdsim practice ...` in this process with `answers` as its stdin (a file, not a terminal)."""

    def call(args, answers: str, **kw):
        monkeypatch.setattr("sys.stdin", io.StringIO(answers))
        return gdsim_cli(*args, **kw)

    return call


def as_json(run) -> dict:
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)  # the whole of stdout is one document


def kinds(doc) -> list[tuple]:
    return [(q["step"], q["kind"], q["variable"]) for q in doc["questions"]]


# --- piped answers ----------------------------------------------------------------------------


def test_all_right_answers_score_full_marks(practice):
    doc = as_json(practice(X2 + ["--format", "json"], "\n".join(X2_RIGHT) + "\n"))
    assert kinds(doc) == [(0, "slope", "x"), (0, "point", "x"), (1, "slope", "x"), (1, "point", "x"),
                          (2, "slope", "x"), (2, "point", "x")]
    assert [q["expected"] for q in doc["questions"]] == pytest.approx(X2_EXPECTED, rel=1e-12)
    assert [q["given"] for q in doc["questions"]] == [float(a) for a in X2_RIGHT]
    assert all(q["correct"] for q in doc["questions"])
    assert doc["score"] == {"correct": 6, "asked": 6, "wrong": {"slope": 0, "point": 0}}
    assert doc["result"]["status"] == "completed"
    assert doc["result"]["step"] == 3 and doc["result"]["point"]["x"] == pytest.approx(3 * 0.8**3)
    assert (doc["function"], doc["variables"], doc["lr"], doc["start"]) == ("x**2", ["x"], 0.1, {"x": 3.0})


def test_all_wrong_answers_score_zero_and_the_walk_goes_on_from_the_right_point(practice):
    doc = as_json(practice(X2 + ["--format", "json"], "1\n" * 6))
    assert [q["expected"] for q in doc["questions"]] == pytest.approx(X2_EXPECTED, rel=1e-12)
    assert [q["given"] for q in doc["questions"]] == [1.0] * 6
    assert not any(q["correct"] for q in doc["questions"])
    assert doc["score"] == {"correct": 0, "asked": 6, "wrong": {"slope": 3, "point": 3}}


def test_answers_that_are_not_numbers_are_wrong_with_given_null(practice):
    answers = ["six", "", "nan", "inf", "2.4.1", "1/0"]  # a blank line in a file is an answer left out
    doc = as_json(practice(X2 + ["--format", "json"], "\n".join(answers) + "\n"))
    assert [q["given"] for q in doc["questions"]] == [None] * 6
    assert doc["score"]["correct"] == 0 and doc["score"]["asked"] == 6


def test_fractions_unicode_minus_and_spaces_are_numbers(practice):
    run = practice(["practice", "x^2", "--start", "-3", "--steps", "1", "--format", "json"], " −6 \n-12/5\n")
    doc = as_json(run)
    assert [q["given"] for q in doc["questions"]] == [-6.0, -2.4]
    assert doc["score"]["correct"] == 2


def test_q_stops_early_and_counts_only_what_was_answered(practice):
    doc = as_json(practice(X2 + ["--format", "json"], "6\n2.4\nq\n4.8\n"))
    assert kinds(doc) == [(0, "slope", "x"), (0, "point", "x")]
    assert doc["score"] == {"correct": 2, "asked": 2, "wrong": {"slope": 0, "point": 0}}
    assert doc["result"]["status"] == "quit"
    assert doc["result"]["step"] == 1 and doc["result"]["point"]["x"] == pytest.approx(2.4)


def test_end_of_input_stops_early(practice):
    doc = as_json(practice(X2 + ["--format", "json"], "6\n2"))  # no newline after the last answer
    assert [q["given"] for q in doc["questions"]] == [6.0, 2.0]
    assert doc["score"] == {"correct": 1, "asked": 2, "wrong": {"slope": 0, "point": 1}}
    assert doc["result"]["status"] == "end_of_input"


def test_no_input_at_all_is_a_session_with_no_answers(practice):
    doc = as_json(practice(X2 + ["--format", "json"], ""))
    assert doc["questions"] == [] and doc["score"] == {"correct": 0, "asked": 0, "wrong": {"slope": 0, "point": 0}}


def test_two_variables_one_question_per_partial_and_per_coordinate(practice):
    # f = x² + x·y from (1, 2), lr 0.1:
    #   step 0: ∂f/∂x = 2x + y = 4, ∂f/∂y = x = 1 → (1 − 0.4, 2 − 0.1) = (0.6, 1.9)
    #   step 1: ∂f/∂x = 1.2 + 1.9 = 3.1, ∂f/∂y = 0.6 → (0.6 − 0.31, 1.9 − 0.06) = (0.29, 1.84)
    expected = [4, 1, 0.6, 1.9, 3.1, 0.6, 0.29, 1.84]
    answers = ["4", "1", "0.6", "1.9", "3.1", "0.5", "0.29", "1.84"]  # one slip: ∂f/∂y at step 1
    run = practice(["practice", "x^2 + x*y", "--start", "x=1,y=2", "--steps", "2", "--format", "json"], "\n".join(answers))
    doc = as_json(run)
    assert kinds(doc) == [(0, "slope", "x"), (0, "slope", "y"), (0, "point", "x"), (0, "point", "y"),
                          (1, "slope", "x"), (1, "slope", "y"), (1, "point", "x"), (1, "point", "y")]
    assert [q["expected"] for q in doc["questions"]] == pytest.approx(expected, rel=1e-12)
    assert [q["correct"] for q in doc["questions"]] == [True] * 5 + [False] + [True] * 2
    assert doc["score"] == {"correct": 7, "asked": 8, "wrong": {"slope": 1, "point": 0}}
    assert "∂f/∂y at (0.6, 1.9)?" in run.stderr and "next y?" in run.stderr


def test_json_mode_prompts_on_stderr_and_only_the_document_on_stdout(run_gdsim):
    run = run_gdsim(*X2, "--format", "json", input="6\n2\nabc\n")
    assert run.code == 0
    doc = json.loads(run.stdout)
    assert doc["score"] == {"correct": 1, "asked": 3, "wrong": {"slope": 1, "point": 1}}
    assert "f′(3)?" in run.stderr and "next x?" in run.stderr and "Score: 1 of 3 right" in run.stderr
    assert "\x1b[" not in run.stdout + run.stderr


def test_get_prints_the_score_alone(run_gdsim):
    run = run_gdsim(*X2, "--get", "score.correct,score.asked", input="6\n2.4\n5\n")
    assert (run.code, run.stdout) == (0, "2\n3\n")


def test_get_with_a_bad_path_prints_nothing(run_gdsim):
    run = run_gdsim(*X2, "--get", "score.correct,score.nope", input="6\n")
    assert run.code == 2 and run.stdout == ""
    assert "--get score.nope: no 'nope' at score" in run.stderr


# --- what the text shows ----------------------------------------------------------------------


def test_text_transcript_shows_the_working_of_a_wrong_step(practice):
    run = practice(X2, "6\n2\n4.8\nq\n")
    assert run.code == 0 and run.stderr == ""
    out = run.stdout
    assert "Step 0: the hiker is at x₀ = 3, f = 9" in out
    assert "f′(3)? 6\n    ✓ right" in out  # a piped answer is echoed after its prompt
    assert "next x? 2\n    ✗ not quite: x₁ = x₀ − lr·f′(x₀) = 3 − 0.1·6 = 2.4" in out
    assert "Step 1: the hiker is at x₁ = 2.4, f = 5.76" in out  # the walk goes on from the right point
    assert "Practice stopped (q)." in out
    assert "Score: 2 of 3 right" in out
    assert "slopes: 2 of 2 right" in out and "steps (next point): 0 of 1 right" in out
    assert "to review: step 0 next x" in out


def test_a_wrong_slope_shows_the_derivative_and_a_negative_slope_is_bracketed(practice):
    out = practice(["practice", "x^3", "--start", "-1", "--steps", "1"], "2\n0\n").stdout
    assert "✗ not quite: f′(x) = 3·x²; at x = -1: f′(-1) = 3" in out
    assert "x₁ = x₀ − lr·f′(x₀) = -1 − 0.1·3 = -1.3" in out
    out = practice(["practice", "x^2", "--start", "-3", "--steps", "1"], "0\n0\n").stdout
    assert "= -3 − 0.1·(-6) = -2.4" in out


def test_an_answer_file_cannot_drive_the_terminal(practice):
    out = practice(X2, "6\n\x1b[2Jhi\x07\n").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "next x? \\x1b[2Jhi\\x07" in out  # echoed with its control characters escaped


def test_a_hint_names_the_rule_without_the_number(practice):
    run = practice(X2 + ["--format", "json"], "?\n6\n?\n2.4\n")
    assert "hint: f′(x) = 2·x; put in the point x = 3" in run.stderr
    assert "hint: x₁ = x₀ − lr·f′(x₀), with x₀ = 3 and lr = 0.1" in run.stderr
    hints = [line for line in run.stderr.splitlines() if "hint:" in line]
    assert len(hints) == 2 and "6" not in hints[0]  # the slope's value is not given away
    assert "2.4" not in hints[1]  # nor the next point
    doc = json.loads(run.stdout)
    assert [q["hints"] for q in doc["questions"]] == [1, 1] and doc["score"]["correct"] == 2


def test_flat_ground_stops_the_walk_with_the_lectures_words(practice):
    # x² from 3 with lr 0.5: x₁ = 3 − 0.5·6 = 0, where f′ = 0.
    run = practice(["practice", "x^2", "--start", "3", "--lr", "0.5", "--format", "json"], "6\n0\n0\n")
    doc = as_json(run)
    assert kinds(doc) == [(0, "slope", "x"), (0, "point", "x"), (1, "slope", "x")]
    assert doc["result"]["status"] == "flat" and doc["result"]["step"] == 1
    assert "Flat ground: ‖∇f‖ = 0 here, so the hiker assumes this is the bottom and stops (lecture step 2)." in run.stderr


def test_ask_slope_or_point_asks_only_that_kind(practice):
    doc = as_json(practice(X2 + ["--ask", "slope", "--format", "json"], "6\n4.8\n3.84\n"))
    assert [q["kind"] for q in doc["questions"]] == ["slope"] * 3 and doc["score"]["correct"] == 3
    run = practice(X2 + ["--ask", "point", "--format", "json"], "2.4\n1.92\n1.536\n")
    doc = as_json(run)
    assert [q["kind"] for q in doc["questions"]] == ["point"] * 3 and doc["score"]["correct"] == 3
    assert "the slope here: f′(3) = 6" in run.stderr


def test_runaway_steps_end_the_walk_as_diverged(practice):
    # x⁴ from 10 with lr 1: x₁ = 10 − 4000 = −3990, x₂ = −3990 + 4·3990³ ≈ 2.5e11, beyond 1e8.
    run = practice(["practice", "x^4", "--start", "10", "--lr", "1", "--ask", "slope", "--format", "json"], "4000\n0\n")
    doc = as_json(run)
    assert doc["result"]["status"] == "diverged" and doc["result"]["step"] == 2
    assert doc["questions"][1]["expected"] == pytest.approx(4 * (-3990) ** 3)
    assert "try a smaller --lr" in run.stderr


def test_tolerance_is_relative_and_can_be_widened(practice):
    # 2.4023 is inside the default 2.4 ± 0.0024; 2.41 is not, but is inside 1e-2.
    doc = as_json(practice(X2 + ["--steps", "1", "--ask", "point", "--format", "json"], "2.4023\n"))
    assert doc["questions"][0]["correct"]
    doc = as_json(practice(X2 + ["--steps", "1", "--ask", "point", "--format", "json"], "2.41\n"))
    assert not doc["questions"][0]["correct"]
    doc = as_json(practice(X2 + ["--steps", "1", "--ask", "point", "--tolerance", "0.01", "--format", "json"], "2.41\n"))
    assert doc["questions"][0]["correct"]


def test_korean_prompts_and_the_same_json(practice):
    args = X2 + ["--format", "json"]
    answers = "6\n2\n?\nq\n"
    english = practice(args, answers)
    korean = practice(args + ["--lang", "ko"], answers)
    assert english.stdout == korean.stdout
    assert "f′(3) 값은?" in korean.stderr and "다음 x 값은?" in korean.stderr
    assert "✗ 틀렸습니다: x₁ = x₀ − lr·f′(x₀) = 3 − 0.1·6 = 2.4" in korean.stderr
    assert "점수: 2문제 중 1개 맞음" in korean.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lr", "0"], "--lr must be a number > 0"),
        (["--lr", "-0.1"], "--lr must be a number > 0"),
        (["--steps", "0"], "--steps must be a whole number from 1 to 1000, got 0"),
        (["--ask", "slopes"], "--ask: 'slopes' is not slope, point or slope,point"),
        (["--tolerance", "2"], "--tolerance must be a number between 0 and 1"),
        (["--format", "csv"], "--format: 'csv' is not one of text, json"),
        (["--start", "x=1,y=2"], "unknown variable 'y'"),
    ],
)
def test_bad_options_exit_2_with_one_line(practice, args, message):
    run = practice(["practice", "x^2"] + args, "6\n")
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.startswith("error: ") and message in run.stderr and run.stderr.count("\n") == 1


def test_a_start_outside_the_domain_is_refused(practice):
    run = practice(["practice", "log(x)", "--start", "-1"], "")
    assert run.code == 2 and "f is not defined at x=-1" in run.stderr


def test_default_start_is_said(practice):
    run = practice(["practice", "x^2 + y^2", "--steps", "1", "--format", "json"], "")
    assert json.loads(run.stdout)["start"] == {"x": 1.0, "y": 1.0}
    assert "no --start given: every variable starts at 1" in run.stderr


# --- the engine -------------------------------------------------------------------------------


def test_walk_follows_the_closed_form_of_gd_on_a_parabola():
    session = core.check_practice(parse("x^2"), np.array([3.0]), 0.1, 20, "slope,point", 1e-3)
    stages = list(core.walk(session))
    assert [s.step for s in stages] == list(range(21))
    for s in stages:
        assert s.point[0] == pytest.approx(3 * 0.8**s.step, rel=1e-12)
        assert s.gradient[0] == pytest.approx(6 * 0.8**s.step, rel=1e-12)
    assert stages[-1].ending == core.COMPLETED and stages[-1].next_point is None
    assert core.questions(session, stages[-1]) == []


@pytest.mark.parametrize(
    "text, number",
    [("2.4", 2.4), (" -0.6 ", -0.6), ("−6", -6.0), ("+3", 3.0), (".5", 0.5), ("1e-3", 1e-3), ("12/7", 12 / 7),
     ("1 / 4", 0.25), ("abc", None), ("", None), ("1/0", None), ("nan", None), ("inf", None), ("1e999", None),
     ("2,4", None), ("2 4", None), ("x=2", None), ("٣", None), ("__import__('os')", None)],
)
def test_read_number(text, number):
    got = core.read_number(text)
    assert got == (pytest.approx(number) if number is not None else None)


@pytest.mark.parametrize(
    "given, expected, close",
    [(2.40239, 2.4, True), (2.4025, 2.4, False), (-2.39761, -2.4, True), (5e-7, 0.0, True), (-1e-6, 0.0, True),
     (2e-6, 0.0, False), (1.0000001e-7, 1e-7, True), (1000.9, 1000, True), (1001.1, 1000, False)],
)
def test_is_close_is_relative_1e_3_and_absolute_1e_6_near_zero(given, expected, close):
    assert core.is_close(given, expected) is close


def test_commands_typed_at_the_prompt():
    assert all(core.wants_to_quit(w) for w in ("q", "Q", " quit ", "ㅂ"))
    assert all(core.wants_hint(w) for w in ("?", " ? ", "hint"))
    assert not core.wants_to_quit("0") and not core.wants_hint("6")


def test_the_tolerance_is_checked_against_an_independent_rule():
    """The relative rule, written out: |given − expected| ≤ 1e-3·|expected| away from 0."""
    rng = np.random.default_rng(0)
    for expected in rng.normal(scale=100, size=200):
        for rel in (0.9e-3, 1.1e-3):
            given = expected * (1 + rel)
            assert core.is_close(given, expected) is (abs(given - expected) <= 1e-3 * abs(expected) or
                                                       abs(given - expected) <= 1e-6)
    assert math.isclose(core.DEFAULT_TOLERANCE, 1e-3) and math.isclose(core.ABSOLUTE_TOLERANCE, 1e-6)
