"""`gdsim derive` on the command line: the §4 JSON fields, text without colour when piped, --get, exit codes.

Most runs go through the console script's entry in this process (fast); a few run as real
processes with pipes. Expected numbers come from SymPy, with each function written out by hand.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import sympy as sp

ANSI = re.compile(r"\x1b\[")

x, y = sp.symbols("x y", real=True)
# The function most tests use, typed and written out by hand.
TEXT = "x^2*y + sin(y) - 3x"
F = x**2 * y + sp.sin(y) - 3 * x
AT = {x: 1.5, y: -0.5}


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, which are not JSON."""

    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def val(e, at=AT) -> float:
    return float(sp.N(e.subs({k: sp.Float(v, 30) for k, v in at.items()}), 30))


def close(a, b, rel=1e-12):
    return abs(a - b) <= rel * max(1.0, abs(b))


def derive_json(gdsim_cli, *args):
    code, out, err = gdsim_cli("derive", *args, "--format", "json")
    assert code == 0, err
    assert err == ""
    return strict_json(out)


# --- JSON: the §4 contract --------------------------------------------------------------------


def test_json_symbolic_fields(gdsim_cli):
    doc = derive_json(gdsim_cli, TEXT)
    assert doc["variables"] == ["x", "y"]
    assert set(doc["gradient"]) == {"x", "y"}
    assert isinstance(doc["function"], str)
    assert "·" not in json.dumps(doc["gradient"], ensure_ascii=False)  # plain, not pretty
    assert "at" not in doc and "value" not in doc  # values only with --at


def test_json_gradient_strings_are_readable_by_gdsim_and_right(gdsim_cli):
    from gdsim.expr.function import parse

    doc = derive_json(gdsim_cli, TEXT)
    for name, sym in (("x", x), ("y", y)):
        g = parse(doc["gradient"][name] + " + 0*x + 0*y")
        assert g.variables == ("x", "y")
        assert close(g.value(np.array([AT[x], AT[y]])), val(sp.diff(F, sym)))


def test_json_values_at_a_point(gdsim_cli):
    doc = derive_json(gdsim_cli, TEXT, "--at", "x=1.5,y=-0.5")
    assert doc["at"] == {"x": 1.5, "y": -0.5}
    assert close(doc["value"], val(F))
    gx, gy = val(sp.diff(F, x)), val(sp.diff(F, y))
    assert close(doc["gradient_value"]["x"], gx) and close(doc["gradient_value"]["y"], gy)
    assert close(doc["gradient_norm"], math.hypot(gx, gy))
    assert close(doc["descent_direction"]["x"], -gx) and close(doc["descent_direction"]["y"], -gy)


def test_json_hessian_and_ascending_eigenvalues(gdsim_cli):
    doc = derive_json(gdsim_cli, TEXT, "--at", "1.5,-0.5", "--hessian")
    assert len(doc["hessian"]) == 2 and all(len(row) == 2 and all(isinstance(h, str) for h in row) for row in doc["hessian"])
    expected = np.array([[val(sp.diff(F, a, b)) for b in (x, y)] for a in (x, y)])
    assert np.allclose(doc["hessian_value"], expected, rtol=1e-12, atol=1e-12)
    eig = doc["hessian_eigenvalues"]
    assert eig == sorted(eig)
    assert np.allclose(eig, np.linalg.eigvalsh(expected), rtol=1e-12, atol=1e-12)


def test_hessian_without_a_point_is_symbolic_only(gdsim_cli):
    doc = derive_json(gdsim_cli, "x^2 + x*y", "--hessian")
    assert "hessian" in doc and "hessian_value" not in doc and "hessian_eigenvalues" not in doc


def test_largest_stable_learning_rate_is_two_over_the_largest_eigenvalue(gdsim_cli):
    doc = derive_json(gdsim_cli, "x^2 + 5y^2", "--at", "1", "--hessian")
    assert doc["hessian_eigenvalues"] == [2.0, 10.0]
    assert doc["max_stable_lr"] == pytest.approx(0.2)
    assert doc["curvature"] == "convex"


