"""Korean explanations: every English template has a translation with the same placeholders,
Korean output is really Korean, and machine formats never change with the language."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from gdsim.cli.app import run
from gdsim.i18n.ko import KO

PACKAGE = Path(__file__).resolve().parents[1] / "gdsim"
TEMPLATE = re.compile(r'\btr\(\s*"((?:[^"\\]|\\.)*)"')


def templates_in_package() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for m in TEMPLATE.finditer(path.read_text(encoding="utf-8")):
            found.add(m.group(1).encode().decode("unicode_escape").encode("latin-1").decode("utf-8"))
    return found


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_template_passed_to_tr_has_a_korean_translation():
    missing = sorted(t for t in templates_in_package() if t not in KO)
    assert missing == []


@pytest.mark.parametrize("english", sorted(KO))
def test_translation_keeps_the_placeholders(english):
    assert fields(KO[english]) == fields(english)


def _out(capsys, args):
    code = run(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.mark.parametrize(
    "args",
    [
        ["derive", "x^3 - 3x", "--at", "2", "--hessian", "--steps"],
        ["descend", "x^2", "--start", "3", "--lr", "0.9", "--max-steps", "5", "--no-plot"],
        ["sgd", "--synthetic", "linear", "--epochs", "1", "--batch-size", "50", "--no-plot"],
    ],
)
def test_lang_ko_explains_in_korean_and_english_stays_the_default(capsys, monkeypatch, args):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    _, english, _ = _out(capsys, args)
    _, korean, _ = _out(capsys, args + ["--lang", "ko"])
    assert not HANGUL.search(english)
    assert HANGUL.search(korean)
    assert english != korean


def test_korean_locale_is_detected(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    _, out, _ = _out(capsys, ["derive", "x^2", "--at", "1"])
    assert "내리막" in out


@pytest.mark.parametrize(
    "args",
    [
        ["derive", "x^2 + y^2", "--at", "1,2", "--hessian", "--check", "--steps", "--format", "json"],
        ["descend", "x^2", "--lr", "1.5", "--format", "json"],
        ["descend", "x^2+y^2", "--format", "ndjson", "--max-steps", "3"],
        ["descend", "x^2+y^2", "--format", "csv", "--max-steps", "3"],
        ["sgd", "--synthetic", "linear", "--epochs", "1", "--format", "json"],
    ],
)
def test_machine_formats_are_byte_identical_in_korean(capsys, args):
    _, english, _ = _out(capsys, args + ["--lang", "en"])
    _, korean, _ = _out(capsys, args + ["--lang", "ko"])
    assert english == korean
    assert english.strip()


def test_descend_table_columns_line_up_with_wide_characters(capsys):
    from gdsim.render.descend_text import cells

    _, out, _ = _out(capsys, ["descend", "x^2", "--lr", "0.9", "--max-steps", "4", "--no-plot", "--lang", "ko"])
    rows = [line for line in out.splitlines() if re.match(r"\s+\d+\s", line)]
    # every row with an update has the same display width as the header
    header = next(line for line in out.splitlines() if line.strip().startswith("걸음"))
    assert {cells(r) for r in rows[:-1]} == {cells(header)}
