"""The shipped lab exercises: each loads, has a printable task and runnable-looking commands, and its numbers are right.

The numbers the answers quote are recomputed here from closed forms and SymPy, not from gdsim.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path

import pytest
import sympy as sp

from gdsim.errors import ConfigError, OptionError
from gdsim.expr.function import parse
from gdsim.labs.lab import Lab, get_lab, load_labs, read_lab

LECTURE_LABS = ["slope-sign", "partials", "practice", "learning-rate", "optimizer-race", "optimizer-zoo", "sgd-batches"]
SUBCOMMANDS = {"derive", "descend", "sweep", "sgd", "practice", "presets", "lab"}


def test_every_lab_loads_in_the_lecture_order():
    labs = load_labs()
    assert list(labs) == LECTURE_LABS
    for name, lab in labs.items():
        assert isinstance(lab, Lab) and lab.name == name and lab.title.strip()


@pytest.mark.parametrize("name", LECTURE_LABS)
def test_task_is_printable_and_says_what_to_run_and_answer(name):
    lab = get_lab(name)
    lines = lab.task.splitlines()
    assert len(lines) >= 5, "a task spans several lines: what to run, what to observe, what to answer"
    assert all(len(line) <= 80 for line in lines), "the task fits an 80-column terminal"
    assert "1." in lab.task and "2." in lab.task
    assert lab.answer.strip() and lab.commands


@pytest.mark.parametrize("name", LECTURE_LABS)
def test_commands_are_gdsim_command_lines_with_parseable_functions(name):
    for command in get_lab(name).commands:
        words = shlex.split(command)
        assert words[0] == "gdsim" and words[1] in SUBCOMMANDS, command
        if words[1] in ("derive", "descend", "sweep", "practice") and len(words) > 2 and not words[2].startswith("-"):
            assert parse(words[2]).variables  # the function text is valid gdsim syntax


def answer_of(name: str) -> str:
    """The lab's answer on one line, so that quoted phrases do not depend on where the text wraps."""
    return " ".join(get_lab(name).answer.split())


def test_slope_sign_answer_quotes_the_right_slopes():
    x = sp.Symbol("x")
    f = x**3 - 3 * x
    slope = {k: sp.diff(f, x).subs(x, sp.Rational(k)) for k in ("2", "-0.5", "1", "-1", "0.9", "1.1", "-1.1", "-0.9")}
    assert slope == {"2": 9, "-0.5": sp.Rational(-9, 4), "1": 0, "-1": 0,
                     "0.9": sp.Rational(-57, 100), "1.1": sp.Rational(63, 100),
                     "-1.1": sp.Rational(63, 100), "-0.9": sp.Rational(-57, 100)}
    answer = answer_of("slope-sign")
    for phrase in ("f'(2) = 9", "f'(-0.5) = -2.25", "f'(1) = 0", "f'(-1) = 0", "f'(0.9) = -0.57",
                   "f'(1.1) = 0.63", "f'(-1.1) = 0.63", "f'(-0.9) = -0.57"):
        assert phrase in answer
    assert (f.subs(x, 1), f.subs(x, -1)) == (-2, 2)
    assert "x = 1 (f = -2)" in answer and "f = 2" in answer


def test_partials_answer_quotes_the_right_gradient_and_minimum():
    x, y = sp.symbols("x y")
    f = x**2 + x * y + 2 * y**2 - 3 * x
    at = {x: 2, y: -1}
    assert (f.subs(at), sp.diff(f, x).subs(at), sp.diff(f, y).subs(at)) == (-2, 0, -2)
    solution = sp.solve([sp.diff(f, x), sp.diff(f, y)], [x, y])
    assert solution == {x: sp.Rational(12, 7), y: sp.Rational(-3, 7)}
    answer = answer_of("partials")
    assert "f = -2, df/dx = 0, df/dy = -2" in answer
    for value in (solution[x], solution[y], f.subs(solution)):
        assert f"{float(value):.6f}" in answer


