"""`gdsim sweep`: one descend per value of one hyper-parameter, checked against the closed form of gd
on x² (x_k = 3(1 − 2·lr)^k from x_0 = 3), against descend itself, and at the command line.
"""

from __future__ import annotations

import csv
import io
import json
import math
import signal

import numpy as np
import pytest

from gdsim.engine.descend import check_settings
from gdsim.engine.sweep import lr_limit, sweep, values
from gdsim.errors import GdsimError
from gdsim.expr.function import parse
from gdsim.optim import make_optimizer

TOL = 1e-6
BOUND = 1e8


def closed_form(lr: float, tol: float = TOL, bound: float = BOUND, max_steps: int = 1000) -> tuple[str, int]:
    """How gd on x² from 3 ends, from x_k = 3(1 − 2·lr)^k alone: ∇f = 2x_k, so it converges at the first k
    with 6|1 − 2lr|^k ≤ tol, and diverges at the first k with 3|1 − 2lr|^k > bound."""
    ratio = abs(1 - 2 * lr)
    if ratio == 0:
        return "converged", 1
    if ratio < 1:
        k = math.ceil(math.log(tol / 6) / math.log(ratio))
        # no value in this test sits within rounding of a boundary, where the float walk could go either way
        assert abs(math.log(tol / 6) / math.log(ratio) - round(math.log(tol / 6) / math.log(ratio))) > 1e-6
        return ("converged", k) if k <= max_steps else ("max_steps", max_steps)
    if ratio == 1:
        return "max_steps", max_steps
    k = math.floor(math.log(bound / 3) / math.log(ratio)) + 1
    return ("diverged", k) if k <= max_steps else ("max_steps", max_steps)


def run_sweep(text, start, lrs, name="gd", max_steps=1000, **hyper):
    function = parse(text)
    optimizers = [make_optimizer(name, lr=lr, **hyper) for lr in lrs]
    return list(sweep(function, np.array(start, dtype=float), optimizers, lrs, check_settings(TOL, 0, max_steps, BOUND)))


# --- the engine ---------------------------------------------------------------------------------


def test_gd_on_x_squared_converges_below_lr_1_and_diverges_above_with_the_closed_form_step_counts():
    below = [0.05 * i for i in range(1, 20)]  # 0.05 ... 0.95
    above = [1.05 + 0.05 * i for i in range(19)]  # 1.05 ... 1.95
    runs = run_sweep("x^2", [3], below + above)
    for r in runs:
        expected = closed_form(r.value)
        assert (r.result.status, r.result.steps) == expected, r.value
    assert {r.result.status for r in runs if r.value < 1} == {"converged"}
    assert {r.result.status for r in runs if r.value > 1} == {"diverged"}


def test_at_lr_1_gd_on_x_squared_jumps_between_3_and_minus_3_forever():
    (run,) = run_sweep("x^2", [3], [1.0], max_steps=40)
    assert (run.result.status, run.result.steps, float(run.result.point[0])) == ("max_steps", 40, 3.0)


def test_lr_limit_is_2_over_the_largest_curvature_for_gd():
    assert lr_limit(parse("x^2"), np.array([3.0]), "gd") == 1.0
    assert lr_limit(parse("x^2 + 100*y^2"), np.array([1.0, 1.0]), "gd") == pytest.approx(0.01, rel=1e-15)
    assert lr_limit(parse("x^2"), np.array([3.0]), "momentum") is None  # for gd only
    assert lr_limit(parse("x^3 - 3x"), np.array([-1.0]), "gd") is None  # a hilltop: no curvature up
    assert lr_limit(parse("x^2 - y^2"), np.array([1.0, 1.0]), "gd") is None  # a saddle


def test_each_run_is_descends_own_walk(gdsim_cli):
    (run,) = run_sweep("(1-x)^2 + 100(y-x^2)^2", [-1.2, 1], [0.9], name="momentum", max_steps=300, momentum=0.5)
    code, out, _ = gdsim_cli("descend", "(1-x)^2 + 100(y-x^2)^2", "--start=-1.2,1", "-o", "momentum", "--lr", "0.9",
                             "--momentum", "0.5", "--max-steps", "300", "-f", "json", "--every", "1000")
    result = json.loads(out)["result"]
    assert (run.result.status, run.result.steps) == (result["status"], result["steps"])
    code, out, _ = gdsim_cli("descend", "x^2 + 3y^2", "--start=1,2", "--lr", "0.2", "-f", "json")
    (run,) = run_sweep("x^2 + 3y^2", [1, 2], [0.2])
    assert [float(v) for v in run.result.point] == list(json.loads(out)["result"]["point"].values())