def test_wrt_gives_only_that_partial(gdsim_cli):
    doc = derive_json(gdsim_cli, TEXT, "--wrt", "y", "--at", "1.5,-0.5")
    assert list(doc["gradient"]) == ["y"]
    assert list(doc["gradient_value"]) == ["y"]
    assert close(doc["gradient_value"]["y"], val(sp.diff(F, y)))


def test_wrt_an_unknown_variable_lists_the_variables(gdsim_cli):
    code, out, err = gdsim_cli("derive", TEXT, "--wrt", "q")
    assert code == 2 and out == ""
    assert err.startswith("error:") and "q" in err and "x, y" in err


def test_check_compares_with_finite_differences(gdsim_cli):
    doc = derive_json(gdsim_cli, TEXT, "--at", "1.5,-0.5", "--check")
    assert 0 <= doc["check"]["max_difference"] < 1e-6


def test_check_needs_a_point(gdsim_cli):
    code, out, err = gdsim_cli("derive", TEXT, "--check")
    assert code == 2 and out == "" and "--at" in err


def test_steps_in_json(gdsim_cli):
    doc = derive_json(gdsim_cli, "sin(x^2)", "--steps")
    rules = " ".join(row["rule"] for row in doc["derivation"]["x"]["lines"])
    assert "chain rule" in rules and "power rule" in rules


def test_json_is_the_only_thing_on_stdout_and_uses_no_nan(gdsim_cli):
    code, out, err = gdsim_cli("derive", "abs(x) + relu(y)", "--at", "0", "--hessian", "--check", "--format", "json")
    assert code == 0 and err == ""
    doc = strict_json(out)
    assert doc["gradient_value"] == {"x": 0.0, "y": 0.0}
    assert not ANSI.search(out)


# --- --get --------------------------------------------------------------------------------------


def test_get_prints_one_number(gdsim_cli):
    code, out, err = gdsim_cli("derive", TEXT, "--at", "1.5,-0.5", "--get", "gradient_value.x")
    assert code == 0 and err == ""
    assert out.count("\n") == 1
    assert close(float(out), val(sp.diff(F, x)))


def test_get_a_bad_path_names_the_available_keys(gdsim_cli):
    code, out, err = gdsim_cli("derive", TEXT, "--at", "1,2", "--get", "bad.path")
    assert code == 2 and out == ""
    first = err.splitlines()[0]
    assert first.startswith("error: --get") and "bad" in first
    for key in ("function", "variables", "gradient", "value", "gradient_value"):
        assert key in first


def test_get_a_missing_inner_key(gdsim_cli):
    code, out, err = gdsim_cli("derive", TEXT, "--at", "1,2", "--get", "gradient_value.z")
    assert code == 2 and out == "" and "x" in err and "y" in err


# --- text and LaTeX -----------------------------------------------------------------------------


def test_text_shows_partials_and_the_hikers_reading(gdsim_cli):
    code, out, err = gdsim_cli("derive", "x^2 - y", "--at", "x=1,y=0")
    assert code == 0 and err == ""
    assert not ANSI.search(out)
    assert "∂f/∂x" in out and "∂f/∂y" in out and "∇f" in out
    assert "2·x" in out  # readable products
    assert "downhill" in out


@pytest.mark.parametrize("at, word", [("1", "rises"), ("-1", "falls"), ("0", "flat")])
def test_the_sign_of_the_slope_is_read_out(gdsim_cli, at, word):
    code, out, _ = gdsim_cli("derive", "x^2", "--at", at)
    assert code == 0
    assert "f′" in out and word in out


