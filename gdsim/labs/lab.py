"""The lab exercises that follow the lecture: a task to print, example commands, and how answers are checked.

Each lab is a TOML file shipped in the package (gdsim/labs/sheets/<name>.toml); this module reads and checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from gdsim.errors import ConfigError, OptionError
from gdsim.i18n import tr

_KEYS = ("name", "title", "task", "commands", "answer")

# The order the lecture takes them in: one variable, several variables, steps by hand, the step size, optimizers, SGD.
LECTURE_ORDER = ("slope-sign", "partials", "practice", "learning-rate", "optimizer-race", "sgd-batches")


@dataclass(frozen=True)
class Lab:
    """One exercise: `task` is printed for the student, `answer` says in words how grading checks it."""

    name: str
    title: str
    task: str
    commands: tuple[str, ...]
    answer: str


def _text(source: str, key: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(tr("{source}: key '{key}' must be a non-empty string, got {kind} {value}",
                             source=source, key=key, kind=type(value).__name__, value=repr(value)))
    return value.strip()


def lab_from_dict(data: dict, source: str) -> Lab:
    """Check a parsed lab table key by key; `source` names the file in every error."""
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise ConfigError(tr("{source}: unknown key '{key}' (allowed: {allowed})", source=source, key=unknown[0], allowed=", ".join(_KEYS)))
    missing = [k for k in _KEYS if k not in data]
    if missing:
        raise ConfigError(tr("{source}: missing key '{key}'", source=source, key=missing[0]))
    commands = data["commands"]
    if not isinstance(commands, list) or not commands:
        raise ConfigError(tr("{source}: key '{key}' must be a non-empty array of strings, got {value}",
                             source=source, key="commands", value=repr(commands)))
    return Lab(
        name=_text(source, "name", data["name"]),
        title=_text(source, "title", data["title"]),
        task=_text(source, "task", data["task"]),
        commands=tuple(_text(source, f"commands[{i}]", c) for i, c in enumerate(commands, start=1)),
        answer=_text(source, "answer", data["answer"]),
    )


def read_lab(path: Path | Traversable) -> Lab:
    """Read and check one lab file; its `name` must match the file name."""
    from gdsim.labs.presets import read_named

    return read_named(path, lab_from_dict)


@cache
def load_labs() -> dict[str, Lab]:
    """Every lab shipped with gdsim, by name, in the lecture's order."""
    folder = files("gdsim.labs") / "sheets"
    labs = {lab.name: lab for lab in map(read_lab, (p for p in folder.iterdir() if p.name.endswith(".toml")))}
    ordered = [name for name in LECTURE_ORDER if name in labs]
    return {name: labs[name] for name in ordered + sorted(set(labs) - set(ordered))}


def get_lab(name: str) -> Lab:
    labs = load_labs()
    if name not in labs:
        raise OptionError(tr("unknown lab {name}; choose one of: {choices}", name=repr(name), choices=", ".join(labs)))
    return labs[name]