@pytest.mark.parametrize(
    "text,log,expected",
    [("0.1:0.5:5", False, [0.1, 0.2, 0.3, 0.4, 0.5]), ("1e-3:1e-1:3", True, [1e-3, 1e-2, 1e-1]),
     ("0.5,0.1,2", False, [0.5, 0.1, 2.0]), ("1:0:3", False, [1.0, 0.5, 0.0])],
)
def test_values_of_a_range_or_a_list(text, log, expected):
    assert values(text, "--lr", log) == expected


@pytest.mark.parametrize("text,log", [("0.1:1", False), ("0.1:1:1", False), ("0.1:1:x", False), ("0:1:3", True),
                                      ("0.1,0.2", True), ("a:1:3", False), ("1:2:3:4", False), ("0.1:1:1001", False)])
def test_bad_ranges_are_refused(text, log):
    with pytest.raises(GdsimError):
        values(text, "--lr", log)


def test_momentum_beats_gd_in_a_narrow_valley():
    """Conditioning: on x² + 100y² gd's best stride is capped by the steep direction; momentum's best
    run needs several times fewer steps (about √κ against κ, κ = 100)."""
    gd = run_sweep("x^2 + 100*y^2", [-2, 1], [0.001 * i for i in range(1, 11)], max_steps=3000)
    heavy = [r for m in (0.6, 0.7, 0.8, 0.9)
             for r in run_sweep("x^2 + 100*y^2", [-2, 1], [0.0165], name="momentum", max_steps=3000, momentum=m)]
    best = lambda runs: min(r.result.steps for r in runs if r.result.status == "converged")  # noqa: E731
    assert best(gd) > 5 * best(heavy)


# --- the command --------------------------------------------------------------------------------


def test_json_has_the_contracts_fields(gdsim_cli):
    code, out, err = gdsim_cli("sweep", "x^2", "--start", "3", "--lr", "0.25:1.25:5", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert {"function", "variables", "optimizer", "start", "parameter", "values", "runs", "lr_limit"} <= set(doc)
    assert (doc["function"], doc["variables"], doc["start"], doc["parameter"]) == ("x**2", ["x"], {"x": 3.0}, "lr")
    assert doc["optimizer"] == {"name": "gd"}  # lr is swept, so it is not a fixed hyper-parameter
    assert doc["values"] == [0.25, 0.5, 0.75, 1.0, 1.25]
    assert doc["lr_limit"] == 1.0
    for run, lr in zip(doc["runs"], doc["values"]):
        assert {"lr", "status", "steps", "point", "value", "gradient_norm"} <= set(run)
        assert run["lr"] == lr
        assert (run["status"], run["steps"]) == closed_form(lr)


def test_sweeping_momentum_keeps_lr_fixed(gdsim_cli):
    code, out, err = gdsim_cli("sweep", "x^2 + 10y^2", "--start", "1,1", "-o", "momentum", "--lr", "0.05",
                               "--momentum", "0,0.5,0.9", "-f", "json")
    doc = json.loads(out)
    assert code == 0, err
    assert doc["parameter"] == "momentum" and doc["optimizer"] == {"name": "momentum", "lr": 0.05}
    assert [r["momentum"] for r in doc["runs"]] == [0.0, 0.5, 0.9]
    assert doc["lr_limit"] is None


def test_log_spacing(gdsim_cli):
    code, out, _ = gdsim_cli("sweep", "x^2", "--lr", "0.001:1:4", "--log", "--get", "values")
    assert code == 0
    assert json.loads(out) == pytest.approx([0.001, 0.01, 0.1, 1.0], rel=1e-12)


def test_csv_has_one_row_per_value(gdsim_cli):
    code, out, _ = gdsim_cli("sweep", "x^2 + y^2", "--start", "3,4", "--lr", "0.2,0.6,1.2", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [r["lr"] for r in rows] == ["0.2", "0.6", "1.2"]
    assert [r["status"] for r in rows] == ["converged", "converged", "diverged"]
    assert list(rows[0]) == ["lr", "status", "steps", "x", "y", "value", "gradient_norm", "stationary"]


def test_text_shows_a_row_per_value_the_limit_and_the_plot(gdsim_cli):
    code, out, err = gdsim_cli("sweep", "x^2", "--start", "3", "--lr", "0.5:1.5:3")
    assert code == 0 and err == ""
    assert "2/λ_max = 1 " in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("0.5 ", "1 ", "1.5 "))]
    assert rows == [["0.5", "converged", "1", "0"], ["1", "max_steps", "1000", "9"], ["1.5", "diverged", *rows[2][2:]]]
    assert "steps against lr" in out and "diverged (drawn at the top)" in out


