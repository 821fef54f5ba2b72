"""Lab files: options of a command read from TOML, checked key by key against the command's options.

Top-level keys apply to the command being run; a table named after a command ([descend],
[sgd], ...) applies to that command only. Unknown keys and wrong types are refused with the
file, the key and the expected type.
"""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path

from gdsim.errors import ConfigError
from gdsim.i18n import tr

COMMANDS = ("derive", "descend", "sgd", "practice", "sweep", "presets", "lab")

# The TOML types each option accepts, by the Python type of the option.
#: A kind for options that take one number or a comma list of them (descend's --lr).
NUMBERS = "numbers"
#: A kind for options that take one number, a list of them or a range "A:B:N" (sweep's hyper-parameters).
VALUES = "values"

# tomllib ends its messages with the place; split off so the place can be said in the user's language.
_TOML_PLACE = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$", re.DOTALL)


def _type_name(kind) -> str:
    names = {float: tr("a number"), int: tr("a whole number"), str: tr("text"), bool: tr("true or false"),
             NUMBERS: tr("a number or a list of numbers"), VALUES: tr("a number, a list of numbers or a range A:B:N")}
    return names[kind]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number_list(text: str) -> bool:
    """"0.1,0.5": every comma-separated part reads as a number."""
    try:
        return all(float(part) == float(part) for part in text.split(","))  # nan is not a learning rate
    except ValueError:
        return False


def _accepts(kind, value) -> bool:
    if kind == NUMBERS:
        # lr = 0.1, lr = [0.1, 0.5] or, as on the command line (and as optimizer = "gd,adam" is), lr = "0.1,0.5"
        return (_is_number(value) or (isinstance(value, str) and _number_list(value))
                or (isinstance(value, list) and bool(value) and all(_is_number(v) for v in value)))
    if kind == VALUES:
        return isinstance(value, str) or _accepts(NUMBERS, value)
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


def read_bounded(path: Path, limit: int, error) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; `error` (a GdsimError class) otherwise.

    A FIFO would block until someone writes to it and a device such as /dev/zero never ends, so
    only regular files are read, and never more than `limit` + 1 bytes of them.
    """
    # O_NONBLOCK: opening a FIFO that has no writer would otherwise block before fstat could refuse it.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(tr("{path}: is not a regular file (a pipe or a device cannot be read here)", path=str(path)))
        os.set_blocking(fd, True)
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise error(tr("{path}: the file is larger than {limit} MB", path=str(path), limit=limit // (1024 * 1024)))
    return raw


MAX_CONFIG_BYTES = 1024 * 1024  # a lab file is a page of text


def read_toml(path: str) -> dict:
    import tomllib  # only a run with a lab file pays for it

    p = Path(path)
    if not p.exists():
        raise ConfigError(tr("--config {path}: no such file", path=path))
    if p.is_dir():
        raise ConfigError(tr("--config {path}: is a directory, not a TOML file", path=path))
    try:
        raw = read_bounded(p, MAX_CONFIG_BYTES, ConfigError)
    except ConfigError as e:
        raise ConfigError(f"--config {e.message}") from None
    except OSError as e:
        raise ConfigError(tr("--config {path}: cannot be read ({reason})", path=path, reason=e.strerror)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(tr("--config {path}: not UTF-8 text (byte {byte})", path=path, byte=e.start + 1)) from None
    try:
        # Windows editors often save UTF-8 with a byte-order mark; tomllib would refuse it.
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as e:
        place = _TOML_PLACE.match(str(e))
        if place:
            raise ConfigError(tr("--config {path}: not valid TOML: {error} (at line {line}, column {column})",
                                 path=path, error=place[1], line=place[2], column=place[3])) from None
        raise ConfigError(tr("--config {path}: not valid TOML: {error}", path=path, error=e)) from None
    except (ValueError, RecursionError) as e:  # tomllib's own limits: >4300-digit integers, deep nesting
        why = tr("nested too deeply") if isinstance(e, RecursionError) else str(e).split(";")[0]
        raise ConfigError(tr("--config {path}: cannot be read as TOML ({why})", path=path, why=why)) from None


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
        spelled: dict[str, str] = {}
        for key, value in table.items():
            if not prefix and key.replace("-", "_") not in schema and key.replace("-", "_") in elsewhere:
                continue
            name = _check(path, prefix + key, key, value, schema)
            if name in spelled:  # max-steps and max_steps are one option
                raise ConfigError(tr("{path}: '{first}' and '{second}' set the same option; keep one",
                                     path=path, first=prefix + spelled[name], second=prefix + key))
            spelled[name] = key
            merged[name] = _convert(value, schema, key)
    return merged


def _check(path: str, shown: str, key: str, value, schema: dict[str, type]) -> str:
    name = key.replace("-", "_")
    if name not in schema:
        known = ", ".join(sorted(k.replace("_", "-") for k in schema))
        raise ConfigError(tr("{path}: unknown key '{key}'; the keys for this command are: {known}", path=path, key=shown, known=known))
    kind = schema[name]
    if _has_non_finite(value):  # TOML reads 1e400 as inf; say so here, where the file is known
        raise ConfigError(tr("{path}: key '{key}' must be a finite number, got {value}", path=path, key=shown,
                             value=repr(value))[:300])
    if kind is str and (isinstance(value, (list, dict)) and value or _is_number(value)):
        return name  # start = 3 as start = "3" or [3]
    if not _accepts(kind, value):
        raise ConfigError(tr("{path}: key '{key}' must be {kind}, got {type} {value}", path=path, key=shown,
                               kind=_type_name(kind), type=type(value).__name__, value=repr(value))[:300])
    return name


def _has_non_finite(value) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(_has_non_finite(v) for v in value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    return False


def _convert(value, schema, key):
    name = key.replace("-", "_")
    if schema.get(name) in (NUMBERS, VALUES):
        return _as_option_text(value)
    if schema.get(name) is str and (isinstance(value, (list, dict)) or _is_number(value)):
        return _as_option_text(value)
    if schema.get(name) is float and isinstance(value, int):
        return float(value)
    return value