def test_practice_answer_quotes_the_right_slopes_and_points():
    x, y = sp.symbols("x y")
    f = x**2 + 3 * y**2
    point = {x: 2, y: sp.Rational(1)}
    lr = sp.Rational(1, 10)
    slopes, points = [], []
    for _ in range(3):
        g = (sp.diff(f, x).subs(point), sp.diff(f, y).subs(point))
        point = {x: point[x] - lr * g[0], y: point[y] - lr * g[1]}
        slopes.append(g)
        points.append((point[x], point[y]))
    answer = answer_of("practice")
    fmt = lambda pair: f"({float(pair[0]):g}, {float(pair[1]):g})"  # noqa: E731
    assert "slopes " + ", ".join(fmt(g) for g in slopes) + ";" in answer
    assert "points " + ", ".join(fmt(p) for p in points) + "." in answer
    right = {line.split("=")[0].strip(): sp.Rational(line.split("=")[1].strip())
             for line in (Path(__file__).parents[1] / "examples/answers/practice.right").read_text().splitlines()
             if "=" in line and not line.startswith("#")}
    for k in range(3):
        assert (right[f"dfdx_{k}"], right[f"dfdy_{k}"]) == slopes[k]
        assert (right[f"x_{k + 1}"], right[f"y_{k + 1}"]) == points[k]


def test_learning_rate_answer_quotes_the_closed_form_step_counts():
    # Gradient descent on x^2 from 3: x_k = 3 (1 - 2 lr)^k, so |f'(x_k)| = 6 |1 - 2 lr|^k.
    def steps_to_flat(lr):
        return next(k for k in range(10_000) if 6 * abs(1 - 2 * lr) ** k <= 1e-6)

    answer = answer_of("learning-rate")
    assert steps_to_flat(0.1) == steps_to_flat(0.9) == 70 and "70 steps" in answer
    assert steps_to_flat(0.5) == 1 and "1 step," in answer
    diverged_at = next(k for k in range(1, 1000) if 3 * 1.2**k > 1e8)
    assert diverged_at == 96 and "step 96" in answer
    assert f"{3 * 0.998**1000:.3f}" == "0.405" and "0.405" in answer


def test_sgd_batches_answer_quotes_the_step_counts():
    steps = [10 * math.ceil(200 / b) for b in (1, 16, 200)]
    assert steps == [2000, 130, 10]
    assert "2000, 130 and 10 for batch sizes 1, 16 and 200" in answer_of("sgd-batches")


def zoo_walk(lr_of, tol=1e-6, max_steps=1000, bound=1e8):
    """Gradient descent on x^2 + 10y^2 from (-2, 1) in closed form: each step multiplies x by
    1 - 2 lr_k and y by 1 - 20 lr_k. Returns (status, steps, x, y)."""
    x, y = -2.0, 1.0
    for k in range(max_steps + 1):
        if math.hypot(2 * x, 20 * y) <= tol:
            return "converged", k, x, y
        if k == max_steps:
            return "max_steps", k, x, y
        x, y = (1 - 2 * lr_of(k)) * x, (1 - 20 * lr_of(k)) * y
        if max(abs(x), abs(y)) > bound:
            return "diverged", k + 1, x, y


def fewest(runs: dict) -> tuple:
    return min((run[1], lr) for lr, run in runs.items() if run[0] == "converged")


