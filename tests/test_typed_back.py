"""What a student types: likely typos pointed out on stderr (never changed, never an error), unknown
functions answered with the nearest known one, gdsim's own printed forms read back, f shown as typed,
and --get with several paths."""

from __future__ import annotations

import json

import pytest
import sympy


@pytest.mark.parametrize(
    "text, variable, advice",
    [
        ("3x^2 - 2xy", "xy", "x*y"),
        ("sinx", "sinx", "sin(x)"),
        ("x^2 + cosy", "cosy", "cos(y)"),
        ("a*b + ab", "ab", "a*b"),
    ],
)
def test_a_likely_typo_is_a_note_and_nothing_else(gdsim_cli, text, variable, advice):
    run = gdsim_cli("derive", text, "--format", "json")
    assert run.code == 0
    assert variable in json.loads(run.stdout)["variables"]  # still one variable: pointed out, not changed
    notes = [line for line in run.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and f"'{variable}'" in notes[0] and advice in notes[0], run.stderr
    assert run.stderr.count("\n") == 1


@pytest.mark.parametrize("text", ["x^2 + y^2", "x1^2 + 2*x2^2", "w*x + b", "xy^2", "exp(x) + log(y)", "x10 + x1"])
def test_ordinary_names_get_no_note(gdsim_cli, text):
    run = gdsim_cli("derive", text)
    assert run.code == 0 and run.stderr == ""


def test_a_note_does_not_change_stdout(gdsim_cli):
    noted = gdsim_cli("descend", "sinx^2", "--start", "1", "--format", "json")
    quiet = gdsim_cli("descend", "s^2", "--start", "1", "--format", "json")
    assert noted.code == quiet.code == 0 and noted.stderr and not quiet.stderr
    assert noted.stdout.replace("sinx", "s") == quiet.stdout


@pytest.mark.parametrize("typed, meant", [("Sin(x)", "sin"), ("arctan(x)", "atan"), ("sqr(x)", "sqrt"), ("expp(x)", "exp"),
                                          ("SIGMOID(x)", "sigmoid")])
def test_an_unknown_function_suggests_the_nearest_known_one(gdsim_cli, typed, meant):
    run = gdsim_cli("derive", typed)
    assert run.code == 2
    first = run.stderr.splitlines()[0]
    assert f"did you mean {meant}?" in first and "for a product" not in first


def test_a_name_far_from_every_function_keeps_the_product_hint(gdsim_cli):
    run = gdsim_cli("derive", "foo(x)")
    assert run.code == 2 and "did you mean" not in run.stderr and "foo*(...)" in run.stderr


@pytest.mark.parametrize(
    "printed, plain",
    [
        ("x²", "x**2"),
        ("x¹⁰ + y", "x**10 + y"),
        ("3·x×y − 2", "3*x*y - 2"),
        ("(1 − x)² + 100·(y − x²)²", "(1 - x)**2 + 100*(y - x**2)**2"),
        ("−x²", "-x**2"),
        ("2x²", "2*x**2"),
    ],
)
def test_what_gdsim_prints_can_be_typed_back(gdsim_cli, printed, plain):
    run = gdsim_cli("derive", printed, "--format", "json")
    assert run.code == 0, run.stderr
    got = sympy.sympify(json.loads(run.stdout)["function"])
    assert sympy.simplify(got - sympy.sympify(plain)) == 0


def test_a_superscript_never_swallows_the_next_name(gdsim_cli):
    """x²y is not x^(2y): the name after a superscript needs its operator."""
    run = gdsim_cli("derive", "x²y")
    assert run.code == 2 and "missing operator" in run.stderr


def test_the_printed_function_can_be_fed_back_in(gdsim_cli):
    first = gdsim_cli("derive", "(1-x)^2 + 100(y-x^2)^2").stdout.splitlines()[0]
    shown = first.split(" = ", 1)[1]
    again = gdsim_cli("derive", shown).stdout.splitlines()[0]
    assert again == first


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("x1^2 + 2*x2^2", "x1² + 2·x2²"),
        ("y^2 + x", "y² + x"),
        ("-x^2 + 3", "-x² + 3"),
        ("b - (a - c)", "b - (a - c)"),
        ("(x + y)*(x - y)/2", "(x + y)·(x - y)/2"),
        ("x/(y*z)", "x/(y·z)"),
    ],
)
def test_f_is_shown_in_the_order_it_was_typed(gdsim_cli, typed, shown):
    run = gdsim_cli("derive", typed)
    assert run.stdout.splitlines()[0].split(" = ", 1)[1] == shown
    descend = gdsim_cli("descend", typed, "--max-steps", "1", "--no-plot")
    assert f" = {shown}" in descend.stdout.splitlines()[0]


def test_get_takes_several_paths_one_line_each_in_the_order_given(gdsim_cli):
    run = gdsim_cli("descend", "(x-3)^2 + (y+1)^2", "--start", "0,0", "--lr", "0.5",
                    "--get", "result.status,result.steps,result.point.y,result.point.x")
    assert run.code == 0
    assert run.stdout.splitlines() == ["converged", "1", "-1.0", "3.0"]  # lr 1/f'' = 0.5 lands on the minimum at once


def test_get_with_one_bad_path_prints_nothing(gdsim_cli):
    run = gdsim_cli("derive", "x^2", "--at", "1", "--get", "value,nothing_here")
    assert run.code == 2 and run.stdout == "" and "nothing_here" in run.stderr


@pytest.mark.parametrize("run_length", [300, 5000])
def test_a_long_run_of_superscripts_is_refused_like_a_long_number(gdsim_cli, run_length):
    run = gdsim_cli("derive", "x" + "²" * run_length)
    assert run.code == 2 and run.stderr.startswith("error: ") and "internal error" not in run.stderr
