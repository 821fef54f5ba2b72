"""Each command's options, declared once as the fields of a frozen dataclass.

From the one declaration come the Typer parameters and their help, the TOML keys and types that
`--config` accepts, the defaults, and the typed options object the command's runner receives.
Values are layered: the command line wins over --config (a [command] table over top-level keys),
which wins over --preset, which wins over the defaults.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from dataclasses import dataclass
from typing import Any, Callable, Optional

from gdsim.i18n import tr
from gdsim.labs.config import NUMBERS, VALUES, load_config  # noqa: F401  (NUMBERS, VALUES: the kinds commands declare)

# The commands whose options may share one lab file, and the modules that declare them.
DECLARED_IN = {"derive": "gdsim.cli.derive", "descend": "gdsim.cli.descend", "sgd": "gdsim.cli.sgd",
               "practice": "gdsim.cli.practice", "sweep": "gdsim.cli.sweep", "presets": "gdsim.cli.presets"}


@dataclass(frozen=True)
class Declared:
    """How one option is spelled and explained; its type comes from the field's annotation."""

    flags: tuple[str, ...]  # () for the positional argument
    help: str
    kind: Any = None  # what a TOML value may be, when not the annotation's type (NUMBERS)
    in_file: bool = True  # may be set from a --config file


def option(*flags: str, help: str, default: Any = None, kind: Any = None, in_file: bool = True) -> Any:
    """A command-line option (`--flag`, or `--on/--off` for a switch), with its default after merging."""
    return dataclasses.field(default=default, metadata={"option": Declared(flags, help, kind, in_file)})


def config_option(help: str = "Read options from a TOML lab file (the command line wins).") -> Any:
    """--config: where the other options may come from; a lab file cannot name another lab file."""
    return option("--config", in_file=False, help=help)


def argument(help: str, in_file: bool = True) -> Any:
    """The command's positional argument (the function's text)."""
    return dataclasses.field(default=None, metadata={"option": Declared((), help, in_file=in_file)})


def declared(cls) -> dict[str, tuple[Declared, type]]:
    """{field name: (declaration, plain Python type)} in declaration order."""
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        out[f.name] = (f.metadata["option"], args[0] if args else kind)
    return out


def schema(cls) -> dict[str, Any]:
    """The TOML keys a lab file may set for this command, with the type each accepts."""
    return {name: d.kind or py for name, (d, py) in declared(cls).items() if d.in_file}


def defaults(cls) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(cls) if f.default is not None}


def typer_callback(cls, command: str, run: Callable[[Any, dict[str, str]], None], doc: str) -> Callable[..., None]:
    """A function Typer can read (its signature is built from the declaration) that resolves the layers
    and calls `run(options, source)`."""
    import typer

    params = []
    for name, (d, py) in declared(cls).items():
        if not d.flags:
            default = typer.Argument(None, help=d.help, show_default=False)
        else:
            default = typer.Option(None, *d.flags, help=d.help, show_default=False)
        params.append(inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                        annotation=Optional[py]))

    def callback(**given: Any) -> None:
        from gdsim.cli.common import Exit

        try:
            invoke(cls, command, run, given)
        except Exit as e:
            raise typer.Exit(e.code) from None

    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__annotations__ = {p.name: p.annotation for p in params}
    callback.__doc__ = doc
    callback.__name__ = command
    return callback


def invoke(cls, command: str, run: Callable[[Any, dict[str, str]], None], given: dict[str, Any]) -> None:
    """Run a command with the options given on its command line ({field name: value or None})."""
    setup_language(given.get("lang"))  # errors in the options themselves are explained in the chosen language
    opts, source = resolve(cls, command, given)
    setup_language(getattr(opts, "lang", None))
    run(opts, source)


# Tokens the quick reading leaves to typer: help, and what typer alone explains when it is wrong.
_TYPER_ONLY = frozenset({"-h", "--help", "--version"})


def read_command_line(cls, args: list[str]) -> dict[str, Any] | None:
    """The options given on a command line, as typer would pass them ({field name: value or None}),
    read straight from the declaration; None for anything but a plain, well-formed command line
    (help, an unknown option, a missing or bad value, an extra argument), which typer then reads
    and explains. Importing typer and building a command costs more than the rest of a short run.

    It reads as click does: options and the argument in any order, `--flag value`, `--flag=value`,
    `-f value`, `-fvalue`, the last of a repeated option, everything after `--` as the argument.
    """
    fields = declared(cls)
    by_flag: dict[str, tuple[str, Any]] = {}
    positional = None
    for name, (d, py) in fields.items():
        if not d.flags:
            positional = name
        for flag in d.flags:
            if py is bool and "/" in flag:
                on, off = flag.split("/")
                by_flag[on], by_flag[off] = (name, True), (name, False)
            else:
                by_flag[flag] = (name, True if py is bool else py)
    given: dict[str, Any] = {name: None for name in fields}
    seen_argument = False
    i, n = 0, len(args)
    while i < n:
        token = args[i]
        i += 1
        if token in _TYPER_ONLY:
            return None
        if token == "--":
            rest = args[i:]
            if len(rest) + seen_argument > 1 or (rest and positional is None):
                return None
            if rest:
                given[positional] = rest[0]
            break
        if token[:1] != "-" or len(token) == 1:
            if seen_argument or positional is None:
                return None
            given[positional], seen_argument = token, True
            continue
        if token.startswith("--"):
            flag, eq, attached = token.partition("=")
            value = attached if eq else None
        else:
            flag, attached = token[:2], token[2:]
            value = attached or None
        if flag not in by_flag:
            return None
        name, kind = by_flag[flag]
        if isinstance(kind, bool):  # a switch: no value
            if value is not None or (not token.startswith("--") and attached):
                return None
            given[name] = kind
            continue
        if value is None:
            if i >= n:
                return None
            value = args[i]
            i += 1
        if kind in (int, float):
            try:
                value = kind(value)
            except ValueError:
                return None
        elif kind is not str:
            return None
        given[name] = value
    return given


def resolve(cls, command: str, given: dict[str, Any]):
    """The options in force (an instance of `cls`) and, for each, where it came from
    ("command line", "config", "preset", "default")."""
    config = given.get("config")
    keys = schema(cls)
    from_file = load_config(config, command, keys, _other_keys(command)) if config else {}
    preset_name = given.get("preset") or from_file.get("preset")
    layers = [("default", defaults(cls)), ("preset", preset_defaults(preset_name, command) if "preset" in keys else {}),
              ("config", from_file), ("command line", {k: v for k, v in given.items() if v is not None})]
    settings: dict[str, Any] = {}
    source: dict[str, str] = {}
    for name, layer in layers:
        for k, v in layer.items():
            if v is not None:
                settings[k] = v
                source[k] = name
    if isinstance(settings.get("get"), str) and not settings["get"].strip():
        from gdsim.errors import OptionError

        raise OptionError(tr("--get: give a path such as result.point (an empty path names nothing)"))
    return cls(**settings), source


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

        from gdsim.cli.common import print_notes

        function = parse(text)
        check_compile_size(function)
        print_notes(function.notes)
        return function
    from gdsim.expr.vector import parse_vector

    return parse_vector(text, dim)


def options_class(command: str):
    import importlib

    return importlib.import_module(DECLARED_IN[command]).Options


def _other_keys(command: str) -> frozenset:
    """Option names of the other commands (a shared lab file may carry them at the top level)."""
    keys: set[str] = set()
    for name in DECLARED_IN:
        if name not in (command, "presets"):  # presets reads no keys a lab file shares
            keys |= set(schema(options_class(name)))
    return frozenset(keys)
