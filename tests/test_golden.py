"""The golden corpus: every case in tests/golden/cases.py is run and its exit code, stdout and stderr
must equal, byte for byte, what tests/golden/expected/NNN-name.txt recorded.

The corpus was recorded before the package layout changed, so that a refactor can show it changed
nothing a user sees. A difference here is a change of behaviour: fix the code, or, when the change is
deliberate, re-record with `python tests/golden/record.py` and review the diff of expected/.

Cases run in this process (conftest's gdsim_cli fixture) through tests/golden/runner.py, the same
runner record.py uses; the only text normalised is the wall-clock time of sgd runs (see runner.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

if str(Path(__file__).parent) not in sys.path:  # pytest's default import mode has put it there already
    sys.path.insert(0, str(Path(__file__).parent))

from golden import runner  # noqa: E402
from golden.cases import CASES  # noqa: E402

NAMES = [runner.file_name(i, case) for i, case in enumerate(CASES)]


def test_case_names_are_unique_and_usable_as_file_names():
    names = [case["name"] for case in CASES]
    assert len(set(names)) == len(names), sorted({n for n in names if names.count(n) > 1})
    assert all(n and n.replace("-", "").isalnum() and n.isascii() for n in names)


def test_every_expected_file_belongs_to_a_case():
    # a file left behind by a removed or renamed case would never be checked
    recorded = sorted(p.name for p in runner.EXPECTED.glob("*.txt"))
    assert recorded == sorted(NAMES), "re-record with: python tests/golden/record.py"


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=[n.removesuffix(".txt") for n in NAMES])
def test_golden(index, case, gdsim_cli, monkeypatch, request):
    monkeypatch.chdir(runner.ROOT)  # the cases' file paths, and the paths gdsim echoes, are relative to it
    result = runner.run_case(case, gdsim_cli, monkeypatch)
    actual = runner.render(case, result)
    path = runner.EXPECTED / runner.file_name(index, case)
    if request.config.stash.get(runner.RECORD, False):
        runner.write_expected(path, actual)
        return
    assert path.exists(), f"{path.name} was never recorded: python tests/golden/record.py"
    recorded = runner.read_expected(path)
    expected = runner.parse(recorded)
    assert runner.header(case) == recorded[: len(runner.header(case))], (
        f"the case changed since {path.name} was recorded (argv, env or stdin): re-record it on purpose")
    assert result.code == int(expected["exit code"])
    assert result.stdout == expected["stdout"]
    assert result.stderr == expected["stderr"]
    assert actual == recorded  # the file as a whole, to the byte
