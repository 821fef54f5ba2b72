"""Measure gdsim beside the alternatives a student would otherwise use, and print one table of ratios.

Run by hand (`python benchmarks/run.py`, `--quick` for a smoke run, `--only GROUP`); never part of
the test suite. Candidate and baseline runs alternate within each group, so machine drift hits both.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import baselines as base

HERE = Path(__file__).resolve().parent
GROUPS = ("startup", "descend", "sweep", "vector", "sgd", "csv", "grading")


# --- targets, rows and the table --------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a row must show: gdsim/baseline at most `ratio` (below it when `strict`), or under `seconds`."""

    text: str
    ratio: float | None = None
    strict: bool = False
    seconds: float | None = None


def at_most(ratio: float) -> Target:
    return Target(f"<= {ratio:g}x", ratio=ratio)


FASTER = Target("< 1x (faster)", ratio=1.0, strict=True)


def under(seconds: float) -> Target:
    return Target(f"< {seconds:g} s", seconds=seconds)


@dataclass
class Row:
    group: str
    measure: str
    gdsim: float | None  # seconds (per step for per-step rows)
    baseline: str = ""
    baseline_time: float | None = None
    target: Target | None = None

    @property
    def ratio(self) -> float | None:
        if self.gdsim is None or not self.baseline_time:
            return None
        return self.gdsim / self.baseline_time

    @property
    def verdict(self) -> str:
        if self.gdsim is None or (self.baseline and self.baseline_time is None):
            return "skipped"
        t = self.target
        if t is None:
            return "info"
        if t.seconds is not None:
            return "met" if self.gdsim < t.seconds else "MISSED"
        r = self.ratio
        if r is None:
            return "skipped"
        return "met" if (r < t.ratio if t.strict else r <= t.ratio) else "MISSED"


