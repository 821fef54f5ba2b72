"""`gdsim sweep` as data: the one document that JSON prints, CSV flattens and the text view reads.

Field names are part of the contract: function, variables, optimizer {name and the fixed
hyper-parameters}, start, parameter, values, runs [{the parameter: value, status, steps, point,
value, gradient_norm}], lr_limit.
"""

from __future__ import annotations

import csv
import sys

from gdsim.engine.descend import Settings
from gdsim.render.descend_formats import header_doc, named
from gdsim.render.machine import csv_cell, dumps, print_get, write  # noqa: F401  (print_get: the CLI's --get)


def document(function, start, start_source: str, optimizer, parameter: str, values: list[float], runs, lr_limit,
             settings: Settings, log: bool) -> dict:
    doc = header_doc(function, start, optimizer, settings, start_source)  # descend's run header, then the sweep
    doc["optimizer"] = {k: v for k, v in doc["optimizer"].items() if k != parameter}  # the fixed hyper-parameters
    return {
        **doc,
        "parameter": parameter,
        "spacing": "log" if log else "linear",
        "values": list(values),
        "runs": [
            {
                parameter: r.value,
                "status": r.result.status,
                "steps": r.result.steps,
                "point": named(function, r.result.point),
                "value": float(r.result.value),
                "gradient_norm": float(r.result.gradient_norm),
                "stationary": r.result.stationary,
                "reason": str(r.result.reason),
            }
            for r in runs
        ],
        "lr_limit": lr_limit,
    }


def write_json(doc: dict) -> None:
    write(dumps(doc))


def write_csv(doc: dict) -> None:
    """One row per value: the value, status, steps, the final point, f and ‖∇f‖ there."""
    parameter = doc["parameter"]
    vector = not isinstance(doc["start"], dict)  # points are lists in vector mode
    names = doc["variables"]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow([parameter, "status", "steps", *names, "value", "gradient_norm", "stationary"])
    for run in doc["runs"]:
        point = run["point"] if vector else [run["point"][v] for v in names]
        out.writerow([repr(float(run[parameter])), run["status"], run["steps"], *(csv_cell(x) for x in point),
                      csv_cell(run["value"]), csv_cell(run["gradient_norm"]), run["stationary"] or ""])
    sys.stdout.flush()
