"""`gdsim lab show / template`: a student's page without the answer key, the key only with --answers,
a teacher's own lab file, an answer file to fill in, and the lab and preset texts in Korean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ANSWERS = Path(__file__).resolve().parent.parent / "examples" / "answers"
LABS = ("slope-sign", "partials", "practice", "learning-rate", "optimizer-race", "optimizer-zoo", "sgd-batches")
HANGUL = re.compile(r"[가-힣]")

# Numbers only the answer key states: the page a student reads must not give them away.
GIVEAWAYS = {
    "partials": ["12/7", "1.714286", "-3/7", "79 steps"],
    "learning-rate": ["0.998^1000", "exit 3", "at step 96", "70 steps"],
    "slope-sign": ["after 16", "f'(0.9) = -0.57"],
    "optimizer-race": ["3020 steps", "2457 steps"],
    "optimizer-zoo": ["78 steps", "75 steps", "x = -0.192"],
    "sgd-batches": ["0.2615", "2000, 130"],
    "practice": ["(2.56, 0.96)", "(1.024, 0.064)"],
}


def keys_of(text: str) -> list[str]:
    return [line.split("=", 1)[0].strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("lab", LABS)
def test_show_keeps_the_answer_key_for_the_teacher(gdsim_cli, lab):
    page = gdsim_cli("lab", "show", lab)
    teacher = gdsim_cli("lab", "show", lab, "--answers")
    assert page.code == 0 and teacher.code == 0
    for giveaway in GIVEAWAYS[lab]:
        assert giveaway not in page.stdout, giveaway
        assert giveaway in teacher.stdout, giveaway
    assert "How it is checked" not in page.stdout and "How it is checked" in teacher.stdout


@pytest.mark.parametrize("lab", LABS)
def test_show_lists_the_keys_the_grader_reads(gdsim_cli, lab):
    """The keys on the page are those of the shipped right answer, which its grader accepts."""
    page = gdsim_cli("lab", "show", lab, "--format", "json")
    doc = json.loads(page.stdout)
    assert "answer" not in doc
    assert list(doc["keys"]) == keys_of((ANSWERS / f"{lab}.right").read_text())
    assert "answer" in json.loads(gdsim_cli("lab", "show", lab, "--format", "json", "--answers").stdout)


@pytest.mark.parametrize("lab", LABS)
def test_template_is_an_answer_file_with_every_key(gdsim_cli, lab):
    template = gdsim_cli("lab", "template", lab)
    assert template.code == 0
    assert keys_of(template.stdout) == keys_of((ANSWERS / f"{lab}.right").read_text())
    assert all(line.rstrip().endswith("=") for line in template.stdout.splitlines() if line and not line.startswith("#"))


TEACHER_LAB = '''\
name = "week3"
title = "Week 3: a valley of my own"
task = "Run the command and write down the last x."
commands = ['gdsim descend "(x-2)^2" --start 0']
answer = "x = 2 after 80 steps"

[keys]
last_x = "the last x"
steps = "the number of steps"

[ko]
title = "3주차: 나만의 골짜기"

[ko.keys]
last_x = "마지막 x 값"
'''


def test_a_teachers_own_lab_file_is_shown_and_templated(gdsim_cli, tmp_path):
    path = tmp_path / "lab1.toml"
    path.write_text(TEACHER_LAB, encoding="utf-8")
    page = gdsim_cli("lab", "show", str(path))
    assert page.code == 0, page.stderr
    assert "Week 3: a valley of my own" in page.stdout and "last_x" in page.stdout
    assert "x = 2 after 80 steps" not in page.stdout
    template = gdsim_cli("lab", "template", str(path))
    assert keys_of(template.stdout) == ["last_x", "steps"]
    korean = gdsim_cli("lab", "show", str(path), "--lang", "ko")
    assert "3주차: 나만의 골짜기" in korean.stdout and "마지막 x 값" in korean.stdout
    assert "the number of steps" in korean.stdout  # a key without a translation stays in English


def test_a_missing_or_broken_lab_file_is_one_line_and_exit_2(gdsim_cli, tmp_path):
    missing = gdsim_cli("lab", "show", str(tmp_path / "lab1.toml"))
    assert missing.code == 2 and missing.stderr.count("\n") == 1 and "lab1.toml" in missing.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(TEACHER_LAB.replace('answer = "x = 2 after 80 steps"\n', ""), encoding="utf-8")
    broken = gdsim_cli("lab", "show", str(bad))
    assert broken.code == 2 and "'answer'" in broken.stderr and str(bad) in broken.stderr


@pytest.mark.parametrize("lab", LABS)
def test_lab_text_follows_lang(gdsim_cli, lab):
    english = gdsim_cli("lab", "show", lab, "--answers")
    korean = gdsim_cli("lab", "show", lab, "--answers", "--lang", "ko")
    assert korean.code == 0
    # title, task, key descriptions and the answer key: no English sentence is left
    sentences = [line.strip() for line in english.stdout.splitlines()
                 if len(re.findall(r"[A-Za-z]{4,}", line)) >= 3 and not line.lstrip().startswith("gdsim ")]
    left = [line for line in sentences if line in korean.stdout]
    assert sentences and not left, left[:3]
    assert HANGUL.search(korean.stdout.splitlines()[0])
    assert not HANGUL.search(english.stdout)
    listing = gdsim_cli("lab", "list", "--lang", "ko").stdout
    assert all(HANGUL.search(line) for line in listing.splitlines())


def test_preset_titles_follow_lang(gdsim_cli):
    listing = gdsim_cli("presets", "--lang", "ko").stdout
    rows = [line for line in listing.splitlines()[1:] if line.strip() and not line.startswith(("하나", "Show"))]
    assert rows and all(HANGUL.search(line.split(None, 1)[1]) for line in rows)
    one = gdsim_cli("presets", "booth", "--lang", "ko").stdout
    assert "기울어진 2차 그릇" in one and "a tilted quadratic bowl" not in one
    # JSON is for programs: it stays in English whatever --lang says
    assert json.loads(gdsim_cli("presets", "booth", "--format", "json", "--lang", "ko").stdout)["booth"]["title"].startswith("Booth's")
