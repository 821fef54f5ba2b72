"""The machine formats' common ground: plain JSON (no NaN or Infinity), CSV cells, and `--get`.

Machine formats go to stdout and hold nothing else; they use the standard library only, so a
`--format json` run never loads rich.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from gdsim.errors import OptionError
from gdsim.i18n import tr


def json_safe(obj: Any) -> Any:
    """Plain JSON: non-finite floats become null (the reason is carried in the document)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "tolist"):
        return json_safe(obj.tolist())
    return obj


def dumps(doc: Any, indent: int | None = 2) -> str:
    return json.dumps(json_safe(doc), indent=indent, ensure_ascii=False, allow_nan=False)


def write(text: str) -> None:
    sys.stdout.write(text)
    if not text.endswith("\n"):
        sys.stdout.write("\n")
    sys.stdout.flush()


def get_path(doc: Any, path: str) -> Any:
    """doc['result']['point']['x'] from 'result.point.x' (list items by index: runs.0.result)."""
    node = doc
    walked = []
    for part in path.split("."):
        if isinstance(node, dict):
            if part not in node:
                where = ".".join(walked) or "the top level"
                keys = ", ".join(node.keys())
                raise OptionError(tr("--get {path}: no '{part}' at {where}; available: {keys}", path=path, part=part, where=where, keys=keys))
            node = node[part]
        elif isinstance(node, list):
            try:
                if not (part.isascii() and part.isdigit()):
                    raise ValueError(part)  # runs.-1 would count from the end, which the message does not promise
                i = int(part)
                node = node[i]
            except (ValueError, IndexError):
                where = ".".join(walked) or "the top level"
                raise OptionError(tr("--get {path}: '{part}' at {where} must be an index from 0 to {last}", path=path, part=part, where=where, last=len(node) - 1))
        else:
            where = ".".join(walked)
            raise OptionError(tr("--get {path}: {where} is a single value, it has no '{part}'", path=path, where=where, part=part))
        walked.append(part)
    return node


def format_value(value: Any) -> str:
    """One value for a shell: numbers as JSON writes them, text as is, the rest as JSON."""
    value = json_safe(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def print_get(doc: Any, paths: str) -> None:
    """`--get a.b,c.d`: the value at each path, one per line, in the order given.

    Every path is looked up before anything is printed, so a bad path leaves stdout empty.
    """
    values = [get_path(doc, path.strip()) for path in paths.split(",")]
    write("\n".join(format_value(v) for v in values))


def json_line(doc: Any) -> str:
    """One NDJSON line (compact, UTF-8 as is, non-finite numbers as null)."""
    return json.dumps(json_safe(doc), ensure_ascii=False) + "\n"


def csv_cell(x) -> str:
    """A CSV number that reads back exactly; empty where there is none or it is not finite."""
    if x is None:
        return ""
    x = float(x)
    return repr(x) if math.isfinite(x) else ""
