"""The fast walks (gdsim.engine.fast) against the exact one (descend.walk_exact): the same records, step
for step, on every torch fixture and at every way a walk can end, and they are the walks run() takes for
a function of a few named variables and in vector mode. Against torch itself: test_descend_engine.py
and test_vector.py, through run().
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from gdsim.engine import descend, fast
from gdsim.engine.descend import Result, Step, check_settings, recorded, run, walk_exact
from gdsim.expr.function import parse
from gdsim.optim import OPTIMIZERS, make_optimizer

CLASSIC = tuple(fast.RULES)  # the six rules the fast walks know

DESCEND = json.loads((Path(__file__).parent / "fixtures" / "torch_descend.json").read_text())


def both(text, start, name="gd", tol=0.0, ftol=0.0, max_steps=60, bound=1e8, record=1, **hyper):
    """(fast records, exact records) of one run; the fast walk must exist for it."""
    function = parse(text)
    optimizer = make_optimizer(name, **hyper)
    settings = check_settings(tol, ftol, max_steps, bound)
    start = np.array(start, dtype=float)
    quick = fast.walk(function, start, optimizer, settings, record)
    assert quick is not None, "not eligible for the fast walk"
    return list(quick), list(recorded(walk_exact(function, start, optimizer, settings), record))


def assert_same(quick, exact, tolerance=1e-12):
    assert len(quick) == len(exact)
    for a, b in zip(quick[:-1], exact[:-1]):
        assert isinstance(a, Step) and isinstance(b, Step)
        assert a.step == b.step
        np.testing.assert_allclose(a.point, b.point, rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(a.gradient, b.gradient, rtol=tolerance, atol=tolerance)
        assert a.value == pytest.approx(b.value, rel=tolerance, abs=tolerance) or (math.isnan(a.value) and math.isnan(b.value))
        assert a.gradient_norm == pytest.approx(b.gradient_norm, rel=tolerance, abs=tolerance)
        assert (a.update is None) == (b.update is None)
        assert getattr(a, "lr", None) == getattr(b, "lr", None)  # the step's lr, where records carry one
        if a.update is not None:
            np.testing.assert_allclose(a.update, b.update, rtol=tolerance, atol=tolerance)
    a, b = quick[-1], exact[-1]
    assert isinstance(a, Result) and isinstance(b, Result)
    assert (a.status, str(a.reason), a.steps) == (b.status, str(b.reason), b.steps)
    # every field, the ones added later too (a divergence's cause, the kind of flat ground, ...)
    for field in dataclasses.fields(Result):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_allclose(x, y, rtol=tolerance, atol=tolerance)
        elif isinstance(x, float) and math.isnan(x):
            assert math.isnan(y), field.name
        else:
            assert x == y, field.name  # a Reason compares its template and values: Korean text is the same too


@pytest.mark.parametrize("case", DESCEND["cases"], ids=[case["id"] for case in DESCEND["cases"]])
def test_both_walks_agree_on_every_torch_fixture(case):
    quick, exact = both(case["function"], case["start"], case["optimizer"], max_steps=DESCEND["steps"], **case["hyper"])
    assert_same(quick, exact)
    # and the exact walk still follows torch (the fast one does too: test_descend_engine.py)
    points = np.array([s.point for s in exact[:-1]])
    np.testing.assert_allclose(points, np.array(case["points"])[: len(points)], rtol=1e-10, atol=1e-12)


ENDINGS = {
    "converged on flat ground": ("x**2 + y**2", [3, -4], dict(lr=0.1, tol=1e-6, max_steps=1000)),
    "converged by ftol": ("(x-1)**2 + 3*y**2", [2, 1], dict(lr=0.05, ftol=1e-9, max_steps=1000)),
    "max_steps": ("(1-x)^2+100(y-x^2)^2", [0, 0], dict(lr=0.001, max_steps=200)),
    "no update at all": ("x**2", [3], dict(lr=0.1, max_steps=0)),
    "already flat at the start": ("x**2 + y**2", [0, 0], dict(lr=0.1, tol=1e-6)),
    "beyond --bound": ("x**2", [3], dict(lr=1.5, max_steps=1000, bound=1e3)),
    "start outside --bound": ("x**2", [5], dict(lr=0.1, bound=1)),
    "far out": ("exp(x) + x**2", [3], dict(lr=2.0, max_steps=1000)),
    "overflow at the start": ("exp(x**2)", [27], dict(lr=0.1)),
    "overflow on the way": ("x**4", [10], dict(lr=1.0, bound=1e300, max_steps=100)),
    "an update overflows, no bound": ("exp(x)", [709], dict(lr=1e308, bound=math.inf)),
    "leaves the domain": ("log(x) + x**2", [0.3], dict(lr=0.5, max_steps=1000)),
    "not defined at the start": ("sqrt(x) + y**2", [-1, 1], dict(lr=0.1)),
    "a nan gradient": ("sqrt(x**2) + y", [0, 1], dict(lr=0.1)),
    "eight variables": ("+".join(f"{i + 1}*(x{i}-{i})**2" for i in range(8)), [0] * 8, dict(lr=0.05, max_steps=500)),
    "one variable, relu and abs": ("relu(x - 1) + abs(x + 2)/3", [4], dict(lr=0.5, max_steps=50)),
}


@pytest.mark.parametrize("name", CLASSIC)
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_both_walks_end_the_same_way(ending, name):
    text, start, options = ENDINGS[ending]
    if name not in ("gd", "momentum", "nesterov"):
        options = {**options, "lr": options["lr"] / 10}
    quick, exact = both(text, start, name, **options)
    assert_same(quick, exact)


def test_the_endings_cover_every_status_and_kind_of_reason():
    ends = [both(text, start, "gd", **options)[0][-1] for text, start, options in ENDINGS.values()]
    assert {r.status for r in ends} == {"converged", "max_steps", "diverged"}
    reasons = " | ".join(str(r.reason) for r in ends)
    for words in ("flat ground", "f stopped changing", "--max-steps", "beyond --bound", "not defined", "overflows",
                  "the update overflowed"):
        assert words in reasons, words


@pytest.mark.parametrize("beta1", [0.3, 0.5, 0.9])
def test_both_forms_of_adams_lerp(beta1):
    # gdsim.optim.adam picks one of two forms of torch's lerp by the weight 1 - beta1
    quick, exact = both("(x**2+y-11)**2 + (x+y**2-7)**2", [0, 0], "adam", lr=0.05, beta1=beta1, max_steps=300)
    assert_same(quick, exact, tolerance=0.0)


@pytest.mark.parametrize("every", [1, 7, 100, 1000])
def test_only_recorded_steps_are_built(every, monkeypatch):
    built = []

    class Counted(Step):
        def __init__(self, *args):
            built.append(args[0])
            super().__init__(*args)

    monkeypatch.setattr(fast, "Step", Counted)
    quick, exact = both("(1-x)^2+100(y-x^2)^2", [0, 0], "gd", lr=0.001, max_steps=500, record=every)
    assert_same(quick, exact)
    expected = sorted(set(range(0, 500, every)) | {500})
    assert [s.step for s in quick[:-1]] == expected
    assert built == expected  # the Step of every point that was not asked for was never made


def test_a_record_predicate_asks_for_the_steps_it_names():
    quick, exact = both("x**2 + y**2", [3, 4], "momentum", lr=0.01, max_steps=300, record=lambda k: k in (3, 5, 250))
    assert_same(quick, exact)
    assert [s.step for s in quick[:-1]] == [3, 5, 250, 300]


@pytest.mark.parametrize("at", [0, 7, 8, 9])
@pytest.mark.parametrize("every", [1, 4])
def test_a_ctrl_c_gives_the_point_reached_then_the_interrupt(at, every):
    """Ctrl-C is simulated by the consumer's record predicate, which both walks call at each point."""

    def record(k):
        if k == at:
            raise KeyboardInterrupt
        return k % every == 0

    streams = []
    for walk in (fast.walk, lambda f, s, o, st, r: recorded(walk_exact(f, s, o, st), r)):
        records = []
        with pytest.raises(KeyboardInterrupt):
            for rec in walk(parse("x**2 + 3*y**2"), np.array([1.0, 1.0]), make_optimizer("adam", lr=0.1),
                            check_settings(0.0, 0.0, 100, 1e8), record):
                records.append(rec)
        streams.append(records)
    quick, exact = streams
    assert [s.step for s in quick] == [s.step for s in exact]
    assert quick[-1].step == at and quick[-1].update is None  # where the walk was, nothing more
    assert exact[-1].update is None
    np.testing.assert_array_equal(quick[-1].point, exact[-1].point)
    assert quick[-1].value == exact[-1].value


