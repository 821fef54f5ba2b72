"""`gdsim descend` for programs: one JSON document, NDJSON lines as steps happen, or CSV rows.

Each format is a sink fed by the runner with the engine's records (begin a run, each recorded
step, the result, finish); only recorded steps are kept, so a long run in JSON holds only what
it will print.
"""

from __future__ import annotations

import csv
import sys

import numpy as np

from gdsim.engine.descend import Result, Settings, Step
from gdsim.expr.printing import plain
from gdsim.render.console import escape_controls
from gdsim.render.machine import csv_cell, dumps, json_line, print_get, write


def named(function, values):
    """{name: number} for a point; a plain list for a vector variable (a vector may have a million components)."""
    if function.is_vector:
        return np.asarray(values, dtype=float).tolist()
    return {v: float(x) for v, x in zip(function.variables, values)}


def function_text(function) -> str:
    """The function as JSON carries it: gdsim's plain form, or the text itself in vector mode."""
    return function.text if function.expr is None else plain(function.expr)


def header_doc(function, start, optimizer, settings: Settings, start_source: str) -> dict:
    return {
        "function": function_text(function),
        "input": function.text,
        "variables": list(function.variables),
        "optimizer": {"name": optimizer.name, **optimizer.hyper},
        "start": named(function, start),
        "start_source": start_source,
        "tol": settings.tol,
        "ftol": settings.ftol,
        "max_steps": settings.max_steps,
        "bound": settings.bound,
    }


def step_doc(s: Step, function) -> dict:
    return {
        "step": s.step,
        "point": named(function, s.point),
        "value": float(s.value),
        "gradient": named(function, s.gradient),
        "gradient_norm": float(s.gradient_norm),
        "update": named(function, s.update) if s.update is not None else None,
        "lr": s.lr,
    }


def result_doc(r: Result, function, preset=None) -> dict:
    doc = {
        "status": r.status,
        "reason": str(r.reason),
        "steps": r.steps,
        "point": named(function, r.point),
        "value": float(r.value),
        "gradient_norm": float(r.gradient_norm),
        "stationary": r.stationary,
    }
    if r.notes:
        doc["notes"] = [str(note) for note in r.notes]
    near = nearest(preset, doc["point"])
    if near is not None:
        minimum, distance = near
        doc["nearest_minimum"] = {"point": dict(minimum.point), "value": minimum.value, "distance": distance}
    return doc


def nearest(preset, point):
    """The preset's known minimum nearest to `point`, or None (no preset, or another function's variables)."""
    if preset is None or not preset.minima or not isinstance(point, dict) or set(point) != set(preset.start):
        return None
    from gdsim.labs.presets import nearest_minimum

    return nearest_minimum(preset, point)


def plain_labels(optimizers) -> list[str]:
    """What tells each run apart from the others: its optimizer, its learning rate, or both."""
    names = {o.name for o in optimizers}
    lrs = {o.hyper["lr"] for o in optimizers}
    return [_label(o, names, lrs) for o in optimizers]


def labels(optimizers) -> list[str]:
    """One legend label per run, unique even when the same combination is given twice."""
    plain = plain_labels(optimizers)
    counts = {lab: plain.count(lab) for lab in plain}
    return [f"{lab} #{i + 1}" if counts[lab] > 1 else lab for i, lab in enumerate(plain)]


def _label(opt, names: set, lrs: set) -> str:
    if len(names) > 1 and len(lrs) > 1:
        return f"{opt.name} lr={opt.hyper['lr']:g}"
    if len(names) > 1:
        return opt.name
    if len(lrs) > 1:
        return f"lr={opt.hyper['lr']:g}"
    return opt.name


class MachineSink:
    """What the three machine formats share: the run's context, and the status lines said on stderr at the end."""

    def __init__(self, function, start, optimizers, settings: Settings, *, start_source: str, preset=None,
                 get: str | None = None):
        self.function, self.start, self.optimizers, self.settings = function, start, optimizers, settings
        self.start_source, self.preset, self.get = start_source, preset, get
        self.comparison = len(optimizers) > 1
        self.labels = plain_labels(optimizers)
        self.messages: list[str] = []  # said on stderr once the output is written, so that a bad --get is the only line
        self.out = sys.stdout

    def run_key(self, i: int) -> dict:
        return {"run": i} if self.comparison else {}

    def start_output(self) -> None:
        pass

    def begin(self, i: int, opt) -> None:
        self.header = header_doc(self.function, self.start, opt, self.settings, self.start_source)

    def end(self, i: int, opt, result: Result) -> dict:
        if result.status != "converged":
            self.messages.append(f"{self.labels[i]}: {result.status}: {result.reason}\n" if self.comparison
                                 else f"{result.status}: {result.reason}\n")
        return result_doc(result, self.function, self.preset)

    def finish(self, stopped: bool) -> None:
        self.out.flush()
        # A reason may quote a CSV column name: its control characters are shown escaped.
        sys.stderr.write("".join(escape_controls(m) for m in self.messages))

    def close(self) -> None:
        pass


class JsonSink(MachineSink):
    """One document at the end: the run, or {function, ..., runs: [...]} for a comparison."""

    def start_output(self) -> None:
        self.runs: list[dict] = []

    def begin(self, i, opt):
        super().begin(i, opt)
        self.steps: list[dict] = []

    def step(self, i, opt, s: Step) -> None:
        self.steps.append(step_doc(s, self.function))

    def end(self, i, opt, result):
        self.runs.append({**self.header, "steps": self.steps, "result": super().end(i, opt, result)})

    def finish(self, stopped):
        f = self.function
        doc = self.runs[0] if not self.comparison else {
            "function": function_text(f), "input": f.text, "variables": list(f.variables),
            "start": named(f, self.start), "start_source": self.start_source, "runs": self.runs,
        }
        if self.get:
            print_get(doc, self.get)
        else:
            write(dumps(doc))
        super().finish(stopped)


class NdjsonSink(MachineSink):
    """A line per event, flushed as it happens: the run's header, each step, the result."""

    def _line(self, doc: dict) -> None:
        self.out.write(json_line(doc))
        self.out.flush()

    def begin(self, i, opt):
        super().begin(i, opt)
        self._line({"type": "run", **self.run_key(i), **self.header})

    def step(self, i, opt, s):
        self._line({"type": "step", **self.run_key(i), **step_doc(s, self.function)})

    def end(self, i, opt, result):
        self._line({"type": "result", **self.run_key(i), **super().end(i, opt, result)})


class CsvSink(MachineSink):
    """The trajectory with a header row; a comparison adds run, optimizer and lr columns."""

    def start_output(self):
        names = list(self.function.variables)
        self.writer = csv.writer(self.out, lineterminator="\n")
        head = (["run", "optimizer", "lr"] if self.comparison else []) + ["step"] + names + ["value"]
        head += [f"grad_{v}" for v in names] + ["gradient_norm"] + [f"update_{v}" for v in names]
        self.writer.writerow(head)

    def step(self, i, opt, s):
        row = ([i, opt.name, opt.hyper["lr"]] if self.comparison else []) + [s.step] + [csv_cell(x) for x in s.point]
        row += [csv_cell(s.value)] + [csv_cell(g) for g in s.gradient] + [csv_cell(s.gradient_norm)]
        row += [csv_cell(u) for u in s.update] if s.update is not None else [""] * len(self.function.variables)
        self.writer.writerow(row)

    def end(self, i, opt, result):
        super().end(i, opt, result)


SINKS = {"json": JsonSink, "ndjson": NdjsonSink, "csv": CsvSink}
