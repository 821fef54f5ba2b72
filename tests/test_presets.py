"""The shipped presets: each file loads, its text is the classic function, and its listed minima are minima.

The oracle is SymPy with each function written out by hand from its textbook definition; the
listed digits decide the tolerance (a coordinate written with d decimals is trusted to 0.5·10^-d).
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
import sympy as sp

from gdsim.errors import ConfigError, OptionError, PointError
from gdsim.expr.function import parse
from gdsim.labs.presets import OPTIMIZERS, Preset, get_preset, load_presets, nearest_minimum, read_preset

x, y, x1, x2 = sp.symbols("x y x1 x2")
R = sp.Rational

# The classic definitions (as in Surjanovic & Bingham's Virtual Library of Simulation Experiments).
CLASSIC = {
    "parabola": x**2,
    "d2l": x1**2 + 2 * x2**2,
    "narrow_valley": x**2 + 100 * y**2,
    "rosenbrock": (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "himmelblau": (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "beale": (R(3, 2) - x + x * y) ** 2 + (R(9, 4) - x + x * y**2) ** 2 + (R(21, 8) - x + x * y**3) ** 2,
    "booth": (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "matyas": R(26, 100) * (x**2 + y**2) - R(48, 100) * x * y,
    "three_hump_camel": 2 * x**2 - R(105, 100) * x**4 + x**6 / 6 + x * y + y**2,
    "mccormick": sp.sin(x + y) + (x - y) ** 2 - R(3, 2) * x + R(5, 2) * y + 1,
    "styblinski_tang": (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y) / 2,
    "rastrigin": 20 + x**2 - 10 * sp.cos(2 * sp.pi * x) + y**2 - 10 * sp.cos(2 * sp.pi * y),
    "ackley": -20 * sp.exp(-R(1, 5) * sp.sqrt((x**2 + y**2) / 2))
    - sp.exp((sp.cos(2 * sp.pi * x) + sp.cos(2 * sp.pi * y)) / 2)
    + sp.E
    + 20,
    "goldstein_price": (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))
    * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)),
}

# Ackley's minimum is the tip of a cone: no gradient there, so it is checked by its values around it.
NON_SMOOTH = {"ackley"}

PRESETS = sorted(CLASSIC)


def symbols_of(name: str) -> list[sp.Symbol]:
    return sorted(CLASSIC[name].free_symbols, key=lambda s: s.name)


def decimals(value: float) -> int:
    """How many decimals the TOML file wrote (the shortest repr gives back the written digits)."""
    return max(0, -Decimal(repr(value)).as_tuple().exponent)


def exact(value: float) -> sp.Rational:
    return sp.Rational(repr(value))


def rounding(value: float) -> float:
    """Half a unit in the last written decimal, and never trusted beyond the 6 decimals asked for."""
    return 0.5 * 10.0 ** -max(decimals(value), 6)


def test_every_shipped_preset_loads_with_sane_settings():
    presets = load_presets()
    assert sorted(presets) == PRESETS
    for name, p in presets.items():
        assert isinstance(p, Preset) and p.name == name
        assert p.optimizer in OPTIMIZERS
        assert p.lr > 0 and p.max_steps >= 1 and p.tol > 0 and p.ftol >= 0
        assert p.title.strip() and p.teaches.strip() and p.minima
        for v, (low, high) in p.window.items():
            assert low < p.start[v] < high, f"{name}: the start lies outside the window in {v}"
            for m in p.minima:
                if m.kind == "global":
                    assert low < m.point[v] < high, f"{name}: a global minimum lies outside the window"


@pytest.mark.parametrize("name", PRESETS)
def test_expression_is_the_classic_function(name):
    p = get_preset(name)
    function = parse(p.expression)
    names = [s.name for s in symbols_of(name)]
    assert list(function.variables) == names
    assert set(p.start) == set(p.window) == set(names)
    classic = sp.lambdify(symbols_of(name), CLASSIC[name], "math")
    rng = np.random.default_rng(1)
    for _ in range(25):
        point = [rng.uniform(*p.window[v]) for v in names]
        expected = classic(*point)
        assert function.value(np.array(point)) == pytest.approx(expected, rel=1e-11, abs=1e-11)


def _minima_cases(smooth: bool):
    return [
        pytest.param(name, i, id=f"{name}-{i}")
        for name in PRESETS
        if (name not in NON_SMOOTH) == smooth
        for i in range(len(get_preset(name).minima))
    ]


@pytest.mark.parametrize("name, i", _minima_cases(smooth=True))
def test_listed_minimum_is_a_minimum_to_its_digits(name, i):
    p = get_preset(name)
    m = p.minima[i]
    syms = symbols_of(name)
    f = CLASSIC[name]
    at = {s: exact(m.point[s.name]) for s in syms}
    gradient = np.array([float(sp.N(sp.diff(f, s).subs(at), 30)) for s in syms])
    hessian = np.array([[float(sp.N(sp.diff(f, a, b).subs(at), 30)) for b in syms] for a in syms])
    # A point rounded by δ from the true minimum has |∇f| ≈ |H δ| <= ‖H‖·|δ|; 1.5 covers higher orders.
    delta = math.hypot(*(rounding(m.point[s.name]) for s in syms))
    assert np.linalg.norm(gradient) <= 1.5 * np.linalg.norm(hessian, 2) * delta
    assert np.all(np.linalg.eigvalsh(hessian) > 0), f"{name}: {m.point} is not a minimum (saddle or maximum)"
    value = float(sp.N(f.subs(at), 30))
    assert abs(value - m.value) <= rounding(m.value) + np.linalg.norm(hessian, 2) * delta**2


@pytest.mark.parametrize("name, i", _minima_cases(smooth=False))
def test_non_smooth_minimum_is_lowest_around_it(name, i):
    m = get_preset(name).minima[i]
    syms = symbols_of(name)
    f = sp.lambdify(syms, CLASSIC[name], "math")
    centre = [m.point[s.name] for s in syms]
    assert float(sp.N(CLASSIC[name].subs({s: exact(c) for s, c in zip(syms, centre)}), 30)) == pytest.approx(
        m.value, abs=1e-12
    )
    rng = np.random.default_rng(2)
    for radius in (1e-6, 1e-3, 0.1):
        for _ in range(20):
            direction = rng.normal(size=len(syms))
            around = np.array(centre) + radius * direction / np.linalg.norm(direction)
            assert f(*around) > m.value


@pytest.mark.parametrize("name", PRESETS)
def test_global_minima_are_the_lowest_listed(name):
    minima = get_preset(name).minima
    lowest = min(m.value for m in minima)
    for m in minima:
        if m.kind == "global":
            assert m.value == lowest
        else:
            assert m.value > lowest + 1e-3


def test_himmelblau_lists_all_four_minima():
    points = {(round(m.point["x"], 6), round(m.point["y"], 6)) for m in get_preset("himmelblau").minima}
    assert points == {(3.0, 2.0), (-2.805118, 3.131313), (-3.77931, -3.283186), (3.584428, -1.848127)}


@pytest.mark.parametrize(
    "point, expected",
    [
        ({"x": 2.9, "y": 2.2}, (3.0, 2.0)),
        ({"x": -2.5, "y": 2.5}, (-2.80511809, 3.13131252)),
        ({"x": -4.0, "y": -3.0}, (-3.77931025, -3.28318599)),
        ({"y": -2.0, "x": 3.5}, (3.58442834, -1.84812653)),
    ],
)
def test_nearest_minimum_picks_the_closest_and_measures_the_distance(point, expected):
    minimum, distance = nearest_minimum(get_preset("himmelblau"), point)
    assert (minimum.point["x"], minimum.point["y"]) == expected
    assert distance == pytest.approx(math.dist((point["x"], point["y"]), expected), rel=1e-12)


def test_nearest_minimum_refuses_a_point_with_other_variables():
    with pytest.raises(PointError, match="x, y"):
        nearest_minimum(get_preset("himmelblau"), {"x": 1.0})
    with pytest.raises(PointError, match="x1, x2"):
        nearest_minimum(get_preset("d2l"), {"x": 1.0, "y": 2.0})


def test_unknown_preset_lists_the_names():
    with pytest.raises(OptionError) as err:
        get_preset("banana")
    assert "unknown preset 'banana'" in err.value.message
    assert "rosenbrock" in err.value.message and "himmelblau" in err.value.message


GOOD = """\
name = "bowl"
title = "A bowl"
expression = "x^2 + y^2"
start = { x = 1.0, y = 1.0 }
optimizer = "gd"
lr = 0.1
max_steps = 100
window = { x = [-2.0, 2.0], y = [-2.0, 2.0] }
teaches = "the simplest bowl"

