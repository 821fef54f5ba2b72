"""Tests for `--config FILE`: which value wins (built-in default < preset < config < command line,
and a [command] table over the top level), and how a bad file is refused (exit 2, one line that
names the file and the key).

Commands run in this process through gdsim.cli.app.run; the expected numbers are closed forms of
gradient descent on x² (each step multiplies x by 1 − 2·lr).
"""

from __future__ import annotations

import json

import pytest

from gdsim.cli import app as gdsim_app


@pytest.fixture(autouse=True)
def english(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES", "GDSIM_DEBUG", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def gdsim(capsys):
    """Run `gdsim ARGS...` in this process: (exit code, stdout, stderr)."""

    def call(*args):
        code = gdsim_app.run([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def config(tmp_path):
    """Write a TOML file and return its path."""

    def write(text: str, name: str = "lab.toml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def descend_json(gdsim, *args):
    code, out, err = gdsim("descend", *args, "--format", "json", "--no-plot")
    assert code in (0, 3), err
    return json.loads(out)


# --- which value wins -------------------------------------------------------------------------


def test_a_value_from_the_config_file_is_used(gdsim, config):
    path = config('expression = "x^2"\nstart = "x=2"\nmax_steps = 3\n')
    doc = descend_json(gdsim, "--config", path)
    assert doc["start"] == {"x": 2.0}
    # x_k = 2 (1 - 2 * 0.1)^k with the default lr 0.1
    assert [s["point"]["x"] for s in doc["steps"]] == pytest.approx([2.0, 1.6, 1.28, 1.024])


def test_a_learning_rate_can_be_written_as_a_toml_number(gdsim, config):
    path = config('expression = "x^2"\nstart = "x=2"\nlr = 0.25\nmax_steps = 1\n')
    doc = descend_json(gdsim, "--config", path)
    assert doc["optimizer"]["lr"] == 0.25
    assert doc["steps"][1]["point"]["x"] == pytest.approx(1.0)  # 2 (1 - 2 * 0.25)


def test_the_command_line_wins_over_the_config_file(gdsim, config):
    path = config('start = "x=2"\nmax_steps = 3\n')
    doc = descend_json(gdsim, "x^2", "--config", path, "--max-steps", "1", "--start", "x=5")
    assert doc["start"] == {"x": 5.0}
    assert doc["result"]["steps"] == 1
    assert [s["point"]["x"] for s in doc["steps"]] == pytest.approx([5.0, 4.0])


def test_a_start_can_be_a_toml_table_or_array(gdsim, config):
    table = config('start = { x = 2, y = -1 }\nmax_steps = 0\n', "table.toml")
    array = config("start = [2, -1]\nmax_steps = 0\n", "array.toml")
    for path in (table, array):
        assert descend_json(gdsim, "x^2 + y^2", "--config", path)["start"] == {"x": 2.0, "y": -1.0}


def test_the_descend_table_wins_over_the_top_level_for_descend(gdsim, config):
    path = config('expression = "x^2"\nstart = "x=2"\nmax_steps = 3\n\n[descend]\nstart = "x=1"\nmax_steps = 1\n')
    doc = descend_json(gdsim, "--config", path)
    assert doc["start"] == {"x": 1.0}
    assert [s["point"]["x"] for s in doc["steps"]] == pytest.approx([1.0, 0.8])


def test_derive_reads_the_top_level_and_its_own_table_and_ignores_the_descend_table(gdsim, config):
    path = config(
        'expression = "x^2"\n\n'
        '[derive]\nat = "x=3"\n\n'
        '[descend]\nexpression = "x^4"\nstart = "x=1"\nmax_steps = 0\nno_such_option = 1\n'
    )
    code, out, err = gdsim("derive", "--config", path, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["at"] == {"x": 3.0}
    assert doc["gradient_value"] == {"x": pytest.approx(6.0)}  # d/dx x^2 = 2x: the top level's function


def test_descend_ignores_the_derive_table(gdsim, config):
    path = config('expression = "x^2"\nstart = "x=1"\nmax_steps = 0\n\n[derive]\nat = "x=3"\nhessian = true\n')
    doc = descend_json(gdsim, "--config", path)
    assert doc["start"] == {"x": 1.0}
    assert doc["steps"][0]["gradient"] == {"x": pytest.approx(2.0)}


def test_preset_then_config_then_command_line(gdsim, config):
    # The parabola preset: x^2 from x = 3 with gd, lr 0.1, at most 200 steps.
    only_preset = descend_json(gdsim, "--preset", "parabola")
    assert only_preset["start"] == {"x": 3.0}
    assert only_preset["optimizer"] == {"name": "gd", "lr": 0.1}
    assert only_preset["result"]["status"] == "converged"

    path = config('start = "x=1"\nmax_steps = 2\n')
    with_config = descend_json(gdsim, "--preset", "parabola", "--config", path)
    assert with_config["start"] == {"x": 1.0}
    assert with_config["optimizer"]["lr"] == 0.1  # what the config does not set comes from the preset
    assert [s["point"]["x"] for s in with_config["steps"]] == pytest.approx([1.0, 0.8, 0.64])

    with_both = descend_json(gdsim, "--preset", "parabola", "--config", path, "--lr", "0.3", "--max-steps", "1")
    assert with_both["start"] == {"x": 1.0}
    assert with_both["optimizer"]["lr"] == 0.3
    assert [s["point"]["x"] for s in with_both["steps"]] == pytest.approx([1.0, 0.4])


def test_a_preset_named_in_the_config_file_is_used_under_the_config_values(gdsim, config):
    path = config('preset = "parabola"\nmax_steps = 1\n')
    doc = descend_json(gdsim, "--config", path)
    assert doc["start"] == {"x": 3.0}
    assert [s["point"]["x"] for s in doc["steps"]] == pytest.approx([3.0, 2.4])


# --- bad files --------------------------------------------------------------------------------


def refused(gdsim, *args):
    """The command's exit code and its one stderr line (asserting there is exactly one, and no output)."""
    code, out, err = gdsim(*args)
    assert code == 2, err
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("error: ")
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "command",
    [
        ("derive", "x^2"),
        ("descend", "x^2", "--no-plot"),
        ("sgd", "--synthetic", "linear", "--no-plot"),
    ],
)
def test_an_unknown_key_names_the_file_and_the_key(gdsim, config, command):
    path = config("speed = 3\n")
    err = refused(gdsim, *command, "--config", path)
    assert str(path) in err
    assert "'speed'" in err


def test_an_unknown_key_in_the_command_table_names_the_table(gdsim, config):
    path = config("[descend]\nspeed = 3\n")
    err = refused(gdsim, "descend", "x^2", "--config", path)
    assert str(path) in err
    assert "descend.speed" in err


@pytest.mark.parametrize(
    "text, key, expected",
    [
        ('lr = "fast"\n', "lr", "number"),
        ('max_steps = "many"\n', "max_steps", "whole number"),
        ("max_steps = 2.5\n", "max_steps", "whole number"),
        ("tol = true\n", "tol", "number"),
        ("start = true\n", "start", "text"),
    ],
)
def test_a_value_of_the_wrong_type_names_the_file_the_key_and_the_type(gdsim, config, text, key, expected):
    path = config(text)
    err = refused(gdsim, "descend", "x^2", "--no-plot", "--config", path)
    assert str(path) in err
    assert key in err or key.replace("_", "-") in err
    assert expected in err


def test_a_missing_file_is_refused(gdsim, tmp_path):
    path = tmp_path / "nowhere.toml"
    err = refused(gdsim, "descend", "x^2", "--config", path)
    assert str(path) in err
    assert "no such file" in err


def test_a_directory_is_refused(gdsim, tmp_path):
    err = refused(gdsim, "derive", "x^2", "--config", tmp_path)
    assert str(tmp_path) in err
    assert "directory" in err


def test_invalid_toml_is_refused_with_the_line(gdsim, config):
    path = config('expression = "x^2"\nlr = = 3\n')
    err = refused(gdsim, "descend", "x^2", "--config", path)
    assert str(path) in err
    assert "not valid TOML" in err
    assert "line 2" in err


def test_bytes_that_are_not_utf8_are_refused(gdsim, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('expression = "x^2"\ntitle = "caf\xe9"\n'.encode("latin-1"))
    err = refused(gdsim, "descend", "x^2", "--config", path)
    assert str(path) in err
    assert "UTF-8" in err
