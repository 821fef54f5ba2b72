"""gdsim sgd on the command line: the same seed gives the same bytes, plots saved for a lab report,
and the batch-size comparison of the lecture's slide."""

from __future__ import annotations

import json

import pytest

from gdsim.cli.app import run

COMMON = ["sgd", "--synthetic", "linear", "--samples", "60", "--noise", "0.3", "--epochs", "3", "--lr", "0.05"]


def _run(capsys, args):
    code = run(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_same_seed_gives_byte_identical_output_and_another_seed_another_order(capsys):
    for fmt in ("json", "ndjson", "csv"):
        _, first, _ = _run(capsys, COMMON + ["--seed", "7", "--format", fmt])
        _, again, _ = _run(capsys, COMMON + ["--seed", "7", "--format", fmt])
        _, other, _ = _run(capsys, COMMON + ["--seed", "8", "--format", fmt])
        assert first == again and first.strip()
        assert first != other


def test_no_shuffle_ignores_the_seed_for_the_batch_order(capsys):
    # with file order, the data (drawn from the seed) is the only thing the seed changes:
    # the same data set with --no-shuffle twice gives identical steps
    _, a, _ = _run(capsys, COMMON + ["--seed", "3", "--no-shuffle", "--format", "json"])
    _, b, _ = _run(capsys, COMMON + ["--seed", "3", "--no-shuffle", "--format", "json"])
    assert json.loads(a)["steps"] == json.loads(b)["steps"]


def test_compare_batch_gives_one_run_per_batch_size_with_the_right_step_counts(capsys):
    code, out, _ = _run(capsys, COMMON + ["--compare-batch", "1,16,N", "--format", "json"])
    doc = json.loads(out)
    assert code == 0
    assert [r["batch_size"] for r in doc["runs"]] == [1, 16, 60]
    # steps = epochs * ceil(samples / batch): 3*60, 3*4, 3*1
    assert [r["result"]["steps"] for r in doc["runs"]] == [180, 12, 3]
    # the full batch never raises the full-data loss (one exact gradient step per epoch at a small lr)
    full = [s["loss"] for s in doc["runs"][2]["steps"]]
    assert all(b <= a for a, b in zip(full, full[1:]))


def test_save_plot_writes_text_and_html_reports(capsys, tmp_path):
    text_file = tmp_path / "plots.txt"
    html_file = tmp_path / "plots.html"
    code, out, _ = _run(capsys, COMMON + ["--format", "json", "--save-plot", str(text_file)])
    assert code == 0 and json.loads(out)["result"]["status"] == "completed"
    body = text_file.read_text(encoding="utf-8")
    assert "full-data loss against epoch" in body and "\x1b[" not in body
    code, _, _ = _run(capsys, ["descend", "x^2+y^2", "--no-plot", "--save-plot", str(html_file)])
    page = html_file.read_text(encoding="utf-8")
    assert code == 0 and page.startswith("<!doctype html>") and "f against step" in page and "<pre" in page


def test_save_plot_to_an_unwritable_place_is_refused(capsys, tmp_path):
    code, out, err = _run(capsys, ["descend", "x^2", "--format", "json", "--save-plot", str(tmp_path / "no" / "such" / "dir.txt")])
    assert code == 2
    assert err.startswith("error: --save-plot") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["ndjson", "csv", "json"])
def test_a_machine_format_keeps_no_plot_points_unless_a_plot_is_saved(gdsim_cli, monkeypatch, tmp_path, fmt):
    """Every step of a long run in a machine format would otherwise keep its plot point (memory grows
    with the run); with --save-plot the points are what the saved plot is drawn from."""
    from gdsim.render import sgd_formats

    seen = []
    sink = sgd_formats.SINKS[fmt]
    original = sink.finish
    monkeypatch.setattr(sink, "finish", lambda self, curves, interrupted: (seen.append(curves), original(self, curves, interrupted))[1])
    args = ["sgd", "--synthetic", "linear", "--samples", "40", "--batch-size", "4", "--epochs", "3", "--every", "1", "-f", fmt]
    assert gdsim_cli(*args).code == 0
    assert seen and all(len(points) == 0 for curve in seen[-1].values() for points in curve)
    assert gdsim_cli(*args, "--save-plot", str(tmp_path / "p.txt")).code == 0
    assert all(len(curve[1]) == 31 for curve in seen[-1].values())  # step 0 and 30 updates
