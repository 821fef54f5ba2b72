"""Tests for gdsim.engine.sgd: runs against torch (checked-in fixtures), against minibatch loops written
out by hand in numpy, and the run's contract: step records, shuffling, divergence and refusals.

Neither side of a comparison comes from gdsim.engine.sgd: the torch fixtures come from
tests/fixtures/make_torch_fixtures.py, the numpy loops and gradients are written below.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from gdsim.engine.data import make_dataset, synthetic_linear
from gdsim.errors import DataError, DomainError, OptionError, PointError
from gdsim.optim import make_optimizer
from gdsim.engine.sgd import (
    ExpressionModel,
    LinearModel,
    SgdResult,
    SgdStep,
    initial_params,
    make_model,
    train,
)

TORCH = json.loads((Path(__file__).parent / "fixtures" / "torch_sgd.json").read_text())
CASES = {case["id"]: case for case in TORCH["cases"]}


def run(model, data, optimizer, **options):
    """All records of a run: the steps, then the result."""
    records = list(train(model, data, optimizer, **options))
    steps, result = records[:-1], records[-1]
    assert all(isinstance(s, SgdStep) for s in steps) and isinstance(result, SgdResult)
    return steps, result


def fixture_run(case, **changes):
    columns = TORCH["datasets"][case["data"]]["columns"]
    rows = TORCH["datasets"][case["data"]]["rows"]
    data = make_dataset(columns, rows, case["data"])
    model = make_model(case["model"], data, "y")
    options = dict(
        batch_size=case["batch_size"],
        epochs=case["epochs"],
        loss=case["loss"],
        shuffle=case["shuffle"],
        init=dict(zip(case["params"], case["init"])),
    )
    options.update(changes)
    return model, run(model, data, make_optimizer(case["optimizer"], **case["hyper"]), **options)


# --- against torch ----------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_every_step_matches_torch(case_id):
    case = CASES[case_id]
    model, (steps, result) = fixture_run(case)
    assert list(model.params) == case["params"]
    assert len(steps) == len(case["steps"])
    for ours, theirs in zip(steps, case["steps"]):
        assert (ours.step, ours.epoch, ours.batch) == (theirs["step"], theirs["epoch"], theirs["batch"])
        np.testing.assert_allclose(ours.params, theirs["params"], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(ours.loss, theirs["loss"], rtol=1e-10)
        if theirs["batch_loss"] is None:
            assert ours.batch_loss is None
        else:
            np.testing.assert_allclose(ours.batch_loss, theirs["batch_loss"], rtol=1e-10)
    assert result.status == "completed"
    assert result.steps == case["steps"][-1]["step"]
    np.testing.assert_allclose(result.params, case["steps"][-1]["params"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(result.loss, case["steps"][-1]["loss"], rtol=1e-10)


@pytest.mark.parametrize("every", [2, 4, 7, 100])
def test_every_shows_step_0_each_nth_step_and_the_last(every):
    case = CASES["a*x**2 + b*x + c-sse-momentum"]
    _, (steps, result) = fixture_run(case, every=every)
    last = case["steps"][-1]["step"]
    expected = sorted({0, last} | set(range(every, last + 1, every)))
    assert [s.step for s in steps] == expected
    for ours in steps:
        theirs = case["steps"][ours.step]
        assert (ours.epoch, ours.batch) == (theirs["epoch"], theirs["batch"])
        np.testing.assert_allclose(ours.params, theirs["params"], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(ours.loss, theirs["loss"], rtol=1e-10)
        if ours.step:
            np.testing.assert_allclose(ours.batch_loss, theirs["batch_loss"], rtol=1e-10)
    assert result.steps == last


# --- against loops written by hand ------------------------------------------------------------


def hand_linear_sgd(table, lr, batch_size, epochs, loss, orders):
    """Minibatch GD for ŷ = X·w + b over table = [X | y]; `orders[e]` is the row order of epoch e."""
    X_all, y_all = table[:, :-1], table[:, -1]
    w, b = np.zeros(X_all.shape[1]), 0.0
    history = []
    for order in orders[:epochs]:
        X, y = X_all[order], y_all[order]
        for start in range(0, len(y), batch_size):
            xb, yb = X[start : start + batch_size], y[start : start + batch_size]
            r = xb @ w + b - yb
            scale = 1 / len(yb) if loss == "mse" else 1.0
            batch_loss = scale * np.sum(r**2)
            w, b = w - lr * 2 * scale * (xb.T @ r), b - lr * 2 * scale * np.sum(r)
            full = np.sum((X_all @ w + b - y_all) ** 2) * (1 / len(y_all) if loss == "mse" else 1.0)
            history.append((np.append(w, b), batch_loss, full))
    return history


@pytest.mark.parametrize("loss, lr", [("mse", 0.1), ("sse", 0.002)])
def test_full_batch_is_plain_gradient_descent(loss, lr):
    data, _ = synthetic_linear(samples=40, features=3, noise=0.3, seed=5)
    model = LinearModel(data, "y")
    steps, result = run(model, data, make_optimizer("gd", lr=lr), batch_size=40, epochs=25, loss=loss, seed=1)
    identity = [np.arange(40)] * 25  # a shuffle does not change a full batch
    expected = hand_linear_sgd(data.table, lr, 40, 25, loss, identity)
    assert [(s.epoch, s.batch) for s in steps[1:]] == [(e, 1) for e in range(1, 26)]
    for step, (params, batch_loss, full) in zip(steps[1:], expected):
        np.testing.assert_allclose(step.params, params, rtol=1e-10)
        np.testing.assert_allclose(step.batch_loss, batch_loss, rtol=1e-10)
        np.testing.assert_allclose(step.loss, full, rtol=1e-10)
    assert result.status == "completed" and result.steps == 25


def test_batch_larger_than_the_data_is_full_batch():
    data, _ = synthetic_linear(samples=12, features=2, seed=8)
    model = LinearModel(data, "y")
    gd = make_optimizer("gd", lr=0.05)
    big, _ = run(model, data, gd, batch_size=1000, epochs=3)
    full, _ = run(model, data, gd, batch_size=12, epochs=3)
    assert len(big) == len(full) == 4
    for a, b in zip(big, full):
        np.testing.assert_array_equal(a.params, b.params)


def test_shuffled_batches_follow_the_documented_permutations():
    # 30 rows in batches of 7: four full batches and a last batch of 2, in each of 3 epochs.
    data, _ = synthetic_linear(samples=30, features=2, noise=0.5, seed=2)
    model = LinearModel(data, "y")
    steps, result = run(model, data, make_optimizer("gd", lr=0.05), batch_size=7, epochs=3, seed=42)
    rng = np.random.default_rng(42)
    orders = [rng.permutation(30) for _ in range(3)]
    expected = hand_linear_sgd(data.table, 0.05, 7, 3, "mse", orders)
    assert [(s.epoch, s.batch) for s in steps[1:]] == [(e, b) for e in (1, 2, 3) for b in range(1, 6)]
    assert len(steps) - 1 == len(expected) == result.steps == 15
    for step, (params, batch_loss, full) in zip(steps[1:], expected):
        np.testing.assert_allclose(step.params, params, rtol=1e-10)
        np.testing.assert_allclose(step.batch_loss, batch_loss, rtol=1e-10)
        np.testing.assert_allclose(step.loss, full, rtol=1e-10)


def test_expression_model_gradient_is_the_hand_derived_one():
    # ŷ = a·sin(x) + exp(c·x): ∂ŷ/∂a = sin(x), ∂ŷ/∂c = x·exp(c·x); full batch, mse.
    x = np.linspace(-1, 1, 9)
    y = 1.5 * np.sin(x) + np.exp(0.3 * x)
    data = make_dataset(["x", "y"], np.column_stack([x, y]), "memory")
    model = ExpressionModel("a*sin(x) + exp(c*x)", data, "y")
    assert model.params == ("a", "c")
    a, c, lr = 0.0, 0.0, 0.2
    steps, _ = run(model, data, make_optimizer("gd", lr=lr), batch_size=9, epochs=10)
    for step in steps[1:]:
        r = a * np.sin(x) + np.exp(c * x) - y
        batch_loss = np.mean(r**2)
        a, c = a - lr * np.mean(2 * r * np.sin(x)), c - lr * np.mean(2 * r * x * np.exp(c * x))
        np.testing.assert_allclose(step.batch_loss, batch_loss, rtol=1e-10)
        np.testing.assert_allclose(step.params, [a, c], rtol=1e-10)


def test_expression_and_linear_models_agree_on_the_same_line():
    data, _ = synthetic_linear(samples=25, features=2, noise=0.2, seed=6)
    linear = LinearModel(data, "y")  # w_x1, w_x2, b
    expression = ExpressionModel("w1*x1 + w2*x2 + b", data, "y")  # b, w1, w2
    assert linear.params == ("w_x1", "w_x2", "b") and expression.params == ("b", "w1", "w2")
    theta = np.array([0.7, -1.2, 0.4])
    rows = data.table[3:11]
    for loss in ("mse", "sse"):
        lin_loss, lin_grad = linear.loss_and_gradient(theta, rows, loss)
        exp_loss, exp_grad = expression.loss_and_gradient(theta[[2, 0, 1]], rows, loss)
        np.testing.assert_allclose(lin_loss, exp_loss, rtol=1e-12)
        np.testing.assert_allclose(lin_grad, exp_grad[[1, 2, 0]], rtol=1e-12)
        np.testing.assert_allclose(linear.predict(theta, rows), rows[:, :2] @ theta[:2] + theta[2], rtol=1e-12)


def test_linear_model_target_in_the_middle_uses_the_other_columns():
    table = np.array([[1.0, 10.0, 2.0], [2.0, 20.0, -1.0], [0.5, 5.0, 3.0]])
    data = make_dataset(["a", "t", "c"], table, "memory")
    model = LinearModel(data, "t")
    assert model.params == ("w_a", "w_c", "b")
    theta = np.array([2.0, -1.0, 0.5])
    yhat = table[:, 0] * 2.0 - table[:, 2] + 0.5
    np.testing.assert_allclose(model.predict(theta, table), yhat)
    r = yhat - table[:, 1]
    loss, grad = model.loss_and_gradient(theta, table, "sse")
    np.testing.assert_allclose(loss, np.sum(r**2))
    np.testing.assert_allclose(grad, [2 * r @ table[:, 0], 2 * r @ table[:, 2], 2 * r.sum()])


def test_linear_model_recovers_the_synthetic_line():
    data, truth = synthetic_linear(samples=1000, features=2, noise=0.1, seed=0)
    steps, result = run(LinearModel(data, "y"), data, make_optimizer("gd", lr=0.05), batch_size=32, epochs=15, every=50)
    assert result.status == "completed"
    np.testing.assert_allclose(result.params, [truth["w_x1"], truth["w_x2"], truth["b"]], atol=0.03)
    assert result.loss < 0.02  # the noise variance is 0.01
    assert steps[-1].loss == result.loss


# --- the run's contract -----------------------------------------------------------------------


def small_run(seed, shuffle=True):
    data, _ = synthetic_linear(samples=20, features=1, noise=0.3, seed=1)
    return run(LinearModel(data, "y"), data, make_optimizer("momentum", lr=0.05), batch_size=4, epochs=3,
               seed=seed, shuffle=shuffle)


def test_same_seed_gives_identical_records():
    (a, ra), (b, rb) = small_run(7), small_run(7)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x.step, x.epoch, x.batch, x.batch_loss, x.loss) == (y.step, y.epoch, y.batch, y.batch_loss, y.loss)
        assert x.params.tobytes() == y.params.tobytes()
    assert ra.params.tobytes() == rb.params.tobytes() and ra.loss == rb.loss


def test_another_seed_gives_another_batch_order():
    (a, _), (b, _) = small_run(7), small_run(8)
    # At θ = 0 the first minibatch loss is the mean of y² over the first batch's rows.
    assert a[1].batch_loss != b[1].batch_loss
    assert not np.array_equal(a[-1].params, b[-1].params)


def test_no_shuffle_takes_rows_in_file_order():
    data, _ = synthetic_linear(samples=20, features=1, noise=0.3, seed=1)
    steps, _ = small_run(0, shuffle=False)
    y = data.table[:, 1]
    np.testing.assert_allclose(steps[1].batch_loss, np.mean(y[:4] ** 2), rtol=1e-12)
    # The first batch of every epoch is rows 0..3 again: with another seed nothing changes.
    other, _ = small_run(99, shuffle=False)
    assert [s.params.tobytes() for s in steps] == [s.params.tobytes() for s in other]


def test_step_zero_is_the_start_and_records_are_frozen():
    steps, _ = small_run(0)
    first = steps[0]
    assert (first.step, first.epoch, first.batch, first.batch_loss) == (0, 0, 0, None)
    data, _ = synthetic_linear(samples=20, features=1, noise=0.3, seed=1)
    np.testing.assert_allclose(first.loss, np.mean(data.table[:, 1] ** 2))
    np.testing.assert_array_equal(first.params, [0.0, 0.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.loss = 0.0
    with pytest.raises(ValueError):
        steps[-1].params[0] = 1.0


def test_huge_learning_rate_diverges_without_a_warning():
    data, _ = synthetic_linear(samples=50, features=2, seed=3)
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning would fail the test
        gd = make_optimizer("gd", lr=1e6)
        steps, result = run(LinearModel(data, "y"), data, gd, batch_size=10, epochs=100, every=7)
    assert np.geterr() == before
    assert result.status == "diverged"
    # The full-data loss passes 1,000 times its start at the first update, long before it overflows.
    assert result.steps == 1
    assert f"step {result.steps} " in result.reason and "--lr" in result.reason
    assert steps[-1].step == result.steps  # the last step taken is shown even off the `every` grid
    assert np.all(np.isfinite(steps[-1].params))


def test_non_finite_gradient_stops_before_the_update():
    # r = 1e10 gives a finite loss (1e20), but ∂L/∂w = 2·r·x overflows with x = 1e300.
    data = make_dataset(["x", "y"], [[1e300, -1e10]], "memory")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps, result = run(LinearModel(data, "y"), data, make_optimizer("gd", lr=0.1), batch_size=1, epochs=5)
    assert result.status == "diverged" and result.steps == 0
    assert [s.step for s in steps] == [0]
    assert "step 1 (epoch 1, batch 1)" in result.reason and "gradient" in result.reason
    np.testing.assert_array_equal(result.params, [0.0, 0.0])


def test_parameters_that_overflow_are_shown_then_the_run_stops():
    # A finite gradient (20) times lr = 1e308 is beyond the largest double.
    data = make_dataset(["x", "y"], [[1.0, -10.0]], "memory")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps, result = run(LinearModel(data, "y"), data, make_optimizer("gd", lr=1e308), batch_size=1, epochs=5)
    assert result.status == "diverged" and result.steps == 1
    assert [s.step for s in steps] == [0, 1]
    assert steps[1].batch_loss == 100.0
    assert np.isinf(steps[1].params).all()
    assert "step 1" in result.reason and "parameters" in result.reason


def test_expression_model_outside_its_domain_diverges_with_a_hint():
    x = np.linspace(1, 2, 10)
    data = make_dataset(["x", "y"], np.column_stack([x, -5 * x]), "memory")
    model = ExpressionModel("sqrt(w)*x", data, "y")
    _, result = run(model, data, make_optimizer("gd", lr=1.0), batch_size=5, epochs=10, init={"w": 1.0})
    assert result.status == "diverged"
    assert "--lr" in result.reason and "defined" in result.reason


@pytest.mark.parametrize(
    "options, option",
    [
        ({"batch_size": 0}, "--batch-size"),
        ({"batch_size": 2.5}, "--batch-size"),
        ({"epochs": 0}, "--epochs"),
        ({"every": 0}, "--every"),
        ({"loss": "mae"}, "--loss"),
        ({"seed": -3}, "--seed"),
    ],
)
def test_bad_options_are_refused_before_the_first_step(options, option):
    data, _ = synthetic_linear(samples=10, seed=0)
    arguments = {"batch_size": 2, "epochs": 1, **options}
    with pytest.raises(OptionError, match=option):
        train(LinearModel(data, "y"), data, make_optimizer("gd"), **arguments)  # no next(): raised at the call


def test_initial_params_by_name_in_order_or_zero():
    data, _ = synthetic_linear(samples=10, features=2, seed=0)
    model = LinearModel(data, "y")
    np.testing.assert_array_equal(initial_params(model), [0, 0, 0])
    np.testing.assert_array_equal(initial_params(model, {"b": 2.0}), [0, 0, 2])
    np.testing.assert_array_equal(initial_params(model, [1, 2, 3]), [1, 2, 3])
    with pytest.raises(PointError, match="unknown parameter 'w'.*w_x1, w_x2, b"):
        initial_params(model, {"w": 1.0})
    with pytest.raises(PointError, match="2 values for 3 parameters"):
        initial_params(model, [1, 2])
    with pytest.raises(PointError, match="finite"):
        initial_params(model, [1, float("nan"), 2])


def test_start_outside_the_domain_is_refused():
    data = make_dataset(["x", "y"], [[1.0, 2.0], [2.0, 3.0]], "memory")
    with pytest.raises(DomainError, match="--init"):
        train(ExpressionModel("log(w)*x + b", data, "y"), data, make_optimizer("gd"), batch_size=1, epochs=1)


def test_model_refusals_name_the_problem():
    data = make_dataset(["x", "y"], [[1.0, 2.0]], "memory")
    with pytest.raises(OptionError, match="target column 'y'"):
        ExpressionModel("w*x + y", data, "y")
    with pytest.raises(OptionError, match="no parameters"):
        ExpressionModel("2*x", data, "y")
    with pytest.raises(DataError, match="no target column 'z'"):
        make_model("w*x", data, "z")
    with pytest.raises(DataError, match="no target column 'z'"):
        make_model("linear", data, "z")
    only_target = make_dataset(["y"], [[1.0]], "memory")
    with pytest.raises(DataError, match="needs a column besides the target"):
        LinearModel(only_target, "y")


def test_expression_model_parameters_are_the_names_that_are_not_columns():
    data = make_dataset(["x", "x2", "y"], [[1.0, 2.0, 3.0]], "memory")
    model = make_model("w10*x2 + w2*x + b", data, "y")
    assert model.columns == ("x", "x2")
    assert model.params == ("b", "w2", "w10")  # natural order