def test_exit_0_whatever_the_runs_did(gdsim_cli):
    code, _, _ = gdsim_cli("sweep", "x^2", "--lr", "2,3", "--no-plot")
    assert code == 0


def test_a_preset_and_a_lab_file_work_as_in_descend(gdsim_cli, tmp_path):
    code, out, _ = gdsim_cli("sweep", "--preset", "narrow_valley", "--lr", "0.005,0.009", "--get", "start")
    assert code == 0 and json.loads(out) == {"x": -2.0, "y": 1.0}
    lab = tmp_path / "lab.toml"
    lab.write_text('start = "3"\n[sweep]\nlr = "0.1:0.3:3"\nmax_steps = 5\n', encoding="utf-8")
    code, out, err = gdsim_cli("sweep", "x^2", "--config", str(lab), "-f", "json")
    doc = json.loads(out)
    assert code == 0, err
    assert doc["values"] == [0.1, 0.2, 0.3] and doc["max_steps"] == 5


@pytest.mark.parametrize(
    "args,says",
    [
        (["x^2", "--lr", "0.1"], "give the values to sweep"),
        (["x^2", "--lr", "0.1:1:3", "--momentum", "0.1,0.5"], "exactly one hyper-parameter"),
        (["x^2", "--momentum", "0.1:0.5:3"], "gd does not use it"),
        (["x^2", "--lr", "0.1:1"], "a range is A:B:N"),
        (["x^2", "--lr", "0:1:3", "--log"], "--log needs A and B above 0"),
        (["x^2", "--lr", "0.1:1:3", "-o", "gd,adam"], "one optimizer"),
        (["x^2", "--lr", "0.1:1:3", "-f", "ndjson"], "--format"),
        (["x^2", "--lr", "0.1,-1"], "--lr"),
        (["x^2 +", "--lr", "0.1,0.2"], "error"),
        (["--lr", "0.1,0.2"], "give a function"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(gdsim_cli, args, says):
    code, out, err = gdsim_cli("sweep", *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and says in err.splitlines()[0]
    assert "Traceback" not in err


def test_korean(gdsim_cli):
    code, out, _ = gdsim_cli("sweep", "x^2", "--start", "3", "--lr", "0.5,1.5", "--lang", "ko")
    assert code == 0 and "안정적인 최대 학습률" in out and "걸음 수" in out


def test_vector_mode_names_components_and_says_why_there_is_no_limit(gdsim_cli):
    code, out, _ = gdsim_cli("sweep", "sum(x**2)", "--dim", "25", "--start", "1", "--lr", "0.2,1.1", "-f", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0
    assert rows[0][:5] == ["lr", "status", "steps", "x[0]", "x[1]"] and len(rows[0]) == 3 + 25 + 3
    assert [r[1] for r in rows[1:]] == ["converged", "diverged"]
    code, out, _ = gdsim_cli("sweep", "sum(x**2)", "--dim", "25", "--start", "1", "--lr", "0.2,1.1", "--no-plot")
    assert "not computed for more than 20 variables" in out


@pytest.mark.parametrize("sig, why", [(signal.SIGINT, "interrupted by Ctrl-C"), (signal.SIGTERM, "terminated (SIGTERM)")])
def test_a_signal_ends_a_sweep_with_the_runs_so_far(sig, why):
    """lr 0.5 reaches x² = 0 in one step; lr 1e-9 would walk for 100 million steps."""
    from test_process import interrupt

    code, out, err = interrupt(["sweep", "x^2", "--lr", "0.5,1e-9,0.1", "--max-steps", "100000000", "-f", "csv"], sig)
    assert code == 130, err
    assert [r[:3] for r in csv.reader(io.StringIO(out))] == [["lr", "status", "steps"], ["0.5", "converged", "1"]]
    assert err == f"{why} after 1 of 3 values\n"


def test_a_function_starting_with_minus_after_the_log_switch(gdsim_cli):
    code, out, err = gdsim_cli("sweep", "--log", "-x^2+x^4", "--lr", "0.01:0.1:3", "--start", "2", "--get", "runs.2.status")
    assert (code, out, err) == (0, "converged\n", "")
