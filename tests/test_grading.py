"""Tests for the lab grading scripts in examples/: each gives the right verdict on a right and on
a wrong answer file, and refuses a malformed one with exit code 2.

The scripts run under /bin/sh as a teacher would run them. They call gdsim through a small
recorder: the right and the wrong answer of a lab make the same gdsim calls, and gdsim is
deterministic, so the second run replays what the first one recorded instead of paying for
gdsim's start-up again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ANSWERS = EXAMPLES / "answers"
LABS = ("slope-sign", "partials", "practice", "learning-rate", "optimizer-race", "optimizer-zoo", "sgd-batches")
TIMEOUT = 180

# The mistakes written into each answers/<lab>.wrong, and nothing else.
MISTAKES = {
    "slope-sign": {"derivative", "step_2", "kind_-1", "steps_from_2"},
    "partials": {"dfdx", "descent_y", "is_minimum"},
    "practice": {"dfdy_0", "x_1", "x_3"},
    "learning-rate": {"path_0.9", "status_1.0", "exit_1.0", "converge_below"},
    "optimizer-race": {"status_gd", "reached", "barely_moved", "adam_steps_0.1"},
    "optimizer-zoo": {"lr_limit", "status_0.1", "sched_best_steps", "newton_steps"},
    "sgd-batches": {"steps_16", "steps_per_epoch_16", "loss_rises_200", "far_from_best"},
}

RECORDER = r"""#!/bin/sh
# Run gdsim once per distinct command line and input; replay its output, errors and exit code after.
input="$GDSIM_RECORDS/in.$$"
cat >"$input"
key=$({ printf '%s\n' "$@"; cat "$input"; } | cksum | tr ' ' _)
rec="$GDSIM_RECORDS/$key"
if [ ! -f "$rec.rc" ]; then
    $GDSIM_REAL "$@" <"$input" >"$rec.out.$$" 2>"$rec.err.$$"
    echo $? >"$rec.rc.$$"
    mv "$rec.out.$$" "$rec.out"
    mv "$rec.err.$$" "$rec.err"
    mv "$rec.rc.$$" "$rec.rc"
fi
rm -f "$input"
cat "$rec.out"
cat "$rec.err" >&2
exit "$(cat "$rec.rc")"
"""


def real_gdsim() -> str:
    """The gdsim of this Python: its console script, or `python -m gdsim`."""
    script = Path(sys.executable).with_name("gdsim")
    return str(script) if script.exists() else f"{sys.executable} -m gdsim"


def answer_keys(path: Path) -> list[str]:
    keys = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keys.append(line.split("=", 1)[0].strip())
    return keys


class Grader:
    """Runs a grading script under /bin/sh, with gdsim behind the recorder."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        records = tmp / "records"
        records.mkdir()
        recorder = tmp / "gdsim-recorder"
        recorder.write_text(RECORDER)
        recorder.chmod(0o755)
        self.env = {k: v for k, v in os.environ.items() if k not in ("GDSIM_DEBUG", "NO_COLOR", "FORCE_COLOR")}
        self.env.update(GDSIM=str(recorder), GDSIM_REAL=real_gdsim(), GDSIM_RECORDS=str(records), TMPDIR=str(tmp))

    def grade(self, lab: str, answers: Path, **env) -> subprocess.CompletedProcess:
        # stdin is empty: the recorder reads it as part of each call's key (practice's answers come that way)
        return subprocess.run(["/bin/sh", str(EXAMPLES / f"grade-{lab}.sh"), str(answers)], capture_output=True,
                              stdin=subprocess.DEVNULL, text=True, timeout=TIMEOUT, env={**self.env, **env})


def sgd_is_installed() -> bool:
    done = subprocess.run([*real_gdsim().split(), "sgd", "--help"], capture_output=True, timeout=TIMEOUT)
    return done.returncode == 0


@pytest.fixture(scope="module")
def grader(tmp_path_factory) -> Grader:
    return Grader(tmp_path_factory.mktemp("grading"))


@pytest.fixture(scope="module")
def verdicts(grader):
    """Every lab graded on its right answers, then on its wrong ones; the labs run side by side."""
    with ThreadPoolExecutor(max_workers=len(LABS) + 1) as pool:
        has_sgd = pool.submit(sgd_is_installed)
        right = dict(zip(LABS, pool.map(lambda lab: grader.grade(lab, ANSWERS / f"{lab}.right"), LABS)))
        labs = [lab for lab in LABS if lab != "sgd-batches" or has_sgd.result()]
        wrong = dict(zip(labs, pool.map(lambda lab: grader.grade(lab, ANSWERS / f"{lab}.wrong"), labs)))
    return {lab: right[lab] for lab in labs}, wrong


def needs(verdicts, lab):
    if lab not in verdicts[0]:
        pytest.skip("`gdsim sgd --help` fails: the sgd command is not installed in this build")


