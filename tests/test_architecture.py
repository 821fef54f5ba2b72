"""The package's shape: imports point one way down the lecture's layers, and each command's options
are declared once (the --help, the lab-file keys and the options object are one set)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path


import pytest
import typer

PACKAGE = Path(__file__).resolve().parents[1] / "gdsim"

# Lower layers never import higher ones. errors and i18n are shared by every layer.
LAYERS = {"errors": 0, "i18n": 0, "expr": 1, "optim": 2, "labs": 2, "engine": 3, "render": 4, "cli": 5, "__main__": 6}
EDGE_ONLY = ("typer", "rich", "plotext", "click")


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        yield path, ".".join(rel.parts).removesuffix(".__init__")


def test_every_module_sits_in_a_known_layer():
    unknown = {_layer(name) for _, name in _modules()} - set(LAYERS) - {"__init__"}
    assert not unknown, f"modules outside the layers {sorted(LAYERS)}: {unknown}"


def test_imports_point_down_the_layers():
    wrong = []
    for path, name in _modules():
        here = _layer(name)
        if here == "__init__":
            continue
        for line, target in _imports(path):
            if target.startswith("gdsim.") and LAYERS.get(_layer(target), -1) > LAYERS[here]:
                wrong.append(f"{name}:{line} imports {target}")
    assert not wrong, "imports that point up the layers:\n" + "\n".join(wrong)


def test_only_the_cli_and_render_layers_import_terminal_libraries():
    wrong = []
    for path, name in _modules():
        if LAYERS.get(_layer(name), 0) >= LAYERS["render"]:
            continue
        for line, target in _imports(path):
            if target.split(".")[0] in EDGE_ONLY:
                wrong.append(f"{name}:{line} imports {target}")
    assert not wrong, "below the CLI and renderers:\n" + "\n".join(wrong)


def test_the_layer_check_catches_an_upward_import(tmp_path):
    """The walker above really sees imports (a check that cannot fail proves nothing)."""
    bad = tmp_path / "bad.py"
    bad.write_text("from gdsim.cli.common import Exit\nimport rich.table\n")
    assert [t for _, t in _imports(bad)] == ["gdsim.cli.common", "rich.table"]


COMMANDS = ["derive", "descend", "sgd", "practice", "sweep", "presets"]


def _click_command(name: str):
    from gdsim.cli.app import build_app

    group = typer.main.get_command(build_app(name))
    return group.commands[name]


@pytest.mark.parametrize("name", COMMANDS)
def test_each_option_is_declared_once(name):
    """--help, the lab-file schema and the options object all come from the one declaration."""
    from gdsim.cli.options import declared, options_class, schema

    cls = options_class(name)
    fields = {f.name for f in dataclasses.fields(cls)}
    in_help = {p.name for p in _click_command(name).params if p.name != "help"}
    not_in_files = {n for n, (d, _) in declared(cls).items() if not d.in_file}
    assert in_help == fields
    assert set(schema(cls)) == fields - not_in_files
    assert "config" in not_in_files  # a lab file cannot name another lab file


def test_a_new_declaration_reaches_help_schema_and_options(monkeypatch):
    """Adding one field adds the option everywhere: on the command line, in lab files, in the object."""
    from gdsim.cli import descend as module
    from gdsim.cli.options import option, resolve, schema

    @dataclasses.dataclass(frozen=True)
    class Wider(module.Options):
        stride_note: str | None = option("--stride-note", default="hi", help="A test option.")

    monkeypatch.setattr(module, "Options", Wider)
    assert "stride_note" in schema(Wider)
    assert "--stride-note" in {o for p in _click_command("descend").params for o in p.opts}
    opts, source = resolve(Wider, "descend", {"stride_note": None})
    assert (opts.stride_note, source["stride_note"]) == ("hi", "default")
    opts, source = resolve(Wider, "descend", {"stride_note": "given"})
    assert (opts.stride_note, source["stride_note"]) == ("given", "command line")