def test_text_with_every_option(gdsim_cli):
    code, out, err = gdsim_cli("derive", "(1-x)^2 + 100(y-x^2)^2", "--at", "1,2", "--hessian", "--steps", "--check")
    assert code == 0 and err == ""
    for words in ("sum rule", "power rule", "constant multiple rule", "eigenvalues", "saddle", "finite differences"):
        assert words in out, words
    assert max(len(line) for line in out.splitlines()) < 300
    assert "nan" not in out.lower()


def test_latex(gdsim_cli):
    code, out, err = gdsim_cli("derive", "x^2*y", "--format", "latex", "--hessian")
    assert code == 0 and err == ""
    assert r"\frac{\partial f}{\partial x}" in out
    assert r"\nabla f" in out and "pmatrix" in out
    assert not ANSI.search(out)


def test_a_function_starting_with_a_minus_needs_no_double_dash(gdsim_cli):
    doc = derive_json(gdsim_cli, "-x^2", "--at", "3")
    assert doc["value"] == -9.0 and doc["gradient_value"] == {"x": -6.0}


# --- points outside the domain, and exit codes --------------------------------------------------


@pytest.mark.parametrize(
    "text, at, words",
    [
        ("log(x)", "-1", "log"),
        ("log(x)", "0", "log"),
        ("1/x", "0", "division by zero"),
        ("sqrt(x)", "-1", "square root"),
        ("asin(x)", "2", "asin"),
        ("x^0.5 + y", "-4,1", "negative"),
        ("2**1100*x", "1", "too large"),  # an exact constant beyond the largest double
    ],
)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_point_outside_the_domain_is_refused(gdsim_cli, text, at, words, fmt):
    code, out, err = gdsim_cli("derive", text, "--at", at, "--format", fmt)
    assert code == 2
    assert out == ""
    first = err.splitlines()[0]
    assert first.startswith("error:") and words in first
    assert "nan" not in (out + err).lower()
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ("x.real",),
        ("x +", "--at", "1"),
        ("x", "--format", "xml"),
        ("x", "--bogus"),
        ("x", "--at", "1,2"),
        (),
    ],
)
def test_refused_input_exits_2_with_one_error_line(gdsim_cli, args):
    code, out, err = gdsim_cli("derive", *args)
    assert code == 2
    assert out == ""
    assert err.startswith("error:")
    assert "Traceback" not in err


# --- real processes -----------------------------------------------------------------------------


@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, {"TERM": "xterm-256color"}])
def test_piped_text_has_no_colour_codes(run_gdsim, env):
    code, out, err = run_gdsim("derive", "x^2 + y^2", "--at", "1,2", "--hessian", env=env)
    assert code == 0, err
    assert "∂f/∂x" in out
    assert not ANSI.search(out) and not ANSI.search(err)


def test_json_from_a_real_process(run_gdsim):
    code, out, err = run_gdsim("derive", "x**2+y**2", "--at", "x=1,y=2", "--format", "json")
    assert (code, err) == (0, "")
    doc = strict_json(out)
    assert doc["gradient_value"] == {"x": 2.0, "y": 4.0}
    assert doc["gradient_norm"] == pytest.approx(math.sqrt(20), rel=1e-15)


def test_a_real_process_refuses_a_point_outside_the_domain(run_gdsim):
    code, out, err = run_gdsim("derive", "log(x)", "--at=-1")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error:")


def test_typer_cli_runner_sees_the_json(monkeypatch):
    from typer.testing import CliRunner

    from gdsim.cli.app import app

    monkeypatch.setenv("LANG", "C.UTF-8")
    result = CliRunner().invoke(app, ["derive", "x^3", "--at", "2", "--format", "json"])
    # derive ends by raising the CLI's own Exit(0), which CliRunner reports as an exception
    assert result.exception is None or getattr(result.exception, "code", None) == 0
    doc = strict_json(result.stdout)
    assert doc["value"] == 8.0 and doc["gradient_value"] == {"x": 12.0}