def test_optimizer_zoo_answer_quotes_the_closed_forms():
    x, y = sp.symbols("x y")
    f = x**2 + 10 * y**2
    eigenvalues = sorted(sp.hessian(f, (x, y)).eigenvals())
    assert eigenvalues == [2, 20] and sp.Rational(2, eigenvalues[-1]) == sp.Rational(1, 10)
    answer = answer_of("optimizer-zoo")
    assert "λ_max = 20, so gd needs lr < 2/20 = 0.1" in answer

    constant = {lr / 100: zoo_walk(lambda k, lr=lr / 100: lr) for lr in range(1, 12)}
    assert fewest(constant) == (78, 0.09) and "lr = 0.09 with 78 steps" in answer
    assert constant[0.1][0] == "max_steps" and "(max_steps, f = 10)" in answer
    assert constant[0.11][:2] == ("diverged", 102) and "(at step 102)" in answer

    # exponential:gamma=G is lr_k = lr * G^k
    rescued = zoo_walk(lambda k: 0.11 * 0.99**k)
    assert rescued[:2] == ("converged", 101) and "lr = 0.11 converges in 101 steps" in answer
    assert next(k for k in range(100) if 0.11 * 0.99**k < 0.1) == 10 and "below 0.1 after 10 steps" in answer
    scheduled = {lr / 100: zoo_walk(lambda k, lr=lr / 100: lr * 0.99**k) for lr in range(5, 16)}
    assert fewest(scheduled) == (75, 0.13) and "lr = 0.13 with 75 steps" in answer
    assert [lr for lr, run in scheduled.items() if run[0] == "max_steps"] == [0.05, 0.06, 0.07]
    assert "0.05, 0.06 and 0.07 stop at max_steps" in answer

    status, _, fx, fy = zoo_walk(lambda k: 0.11 * 0.9**k)
    assert status == "max_steps" and abs(fy) < 1e-8
    assert math.isclose(fx, -2 * math.prod(1 - 0.22 * 0.9**k for k in range(1000)), rel_tol=1e-12)
    assert f"x = {fx:.3f}" in answer and f"f = {fx**2 + 10 * fy**2:.3g}" in answer
    assert math.isclose(0.11 / (1 - 0.9), 1.1) and "add up to 1.1" in answer

    # Newton with lr 1 jumps to the minimum of a quadratic; with lr 0.5 ‖∇f‖ halves at every step
    start_gradient = math.hypot(-4, 20)
    assert math.ceil(math.log2(start_gradient / 1e-6)) == 25 and "k = 25 steps" in answer
    assert "(0, 0) in 1 step with f = 0" in answer

    # Armijo: from t = 1, halve t while f(p - t g) > f(p) - 1e-4 t |g|^2
    p = (-2.0, 1.0)
    for steps in range(1000):
        g = (2 * p[0], 20 * p[1])
        if math.hypot(*g) <= 1e-6:
            break
        t = 1.0
        while (p[0] - t * g[0]) ** 2 + 10 * (p[1] - t * g[1]) ** 2 > p[0] ** 2 + 10 * p[1] ** 2 - 1e-4 * t * (g[0] ** 2 + g[1] ** 2):
            t /= 2
        p = (p[0] - t * g[0], p[1] - t * g[1])
    assert steps == 63 and "converges in 63 steps" in answer


def test_unknown_lab_lists_the_names():
    with pytest.raises(OptionError) as err:
        get_lab("gradient")
    assert "unknown lab 'gradient'" in err.value.message
    assert all(name in err.value.message for name in LECTURE_LABS)


GOOD = '''\
name = "demo"
title = "A demo"
task = """
1. Run it.
2. Answer.
"""
commands = ['gdsim derive "x^2" --at x=1']
answer = "f'(1) = 2"
'''


def test_a_well_formed_lab_reads(tmp_path):
    path = tmp_path / "demo.toml"
    path.write_text(GOOD)
    lab = read_lab(path)
    assert lab.commands == ('gdsim derive "x^2" --at x=1',) and lab.task.startswith("1. Run it.")


@pytest.mark.parametrize(
    "old, new, key",
    [
        ('answer = "', 'hint = "no"\nanswer = "', "hint"),
        ("commands = ['gdsim derive \"x^2\" --at x=1']", "commands = []", "commands"),
        ("commands = ['gdsim derive \"x^2\" --at x=1']", "commands = [3]", "commands[1]"),
        ('title = "A demo"', "title = 7", "title"),
        ('name = "demo"', 'name = "other"', "name"),
        ('answer = "f\'(1) = 2"\n', "", "answer"),
    ],
)
def test_a_bad_lab_is_refused_naming_file_and_key(tmp_path, old, new, key):
    assert old in GOOD
    path = tmp_path / "demo.toml"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        read_lab(path)
    assert str(path) in err.value.message and f"'{key}'" in err.value.message
