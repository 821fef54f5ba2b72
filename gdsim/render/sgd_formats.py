"""`gdsim sgd` for programs: one JSON document, NDJSON lines as steps happen, or CSV rows.

No wall time in any of them: the same seed gives the same output, byte for byte.
"""

from __future__ import annotations

import csv
import sys

from gdsim.render.console import escape_controls
from gdsim.render.machine import csv_cell, dumps, json_line, print_get, write


def named(names, values) -> dict:
    return {n: float(v) for n, v in zip(names, values)}


def step_doc(rec, names) -> dict:
    return {"step": rec.step, "epoch": rec.epoch, "batch": rec.batch, "params": named(names, rec.params),
            "batch_loss": rec.batch_loss, "loss": rec.loss}


def result_doc(result, names) -> dict:
    return {"status": result.status, "reason": result.reason, "steps": result.steps,
            "params": named(names, result.params), "loss": result.loss}


class MachineSink:
    #: CSV: the columns that say which run a row belongs to, and each run's cells (by default the batch size)
    run_columns: list[str] | None = None
    run_cells: list[list] | None = None

    def __init__(self, names: list[str], header: dict, comparison: bool, get: str | None):
        self.names, self.header, self.comparison, self.get = names, header, comparison, get
        self.out = sys.stdout
        self.messages: list[str] = []  # said on stderr once the output is written, so that a bad --get is the only line

    def run_key(self, i: int) -> dict:
        return {"run": i} if self.comparison else {}

    def start_output(self) -> None:
        pass

    def begin(self, i: int, batch: int, run_header: dict) -> None:
        pass

    def end(self, i: int, batch: int, result, rdoc: dict) -> None:
        if result.status != "completed":
            self.messages.append(f"{result.status}: {result.reason}\n")

    def finish(self, curves: dict, interrupted: bool) -> None:
        # A reason may quote a CSV column name: its control characters are shown escaped.
        sys.stderr.write("".join(escape_controls(m) for m in self.messages))


class JsonSink(MachineSink):
    def start_output(self):
        self.runs: list[dict] = []

    def begin(self, i, batch, run_header):
        self.run_header, self.steps = run_header, []

    def step(self, i, batch, rec, doc):
        self.steps.append(doc)

    def end(self, i, batch, result, rdoc):
        self.runs.append({**self.run_header, "steps": self.steps, "result": rdoc})
        super().end(i, batch, result, rdoc)

    def finish(self, curves, interrupted):
        doc = self.runs[0] if not self.comparison else {**self.header, "runs": self.runs}
        if self.get:
            print_get(doc, self.get)
        else:
            write(dumps(doc))
        super().finish(curves, interrupted)


class NdjsonSink(MachineSink):
    def _line(self, doc: dict) -> None:
        self.out.write(json_line(doc))
        self.out.flush()

    def begin(self, i, batch, run_header):
        self._line({"type": "run", **self.run_key(i), **run_header})

    def step(self, i, batch, rec, doc):
        self._line({"type": "step", **self.run_key(i), **doc})

    def end(self, i, batch, result, rdoc):
        self._line({"type": "result", **self.run_key(i), **rdoc})
        super().end(i, batch, result, rdoc)


class CsvSink(MachineSink):
    def start_output(self):
        self.writer = csv.writer(self.out, lineterminator="\n")
        columns = self.run_columns if self.run_columns is not None else ["batch_size"] if self.comparison else []
        self.writer.writerow(columns + ["step", "epoch", "batch", "batch_loss", "loss"] + self.names)

    def step(self, i, batch, rec, doc):
        cells = self.run_cells[i] if self.run_cells is not None else [batch] if self.comparison else []
        self.writer.writerow(cells + [rec.step, rec.epoch, rec.batch, csv_cell(rec.batch_loss),
                             csv_cell(rec.loss)] + [csv_cell(p) for p in rec.params])


SINKS = {"json": JsonSink, "ndjson": NdjsonSink, "csv": CsvSink}