def checks(stdout: str) -> dict[str, str]:
    """{key: "ok" or "WRONG: ..."} from the lines before the score."""
    lines = stdout.splitlines()
    return dict(line.split(": ", 1) for line in lines if not line.startswith("score:"))


@pytest.mark.parametrize("lab", LABS)
def test_right_answers_pass_every_check(verdicts, lab):
    needs(verdicts, lab)
    done = verdicts[0][lab]
    keys = answer_keys(ANSWERS / f"{lab}.right")
    assert done.returncode == 0, done.stdout + done.stderr
    assert checks(done.stdout) == {key: "ok" for key in keys}
    assert len(done.stdout.splitlines()) == len(keys) + 1  # every answer is graded once, then the score
    assert done.stdout.splitlines()[-1] == f"score: {len(keys)}/{len(keys)}"
    assert done.stderr == ""


@pytest.mark.parametrize("lab", LABS)
def test_wrong_answers_are_flagged_one_by_one(verdicts, lab):
    needs(verdicts, lab)
    done = verdicts[1][lab]
    keys = answer_keys(ANSWERS / f"{lab}.wrong")
    assert done.returncode == 1, done.stdout + done.stderr
    result = checks(done.stdout)
    assert {key for key, verdict in result.items() if verdict != "ok"} == MISTAKES[lab]
    assert all(result[key].startswith("WRONG: expected ") and ", got " in result[key] for key in MISTAKES[lab])
    assert done.stdout.splitlines()[-1] == f"score: {len(keys) - len(MISTAKES[lab])}/{len(keys)}"


def test_a_wrong_answer_line_says_what_was_expected_and_what_was_given(verdicts):
    result = checks(verdicts[1]["slope-sign"].stdout)
    assert result["step_2"] == "WRONG: expected -x, got +x"
    assert result["steps_from_2"] == "WRONG: expected 16, got 15"
    assert result["kind_-1"] == "WRONG: expected top, got bottom"


def test_words_are_compared_ignoring_case(verdicts):
    assert "status_from_-1 = Converged" in (ANSWERS / "slope-sign.wrong").read_text()
    assert checks(verdicts[1]["slope-sign"].stdout)["status_from_-1"] == "ok"


def test_a_missing_answer_is_wrong_not_malformed(grader, verdicts, tmp_path):
    right = (ANSWERS / "partials.right").read_text().splitlines()
    answers = tmp_path / "answers.txt"
    answers.write_text("\n".join(line for line in right if not line.startswith("gd_steps")) + "\n")
    done = grader.grade("partials", answers)
    assert done.returncode == 1
    assert checks(done.stdout)["gd_steps"].endswith("got (no answer)")
    assert done.stdout.splitlines()[-1] == "score: 17/18"


def test_crlf_line_ends_and_quoted_values_are_read(grader, verdicts, tmp_path):
    text = (ANSWERS / "partials.right").read_text().replace("gd_status = converged", 'gd_status = "converged"')
    answers = tmp_path / "answers.txt"
    answers.write_bytes(text.replace("\n", "\r\n").encode())
    done = grader.grade("partials", answers)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("lab", LABS)
@pytest.mark.parametrize(
    "text, problem",
    [
        ("this line has no equals sign\n", "line 1: expected key = value, got: this line has no equals sign"),
        ("# a comment\n\nno_such_key = 3\n", 'line 3: unknown key "no_such_key"'),
    ],
)
def test_malformed_answer_file_exits_2(grader, tmp_path, lab, text, problem):
    answers = tmp_path / "answers.txt"
    answers.write_text(text)
    done = grader.grade(lab, answers, GDSIM="false")  # refused before gdsim is ever called
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"malformed answer file: {answers}: {problem}\n"


def test_a_repeated_key_is_malformed(grader, tmp_path):
    answers = tmp_path / "answers.txt"
    answers.write_text("slope_2 = 9\nsign_2 = positive\nslope_2 = 8\n")
    done = grader.grade("slope-sign", answers, GDSIM="false")
    assert done.returncode == 2
    assert 'line 3: "slope_2" is also given on line 1' in done.stderr


def test_a_missing_answer_file_is_malformed(grader, tmp_path):
    done = grader.grade("partials", tmp_path / "nowhere.txt", GDSIM="false")
    assert done.returncode == 2
    assert "no such readable file" in done.stderr


def test_expected_values_come_from_gdsim(grader):
    done = grader.grade("learning-rate", ANSWERS / "learning-rate.right", GDSIM=str(grader.tmp / "no-gdsim-here"))
    assert done.returncode == 3
    assert done.stderr.startswith("cannot compute the expected values: ")
    assert "score:" not in done.stdout