# --- which walk run() takes -------------------------------------------------------------------


def _no_exact_walk(*args, **kwargs):
    raise AssertionError("the exact walk was taken")
    yield  # pragma: no cover


@pytest.mark.parametrize("name", CLASSIC)
@pytest.mark.parametrize("dimension", [1, 2, 5, 8])
def test_run_takes_the_fast_walk_for_a_few_named_variables(dimension, name, monkeypatch):
    monkeypatch.setattr(descend, "walk_exact", _no_exact_walk)
    text = " + ".join(f"(x{i} - {i})**2" for i in range(dimension))
    records = list(run(parse(text), np.full(dimension, -1.0), make_optimizer(name, lr=0.01), check_settings(0.0, 0.0, 20, 1e8)))
    assert records[-1].steps == 20


def test_the_classic_rules_are_the_six_of_the_lecture():
    assert set(CLASSIC) == {"gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    assert set(CLASSIC) < set(OPTIMIZERS)


@pytest.mark.parametrize("name, options", [
    *[(name, {}) for name in OPTIMIZERS if name not in CLASSIC],
    ("gd", {"schedule": "exponential:gamma=0.9"}),
    ("adam", {"schedule": "step:step_size=3,gamma=0.5"}),
    ("gd", {"line_search": "armijo"}),
])
def test_other_rules_schedules_and_line_searches_take_the_exact_walk(name, options):
    function, start, settings = parse("x**2 + 3*y**2"), np.array([1.0, -1.0]), check_settings(0.0, 0.0, 5, 1e8)
    optimizer = make_optimizer(name, **options)
    assert fast.walk(function, start, optimizer, settings) is None
    records = list(run(function, start, optimizer, settings))
    assert isinstance(records[-1], Result) and [s.step for s in records[:-1]] == list(range(records[-1].steps + 1))


def test_run_takes_the_exact_walk_beyond_eight_variables(monkeypatch):
    taken = []
    real = descend.walk_exact

    def exact(*args, **kwargs):
        taken.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(descend, "walk_exact", exact)
    text = " + ".join(f"x{i}**2" for i in range(9))
    records = list(run(parse(text), np.ones(9), make_optimizer("gd"), check_settings(0.0, 0.0, 5, 1e8)))
    assert taken and records[-1].steps == 5


# --- vector mode ------------------------------------------------------------------------------


def both_vector(text, dim, start, name="gd", tol=0.0, ftol=0.0, max_steps=200, bound=1e8, record=1, **hyper):
    from gdsim.expr.vector import parse_vector

    function = parse_vector(text, dim)
    optimizer = make_optimizer(name, **hyper)
    settings = check_settings(tol, ftol, max_steps, bound)
    start = np.broadcast_to(np.asarray(start, dtype=float), (dim,)).copy()
    quick = fast.walk(function, start, optimizer, settings, record)
    assert quick is not None
    return list(quick), list(recorded(walk_exact(function, start, optimizer, settings), record))


VECTOR_WALKS = {
    "chained Rosenbrock": ("sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)", 64, 0.0, dict(lr=0.001)),
    "a bowl, converged": ("sum((x-1)**2) + 0.1*sum(x**4)", 9, 3.0, dict(lr=0.05, tol=1e-6, max_steps=1500)),
    "ftol": ("sum((x-1)**2)", 5, 3.0, dict(lr=0.05, ftol=1e-10, max_steps=1500)),
    "beyond --bound": ("sum(x**2)", 4, 3.0, dict(lr=1.5, bound=1e3, max_steps=1000)),
    "leaves the domain": ("sum(log(x)) + sum(x**2)", 3, 0.3, dict(lr=0.5, max_steps=1000)),
    "an update overflows, no bound": ("sum(exp(x))", 2, 709.0, dict(lr=1e308, bound=math.inf)),
}


@pytest.mark.parametrize("name", CLASSIC)
@pytest.mark.parametrize("walk", list(VECTOR_WALKS))
def test_both_walks_agree_in_vector_mode(walk, name):
    text, dim, start, options = VECTOR_WALKS[walk]
    if name not in ("gd", "momentum", "nesterov") and walk != "beyond --bound":
        options = {**options, "lr": options["lr"] / 10}
    quick, exact = both_vector(text, dim, start, name, **options)
    assert_same(quick, exact, tolerance=0.0)  # the same operations in the same order: the same numbers


def test_vector_walks_cover_every_status():
    ends = [both_vector(text, dim, start, "gd", **options)[0][-1] for text, dim, start, options in VECTOR_WALKS.values()]
    assert {r.status for r in ends} == {"converged", "max_steps", "diverged"}


@pytest.mark.parametrize("beta1", [0.3, 0.9])
def test_vector_adam_in_both_forms_of_the_lerp(beta1):
    quick, exact = both_vector("sum((x-1)**2) + 0.1*sum(x**4)", 6, -2.0, "adam", lr=0.05, beta1=beta1, max_steps=300)
    assert_same(quick, exact, tolerance=0.0)


def test_vector_mode_records_only_what_is_asked_and_keeps_them_apart():
    quick, exact = both_vector("sum(x**2)", 5, 2.0, "momentum", lr=0.01, max_steps=100, record=30)
    assert_same(quick, exact, tolerance=0.0)
    assert [s.step for s in quick[:-1]] == [0, 30, 60, 90, 100]
    # records own their arrays: the walk's buffers moved on, the records did not
    assert len({id(s.point) for s in quick[:-1]}) == 5
    assert quick[0].point.tolist() == [2.0] * 5


@pytest.mark.parametrize("at", [0, 6, 9])
def test_a_ctrl_c_in_vector_mode(at):
    from gdsim.expr.vector import parse_vector

    def record(k):
        if k == at:
            raise KeyboardInterrupt
        return k % 3 == 0

    streams = []
    for walk in (fast.walk, lambda f, s, o, st, r: recorded(walk_exact(f, s, o, st), r)):
        records = []
        with pytest.raises(KeyboardInterrupt):
            for rec in walk(parse_vector("sum(x**2)", 4), np.ones(4), make_optimizer("rmsprop", lr=0.1),
                            check_settings(0.0, 0.0, 100, 1e8), record):
                records.append(rec)
        streams.append(records)
    quick, exact = streams
    assert [s.step for s in quick] == [s.step for s in exact]
    assert quick[-1].step == at and quick[-1].update is None and exact[-1].update is None
    np.testing.assert_array_equal(quick[-1].point, exact[-1].point)


def test_run_takes_the_fast_walk_in_vector_mode(monkeypatch):
    from gdsim.expr.vector import parse_vector

    monkeypatch.setattr(descend, "walk_exact", _no_exact_walk)
    records = list(run(parse_vector("sum((x-2)**2)", 1000), np.zeros(1000), make_optimizer("adam", lr=0.01),
                       check_settings(0.0, 0.0, 20, 1e8)))
    assert records[-1].steps == 20