[[minima]]
point = { x = 0.0, y = 0.0 }
value = 0.0
"""


def test_a_well_formed_file_reads_with_defaults(tmp_path):
    path = tmp_path / "bowl.toml"
    path.write_text(GOOD)
    p = read_preset(path)
    assert p.start == {"x": 1.0, "y": 1.0} and p.window["y"] == (-2.0, 2.0)
    assert p.tol == 1e-6 and p.ftol == 0.0 and p.minima[0].kind == "global"


@pytest.mark.parametrize(
    "change, key, expected",
    [
        (("lr = 0.1", "lr = 0.1\nspeed = 3"), "speed", "unknown key"),
        (("lr = 0.1", 'lr = "fast"'), "lr", "number"),
        (("lr = 0.1", "lr = true"), "lr", "number"),
        (("lr = 0.1", "lr = -0.1"), "lr", "positive"),
        (("max_steps = 100", "max_steps = 1.5"), "max_steps", "integer"),
        (('optimizer = "gd"', 'optimizer = "newton"'), "optimizer", "one of"),
        (("y = [-2.0, 2.0]", "y = [2.0, -2.0]"), "window.y", "low < high"),
        (("window = { x = [-2.0, 2.0], y = [-2.0, 2.0] }", "window = { x = [-2.0, 2.0] }"), "window", "variables"),
        (("point = { x = 0.0, y = 0.0 }", "point = { x = 0.0, z = 0.0 }"), "minima[1].point", "variables"),
        (("value = 0.0", 'value = 0.0\nkind = "best"'), "minima[1].kind", "global"),
        (('name = "bowl"', 'name = "cup"'), "name", "file's name"),
        (('teaches = "the simplest bowl"\n', ""), "teaches", "missing"),
    ],
)
def test_a_bad_file_is_refused_naming_file_and_key(tmp_path, change, key, expected):
    old, new = change
    assert old in GOOD
    path = tmp_path / "bowl.toml"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        read_preset(path)
    assert str(path) in err.value.message
    assert f"'{key}'" in err.value.message
    assert expected in err.value.message


def test_invalid_toml_is_refused_with_its_position(tmp_path):
    path = tmp_path / "bowl.toml"
    path.write_text(GOOD.replace("lr = 0.1", "lr = = 0.1"))
    with pytest.raises(ConfigError) as err:
        read_preset(path)
    assert str(path) in err.value.message and "line 6" in err.value.message