def show_time(seconds: float | None) -> str:
    """Three significant figures in µs, ms or s."""
    if seconds is None:
        return "—"
    for scale, unit in ((1e6, "µs"), (1e3, "ms"), (1.0, "s")):
        value = seconds * scale
        if value < 999.5 or unit == "s":
            return f"{value:.0f} {unit}" if value >= 99.95 else f"{value:.3g} {unit}"
    raise AssertionError("unreachable")


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table, padded so it also reads well in a terminal."""
    head = ["group", "measure", "gdsim", "baseline", "baseline median", "ratio", "target", "verdict"]
    body = [
        [r.group, r.measure, show_time(r.gdsim), r.baseline or "—", show_time(r.baseline_time),
         (f"{r.ratio:.2f}x" if r.ratio >= 0.1 else f"{r.ratio:.2g}x") if r.ratio is not None else "—", r.target.text if r.target else "—", r.verdict]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, body)])


# --- measuring --------------------------------------------------------------------------------


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def alternate(measures: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """The median of each measure over `rounds` rounds; each round runs every measure once,
    the order rotated from round to round so that a slow spell of the machine is shared."""
    names = list(measures)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(measures[name]())
    return {name: statistics.median(values) for name, values in samples.items()}


def wall_time(command: list[str]) -> float:
    """Seconds from starting `command` to its exit; a failing command stops the benchmark."""
    return wall_and_cpu(command)[0]


def wall_and_cpu(command: list[str]) -> tuple[float, float | None]:
    """Wall seconds of `command`, and the CPU seconds (user + system) it used where the OS says."""
    before = children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    after = children_cpu()
    if done.returncode not in (0, 3):  # 3: descend stopped at --max-steps, as asked
        raise RuntimeError(f"{command[:3]} … exited {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
    return seconds, (after - before if before is not None else None)


def children_cpu() -> float | None:
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def output_of(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        raise RuntimeError(f"{command[:3]} … exited {done.returncode}: {done.stderr[-500:]}")
    return done.stdout


def import_torch():
    """torch, pinned to one thread, or None when it is not installed.

    At these sizes torch gains nothing from more threads, and on a busy machine its default
    thread pool made each step 5 to 10 times slower: one thread is its strongest setting here.
    """
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def same(a, b, rtol: float) -> bool:
    return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=rtol))


class Notes(list):
    def check(self, what: str, ok: bool) -> None:
        self.append(f"checked: {what}" if ok else f"MISMATCH: {what} — the comparison is not like for like")


# --- 1. start-up ------------------------------------------------------------------------------


def write_bytecode(notes: Notes) -> None:
    """Compile gdsim's modules to .pyc, as pip does when it installs a package.

    An editable install writes them on first use, unless PYTHONDONTWRITEBYTECODE is set (it is in
    some shells and CI images): then every run would compile gdsim from source while numpy, installed
    by pip, loads its bytecode, and the start-up rows would measure Python's compiler.
    """
    import compileall

    import gdsim

    compileall.compile_dir(str(Path(gdsim.__file__).parent), quiet=1)
    note = ("PYTHONDONTWRITEBYTECODE is set: gdsim's .pyc files were written with compileall before "
            "timing, as pip writes them when it installs a package")
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and note not in notes:
        notes.append(note)


def gdsim_command() -> tuple[list[str], str]:
    """The installed console script of this Python, else `python -m gdsim`."""
    script = Path(sys.executable).parent / ("gdsim.exe" if os.name == "nt" else "gdsim")
    if script.is_file():
        return [str(script)], f"the console script {script}"
    return [sys.executable, "-m", "gdsim"], f"{sys.executable} -m gdsim"


def startup(quick: bool, notes: Notes) -> list[Row]:
    gdsim, how = gdsim_command()
    derive = gdsim + ["derive", "x**2+y**2", "--at", "x=1,y=2", "--format", "json"]
    commands = {
        "gdsim": derive,
        "numpy": [sys.executable, "-c", "import numpy"],
        "imports": [sys.executable, "-c", "import numpy, symengine, typer"],
    }
    try:
        import sympy  # noqa: F401

        commands["sympy"] = [sys.executable, "-c", base.SYMPY_DERIVE_SCRIPT]
    except ImportError:
        notes.append("startup: SymPy is not installed; the SymPy row is skipped (pip install sympy)")

    # One untimed run of each fills the page cache.
    write_bytecode(notes)
    answer = json.loads(output_of(derive))
    notes.check("gdsim derive --at x=1,y=2 gives f = 5, ∇f = (2, 4)",
                answer.get("value") == 5.0 and answer.get("gradient_value") == {"x": 2.0, "y": 4.0})
    if "sympy" in commands:
        other = json.loads(output_of(commands["sympy"]))
        notes.check("the SymPy script gives the same f and ∇f",
                    other["value"] == answer.get("value") and other["gradient_value"] == answer.get("gradient_value"))
    for command in commands.values():
        wall_time(command)

    rounds = 5 if quick else 20
    progress(f"startup: {rounds} alternated runs of {len(commands)} commands")
    cpu: dict[str, list[float]] = {name: [] for name in commands}

    def measure(name: str) -> float:
        wall, used = wall_and_cpu(commands[name])
        if used is not None:
            cpu[name].append(used)
        return wall

    median = alternate({name: (lambda name=name: measure(name)) for name in commands}, rounds)
    notes.append(f"startup: gdsim is run as {how}; medians of {rounds} runs each, alternated")
    rows = [
        Row("startup", "derive --at x=1,y=2 --format json (wall)", median["gdsim"],
            "python -c 'import numpy'", median["numpy"], at_most(1.5)),
        Row("startup", "reference: python -c 'import numpy, symengine, typer'", median["imports"],
            "python -c 'import numpy'", median["numpy"], None),
    ]
    if "sympy" in commands:
        rows.append(Row("startup", "derive --at x=1,y=2 --format json (wall)", median["gdsim"],
                        "SymPy script, same gradient", median["sympy"], None))
    if cpu["gdsim"] and cpu["numpy"]:
        # CPU time does not count the time spent waiting for a core, so on a busy machine it is the steadier figure.
        rows.insert(1, Row("startup", "derive --at x=1,y=2 --format json (CPU)", statistics.median(cpu["gdsim"]),
                           "python -c 'import numpy' (CPU)", statistics.median(cpu["numpy"]), None))
    return rows


# --- 2. descend, 2 variables ------------------------------------------------------------------


def engine_run(function, start, optimizer: str, lr: float, steps: int) -> tuple[float, np.ndarray]:
    """Seconds for gdsim's descend engine to take `steps` updates from `start`, and where it ends.

    tol 0 and ftol 0, so the engine runs every step, checking each point as the command does; it is
    asked for the records of the first and the last point only, as `--every` asks a long run for few.
    """
    from gdsim.engine.descend import check_settings, run
    from gdsim.optim import make_optimizer

    settings = check_settings(0.0, 0.0, steps, 1e8)
    rule = make_optimizer(optimizer, lr=lr)
    t = time.perf_counter()
    for end in run(function, np.array(start, dtype=float), rule, settings, record=max(steps, 1)):
        pass
    seconds = time.perf_counter() - t
    if end.status != "max_steps" or end.steps != steps:
        raise RuntimeError(f"descend stopped early: {end.status} after {end.steps} steps")
    return seconds, end.point


def per_step(fn: Callable[[int], object], steps: int) -> float:
    """Seconds per step of fn(steps)."""
    return timed_call(lambda: fn(steps)) / steps


def descend(quick: bool, notes: Notes, torch) -> list[Row]:
    from gdsim.expr.function import parse

    start, lr = (0.0, 0.0), 0.001
    function = parse(base.ROSENBROCK)
    function.value_and_gradient(np.array(start))  # compile outside the timing

    def gdsim_run(steps: int) -> tuple[float, np.ndarray]:
        return engine_run(function, start, "gd", lr, steps)

    check_steps = 1000
    reference = np.array(base.python_descend(start, lr, check_steps))
    notes.check(f"descend: gdsim and the pure-Python loop agree to 1e-9 after {check_steps} steps",
                same(gdsim_run(check_steps)[1], reference, 1e-9))
    if torch is not None:
        notes.check(f"descend: torch.optim.SGD agrees to 1e-9 after {check_steps} steps",
                    same(base.torch_descend(torch, start, lr, check_steps), reference, 1e-9))

    # Many short rounds rather than a few long ones: the alternation then follows the machine's drift closely.
    steps = {"gdsim": 2_000 if quick else 10_000, "python": 10_000 if quick else 50_000,
             "torch": 500 if quick else 2_000}
    rounds = 2 if quick else 10

    measures = {
        "gdsim": lambda: gdsim_run(steps["gdsim"])[0] / steps["gdsim"],
        "python": lambda: per_step(lambda n: base.python_descend(start, lr, n), steps["python"]),
    }
    if torch is not None:
        measures["torch"] = lambda: per_step(lambda n: base.torch_descend(torch, start, lr, n), steps["torch"])
    progress(f"descend: {rounds} alternated rounds, steps per round {steps}")
    median = alternate(measures, rounds)
    rows = [Row("descend", "gd per step, Rosenbrock, in-process", median["gdsim"],
                "pure-Python loop, hand-written gradient", median["python"], at_most(3.0))]
    if torch is not None:
        rows.append(Row("descend", "gd per step, Rosenbrock, in-process", median["gdsim"],
                        "torch autograd + optim.SGD", median["torch"], None))
    else:
        rows.append(Row("descend", "gd per step, Rosenbrock, in-process", median["gdsim"],
                        "torch (not importable)", None, None))
    notes.append("descend: --start 0,0 is given because the default start (1, 1) is the minimum, "
                 "where --tol 0 stops at step 0")
    notes.append(f"descend: start (0, 0), lr 0.001, tol 0; per-step medians of {rounds} alternated runs of "
                 f"{steps['gdsim']:,} (gdsim), {steps['python']:,} (Python)"
                 + (f", {steps['torch']:,} (torch) steps" if torch is not None else " steps"))

    # The whole command, as a grading script runs it, beside a script running the pure-Python loop.
    cli_steps = 10_000 if quick else 100_000
    gdsim, how = gdsim_command()
    command = gdsim + ["descend", base.ROSENBROCK, "--start", "0,0", "-o", "gd", "--lr", "0.001",
                       "--max-steps", str(cli_steps), "--tol", "0", "--format", "json", "--every", str(cli_steps // 100)]
    script = [sys.executable, "-c",
              f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import baselines; "
              f"print(json.dumps(baselines.python_descend((0.0, 0.0), 0.001, {cli_steps})))"]
    write_bytecode(notes)
    end = json.loads(output_of(command))["result"]
    notes.check(f"descend CLI: ran all {cli_steps:,} steps and ended where the pure-Python script ends",
                end["steps"] == cli_steps and same([end["point"]["x"], end["point"]["y"]],
                                                   json.loads(output_of(script)), 1e-9))
    cli_rounds = 1 if quick else 3
    progress(f"descend: the CLI end to end, {cli_rounds} alternated runs of {cli_steps:,} steps")
    median = alternate({"gdsim": lambda: wall_time(command), "python": lambda: wall_time(script)}, cli_rounds)
    rows.append(Row("descend", f"CLI end to end, {cli_steps:,} steps, json --every {cli_steps // 100:,} (wall)",
                    median["gdsim"], "python script, same loop (wall)", median["python"], at_most(2.0)))
    return rows


# --- 2b. sweep: one descend per learning rate ----------------------------------------------------


def sweep(quick: bool, notes: Notes) -> list[Row]:
    """gdsim sweep's engine in-process: 50 learning rates x up to 1,000 steps of gd on Rosenbrock,
    against the same loops in plain Python with the gradient written by hand."""
    from gdsim.engine.descend import check_settings
    from gdsim.engine.sweep import sweep as run_sweep
    from gdsim.expr.function import parse
    from gdsim.optim import make_optimizer

    start, steps, tol = (0.0, 0.0), 1000, 1e-6
    # Every lr runs all 1,000 steps: below 2/λ_max at the minimum (≈ 0.002) the walk is stable; above it
    # it bounces chaotically, and the last bits of two ways of summing the gradient part ways.
    lrs = [float(v) for v in np.geomspace(1e-4, 1.9e-3, 50)]
    function = parse(base.ROSENBROCK)
    function.value_and_gradient(np.array(start))  # compile outside the timing
    settings = check_settings(tol, 0.0, steps, 1e8)

    def gdsim_sweep():
        optimizers = [make_optimizer("gd", lr=lr) for lr in lrs]
        return [(r.result.status, r.result.steps, *map(float, r.result.point))
                for r in run_sweep(function, np.array(start), optimizers, lrs, settings)]

    ours, theirs = gdsim_sweep(), base.python_sweep(start, lrs, steps, tol)
    agree = [a[:2] == b[:2] and (a[0] == "diverged" or same(a[2:], b[2:], 1e-9)) for a, b in zip(ours, theirs)]
    notes.check("sweep: gdsim and the plain-Python loops give the same status, step count and end point "
                f"(to 1e-9) for all {len(lrs)} learning rates", len(ours) == len(theirs) == len(lrs) and all(agree))
    statuses = {s: sum(r[0] == s for r in ours) for s in ("converged", "max_steps", "diverged")}
    total = sum(r[1] for r in ours)
    notes.append(f"sweep: gd on Rosenbrock from (0, 0), tol 1e-6, lr 1e-4 to 1.9e-3 geometric: {statuses['converged']} "
                 f"converged, {statuses['max_steps']} max_steps, {statuses['diverged']} diverged; {total:,} updates in all")
    rounds = 2 if quick else 7
    progress(f"sweep: {rounds} alternated rounds of {len(lrs)} learning rates")
    median = alternate({"gdsim": lambda: timed_call(gdsim_sweep),
                        "python": lambda: timed_call(lambda: base.python_sweep(start, lrs, steps, tol))}, rounds)
    return [Row("sweep", f"{len(lrs)} lrs x <= {steps:,} steps, Rosenbrock, in-process", median["gdsim"],
                "plain-Python loops, hand-written gradient", median["python"], at_most(3))]


# --- 3. descend, 1,024 variables --------------------------------------------------------------

VECTOR_PROBE = """\
import sys, time
import numpy as np
from gdsim.engine.descend import check_settings, run
from gdsim.optim import make_optimizer
from gdsim.expr.vector import parse_vector
start = time.perf_counter()
function = parse_vector({text!r}, {dim})
first = next(run(function, np.zeros({dim}), make_optimizer("adam", lr=0.01), check_settings(0.0, 0.0, 1, 1e8)))
print(time.perf_counter() - start)
"""


def vector(quick: bool, notes: Notes, torch) -> list[Row]:
    try:
        from gdsim.expr.vector import parse_vector
    except ModuleNotFoundError as e:
        if e.name != "gdsim.expr.vector":
            raise
        notes.append("vector: skipped, gdsim.expr.vector does not exist yet")
        return [Row("vector", "adam per step, N = 1,024", None, "numpy loop, analytic gradient", None, at_most(1.3)),
                Row("vector", "adam per step, N = 1,024", None, "torch autograd + optim.Adam", None, FASTER),
                Row("vector", "parse to first step, N = 1,024", None, "", None, under(1.0))]
    dim, lr = 1024, 0.01
    start = np.zeros(dim)

    # From text to the first step, in fresh processes so that nothing is cached (imports not counted).
    probe = [sys.executable, "-c", VECTOR_PROBE.format(text=base.CHAIN_ROSENBROCK, dim=dim)]
    probes = 1 if quick else 3
    progress(f"vector: parse to first step, {probes} fresh processes")
    first_step = statistics.median(float(output_of(probe)) for _ in range(probes))

    function = parse_vector(base.CHAIN_ROSENBROCK, dim)
    function.value_and_gradient(start)

    def gdsim_run(steps: int) -> tuple[float, np.ndarray]:
        return engine_run(function, start, "adam", lr, steps)

    check_steps = 200
    reference = base.numpy_adam_descend(start, check_steps, lr)
    notes.check(f"vector: gdsim and the numpy loop agree to 1e-9 after {check_steps} steps",
                same(gdsim_run(check_steps)[1], reference, 1e-9))
    if torch is not None:
        notes.check(f"vector: torch.optim.Adam agrees to 1e-9 after {check_steps} steps",
                    same(base.torch_adam_descend(torch, start, check_steps, lr), reference, 1e-9))

    steps = 300 if quick else 1_000
    rounds = 2 if quick else 10

    measures = {
        "gdsim": lambda: gdsim_run(steps)[0] / steps,
        "numpy": lambda: per_step(lambda n: base.numpy_adam_descend(start, n, lr), steps),
    }
    if torch is not None:
        measures["torch"] = lambda: per_step(lambda n: base.torch_adam_descend(torch, start, n, lr), steps)
    progress(f"vector: {rounds} alternated rounds of {steps:,} steps each")
    median = alternate(measures, rounds)
    notes.append(f"vector: {base.CHAIN_ROSENBROCK}, adam lr 0.01 from 0; per-step medians of {rounds} "
                 f"alternated runs of {steps:,} steps; parse to first step: median of {probes} fresh processes")
    rows = [Row("vector", "adam per step, N = 1,024", median["gdsim"],
                "numpy loop, analytic gradient", median["numpy"], at_most(1.3))]
    if torch is not None:
        rows.append(Row("vector", "adam per step, N = 1,024", median["gdsim"],
                        "torch autograd + optim.Adam", median["torch"], FASTER))
    else:
        rows.append(Row("vector", "adam per step, N = 1,024", median["gdsim"], "torch (not importable)", None, FASTER))
    rows.append(Row("vector", "parse to first step, N = 1,024", first_step, "", None, under(1.0)))
    return rows


# --- 4. minibatch SGD -------------------------------------------------------------------------


def sgd(quick: bool, notes: Notes, torch) -> list[Row]:
    try:
        import gdsim.engine.sgd  # noqa: F401
    except ModuleNotFoundError as e:
        if e.name != "gdsim.engine.sgd":
            raise
        notes.append("sgd: skipped, gdsim.engine.sgd does not exist yet")
        return [Row("sgd", "one epoch, 1,000,000 x 10, batch 256", None, "numpy minibatch loop", None, at_most(1.3)),
                Row("sgd", "one epoch, 1,000,000 x 10, batch 256", None, "torch loop, same arrays", None, FASTER),
                Row("sgd", "one epoch, 60,000 x 784, batch 64", None, "numpy minibatch loop", None, None)]
    scale = 10 if quick else 1
    rounds = 1 if quick else 5
    rows = sgd_epoch(1_000_000 // scale, 10, 256, 0.01, rounds, notes, torch, at_most(1.3), FASTER)
    rows += sgd_epoch(60_000 // scale, 784, 64, 0.001, rounds, notes, torch, None, None)
    notes.append(f"sgd: linear model, mse, gd (lr 0.01 at 10 features, 0.001 at 784), synthetic_linear data "
                 f"(seed 0), shuffled, full-data loss only at the end (every = 10^9); medians of {rounds} "
                 f"alternated epochs; times include the epoch's shuffle")
    return rows


def sgd_epoch(samples: int, features: int, batch: int, lr: float, rounds: int, notes: Notes, torch,
              numpy_target: Target | None, torch_target: Target | None) -> list[Row]:
    """One epoch of gdsim's linear model beside the numpy and torch loops, on the same synthetic data."""
    from gdsim.engine.data import synthetic_linear
    from gdsim.optim import make_optimizer
    from gdsim.engine.sgd import LinearModel, train

    progress(f"sgd: {samples:,} x {features}, batch {batch}: generating the data")
    dataset, _ = synthetic_linear(samples=samples, features=features, noise=0.1, seed=0)
    X, y = dataset.table[:, :-1], dataset.table[:, -1]  # views: the baselines copy once, as gdsim does

    def gdsim_epoch() -> tuple[float, np.ndarray, float]:
        t = time.perf_counter()
        model = LinearModel(dataset, target="y")
        for record in train(model, dataset, make_optimizer("gd", lr=lr), batch_size=batch, epochs=1,
                            seed=0, every=10**9):
            pass
        seconds = time.perf_counter() - t
        if record.status != "completed":
            raise RuntimeError(f"sgd did not complete: {record.reason}")
        return seconds, record.params, record.loss

    # gdsim's first epoch visits the rows in default_rng(seed).permutation(samples): the same here.
    def order() -> np.ndarray:
        return np.random.default_rng(0).permutation(samples)

    _, params, loss = gdsim_epoch()
    w, b, full = base.numpy_linear_epoch(X, y, order(), batch, lr)
    notes.check(f"sgd {samples:,} x {features}: gdsim and the numpy loop reach the same w, b and loss (1e-9)",
                same(params, [*w, b], 1e-9) and same(loss, full, 1e-9))
    measures = {
        "gdsim": lambda: gdsim_epoch()[0],
        "numpy": lambda: timed_call(lambda: base.numpy_linear_epoch(X, y, order(), batch, lr)),
    }
    if torch is not None:
        tw, tb, tfull = base.torch_linear_epoch(torch, X, y, order(), batch, lr)
        notes.check(f"sgd {samples:,} x {features}: the torch loop reaches the same w, b and loss (1e-9)",
                    same(params, [*tw, tb], 1e-9) and same(loss, tfull, 1e-9))
        measures["torch"] = lambda: timed_call(lambda: base.torch_linear_epoch(torch, X, y, order(), batch, lr))
    label = f"one epoch, {samples:,} x {features}, batch {batch}"
    progress(f"sgd: {label}: {rounds} alternated rounds")
    median = alternate(measures, rounds)
    rows = [Row("sgd", label, median["gdsim"], "numpy minibatch loop", median["numpy"], numpy_target)]
    if torch is not None:
        rows.append(Row("sgd", label, median["gdsim"], "torch loop, same arrays", median["torch"], torch_target))
    elif torch_target is not None:
        rows.append(Row("sgd", label, median["gdsim"], "torch (not importable)", None, torch_target))
    return rows