def test_scripts_are_posix_sh_without_jq_or_python():
    scripts = sorted(EXAMPLES.glob("grade-*.sh"))
    assert {p.name for p in scripts} >= {f"grade-{lab}.sh" for lab in LABS}
    for script in scripts:
        text = script.read_text()
        if script.name != "grade-lib.sh":
            assert text.startswith("#!/bin/sh\n"), script.name
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        for word in ("jq", "python", "[[", "<<<", "$'", "local ", "pipefail", "declare", "source "):
            assert word not in code, (script.name, word)
        if shutil.which("dash"):
            assert subprocess.run(["dash", "-n", str(script)], capture_output=True).returncode == 0, script.name


# --- a class at once: grade-all.sh, the expected values computed once ------------------------

COUNTER = r"""#!/bin/sh
# Log every gdsim call (one line each), then run the real one.
printf '%s\n' "$*" >>"$GDSIM_CALLS"
exec $GDSIM_NEXT "$@"
"""


def counting_env(tmp: Path, grader: Grader) -> dict:
    """Every gdsim call logged, then run through the module's recorder (the lab's own calls replay fast)."""
    counter = tmp / "gdsim-counter"
    counter.write_text(COUNTER)
    counter.chmod(0o755)
    env = {k: v for k, v in grader.env.items() if k != "GRADE_EXPECTED"}
    env.update(GDSIM=str(counter), GDSIM_NEXT=grader.env["GDSIM"], GDSIM_CALLS=str(tmp / "calls.log"), TMPDIR=str(tmp))
    return env


def test_grade_all_grades_a_folder_into_a_csv_computing_the_expected_values_once(grader, verdicts, tmp_path):
    import csv

    folder = tmp_path / "class"
    folder.mkdir()
    right = (ANSWERS / "slope-sign.right").read_text()
    (folder / "ana.txt").write_text(right)
    (folder / "ben.txt").write_text((ANSWERS / "slope-sign.wrong").read_text())
    (folder / "cho, d.txt").write_text(right.replace("slope_2 = 9", "slope_2 = 8.5"))
    (folder / "dan.txt").write_text("slope_2 = 9\nnot a key value line\n")
    env = counting_env(tmp_path, grader)
    done = subprocess.run(["/bin/sh", str(EXAMPLES / "grade-all.sh"), "slope-sign", str(folder)], capture_output=True,
                          text=True, timeout=TIMEOUT, env=env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(done.stdout.splitlines()))
    by_file = {row["file"]: row for row in rows}
    assert [row["file"] for row in rows] == ["ana.txt", "ben.txt", "cho, d.txt", "dan.txt"]
    assert (by_file["ana.txt"]["score"], by_file["ana.txt"]["total"], by_file["ana.txt"]["wrong"]) == ("25", "25", "")
    assert set(by_file["ben.txt"]["wrong"].split()) == MISTAKES["slope-sign"]
    assert by_file["ben.txt"]["score"] == str(25 - len(MISTAKES["slope-sign"]))
    assert by_file["cho, d.txt"]["wrong"] == "slope_2"
    assert by_file["dan.txt"]["score"] == "" and "line 2" in by_file["dan.txt"]["problem"]

    calls = (tmp_path / "calls.log").read_text().splitlines()
    formula_calls = [c for c in calls if " -- " in c]  # a student formula follows --
    # the expected values once, then one call per graded file for its one formula (dan's file is refused before)
    assert len(formula_calls) == 3, formula_calls
    single = subprocess.run(["/bin/sh", str(EXAMPLES / "grade-slope-sign.sh"), str(folder / "ana.txt")],
                            capture_output=True, text=True, timeout=TIMEOUT, env={**env, "GDSIM_CALLS": str(tmp_path / "one.log")})
    per_run = len((tmp_path / "one.log").read_text().splitlines())
    assert len(calls) == (per_run - 1) + 3 and single.returncode == 0


def test_feedback_rounds_numbers_like_a_person_would(verdicts):
    line = checks(verdicts[1]["partials"].stdout)["dfdx"]
    assert "-0.7," in line and "0000000" not in line  # not -0.7000000000000001
    assert "2x - 3" in line  # the student's own formula is quoted back


def test_a_formula_is_checked_with_one_gdsim_call(grader, verdicts, tmp_path):
    answers = tmp_path / "a.txt"
    answers.write_text((ANSWERS / "slope-sign.right").read_text())
    env = counting_env(tmp_path, grader)
    expected = tmp_path / "expected"
    first = subprocess.run(["/bin/sh", str(EXAMPLES / "grade-slope-sign.sh"), str(answers)], capture_output=True,
                           text=True, timeout=TIMEOUT, env={**env, "GRADE_EXPECTED": str(expected)})
    assert first.returncode == 0 and expected.exists()
    (tmp_path / "calls.log").unlink()
    again = subprocess.run(["/bin/sh", str(EXAMPLES / "grade-slope-sign.sh"), str(answers)], capture_output=True,
                           text=True, timeout=TIMEOUT, env={**env, "GRADE_EXPECTED": str(expected)})
    assert again.stdout == first.stdout
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert len(calls) == 1 and "--get value,gradient_value.x" in calls[0]
