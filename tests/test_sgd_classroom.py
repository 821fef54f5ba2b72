"""sgd on a teacher's unscaled CSV: divergence caught early with the largest stable rate, --standardize,
lr and optimizer comparisons, and models that would silently fit nothing refused or pointed out."""

from __future__ import annotations

import csv
import io
import json
import math
import statistics

import pytest

HOUSE = """size,rooms,price
50,2,150
60,3,180
80,3,240
100,4,310
120,4,350
75,2,220
90,3,270
140,5,420
"""


@pytest.fixture
def house(tmp_path):
    path = tmp_path / "house.csv"
    path.write_text(HOUSE)
    return str(path)


def rows():
    return list(csv.DictReader(io.StringIO(HOUSE)))


def stable_rate_one_feature(xs) -> float:
    """2/λ_max of the mse loss of ŷ = w·x + b: the Hessian is (2/n)·[[Σx², Σx], [Σx, n]] (closed-form 2×2 eigenvalue)."""
    n = len(xs)
    a, b, d = 2 * sum(x * x for x in xs) / n, 2 * sum(xs) / n, 2.0
    top = (a + d) / 2 + math.sqrt(((a - d) / 2) ** 2 + b * b)
    return 2 / top


def test_unscaled_data_diverge_at_once_with_exit_4_not_an_overflowing_finish(gdsim_cli, house):
    run = gdsim_cli("sgd", "--data", house, "--target", "price", "--no-plot")
    assert run.code == 4
    assert "Finished every epoch" not in run.stdout and "e+132" not in run.stdout
    assert "--standardize" in run.stdout and "2/λ_max" in run.stdout
    doc = json.loads(gdsim_cli("sgd", "--data", house, "--target", "price", "--format", "json").stdout)
    assert doc["result"]["status"] == "diverged"
    start, last = doc["steps"][0]["loss"], doc["steps"][-1]["loss"]
    assert last > 1000 * start and doc["steps"][-2]["loss"] <= 1000 * start  # stopped at the first step past 1,000×


def test_the_stable_rate_in_the_reason_is_two_over_the_largest_curvature(gdsim_cli, house):
    xs = [float(r["size"]) for r in rows()]
    limit = stable_rate_one_feature(xs)
    run = gdsim_cli("sgd", "--data", house, "--target", "price", "--model", "w*size + b", "--batch-size", "8",
                    "--format", "json", "--lr", "1")
    reason = json.loads(run.stdout)["result"]["reason"]
    assert f"2/λ_max = {limit:.3g}" in reason
    # and it is the real edge: full-batch gd settles just below it and blows up just above it
    common = ("sgd", "--data", house, "--target", "price", "--model", "w*size + b", "--batch-size", "8",
              "--epochs", "3000", "--no-shuffle", "--format", "json", "--get", "result.status")
    assert gdsim_cli(*common, "--lr", repr(0.98 * limit)).stdout.strip() == "completed"
    assert gdsim_cli(*common, "--lr", repr(1.02 * limit)).stdout.strip() == "diverged"


def test_standardize_scales_every_feature_to_mean_0_and_std_1(gdsim_cli, house):
    run = gdsim_cli("sgd", "--data", house, "--target", "price", "--standardize", "--epochs", "200", "--format", "json")
    assert run.code == 0
    doc = json.loads(run.stdout)
    for column in ("size", "rooms"):
        values = [float(r[column]) for r in rows()]
        assert doc["standardize"][column]["mean"] == pytest.approx(statistics.fmean(values), rel=1e-12)
        assert doc["standardize"][column]["std"] == pytest.approx(statistics.pstdev(values), rel=1e-12)
    assert "price" not in doc["standardize"]
    # the fitted intercept of standardized features is the mean price (least squares, centred columns)
    assert doc["result"]["params"]["b"] == pytest.approx(statistics.fmean(float(r["price"]) for r in rows()), rel=1e-3)


