"""Merging a command's options: the command line wins over --config, which wins over --preset,
which wins over the built-in defaults."""

from __future__ import annotations

from typing import Any

from gdsim.labs.config import load_config
from gdsim.i18n import tr


def merge(command: str, given: dict[str, Any], schema: dict[str, type], defaults: dict[str, Any],
          config: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings in force and, for each, where it came from ("command line", "config", "preset", "default").

    A preset (--preset, or `preset` in the config file) brings its function, start and suggested settings.
    """
    from_file = load_config(config, command, schema, _other_keys(command)) if config else {}
    preset_name = given.get("preset") or from_file.get("preset")
    layers = [("default", defaults), ("preset", preset_defaults(preset_name, command)), ("config", from_file),
              ("command line", {k: v for k, v in given.items() if v is not None})]
    settings: dict[str, Any] = {}
    source: dict[str, str] = {}
    for name, layer in layers:
        for k, v in layer.items():
            if v is not None:
                settings[k] = v
                source[k] = name
    for k in schema:
        settings.setdefault(k, None)
    return settings, source


def setup_language(lang: str | None) -> str:
    from gdsim.errors import OptionError
    from gdsim.i18n import detect_language, set_language

    chosen = detect_language(lang)
    if chosen not in ("en", "ko"):
        raise OptionError(tr("--lang: '{value}' is not one of en, ko", value=chosen))
    set_language(chosen)
    return chosen


def preset_defaults(name: str | None, command: str) -> dict[str, Any]:
    """The options a preset brings to `command` (its function, start and suggested settings)."""
    if not name:
        return {}
    from gdsim.labs.presets import get_preset

    p = get_preset(name)
    start = ",".join(f"{k}={v!r}" for k, v in p.start.items())
    if command == "derive":
        return {"expression": p.expression, "at": start}
    return {
        "expression": p.expression, "start": start, "optimizer": p.optimizer, "lr": p.lr,
        "max_steps": p.max_steps, "tol": p.tol, "ftol": getattr(p, "ftol", None),
    }


def load_function(text: str, dim: int | None):
    """A scalar function, or with --dim N a function of one vector variable."""
    if dim is None:
        from gdsim.expr.function import check_compile_size, parse

        function = parse(text)
        check_compile_size(function)
        return function
    from gdsim.expr.vector import parse_vector

    return parse_vector(text, dim)


def _other_keys(command: str) -> frozenset:
    """Option names of the other commands (a shared lab file may carry them at the top level)."""
    import importlib

    keys: set[str] = set()
    for name in ("derive", "descend", "sgd"):
        if name != command:
            keys |= set(importlib.import_module(f"gdsim.cli.{name}").SCHEMA)
    return frozenset(keys)
