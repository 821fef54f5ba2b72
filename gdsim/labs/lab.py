"""The lab exercises that follow the lecture: a task to print, example commands, and how answers are checked.

Each lab is a TOML file shipped in the package (gdsim/labs/sheets/<name>.toml); this module reads and checks them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from gdsim.errors import ConfigError, OptionError
from gdsim.i18n import language, tr

_REQUIRED = ("name", "title", "task", "commands", "answer")
# keys: the answer file a student hands in, {key: what to write}; ko: the same texts in Korean.
_KEYS = _REQUIRED + ("keys", "ko")
_TRANSLATED = ("title", "task", "answer", "keys")

# The order the lecture takes them in: one variable, several variables, steps by hand, the step size, optimizers,
# schedules and curvature (Newton, L-BFGS), SGD.
LECTURE_ORDER = ("slope-sign", "partials", "practice", "learning-rate", "optimizer-race", "optimizer-zoo", "sgd-batches")


@dataclass(frozen=True)
class Lab:
    """One exercise: `task` is printed for the student, `answer` (the answer key, for the teacher)
    says how grading checks it, and `keys` names the lines of the answer file with what goes there."""

    name: str
    title: str
    task: str
    commands: tuple[str, ...]
    answer: str
    keys: tuple[tuple[str, str], ...] = ()
    ko: dict = field(default_factory=dict, compare=False)

    def text(self, what: str):
        """title, task, answer or keys in the language of the explanations (English when not translated)."""
        english = getattr(self, what)
        if language() != "ko" or what not in self.ko:
            return english
        if what == "keys":
            return tuple((key, self.ko["keys"].get(key, about)) for key, about in english)
        return self.ko[what]


def _text(source: str, key: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(tr("{source}: key '{key}' must be a non-empty string, got {kind} {value}",
                             source=source, key=key, kind=type(value).__name__, value=repr(value)))
    return value.strip()


def _table(source: str, key: str, value) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(tr("{source}: key '{key}' must be a table, got {kind} {value}",
                             source=source, key=key, kind=type(value).__name__, value=repr(value)[:80]))
    return value


def _keys(source: str, where: str, value) -> dict[str, str]:
    keys = _table(source, where, value)
    for key, about in keys.items():
        if not key or any(c in key for c in " \t=#\"'"):
            raise ConfigError(tr("{source}: key '{key}' is not a usable answer-file key (no spaces, =, # or quotes)",
                                 source=source, key=f"{where}.{key}"))
        _text(source, f"{where}.{key}", about)
    return {k: v.strip() for k, v in keys.items()}


def _ko(source: str, value, keys: dict[str, str]) -> dict:
    ko = _table(source, "ko", value)
    unknown = [k for k in ko if k not in _TRANSLATED]
    if unknown:
        raise ConfigError(tr("{source}: unknown key '{key}' (allowed: {allowed})",
                             source=source, key=f"ko.{unknown[0]}", allowed=", ".join(_TRANSLATED)))
    out = {k: _text(source, f"ko.{k}", v) for k, v in ko.items() if k != "keys"}
    if "keys" in ko:
        out["keys"] = _keys(source, "ko.keys", ko["keys"])
        stray = [k for k in out["keys"] if k not in keys]
        if stray:
            raise ConfigError(tr("{source}: key '{key}' translates an answer key the lab does not have",
                                 source=source, key=f"ko.keys.{stray[0]}"))
    return out


def lab_from_dict(data: dict, source: str) -> Lab:
    """Check a parsed lab table key by key; `source` names the file in every error."""
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise ConfigError(tr("{source}: unknown key '{key}' (allowed: {allowed})", source=source, key=unknown[0], allowed=", ".join(_KEYS)))
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ConfigError(tr("{source}: missing key '{key}'", source=source, key=missing[0]))
    commands = data["commands"]
    if not isinstance(commands, list) or not commands:
        raise ConfigError(tr("{source}: key '{key}' must be a non-empty array of strings, got {value}",
                             source=source, key="commands", value=repr(commands)))
    keys = _keys(source, "keys", data.get("keys", {}))
    return Lab(
        name=_text(source, "name", data["name"]),
        title=_text(source, "title", data["title"]),
        task=_text(source, "task", data["task"]),
        commands=tuple(_text(source, f"commands[{i}]", c) for i, c in enumerate(commands, start=1)),
        answer=_text(source, "answer", data["answer"]),
        keys=tuple(keys.items()),
        ko=_ko(source, data.get("ko", {}), keys),
    )


def read_lab_file(path: str) -> Lab:
    """A teacher's own lab file (any name): read and checked like the shipped ones."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(tr("{path}: no such lab file", path=path))
    try:
        data = tomllib.loads(p.read_bytes().decode("utf-8").removeprefix("\ufeff"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(tr("{source}: not valid TOML: {error}", source=path, error=str(err))) from None
    return lab_from_dict(data, path)


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
    """A shipped lab by name, or a lab file when `name` ends in .toml."""
    if name.endswith(".toml"):
        return read_lab_file(name)
    labs = load_labs()
    if name not in labs:
        raise OptionError(tr("unknown lab {name}; choose one of: {choices}", name=repr(name), choices=", ".join(labs)))
    return labs[name]
