"""A fuzz target for the expression parser: any text may be refused with a GdsimError, nothing else,
and each input must finish within a CPU-time bound. It runs under atheris when that is installed
(coverage-guided) and under hypothesis otherwise; docs/fuzzing.md says how to start a long run.
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

if __name__ == "__main__":
    # Run as a script from anywhere: import the working tree's gdsim, not another copy.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

try:
    import atheris
except ImportError:  # atheris is optional: the hypothesis fuzzer needs nothing more
    atheris = None

if atheris is not None and __name__ == "__main__":
    # Coverage feedback needs gdsim's bytecode instrumented as it is imported.
    with atheris.instrument_imports(include=["gdsim"]):
        import gdsim.expr.function
        import gdsim.expr.parser
        import gdsim.expr.vector
else:
    import gdsim.expr.function
    import gdsim.expr.parser
    import gdsim.expr.vector

from gdsim.errors import GdsimError

# CPU seconds one input may take, every parser together; more is a finding (a hang in waiting).
SLOW_SECONDS = float(os.environ.get("GDSIM_FUZZ_SLOW", "2.0"))
# Wall seconds after which the hypothesis fuzzer gives up on an input that never returns
# (a computation in C cannot be interrupted), printing where it hangs.
HANG_SECONDS = 3 * SLOW_SECONDS

# Pieces of the language and of what lies just outside it. Half of the fuzzer's inputs are
# read as a list of these, so that they look like expressions and reach deep into the parser.
TOKENS = [
    "x", "y", "x2", "x10", "w", "_", "sin", "log", "exp", "sqrt", "abs", "relu", "sigmoid", "sum",
    "dot", "norm", "pi", "e", "lambda", "if", "__class__", "0", "1", "2", "9", "0.5", ".5", "1e3",
    "1e400", "1e-400", "9" * 30, "+", "-", "*", "/", "**", "^", "(", ")", "[", "]", ":", ",",
    ".", " ", "=", "==", "<", "'", '"', ";", "@", "%", "\t", "\n", "\x00", "х", "ｙ", "²", "√", "−",
]

# Inputs every run starts from: the kinds of text that have broken parsers before. An input
# that once broke gdsim's parser stays here for good.
SEEDS = [
    "x**2 + y**2",
    "(1-x)^2 + 100(y-x^2)^2",
    "-x^2",
    "2^3^2",
    "log(x, 2) + sigmoid(y) - relu(x)",
    "sum(x**2) + x[0] * x[1:]",
    "9**9**9**9",
    "2**2**2**2**2**2**2",
    "x**(10**100)",
    "1" + "0" * 400 + "*x",
    "1e400*x",
    "1e99999999*x",
    "0e99999999*x",
    "1e-99999999*x",
    "(" * 150 + "x" + ")" * 150,
    "-" * 300 + "x",
    "x" * 10_001,
    "+".join(f"x{i}" for i in range(150)),
    "__import__('os').system('true')",
    "().__class__.__bases__[0]",
    "lambda: x",
    "x\x00+1",
    "хx**2",
    "sin",
    "x +",
    "",
]


class SlowInput(AssertionError):
    """An input that took longer than SLOW_SECONDS of CPU time."""


def text_from_bytes(data: bytes) -> str:
    """The fuzzer's bytes as a function text: raw UTF-8 when the first byte is even, else tokens."""
    if not data:
        return ""
    if data[0] % 2 == 0:
        return data[1:].decode("utf-8", errors="replace")
    return "".join(TOKENS[b % len(TOKENS)] for b in data[1:])


def bytes_from_text(text: str) -> bytes:
    """The input that text_from_bytes reads back as `text` (for the seeds)."""
    return b"\x00" + text.encode("utf-8")


def check_text(text: str) -> None:
    """Parse `text` every way gdsim does; raise if anything but a GdsimError escapes, or if it is slow."""
    start = time.thread_time()
    for parse in (
        lambda: gdsim.expr.parser.parse_tree(text),
        lambda: gdsim.expr.parser.parse_tree(text, vector=True),
        lambda: gdsim.expr.function.parse(text).gradient_exprs,
        lambda: gdsim.expr.vector.parse_vector(text, 3),
    ):
        try:
            parse()
        except GdsimError:
            pass
    spent = time.thread_time() - start
    if spent > SLOW_SECONDS:
        raise SlowInput(f"{spent:.2f} s of CPU time for {text[:200]!r} ({len(text):,} characters)")


def fuzz_one_input(data: bytes) -> None:
    """The atheris entry point."""
    check_text(text_from_bytes(data))


def _with_hang_guard(data: bytes) -> None:
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    try:
        fuzz_one_input(data)
    finally:
        faulthandler.cancel_dump_traceback_later()


def _seeded(test):
    for seed in SEEDS:
        test = example(bytes_from_text(seed))(test)
    return test


@_seeded
@given(st.one_of(st.binary(max_size=400), st.text(max_size=200).map(lambda t: b"\x00" + t.encode("utf-8"))))
def fuzz_with_hypothesis(data: bytes) -> None:
    """The same target driven by hypothesis, for machines without atheris."""
    _with_hang_guard(data)


def run_hypothesis(seconds: float, examples: int) -> int:
    """Fuzz with hypothesis for about `seconds`, in rounds of `examples` inputs (the seeds first)."""
    run = settings(max_examples=examples, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))(fuzz_with_hypothesis)
    end = time.monotonic() + seconds
    rounds = 0
    while rounds == 0 or time.monotonic() < end:
        run()  # a failure raises with the smallest input hypothesis found
        rounds += 1
    print(f"fuzz_parser: {rounds} rounds of {examples} inputs, every one refused cleanly or parsed", file=sys.stderr)
    return 0


def write_seeds(folder: Path) -> None:
    """The seeds as a libFuzzer corpus folder (files named after their index)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(SEEDS):
        (folder / f"seed-{i:03d}").write_bytes(bytes_from_text(seed))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hypothesis", action="store_true", help="use hypothesis even when atheris is installed")
    parser.add_argument("--seconds", type=float, default=60.0, help="hypothesis: about how long to fuzz (default 60)")
    parser.add_argument("--examples", type=int, default=2000, help="hypothesis: inputs per round (default 2000)")
    parser.add_argument("--corpus", type=Path, help="atheris: corpus folder, created and seeded if needed")
    ours, libfuzzer_args = parser.parse_known_args(argv[1:])
    if ours.hypothesis or atheris is None:
        return run_hypothesis(ours.seconds, ours.examples)
    if ours.corpus is not None:
        write_seeds(ours.corpus)
        libfuzzer_args.append(str(ours.corpus))
    # Everything else (-runs=N, -max_total_time=S, -timeout=S, -jobs=N ...) goes to libFuzzer.
    atheris.Setup([argv[0], *libfuzzer_args], fuzz_one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