# --- 5. CSV loading ---------------------------------------------------------------------------


def csv_loading(quick: bool, notes: Notes) -> list[Row]:
    from gdsim.engine.data import load_csv

    rows_n, columns = (100_000 if quick else 1_000_000), 10
    names = [f"x{i}" for i in range(1, columns)] + ["y"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        progress(f"csv: writing {rows_n:,} rows x {columns} columns")
        table = np.random.default_rng(0).standard_normal((rows_n, columns))
        np.savetxt(path, table, fmt="%.6f", delimiter=",", header=",".join(names), comments="")
        notes.append(f"csv: a {path.stat().st_size / 1e6:.0f} MB file of {rows_n:,} rows x {columns} columns "
                     f"(6 decimals, header row), from the page cache")

        measures = {
            "gdsim": lambda: timed_call(lambda: load_csv(path, target="y")),
            "loadtxt": lambda: timed_call(lambda: np.loadtxt(path, delimiter=",", skiprows=1)),
        }
        try:
            import pandas

            measures["pandas"] = lambda: timed_call(lambda: pandas.read_csv(path).to_numpy())
        except ImportError:
            notes.append("csv: pandas is not installed (not a dependency); its row is skipped")
        loaded = load_csv(path, target="y")
        notes.check("csv: load_csv returns the same table as numpy.loadtxt",
                    loaded.names == tuple(names)
                    and np.array_equal(loaded.table, np.loadtxt(path, delimiter=",", skiprows=1)))
        rounds = 1 if quick else 5
        progress(f"csv: {rounds} alternated rounds")
        median = alternate(measures, rounds)
    label = f"load_csv, {rows_n:,} x {columns}"
    rows = [Row("csv", label, median["gdsim"], "numpy.loadtxt", median["loadtxt"], None),
            Row("csv", label, median["gdsim"], "", None, under(3.0))]
    if "pandas" in median:
        rows.insert(1, Row("csv", label, median["gdsim"], "pandas.read_csv", median["pandas"], None))
    return rows


# --- 6. grading a class ----------------------------------------------------------------------


def grading(quick: bool, notes: Notes) -> list[Row]:
    """examples/grade-all.sh on a class of 30 slope-sign answer files: the expected values once,
    then one gdsim call per file (its formula)."""
    examples = HERE.parent / "examples"
    answers = examples / "answers"
    gdsim, how = gdsim_command()
    variants = [(answers / "slope-sign.right").read_text(), (answers / "slope-sign.wrong").read_text(),
                (answers / "slope-sign.right").read_text().replace("derivative = 3x^2 - 3", "derivative = 3x^2 - 3x")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        for i in range(30):
            (folder / f"student{i + 1:02d}.txt").write_text(variants[i % 3])
        os.environ["GDSIM"] = " ".join(gdsim)
        command = ["sh", str(examples / "grade-all.sh"), "slope-sign", str(folder)]
        rows_csv = output_of(command).splitlines()
        notes.check("grading: grade-all.sh wrote one CSV row per answer file, right answers 25/25",
                    len(rows_csv) == 31 and rows_csv[1].split(",")[1:3] == ["25", "25"])
        rounds = 1 if quick else 3
        progress(f"grading: {rounds} runs of grade-all.sh on 30 answer files ({how})")
        runs = [wall_and_cpu(command) for _ in range(rounds)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs) if runs[0][1] is not None else None
    label = "grade-all.sh, 30 slope-sign answer files"
    rows = [Row("grading", label, wall, "", None, under(15.0))]
    if cpu is not None:
        rows.append(Row("grading", label + " (CPU time, all processes)", cpu, "", None, None))
    return rows


def timed_call(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- the machine ------------------------------------------------------------------------------


def machine() -> list[str]:
    """Lines describing where and with what the benchmark ran."""
    cpu = platform.processor() or platform.machine()
    try:
        fields = dict(line.split(":", 1) for line in
                      subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines() if ":" in line)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        if "Model name" in fields:
            cpu = fields["Model name"]
            if "CPU family" in fields:
                cpu += f" (family {fields['CPU family']}, model {fields.get('Model', '?')})"
            if "Hypervisor vendor" in fields:
                cpu += f", a {fields['Hypervisor vendor']} virtual machine"
    except OSError:
        pass
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    versions = [f"Python {platform.python_version()}"]
    for name in ("numpy", "symengine", "typer", "sympy", "torch"):
        try:
            versions.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            versions.append(f"{name} not installed")
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        versions[1] += f" ({blas['name']} {blas['version']})"
    except Exception:  # the layout of numpy's build information is not a stable API
        pass
    env = ", ".join(f"{k}={os.environ[k] if k in os.environ else 'unset'}"
                    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))
    threads = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
               if k in os.environ]
    import gdsim

    commit = subprocess.run(["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    return [
        f"cpu: {cpu}; {cores} logical cores ({usable} usable); {platform.system()} {platform.release()}",
        "load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "",
        ", ".join(versions),
        f"environment: {env}" + (", " + ", ".join(threads) if threads else ""),
        f"gdsim {gdsim.__version__} from {Path(gdsim.__file__).parent} (git {commit})",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller sizes: a smoke run")
    parser.add_argument("--only", metavar="NAME", help=f"run only these groups (comma list of {', '.join(GROUPS)})")
    args = parser.parse_args(argv)
    chosen = GROUPS if not args.only else tuple(g.strip() for g in args.only.split(","))
    unknown = [g for g in chosen if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group {', '.join(unknown)}; the groups are {', '.join(GROUPS)}")

    began = time.perf_counter()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = [f"gdsim benchmarks, {now}, {'quick' if args.quick else 'full'} run"] + [x for x in machine() if x]
    torch = import_torch()
    notes = Notes()
    if torch is None:
        notes.append("torch is not importable: its rows are skipped (pip install torch==2.13.0 to add them)")
    else:
        notes.append("torch runs on one thread (torch.set_num_threads(1)), its fastest setting at these sizes")
    rows: list[Row] = []
    for group in chosen:
        if group == "startup":
            rows += startup(args.quick, notes)
        elif group == "descend":
            rows += descend(args.quick, notes, torch)
        elif group == "sweep":
            rows += sweep(args.quick, notes)
        elif group == "vector":
            rows += vector(args.quick, notes, torch)
        elif group == "sgd":
            rows += sgd(args.quick, notes, torch)
        elif group == "csv":
            rows += csv_loading(args.quick, notes)
        elif group == "grading":
            rows += grading(args.quick, notes)
    total = time.perf_counter() - began
    footer = f"total {total:.0f} s" + (
        "; load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "")
    print("\n".join(header))
    print()
    print(table(rows))
    print()
    print("\n".join(f"- {n}" for n in notes))
    print(footer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
