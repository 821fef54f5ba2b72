"""A plain command line is read without typer (gdsim.cli.options.read_command_line), and it must read
exactly as typer reads it: the same value for every option, or None so that typer reads it and
explains what is wrong. typer itself is the oracle here.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from gdsim.cli import app, options
from gdsim.cli.options import read_command_line

LINES = [
    ["derive", "x**2+y**2", "--at", "x=1,y=2", "--format", "json"],
    ["derive", "--format=json", "x"],
    ["derive", "x", "-fjson", "--hessian", "--steps", "--check", "--at", "1"],
    ["derive", "x", "-f", "json", "--at=-1,2", "--at", "3"],
    ["derive", "x", "--at", "--format"],
    ["derive", "x", "--at", "--format", "json"],
    ["derive", "x", "--wrt", "y", "--lang", "ko", "--dim", "1_0"],
    ["derive", "x", "--dim", "2.5"],
    ["derive", "x", "--dim", " 3 "],
    ["derive", "--", "-x**2", "--at", "1"],
    ["derive", "x", "--", "y"],
    ["derive", "--at", "1", "--", "x"],
    ["derive", " -x**2", "--at", "1"],
    ["derive", "x", "y"],
    ["derive", "x", "--hessian=1"],
    ["derive", "x", "--no-hessian"],
    ["derive", "x", "--form", "json"],
    ["derive", "x", "--at"],
    ["derive", "x", "-h"],
    ["derive", "x", "--at", "-h"],
    ["derive", "-", "--at", "1"],
    ["derive", "", "--at", "1"],
    ["derive", "x", "-f=json"],
    ["derive", "x", "-x"],
    ["derive", "x", "-3"],
    ["derive", "--preset", "rosenbrock", "--format", "json"],
    ["descend", "x**2", "--lr", "0.1,0.2", "-o", "gd,adam", "--no-plot", "--every", "5", "--tol", "1e-3"],
    ["descend", "x**2", "--plot", "--no-plot", "--max-steps", "100", "--bound", "inf", "--delay", "0"],
    ["descend", "x**2", "--max-steps", "1e3"],
    ["descend", "x**2", "--tol", "nan", "--ftol", "-1", "--momentum", "0.5", "--beta1", "0.8", "--beta2", "0.9"],
    ["descend", "x**2", "--eps", "1e-9", "--alpha", "0.9", "--start", "-1", "--save-plot", "p.txt", "-ogd"],
    ["descend", "x**2", "--tol", "abc"],
    ["descend", "x**2", "--every"],
    ["descend", "x**2", "--get", "result.point.x", "--config", "lab.toml"],
    ["descend", "--plot=yes", "x"],
    ["sgd", "--synthetic", "linear", "--epochs", "2", "--batch-size", "16", "--format", "json"],
    ["sgd", "--data", "d.csv", "--model", "w*x + b", "--init", "w=0,b=1", "--seed", "7", "--no-shuffle"],
    ["practice", "x^2", "--start", "3", "--lr", "0.1", "--steps", "2", "--ask", "slope", "--format", "json"],
    ["practice", "x^2", "--tolerance", "1e-2", "--steps", "two"],
]


def typer_reading(args: list[str], monkeypatch) -> dict | None:
    """The options typer passes for this command line, or None where typer refuses it or shows help."""
    import typer.main

    seen = {}
    monkeypatch.setattr(options, "invoke", lambda cls, command, run, given: seen.update(given))
    command = typer.main.get_command(app.build_app(args[0]))
    try:
        command.main(args=list(args), prog_name="gdsim", standalone_mode=False)
    except Exception as e:  # click's usage errors and its exit after --help (typer vendors click)
        if hasattr(e, "exit_code"):
            return None
        raise
    return seen or None


@pytest.mark.parametrize("args", LINES, ids=[" ".join(a) for a in LINES])
def test_a_command_line_reads_as_typer_reads_it(args, monkeypatch, capsys):
    module = __import__(app.COMMANDS[args[0]], fromlist=["Options"])
    ours = read_command_line(module.Options, args[1:])
    theirs = typer_reading(args, monkeypatch)
    capsys.readouterr()
    if ours is not None:
        assert repr(ours) == repr(theirs)  # repr: nan == nan
    else:
        # left to typer: it refuses the line or shows help (no line here that typer reads is left to it)
        assert theirs is None


def test_the_lines_cover_both_outcomes(monkeypatch):
    outcomes = set()
    for args in LINES:
        module = __import__(app.COMMANDS[args[0]], fromlist=["Options"])
        outcomes.add(read_command_line(module.Options, args[1:]) is None)
    assert outcomes == {True, False}


def test_a_json_run_imports_neither_typer_nor_rich():
    code = ("import sys\nfrom gdsim.cli.app import run\n"
            "code = run(['derive', 'x**2+y**2', '--at', 'x=1,y=2', '--format', 'json'])\n"
            "print(code, sorted(m for m in ('typer', 'click', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "0 []"
