"""Re-record the golden corpus: run every case of tests/golden/cases.py and write its exit code,
stdout and stderr to tests/golden/expected/NNN-name.txt (the old files are removed first).

Run this only on purpose, after a deliberate change of behaviour, and read the diff of expected/
before committing it; the corpus exists to show that a refactor changed nothing. From the
repository's root:

    .venv/bin/python tests/golden/record.py

It records through the very code that checks: it runs tests/test_golden.py under pytest, in record
mode, so each case goes through the same gdsim_cli fixture and tests/golden/runner.py as the test.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from golden import runner  # noqa: E402  (after the path above)
from golden.cases import CASES  # noqa: E402


class RecordMode:
    """A pytest plugin that switches test_golden to writing the files."""

    def pytest_configure(self, config):
        config.stash[runner.RECORD] = True


def main() -> int:
    os.chdir(ROOT)
    runner.EXPECTED.mkdir(exist_ok=True)
    for old in runner.EXPECTED.glob("*.txt"):
        old.unlink()
    code = pytest.main([str(ROOT / "tests" / "test_golden.py") + "::test_golden", "-q", "-p", "no:cacheprovider"],
                       plugins=[RecordMode()])
    written = sorted(p.name for p in runner.EXPECTED.glob("*.txt"))
    wanted = sorted(runner.file_name(i, case) for i, case in enumerate(CASES))
    if code != 0 or written != wanted:
        print(f"record.py: pytest exit code {code}; {len(written)} of {len(wanted)} files written", file=sys.stderr)
        return 1
    print(f"record.py: {len(written)} cases recorded in {runner.EXPECTED.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
