"""Lab files: options of a command read from TOML, checked key by key against the command's options.

Top-level keys apply to the command being run; a table named after a command ([descend],
[sgd], ...) applies to that command only. Unknown keys and wrong types are refused with the
file, the key and the expected type.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from gdsim.errors import ConfigError

COMMANDS = ("derive", "descend", "sgd", "presets", "lab")

# The TOML types each option accepts, by the Python type of the option.
#: A kind for options that take one number or a comma list of them (descend's --lr).
NUMBERS = "numbers"

_TYPE_NAMES = {float: "a number", int: "a whole number", str: "text", bool: "true or false",
               NUMBERS: "a number or a list of numbers"}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _accepts(kind, value) -> bool:
    if kind == NUMBERS:
        return _is_number(value) or (isinstance(value, list) and bool(value) and all(_is_number(v) for v in value))
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is bool:
        return isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    return False


def _as_option_text(value) -> str:
    """Lists and tables become the command-line text form (start = [1, 2] or {x = 1} → "1,2" / "x=1")."""
    if isinstance(value, list):
        return ",".join(_as_option_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={_as_option_text(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_toml(path: str) -> dict:
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"--config {path}: no such file")
    if p.is_dir():
        raise ConfigError(f"--config {path}: is a directory, not a TOML file")
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ConfigError(f"--config {path}: cannot be read ({e.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"--config {path}: not UTF-8 text (byte {e.start + 1})") from None
    try:
        # Windows editors often save UTF-8 with a byte-order mark; tomllib would refuse it.
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"--config {path}: not valid TOML: {e}") from None
    except (ValueError, RecursionError) as e:  # tomllib's own limits: >4300-digit integers, deep nesting
        why = "nested too deeply" if isinstance(e, RecursionError) else str(e).split(";")[0]
        raise ConfigError(f"--config {path}: cannot be read as TOML ({why})") from None


def load_config(path: str, command: str, schema: dict[str, type], elsewhere: frozenset = frozenset()) -> dict:
    """Options for `command` from a TOML file, as {option_name: value} (names with underscores).

    Values of text options may be written as TOML lists or tables (start = {x = 1, y = 2})
    and are turned into the command-line form. A top-level key that only another command
    uses (named in `elsewhere`) is left to that command, so one lab file can serve several.
    """
    data = read_toml(path)
    shared = {k: v for k, v in data.items() if not (isinstance(v, dict) and k in COMMANDS)}
    own = data.get(command) if isinstance(data.get(command), dict) else {}
    merged: dict = {}
    # a command's own table wins over the shared top level
    for prefix, table in (("", shared), (f"{command}.", own)):
        for key, value in table.items():
            if not prefix and key.replace("-", "_") not in schema and key.replace("-", "_") in elsewhere:
                continue
            merged[_check(path, prefix + key, key, value, schema)] = _convert(value, schema, key)
    return merged


def _check(path: str, shown: str, key: str, value, schema: dict[str, type]) -> str:
    name = key.replace("-", "_")
    if name not in schema:
        known = ", ".join(sorted(k.replace("_", "-") for k in schema))
        raise ConfigError(f"{path}: unknown key '{shown}'; the keys for this command are: {known}")
    kind = schema[name]
    if kind is str and isinstance(value, (list, dict)) and value:
        return name
    if not _accepts(kind, value):
        raise ConfigError(f"{path}: key '{shown}' must be {_TYPE_NAMES[kind]}, got {type(value).__name__} {value!r}"[:300])
    return name


def _convert(value, schema, key):
    name = key.replace("-", "_")
    if schema.get(name) == NUMBERS:
        return _as_option_text(value)
    if schema.get(name) is str and isinstance(value, (list, dict)):
        return _as_option_text(value)
    if schema.get(name) is float and isinstance(value, int):
        return float(value)
    return value
