"""Named presets of classic test functions: the expression, a suggested start and optimizer, and the known minima.

Each preset is a TOML file shipped in the package (gdsim/labs/presets/<name>.toml); this module reads them,
checks every key strictly, and answers which listed minimum a point is nearest to.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from gdsim.errors import ConfigError, OptionError, PointError
from gdsim.i18n import language, tr

OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
MINIMUM_KINDS = ("global", "local")

_REQUIRED = ("name", "title", "expression", "start", "optimizer", "lr", "max_steps", "window", "teaches", "minima")
_OPTIONAL = ("tol", "ftol", "ko")
_TRANSLATED = ("title", "teaches")  # what a [ko] table may give in Korean
_MINIMUM_KEYS = ("point", "value", "kind")


@dataclass(frozen=True)
class Minimum:
    """A known minimum: its point, f there, and whether it is the lowest (global) or only a local one."""

    point: dict[str, float]
    value: float
    kind: str = "global"


@dataclass(frozen=True)
class Preset:
    """A classic function with settings that are known to reach one of its listed minima.

    `tol` is the gradient-norm tolerance the suggested run reaches; `ftol` > 0 also stops a run
    when |f(k) - f(k-1)| <= ftol (for minima where the gradient never vanishes, such as a cone's tip).
    """

    name: str
    title: str
    expression: str
    start: dict[str, float]
    optimizer: str
    lr: float
    max_steps: int
    window: dict[str, tuple[float, float]]
    teaches: str
    minima: tuple[Minimum, ...]
    tol: float = 1e-6
    ftol: float = 0.0
    ko: dict = field(default_factory=dict, compare=False)

    def text(self, what: str) -> str:
        """title or teaches in the language of the explanations (English when not translated)."""
        return self.ko.get(what, getattr(self, what)) if language() == "ko" else getattr(self, what)


# --- checking one file ----------------------------------------------------------------------------


def _kind_of(value) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "table"}.get(
        type(value), type(value).__name__
    )


def _string(source: str, key: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(tr("{source}: key '{key}' must be a non-empty string, got {kind} {value}",
                                source=source, key=key, kind=_kind_of(value), value=repr(value)))
    return value


def _number(source: str, key: str, value) -> float:
    # TOML booleans are Python bools, which are ints; a boolean is never a number here.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(tr("{source}: key '{key}' must be a finite number, got {kind} {value}",
                                source=source, key=key, kind=_kind_of(value), value=repr(value)))
    return float(value)


def _positive(source: str, key: str, value) -> float:
    number = _number(source, key, value)
    if number <= 0:
        raise ConfigError(tr("{source}: key '{key}' must be a positive number, got {value}", source=source, key=key, value=repr(value)))
    return number


def _table(source: str, key: str, value) -> dict:
    if not isinstance(value, dict) or not value:
        raise ConfigError(tr("{source}: key '{key}' must be a non-empty table, got {kind} {value}",
                                source=source, key=key, kind=_kind_of(value), value=repr(value)))
    return value


def _point(source: str, key: str, value) -> dict[str, float]:
    return {name: _number(source, f"{key}.{name}", v) for name, v in _table(source, key, value).items()}


def _same_variables(source: str, key: str, names, variables: tuple[str, ...]) -> None:
    if set(names) != set(variables):
        raise ConfigError(tr("{source}: key '{key}' must name the variables {variables} (as 'start' does), got {names}",
                             source=source, key=key, variables=", ".join(variables), names=", ".join(names)))


def _window(source: str, value, variables: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    window = {}
    for name, bounds in _table(source, "window", value).items():
        key = f"window.{name}"
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise ConfigError(tr("{source}: key '{key}' must be an array [low, high], got {kind} {value}",
                                 source=source, key=key, kind=_kind_of(bounds), value=repr(bounds)))
        low, high = _number(source, key, bounds[0]), _number(source, key, bounds[1])
        if not low < high:
            raise ConfigError(tr("{source}: key '{key}' must have low < high, got [{low}, {high}]",
                                 source=source, key=key, low=f"{low:g}", high=f"{high:g}"))
        window[name] = (low, high)
    _same_variables(source, "window", window, variables)
    return window


def _minima(source: str, value, variables: tuple[str, ...]) -> tuple[Minimum, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(tr("{source}: key 'minima' must be an array of tables ([[minima]]), got {kind}",
                             source=source, kind=_kind_of(value)))
    minima = []
    for i, entry in enumerate(value, start=1):
        where = f"minima[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(tr("{source}: key '{key}' must be a table, got {kind} {value}",
                                 source=source, key=where, kind=_kind_of(entry), value=repr(entry)))
        unknown = [k for k in entry if k not in _MINIMUM_KEYS]
        if unknown:
            raise ConfigError(tr("{source}: unknown key '{key}' (allowed: {allowed})",
                                 source=source, key=f"{where}.{unknown[0]}", allowed=", ".join(_MINIMUM_KEYS)))
        for key in ("point", "value"):
            if key not in entry:
                raise ConfigError(tr("{source}: missing key '{key}'", source=source, key=f"{where}.{key}"))
        point = _point(source, f"{where}.point", entry["point"])
        _same_variables(source, f"{where}.point", point, variables)
        kind = _string(source, f"{where}.kind", entry.get("kind", "global"))
        if kind not in MINIMUM_KINDS:
            raise ConfigError(tr("{source}: key '{key}' must be one of {choices}, got {value}",
                                 source=source, key=f"{where}.kind", choices=", ".join(MINIMUM_KINDS), value=repr(kind)))
        minima.append(Minimum(point, _number(source, f"{where}.value", entry["value"]), kind))
    return tuple(minima)


def preset_from_dict(data: dict, source: str) -> Preset:
    """Check a parsed preset table key by key; `source` names the file in every error."""
    unknown = [k for k in data if k not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise ConfigError(tr("{source}: unknown key '{key}' (allowed: {allowed})",
                             source=source, key=unknown[0], allowed=", ".join(_REQUIRED + _OPTIONAL)))
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ConfigError(tr("{source}: missing key '{key}'", source=source, key=missing[0]))

    start = _point(source, "start", data["start"])
    variables = tuple(start)
    optimizer = _string(source, "optimizer", data["optimizer"])
    if optimizer not in OPTIMIZERS:
        raise ConfigError(tr("{source}: key '{key}' must be one of {choices}, got {value}",
                             source=source, key="optimizer", choices=", ".join(OPTIMIZERS), value=repr(optimizer)))
    max_steps = data["max_steps"]
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ConfigError(tr("{source}: key '{key}' must be a positive integer, got {kind} {value}",
                             source=source, key="max_steps", kind=_kind_of(max_steps), value=repr(max_steps)))
    ftol = _number(source, "ftol", data.get("ftol", 0.0))
    if ftol < 0:
        raise ConfigError(tr("{source}: key '{key}' must be zero or a positive number, got {value}",
                             source=source, key="ftol", value=repr(ftol)))

    return Preset(
        name=_string(source, "name", data["name"]),
        title=_string(source, "title", data["title"]),
        expression=_string(source, "expression", data["expression"]),
        start=start,
        optimizer=optimizer,
        lr=_positive(source, "lr", data["lr"]),
        max_steps=max_steps,
        window=_window(source, data["window"], variables),
        teaches=_string(source, "teaches", data["teaches"]),
        minima=_minima(source, data["minima"], variables),
        tol=_positive(source, "tol", data.get("tol", 1e-6)),
        ftol=ftol,
        ko=_translations(source, data.get("ko", {})),
    )


def _translations(source: str, value) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(tr("{source}: key '{key}' must be a table, got {kind} {value}",
                             source=source, key="ko", kind=_kind_of(value), value=repr(value)))
    unknown = [k for k in value if k not in _TRANSLATED]
    if unknown:
        raise ConfigError(tr("{source}: unknown key '{key}' (allowed: {allowed})",
                             source=source, key=f"ko.{unknown[0]}", allowed=", ".join(_TRANSLATED)))
    return {k: _string(source, f"ko.{k}", v) for k, v in value.items()}


def read_named(path: Path | Traversable, from_dict):
    """Read and check one shipped TOML file with from_dict(data, source); its `name` must match the file name."""
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(tr("{source}: not valid TOML: {error}", source=source, error=str(err))) from None
    item = from_dict(data, source)
    stem = path.name.removesuffix(".toml")
    if item.name != stem:
        raise ConfigError(tr("{source}: key 'name' must be the file's name {stem}, got {name}",
                             source=source, stem=repr(stem), name=repr(item.name)))
    return item


def read_preset(path: Path | Traversable) -> Preset:
    """Read and check one preset file; its `name` must match the file name."""
    return read_named(path, preset_from_dict)


# --- the shipped presets --------------------------------------------------------------------------


@cache
def load_presets() -> dict[str, Preset]:
    """Every preset shipped with gdsim, by name (sorted)."""
    folder = files("gdsim.labs") / "presets"
    paths = sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    return {preset.name: preset for preset in map(read_preset, paths)}


def get_preset(name: str) -> Preset:
    presets = load_presets()
    if name not in presets:
        raise OptionError(tr("unknown preset {name}; choose one of: {choices}", name=repr(name), choices=", ".join(presets)))
    return presets[name]


def nearest_minimum(preset: Preset, point: dict[str, float]) -> tuple[Minimum, float]:
    """The listed minimum closest to `point` and its Euclidean distance from it."""
    variables = tuple(preset.start)
    if set(point) != set(variables):
        if not point:
            raise PointError(tr("the point names no variable; preset {preset} has the variables {variables}",
                                preset=repr(preset.name), variables=", ".join(variables)))
        raise PointError(tr("the point names {names}; preset {preset} has the variables {variables}",
                            names=", ".join(point), preset=repr(preset.name), variables=", ".join(variables)))
    here = [float(point[v]) for v in variables]
    distances = [(math.dist(here, [m.point[v] for v in variables]), i) for i, m in enumerate(preset.minima)]
    distance, i = min(distances)
    return preset.minima[i], distance