def test_lr_comma_list_compares_runs_instead_of_a_click_error(gdsim_cli, house):
    run = gdsim_cli("sgd", "--data", house, "--target", "price", "--standardize", "--lr", "0.0001,0.001", "--format", "json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert [r["optimizer"]["lr"] for r in doc["runs"]] == [0.0001, 0.001]
    assert "not a valid float" not in run.stderr


def test_optimizer_comma_list_runs_each_with_the_same_start(gdsim_cli, house):
    run = gdsim_cli("sgd", "--data", house, "--target", "price", "--standardize", "-o", "gd,adam", "--lr", "0.01",
                    "--format", "json", "--get", "runs.0.optimizer.name,runs.1.optimizer.name,runs.1.steps.0.loss,runs.0.steps.0.loss")
    assert run.code == 0
    a, b, loss_adam, loss_gd = run.stdout.split()
    assert (a, b) == ("gd", "adam") and loss_adam == loss_gd
    text = gdsim_cli("sgd", "--data", house, "--target", "price", "--standardize", "-o", "gd,adam", "--no-plot")
    assert "gd lr=0.1" in text.stdout and "adam lr=0.001" in text.stdout


def test_a_model_that_uses_no_data_column_is_refused_naming_the_columns(gdsim_cli, house):
    run = gdsim_cli("sgd", "--data", house, "--target", "price", "--model", "w*sise+b")
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert "no data column" in run.stderr and "size, rooms" in run.stderr and "did you mean the column size?" in run.stderr


def test_a_parameter_one_letter_from_a_column_gets_a_note(gdsim_cli, house):
    run = gdsim_cli("sgd", "--data", house, "--target", "price", "--standardize", "--model", "w*size + v*romms + b",
                    "--format", "json", "--get", "params")
    assert run.code == 0
    assert "did you mean the column rooms?" in run.stderr and run.stderr.startswith("note: ")
    assert "romms" in json.loads(run.stdout)  # still a parameter: pointed out, not changed


def test_a_toml_lr_list_as_text_works_like_the_command_line(gdsim_cli, tmp_path):
    lab = tmp_path / "lab.toml"
    lab.write_text('lr = "0.1,0.5"\noptimizer = "gd,adam"\n')
    run = gdsim_cli("descend", "x^2", "--start", "3", "--config", str(lab), "--format", "json",
                    "--get", "runs.0.optimizer.lr,runs.1.optimizer.lr,runs.3.optimizer.name")
    assert run.code == 0 and run.stdout.split() == ["0.1", "0.5", "adam"]


def test_short_weight_names_beside_short_columns_get_no_note(gdsim_cli, tmp_path):
    data = tmp_path / "two.csv"
    data.write_text("x1,x2,y\n1,2,3\n2,3,5\n3,1,4\n")
    run = gdsim_cli("sgd", "--data", str(data), "--model", "w1*x1 + w2*x2 + b", "--format", "json", "--get", "result.status")
    assert run.code == 0 and run.stderr == ""


@pytest.mark.parametrize("rows, columns", [(8, 3), (3, 20_001), (700, 800)])
def test_the_largest_curvature_of_wide_or_tall_data_without_a_huge_matrix(rows, columns):
    """A = u·vᵀ has AᵀA with one nonzero eigenvalue, |u|²·|v|² (small Gram, other side, power iteration)."""
    import numpy as np

    from gdsim.engine.sgd import _largest_gram_eigenvalue

    u = np.linspace(1, 2, rows)
    v = np.cos(np.arange(columns))
    expected = float(u @ u) * float(v @ v)
    assert _largest_gram_eigenvalue(np.outer(u, v)) == pytest.approx(expected, rel=1e-6)


def test_a_wide_unscaled_csv_diverges_with_a_hint_in_little_memory(run_gdsim, tmp_path):
    data = tmp_path / "wide.csv"
    columns = 20_000
    data.write_text("\n".join([",".join(f"c{i}" for i in range(columns)) + ",y"] + [",".join(["1"] * (columns + 1))] * 3) + "\n")
    run = run_gdsim("sgd", "--data", str(data), "--epochs", "1", "--format", "json", "--get", "result.reason")
    assert run.code == 4
    # 3 equal rows of 20,001 ones (with b): λ_max of the mse Hessian is 2·(1/3)·3·20,001
    assert f"2/λ_max = {2 / (2 * 20_001):.3g}" in run.stdout
