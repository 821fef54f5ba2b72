"""Tests that every preset's suggested settings do what the preset promises: from its start, with
its optimizer, learning rate and stopping rules, the walk converges next to one of its known minima.

Also checks what the commands report about presets: `gdsim descend --preset` says how far the run
ended from the nearest known minimum, and `gdsim presets --format json` lists every preset.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from gdsim.cli import app as gdsim_app
from gdsim.engine.descend import DEFAULT_BOUND, Result, check_settings, run
from gdsim.expr.function import parse
from gdsim.optim import make_optimizer
from gdsim.labs.presets import load_presets, nearest_minimum

PRESETS = load_presets()

# A smooth minimum is reached to within tol / (smallest curvature there), far below this for every
# preset; it is also well above the rounding of the minima, which are listed to six or more digits.
NEAR = 1e-4
# A preset that stops on --ftol has its minimum on a cone's tip (Ackley), where the gradient never
# vanishes: the hiker ends stepping back and forth across the tip, about lr * |grad f| from it.
NEAR_A_TIP = 1e-2

# The thirteen functions the course asks for (issue: presets).
COURSE_FUNCTIONS = {
    "parabola", "d2l", "rosenbrock", "himmelblau", "beale", "booth", "matyas", "three_hump_camel",
    "mccormick", "styblinski_tang", "rastrigin", "ackley", "goldstein_price",
    "narrow_valley",  # conditioning: gd against momentum (gdsim sweep)
}


@pytest.fixture(autouse=True)
def english(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES", "GDSIM_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def walk(preset) -> tuple[dict[str, float], Result]:
    """Run the preset's suggested settings through the engine: the end point by name, and the result."""
    function = parse(preset.expression)
    start = np.array([preset.start[v] for v in function.variables])
    optimizer = make_optimizer(preset.optimizer, lr=preset.lr)
    settings = check_settings(preset.tol, preset.ftol, preset.max_steps, DEFAULT_BOUND)
    records = list(run(function, start, optimizer, settings))
    result = records[-1]
    assert isinstance(result, Result)
    return dict(zip(function.variables, map(float, result.point))), result


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_suggested_settings_converge_next_to_a_known_minimum(name):
    preset = PRESETS[name]
    end, result = walk(preset)
    assert result.status == "converged", result.reason
    names = list(preset.start)
    # the distance to the nearest listed minimum, computed here rather than taken from gdsim
    distance = min(math.dist([end[v] for v in names], [m.point[v] for v in names]) for m in preset.minima)
    assert distance <= (NEAR_A_TIP if preset.ftol > 0 else NEAR), (end, distance)
    minimum, reported = nearest_minimum(preset, end)
    assert reported == pytest.approx(distance)
    assert math.dist([end[v] for v in names], [minimum.point[v] for v in names]) == pytest.approx(distance)


def test_every_course_function_has_a_preset():
    assert set(PRESETS) == COURSE_FUNCTIONS


def test_descend_on_a_preset_reports_the_nearest_known_minimum(capsys):
    code = gdsim_app.run(["descend", "--preset", "rosenbrock", "--format", "json", "--every", "100000"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)["result"]
    near = result["nearest_minimum"]
    assert near["point"] == {"x": 1.0, "y": 1.0}
    assert near["value"] == 0.0
    end = result["point"]
    assert near["distance"] == pytest.approx(math.dist((end["x"], end["y"]), (1.0, 1.0)))
    assert near["distance"] <= NEAR


def test_presets_json_lists_every_preset_with_its_minima(capsys):
    code = gdsim_app.run(["presets", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == COURSE_FUNCTIONS
    for name, entry in doc.items():
        preset = PRESETS[name]
        assert entry["name"] == name
        assert entry["expression"] == preset.expression
        assert [m["point"] for m in entry["minima"]] == [m.point for m in preset.minima]
        assert [m["value"] for m in entry["minima"]] == [m.value for m in preset.minima]
    assert len(doc["himmelblau"]["minima"]) == 4  # "Himmelblau (all four minima)"
