"""README examples are real runs: every example block is re-run and must match gdsim byte for byte
(regenerate them with `python tools/readme.py`)."""

from __future__ import annotations

import importlib.util
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def load_tool():
    spec = importlib.util.spec_from_file_location("readme_tool", ROOT / "tools" / "readme.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


tool = load_tool()
LINES = README.read_text(encoding="utf-8").split("\n")
EXAMPLES = tool.examples(LINES)


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    """Every README command run once (two at a time)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(((e.command, e.columns, e.terminal) for e in EXAMPLES), pool.map(tool.produce, EXAMPLES)))


def test_the_readme_has_examples_from_every_command():
    commands = {e.command.split()[1] for e in EXAMPLES}
    assert {"derive", "descend", "sgd", "lab"} <= commands


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command[:60] for e in EXAMPLES])
def test_a_readme_example_is_what_gdsim_prints(fresh, example):
    shown = LINES[example.start : example.end + 1]
    assert shown == tool.block(example, fresh[example.command, example.columns, example.terminal]), (
        f"README.md drifted from `{example.command}`: run python tools/readme.py and read the diff")


def test_a_number_changed_by_hand_is_caught(fresh):
    """Edit one printed number in a copy of the README, as a hand would: the check sees it."""
    example = next(e for e in EXAMPLES if e.command.startswith("gdsim descend") and "--every 10" in e.command)
    row = next(i for i in range(example.start, example.end) if re.match(r"\s+70\s", LINES[i]))
    edited = LINES[:row] + [LINES[row].replace("4.93651e-07", "4.93652e-07", 1)] + LINES[row + 1 :]
    assert edited != LINES
    expected = tool.block(example, fresh[example.command, example.columns, example.terminal])
    assert LINES[example.start : example.end + 1] == expected  # the README as it is passes
    assert edited[example.start : example.end + 1] != expected  # the hand-edited copy does not


def test_the_readme_says_how_examples_are_made():
    assert "tools/readme.py" in LINES[0] + "\n".join(LINES[:8])
