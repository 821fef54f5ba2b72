"""The second round of optimizers, schedules, newton, L-BFGS and line searches, against independent oracles.

torch_round2.json (tests/fixtures/make_round2_fixtures.py) holds torch 2.13.0's own trajectories
(and optax's for Lion), torch's lr schedules and torch's L-BFGS with its closure-call counts. Every
case here runs through gdsim's real expression engine and run(); expected numbers come from the
fixture or from closed forms worked out by hand in the comments.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from gdsim.engine.descend import Result, Settings, Step, run
from gdsim.expr.function import parse
from gdsim.optim import OPTIMIZERS, Oracle, make_optimizer
from gdsim.optim.schedules import parse_schedule
from gdsim.optim.second_order import lbfgs

ROUND2 = json.loads((Path(__file__).parent / "fixtures" / "torch_round2.json").read_text())
NEW = ("adamw", "nadam", "radam", "adadelta", "adamax", "lion")
# torch's scheduler classes under the names --schedule uses
SCHEDULE_NAMES = {"StepLR": "step", "MultiStepLR": "multistep", "ExponentialLR": "exponential",
                  "CosineAnnealingLR": "cosine", "CosineAnnealingWarmRestarts": "cosine_restarts",
                  "LinearLR": "linear", "PolynomialLR": "polynomial"}


def ids(section):
    return [case["id"] for case in ROUND2[section]["cases"]]


def hyper_of(case) -> dict:
    """The fixture's hyper-parameters under gdsim's option names (optax's b1, b2 are --beta1, --beta2)."""
    return {{"b1": "beta1", "b2": "beta2"}.get(k, k): v for k, v in case["hyper"].items()}


def walk(function, start, optimizer, steps) -> tuple[list[Step], Result]:
    """Every Step of `steps` updates (tol 0: no early stop unless the gradient is exactly 0) and the Result."""
    records = list(run(function, np.array(start, dtype=float), optimizer, Settings(tol=0.0, max_steps=steps)))
    return records[:-1], records[-1]


def schedule_text(case) -> str:
    kwargs = {k: v for k, v in case["kwargs"].items() if k != "last_epoch"}
    args = ",".join(f"{k}={';'.join(map(str, v)) if isinstance(v, list) else repr(v)}" for k, v in kwargs.items())
    return f"{SCHEDULE_NAMES[case['scheduler']]}:{args}"


# --- the first-order optimizers ------------------------------------------------------------------


@pytest.mark.parametrize("case", ROUND2["optimizers"]["cases"], ids=ids("optimizers"))
def test_trajectory_matches_torch_or_optax(case):
    optimizer = make_optimizer(case["optimizer"], **hyper_of(case))
    assert optimizer.hyper == hyper_of(case)  # exactly the hyper-parameters in use, lr first
    steps, result = walk(parse(case["function"]), case["start"], optimizer, ROUND2["optimizers"]["steps"])
    assert result.status == "max_steps" and len(steps) == 61
    np.testing.assert_allclose([s.point for s in steps], case["points"], rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose([s.value for s in steps], case["values"], rtol=1e-10, atol=1e-12)
    assert [s.lr for s in steps] == [case["hyper"]["lr"]] * 60 + [None]


def test_fixture_covers_each_new_optimizer_default_and_custom_on_five_functions():
    cases = ROUND2["optimizers"]["cases"]
    covered = {(c["function"], c["optimizer"], c["variant"]) for c in cases}
    functions = {c["function"] for c in cases}
    assert len(functions) == 5 and "x^2 - y^2" in functions and "(1-x)^2 + 100*(y-x^2)^2" in functions
    assert covered == {(f, o, v) for f in functions for o in NEW for v in ("default", "custom")}
    assert set(NEW) <= set(OPTIMIZERS)


@pytest.mark.parametrize("name", NEW)
def test_defaults_are_the_anchors_defaults(name):
    # The fixture's "default" settings are the torch constructors' own defaults (checked by its
    # maker against their signatures) and optax.lion's, with gdsim's lr 1e-4 for lion.
    case = next(c for c in ROUND2["optimizers"]["cases"] if c["optimizer"] == name and c["variant"] == "default")
    assert make_optimizer(name).hyper == hyper_of(case)


def test_every_custom_setting_changes_every_hyper_parameter():
    for name in NEW:
        default = make_optimizer(name).hyper
        changed = {k for c in ROUND2["optimizers"]["cases"] if c["optimizer"] == name and c["variant"] == "custom"
                   for k, v in hyper_of(c).items() if v != default[k]}
        assert changed == set(default), name


def test_radam_switches_to_the_adaptive_step_at_step_six_with_beta2_0_999():
    # ρ∞ = 2/(1−β₂) − 1 = 1999; ρₜ = ρ∞ − 2t·β₂ᵗ/(1−β₂ᵗ): ρ₅ ≈ 4.996 ≤ 5 < ρ₆ ≈ 5.994. Before the
    # switch the step is plain momentum, x ← x − lr·m̂: with a constant gradient m̂ = g exactly.
    optimizer = make_optimizer("radam", lr=0.01)
    x = np.array([0.0])
    state = optimizer.init(x)
    g = np.array([3.0])
    steps = []
    for _ in range(6):
        update, state = optimizer.update(g, state, Oracle(x, 0.0))
        steps.append(float(update[0]))
    np.testing.assert_allclose(steps[:5], [-0.03] * 5, rtol=1e-12)
    assert abs(steps[5] + 0.03) > 1e-3  # the rectified adaptive step: lr·√(1−β₂⁶)/(√v+eps)·r·g


def test_lion_moves_every_coordinate_by_lr_whatever_the_slope():
    # sign(c) is ±1, so without decay each coordinate moves by exactly lr.
    optimizer = make_optimizer("lion", lr=0.01, weight_decay=0.0)
    x = np.array([1.0, -2.0, 3.0])
    update, _ = optimizer.update(np.array([1e-6, -300.0, 5.0]), optimizer.init(x), Oracle(x, 0.0))
    np.testing.assert_array_equal(update, [-0.01, 0.01, -0.01])


@pytest.mark.parametrize("name", NEW)
def test_new_rules_leave_their_inputs_alone(name):
    optimizer = make_optimizer(name, weight_decay=0.1)
    x = np.arange(6.0).reshape(2, 3)
    state = optimizer.init(x)
    for k in range(3):
        g = np.linspace(-1.0, 2.0, 6).reshape(2, 3) * (k + 1)
        before = (x.copy(), g.copy(), [np.array(part, copy=True) for part in state])
        update, new_state = optimizer.update(g, state, Oracle(x, 0.0))
        assert update.shape == (2, 3) and type(new_state) is type(state)
        np.testing.assert_array_equal(x, before[0])
        np.testing.assert_array_equal(g, before[1])
        for old, kept in zip(before[2], state):
            np.testing.assert_array_equal(old, kept)
        state = new_state


# --- schedules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ROUND2["schedules"]["cases"], ids=ids("schedules"))
def test_schedule_lrs_equal_torchs(case):
    schedule = parse_schedule(schedule_text(case))
    got = schedule.lrs(case["base_lr"], ROUND2["schedules"]["steps"])
    np.testing.assert_allclose(got, case["lrs"], rtol=1e-12, atol=0)
    # Bit for bit, in fact: the same recursive rule in the same order. (Cosine's closed form, the
    # one in torch's docs, agrees only to about 1e-13 and would fail here.)
    assert got == case["lrs"]


def test_every_schedule_of_the_spec_is_in_the_fixture_twice():
    names = [SCHEDULE_NAMES[c["scheduler"]] for c in ROUND2["schedules"]["cases"]]
    assert sorted(set(names)) == sorted(SCHEDULE_NAMES.values()) and all(names.count(n) == 2 for n in names)


def test_schedule_defaults_are_torchs_and_spelled_out():
    assert parse_schedule("linear").text == "linear:start_factor=0.3333333333333333,end_factor=1.0,total_iters=5"
    assert parse_schedule("polynomial").text == "polynomial:total_iters=5,power=1.0"
    assert parse_schedule("step:step_size=3").text == "step:step_size=3,gamma=0.1"
    assert parse_schedule("cosine_restarts:t_0=4").text == "cosine_restarts:T_0=4,T_mult=1,eta_min=0.0"
    assert parse_schedule("constant") is None and parse_schedule(None) is None


@pytest.mark.parametrize("case", ROUND2["scheduled"]["cases"], ids=ids("scheduled"))
def test_scheduled_trajectory_matches_torch(case):
    text = {"StepLR": "step:step_size=20,gamma=0.5", "CosineAnnealingLR": "cosine:T_max=40,eta_min=0"}[case["scheduler"]]
    optimizer = make_optimizer(case["optimizer"], schedule=text, **case["hyper"])
    assert not optimizer.plain and optimizer.lr_varies
    steps, _ = walk(parse(case["function"]), case["start"], optimizer, ROUND2["scheduled"]["steps"])
    np.testing.assert_allclose([s.point for s in steps], case["points"], rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose([s.lr for s in steps[:-1]], case["lrs"], rtol=1e-12, atol=0)
    assert steps[-1].lr is None


# --- L-BFGS ----------------------------------------------------------------------------------------


class Counted:
    """A function whose value_and_gradient calls are counted: each is one call of torch's closure."""

    def __init__(self, function):
        self.function = function
        self.calls = 0

    def __getattr__(self, name):
        return getattr(self.function, name)

    def value_and_gradient(self, point):
        self.calls += 1
        return self.function.value_and_gradient(point)


@pytest.mark.parametrize("case", ROUND2["lbfgs"]["cases"], ids=ids("lbfgs"))
def test_lbfgs_matches_torch_with_the_same_closure_calls(case):
    kwargs = case["kwargs"]
    search = kwargs["line_search_fn"] or "none"
    if kwargs["max_eval"] is None:  # what gdsim offers: torch's max_iter=1 with its default max_eval
        optimizer = make_optimizer("lbfgs", lr=kwargs["lr"], history=kwargs["history_size"], line_search=search)
        assert case["max_eval_effective"] == 1
    else:
        optimizer = lbfgs(kwargs["lr"], kwargs["history_size"], search, max_eval=kwargs["max_eval"])
    function = Counted(parse(case["function"]))
    calls, records = [], []
    for record in run(function, np.array(case["start"], dtype=float), optimizer, Settings(tol=0.0, max_steps=30)):
        calls.append(function.calls)
        records.append(record)
    steps, result = records[:-1], records[-1]
    points = np.array(case["points"])
    n = len(steps)
    if n < 31:  # the gradient became exactly 0 (parabola): torch then returns at once every step
        assert result.status == "converged" and result.gradient_norm == 0
        np.testing.assert_array_equal(points[n:], np.repeat(points[n - 1 : n], 31 - n, axis=0))
    # Relative to max(|ref|, 1): autograd's and the symbolic gradient's roundings differ near 0.
    got = np.array([s.point for s in steps])
    assert np.max(np.abs(got - points[:n]) / np.maximum(np.abs(points[:n]), 1.0)) < 1e-10
    # Closure calls per step: gdsim's evaluation at the point (torch's first call) plus the trials.
    per_step = np.diff([0] + calls[: n - 1]).tolist()
    assert per_step == case["evals"][: n - 1]
    # The lr of each step is the step length t torch moved by (0 where the point stayed).
    for k, s in enumerate(steps[:-1]):
        moved = not np.array_equal(points[k + 1], points[k])
        assert s.lr == (pytest.approx(case["t"][k], rel=1e-9) if moved else 0.0)


def test_lbfgs_with_strong_wolfe_never_leaves_the_start_of_rosenbrock_and_says_why():
    case = next(c for c in ROUND2["lbfgs"]["cases"] if c["id"] == "rosenbrock-lbfgs-wolfe")
    assert all(p == case["start"] for p in case["points"])  # torch itself never moves
    steps, result = walk(parse(case["function"]), case["start"], make_optimizer("lbfgs", line_search="strong_wolfe"), 30)
    assert result.status == "max_steps" and result.point.tolist() == case["start"]
    assert any("cannot move on" in str(note) and "max_iter=1" in str(note) for note in result.notes)


# --- newton ------------------------------------------------------------------------------------


QUADRATICS = [
    # (f, its minimum), each positive definite: the Hessian's eigenvalues, worked out by hand, are all > 0.
    ("3*(x-1)^2 + 2*(x-1)*(y+2) + 5*(y+2)^2 + 4", [1.0, -2.0]),  # H = [[6, 2], [2, 10]]: λ = 8 ± √20
    ("(x+0.5)^2 + 100*(y-3)^2", [-0.5, 3.0]),  # λ = 2, 200
    ("x^2 + y^2 + z^2 + x*y + y*z - 2*x", [1.5, -1.0, 0.5]),  # ∇f = 0 solved by hand
    ("0.01*(w-7)^2", [7.0]),
]


@pytest.mark.parametrize(("text", "minimum"), QUADRATICS)
def test_newton_reaches_the_minimum_of_a_positive_definite_quadratic_in_one_step(text, minimum):
    function = parse(text)
    *steps, result = run(function, np.full(function.dimension, 10.0), make_optimizer("newton"), Settings(tol=1e-9))
    np.testing.assert_allclose(steps[1].point, minimum, rtol=1e-12, atol=1e-12)
    assert result.status == "converged" and result.steps == 1 and result.notes == ()


def test_newtons_modified_step_on_a_saddle_goes_downhill_where_plain_newton_climbs():
    # f = x² − y² at (0.1, 1): ∇f = (0.2, −2), H = diag(2, −2). Plain Newton, −H⁻¹∇f = (−0.1, −1),
    # goes to the saddle (0, 0) where f = 0 > f(start) = −0.99. With |λ|: −(0.2/2, −2/2) = (−0.1, 1),
    # to (0, 2) where f = −4.
    function = parse("x^2 - y^2")
    start = np.array([0.1, 1.0])
    plain = -np.linalg.solve(np.diag([2.0, -2.0]), [0.2, -2.0])
    assert function.value(start + plain) > function.value(start)
    steps, result = walk(function, start, make_optimizer("newton"), 1)
    update = steps[0].update
    np.testing.assert_allclose(update, [-0.1, 1.0], rtol=1e-15)
    assert float(steps[0].gradient @ update) < 0 and steps[1].value < steps[0].value
    assert any("not positive definite" in str(note) and "max(|λ|, 1e-8)" in str(note) for note in result.notes)


# --- Armijo ----------------------------------------------------------------------------------------


def test_armijo_halvings_match_a_hand_count_on_a_quadratic():
    # f = x² from 3 with lr 1.5 (above 2/λ_max = 1, where plain gd diverges). At x: g = 2x, and
    # t = 1.5 lands on x − 3x = −2x, f = 4x² > x² − 1e-4·1.5·4x²: refused; t = 0.75 lands on
    # −x/2, f = x²/4 ≤ x² − 1e-4·0.75·4x²: accepted. One halving per step, x_k = 3·(−1/2)^k.
    steps, _ = walk(parse("x^2"), [3.0], make_optimizer("gd", lr=1.5, line_search="armijo"), 10)
    np.testing.assert_allclose([s.point[0] for s in steps], [3.0 * (-0.5) ** k for k in range(11)], rtol=1e-15)
    assert [s.lr for s in steps[:-1]] == [0.75] * 10


def test_armijo_first_step_on_a_bowl_halves_four_times():
    # f = x² + 10y² from (3, 4), lr 1: ∇f = (6, 80), ‖∇f‖² = 6436, f = 169. Trials x − t∇f:
    # t = 1: f = 9 + 10·76² = 57769; t = 1/2: 0 + 10·36² = 12960; t = 1/4: 2.25 + 2560;
    # t = 1/8: 5.0625 + 360; all above 169 − 1e-4·t·6436. t = 1/16: 6.890625 + 10 = 16.89: accepted.
    steps, result = walk(parse("x^2 + 10*y^2"), [3.0, 4.0], make_optimizer("gd", lr=1.0, line_search="armijo"), 1)
    assert steps[0].lr == 1 / 16
    np.testing.assert_allclose(steps[1].point, [3 - 6 / 16, 4 - 80 / 16], rtol=1e-15)
    assert result.notes[0].values["n"] == 4


def test_every_accepted_armijo_step_gives_sufficient_decrease():
    function = parse("(1-x)^2 + 100*(y-x^2)^2")
    steps, _ = walk(function, [-1.5, 2.0], make_optimizer("gd", lr=0.5, line_search="armijo"), 300)
    assert len(steps) == 301
    for before, after in zip(steps, steps[1:]):
        t = before.lr
        assert after.value <= before.value - 1e-4 * t * float(before.gradient @ before.gradient)
        halvings = math.log2(0.5 / t)
        assert halvings == int(halvings) and 0 <= halvings <= 50  # t = lr / 2^h
    assert steps[-1].value < 0.05 * steps[0].value


def test_plain_is_the_fast_path_predicate():
    assert make_optimizer("adam").plain and make_optimizer("gd").plain
    assert not make_optimizer("gd", schedule="exponential:gamma=0.9").plain
    assert not make_optimizer("gd", line_search="armijo").plain
    assert not any(make_optimizer(name).plain for name in (*NEW, "newton", "lbfgs"))
    assert not make_optimizer("gd").lr_varies and make_optimizer("lbfgs").lr_varies


# --- the command line --------------------------------------------------------------------------------


def test_descend_json_has_the_lr_of_every_step_and_the_new_options(gdsim_cli):
    out = gdsim_cli("descend", "x^2 + y^2", "--start", "1,2", "-o", "nadam", "--weight-decay", "0.01",
                    "--momentum-decay", "0.005", "--max-steps", "3", "--format", "json")
    doc = json.loads(out.stdout)
    assert doc["optimizer"] == {"name": "nadam", "lr": 0.002, "eps": 1e-8, "beta1": 0.9, "beta2": 0.999,
                                "weight_decay": 0.01, "momentum_decay": 0.005}
    assert [s["lr"] for s in doc["steps"]] == [0.002, 0.002, 0.002, None]


def test_descend_schedule_sets_the_lr_of_each_step(gdsim_cli):
    # StepLR(step_size=2, gamma=0.5) from 0.4: 0.4, 0.4, 0.2, 0.2, 0.1; gd on x² then multiplies x
    # by 1 − 2·lr: 0.2, 0.2, 0.6, 0.6, 0.8.
    out = gdsim_cli("descend", "x^2", "--start", "1", "--lr", "0.4", "--schedule", "step:step_size=2,gamma=0.5",
                    "--max-steps", "5", "--format", "json")
    doc = json.loads(out.stdout)
    assert doc["optimizer"]["schedule"] == "step:step_size=2,gamma=0.5"
    assert [s["lr"] for s in doc["steps"]] == [0.4, 0.4, 0.2, 0.2, 0.1, None]
    expected = np.cumprod([1.0, 0.2, 0.2, 0.6, 0.6, 0.8])
    np.testing.assert_allclose([s["point"]["x"] for s in doc["steps"]], expected, rtol=1e-14)


def test_text_rows_show_an_lr_column_only_when_the_lr_varies(gdsim_cli):
    def header(*extra):
        out = gdsim_cli("descend", "x^2 + y^2", "--max-steps", "3", "--no-plot", *extra)
        return next(line for line in out.stdout.splitlines() if line.strip().startswith("step")).split()

    assert "lr" not in header()
    assert "lr" not in header("-o", "newton")
    assert header("--schedule", "exponential:gamma=0.5")[:2] == ["step", "lr"]
    assert header("--line-search", "armijo")[:2] == ["step", "lr"]


def test_newton_on_a_saddle_says_so_in_the_text(gdsim_cli):
    out = gdsim_cli("descend", "x^2 - y^2", "--start", "0.1,1", "-o", "newton", "--max-steps", "2", "--no-plot")
    assert out.code == 3
    assert "not positive definite" in out.stdout and "max(|λ|, 1e-8)" in out.stdout


def test_lbfgs_strong_wolfe_on_rosenbrock_says_it_cannot_move(gdsim_cli):
    out = gdsim_cli("descend", "(1-x)^2 + 100*(y-x^2)^2", "--start=-1.5,2", "-o", "lbfgs", "--line-search", "strong_wolfe",
                    "--max-steps", "10", "--format", "json")
    doc = json.loads(out.stdout)
    assert out.code == 3 and doc["result"]["point"] == {"x": -1.5, "y": 2.0}
    assert "cannot move on" in doc["result"]["notes"][0]
    assert [s["lr"] for s in doc["steps"][:-1]] == [0.0] * 10


def test_newton_in_vector_mode_is_refused_beyond_the_dense_hessian_limit(gdsim_cli):
    out = gdsim_cli("descend", "sum(x^2)", "--dim", "300", "-o", "newton")
    assert out.code == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Hessian" in out.stderr and "lbfgs" in out.stderr
    small = gdsim_cli("descend", "sum((x-1)^2)", "--dim", "5", "--start", "0", "-o", "newton", "--format", "json")
    assert small.code == 0 and json.loads(small.stdout)["result"]["steps"] == 1


BAD = [
    (["--schedule", "warmup"], "'warmup' is not a schedule"),
    (["--schedule", "cosine"], "cosine needs T_max"),
    (["--schedule", "cosine:Tmax=5"], "unknown key 'Tmax'"),
    (["--schedule", "step:step_size=0"], "step_size must be a whole number >= 1, got '0'"),
    (["--schedule", "multistep:milestones=10;x"], "milestones must be whole numbers"),
    (["--schedule", "exponential:gamma"], "'gamma' is not key=value"),
    (["--schedule", "step:step_size=2,step_size=3"], "step_size is given twice"),
    (["--schedule", "constant:gamma=0.5"], "constant takes no keys"),
    (["--line-search", "wolfe"], "--line-search must be one of none, armijo, strong_wolfe"),
    (["--line-search", "armijo", "-o", "adam"], "--line-search armijo works with gd only"),
    (["--line-search", "strong_wolfe"], "works with lbfgs only"),
    (["-o", "lbfgs", "--history", "0"], "--history must be a whole number >= 1"),
    (["-o", "adamw", "--weight-decay", "-1"], "--weight-decay must be a finite number >= 0"),
    (["-o", "adadelta", "--rho", "1"], "--rho must be a number in [0, 1)"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_new_options_are_refused_in_one_line(gdsim_cli, args, message):
    out = gdsim_cli("descend", "x^2", *args)
    assert out.code == 2 and out.stdout == ""
    assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1 and message in out.stderr


def test_schedule_errors_are_korean_with_lang_ko(gdsim_cli):
    out = gdsim_cli("descend", "x^2", "--schedule", "cosine:Tmax=5", "--lang", "ko")
    assert out.code == 2 and "알 수 없는 키 'Tmax'" in out.stderr


def test_sgd_takes_a_schedule_per_update_and_refuses_newton(gdsim_cli):
    # Full-batch gd on y = 2x (no noise): the schedule halves the lr every update; each lr is in
    # the trajectory, so the run with a schedule differs from the constant one after step 1 only.
    base = ["sgd", "--synthetic", "linear", "--noise", "0", "--batch-size", "100", "--epochs", "3", "--format", "json"]
    constant = json.loads(gdsim_cli(*base).stdout)
    halved = json.loads(gdsim_cli(*base, "--schedule", "exponential:gamma=0.5").stdout)
    assert halved["optimizer"]["schedule"] == "exponential:gamma=0.5"
    assert halved["steps"][1]["params"] == constant["steps"][1]["params"]
    assert halved["steps"][2]["params"] != constant["steps"][2]["params"]
    refused = gdsim_cli("sgd", "--synthetic", "linear", "-o", "lbfgs")
    assert refused.code == 2 and "use it with gdsim descend" in refused.stderr


def test_sgd_runs_the_weight_decay_rules(gdsim_cli):
    out = gdsim_cli("sgd", "--synthetic", "linear", "-o", "adamw", "--lr", "0.05", "--epochs", "5", "--format", "json")
    doc = json.loads(out.stdout)
    assert out.code == 0 and doc["optimizer"]["weight_decay"] == 0.01
    assert doc["result"]["loss"] < doc["steps"][0]["loss"]


def test_lbfgs_says_when_its_direction_stops_going_downhill():
    # bowl-lbfgs-plain: from step 5 on torch returns without moving (∇f·d ≈ −2e-10 > −1e-9).
    case = next(c for c in ROUND2["lbfgs"]["cases"] if c["id"] == "bowl-lbfgs-plain")
    assert case["points"][5:] == [case["points"][5]] * 26
    _, result = walk(parse(case["function"]), case["start"], make_optimizer("lbfgs"), 30)
    (note,) = result.notes
    assert note.values["k"] == 5 and "cannot move on" in str(note) and "--tol" in str(note)


def test_sweep_takes_the_schedule_and_the_line_search(gdsim_cli):
    # gd on x² from 3 with Armijo: lr 1.5 is halved once at every step (see the hand count above),
    # x_k = 3·(−1/2)^k, and ‖∇f‖ = 6·2^−k ≤ 1e-6 first at k = 23; plain gd at lr 1.5 diverges.
    out = gdsim_cli("sweep", "x^2", "--start", "3", "--lr", "0.5,1.5", "--line-search", "armijo", "--format", "json")
    doc = json.loads(out.stdout)
    assert doc["optimizer"] == {"name": "gd", "line_search": "armijo"}
    assert [(r["status"], r["steps"]) for r in doc["runs"]] == [("converged", 1), ("converged", 23)]
    scheduled = json.loads(gdsim_cli("sweep", "x^2", "--start", "3", "--lr", "0.5,1.5", "--schedule", "exponential:gamma=0.5",
                                     "--format", "json").stdout)
    assert scheduled["optimizer"]["schedule"] == "exponential:gamma=0.5"
    refused = gdsim_cli("sweep", "x^2", "-o", "adam", "--lr", "0.1,0.2", "--line-search", "armijo")
    assert refused.code == 2 and "works with gd only" in refused.stderr
