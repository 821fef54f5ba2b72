"""Tests for gdsim.engine.data: CSV files (good ones, and every refusal with its line and column) and synthetic data.

Expected tables are written out by hand next to the CSV text; synthetic data is checked
against its own definition (y = X·w + b + noise·ε) and against a least-squares fit.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdsim.engine.data import Dataset, load_csv, make_dataset, synthetic_linear
from gdsim.errors import DataError, OptionError


def write(tmp_path, text: str, name: str = "data.csv", newline: str = "") -> str:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline=newline) as f:
        f.write(text)
    return str(path)


# --- files that load --------------------------------------------------------------------------


def test_plain_file_gives_names_in_file_order_and_exact_numbers(tmp_path):
    path = write(tmp_path, "x1,x2,y\n1,2.5,-3\n0.1,1e-3,+4.25\n")
    data = load_csv(path)
    assert data.names == ("x1", "x2", "y")
    assert data.table.dtype == np.float64
    np.testing.assert_array_equal(data.table, [[1, 2.5, -3], [0.1, 0.001, 4.25]])
    np.testing.assert_array_equal(data.column("x2"), [2.5, 0.001])
    assert data.samples == 2
    assert data.source == path


def test_bom_and_crlf_line_endings_are_accepted(tmp_path):
    path = write(tmp_path, "\ufeffx,y\r\n1,2\r\n3,4\r\n")
    data = load_csv(path)
    assert data.names == ("x", "y")  # the byte-order mark is not part of the first name
    np.testing.assert_array_equal(data.table, [[1, 2], [3, 4]])


def test_old_mac_line_endings_are_accepted(tmp_path):
    data = load_csv(write(tmp_path, "x,y\r1,2\r3,4\r"))
    np.testing.assert_array_equal(data.table, [[1, 2], [3, 4]])


def test_blank_and_comment_lines_are_skipped_anywhere(tmp_path):
    text = "# a data set\n\nx , y\n1,2\n\n# middle\n   \n  # indented\n3,4\n\n"
    data = load_csv(write(tmp_path, text))
    assert data.names == ("x", "y")
    np.testing.assert_array_equal(data.table, [[1, 2], [3, 4]])


def test_quoted_cells_and_names_hold_plain_numbers(tmp_path):
    data = load_csv(write(tmp_path, '"x","y"\n"1.5", "2"\n3,"-4e1"\n'))
    assert data.names == ("x", "y")
    np.testing.assert_array_equal(data.table, [[1.5, 2], [3, -40]])


def test_spaces_around_cells_are_ignored(tmp_path):
    data = load_csv(write(tmp_path, "x,y\n  1 ,\t2\n"))
    np.testing.assert_array_equal(data.table, [[1, 2]])


def test_many_rows_read_exactly(tmp_path):
    rng = np.random.default_rng(5)
    table = rng.standard_normal((2000, 4))
    lines = ["a,b,c,y"] + [",".join(repr(float(v)) for v in row) for row in table]
    data = load_csv(write(tmp_path, "\n".join(lines) + "\n"))
    np.testing.assert_array_equal(data.table, table)  # repr round-trips a float exactly


def test_the_table_is_read_only(tmp_path):
    data = load_csv(write(tmp_path, "x,y\n1,2\n"))
    with pytest.raises(ValueError):
        data.table[0, 0] = 5.0


def test_target_none_skips_the_target_check(tmp_path):
    data = load_csv(write(tmp_path, "a,b\n1,2\n"), target=None)
    assert data.names == ("a", "b")


# --- refusals: each names the file, the line (header = 1) and the column -------------------------


BAD_FILES = [
    # (file text, pieces the message must contain)
    ("x,y\n1,2\n\n# note\n3,4\n5,6\nabc,1\n", ["line 7", "column 'x'", "'abc' is not a number"]),
    ("x,y\n1,2\n3,nan\n", ["line 3", "column 'y'", "'nan'", "not a finite number"]),
    ("x,y\n1,inf\n", ["line 2", "column 'y'", "not a finite number"]),
    ("x,y\n1,-Infinity\n", ["line 2", "column 'y'", "not a finite number"]),
    ("x,y\n1e400,1\n", ["line 2", "column 'x'", "too large"]),
    ("x,y\n1,2\n3\n", ["line 3", "1 cell", "2 columns", "no value for 'y'"]),
    ("x,y\n1,2\n3,4,5\n", ["line 3", "3 cells", "2 columns", "cell 3 has no column"]),
    ("x,y\n1,2,\n", ["line 2", "3 cells"]),
    ("x,y\n1,\n", ["line 2", "column 'y'", "empty cell"]),
    ("x,y\n1,2 # a note\n", ["line 2", "column 'y'", "'2 # a note' is not a number"]),
    ("x,y\n1_000,2\n", ["line 2", "column 'x'", "not a number"]),
    ("x,y\n0x10,2\n", ["line 2", "column 'x'", "not a number"]),
    ("x,y\n\uff11,2\n", ["line 2", "column 'x'", "not a number"]),  # a full-width digit
    ('x,y\n"1,2\n', ["line 2", "double quote is not closed"]),
    ('x,y\n"1,5",2\n', ["line 2", "column 'x'", "'1,5' is not a number"]),
    ("x,y,x\n1,2,3\n", ["line 1", "column 'x'", "duplicate column name", "columns 1 and 3"]),
    ("\n# header next\nx,,y\n1,2,3\n", ["line 3", "column 2", "empty column name"]),
    ("", ["empty", "no header"]),
    ("\n  \n# only comments\n", ["empty", "no header"]),
    ("x,y\n", ["no data rows", "line 1"]),
    ("# c\nx,y\n# c\n\n", ["no data rows", "line 2"]),
    ("a,b\n1,2\n", ["no target column 'y'", "a, b", "--target"]),
]


@pytest.mark.parametrize("text, pieces", BAD_FILES)
def test_bad_file_is_refused_with_line_and_column(tmp_path, text, pieces):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        load_csv(path)
    message = caught.value.message
    assert message.startswith(path)
    for piece in pieces:
        assert piece in message, (piece, message)


def test_line_numbers_count_crlf_lines_like_lf_lines(tmp_path):
    path = write(tmp_path, "x,y\r\n1,2\r\n\r\n1,zz\r\n")
    with pytest.raises(DataError, match=r"line 4, column 'y': 'zz' is not a number"):
        load_csv(path)


def test_other_target_column_is_found(tmp_path):
    data = load_csv(write(tmp_path, "a,price\n1,2\n"), target="price")
    assert data.require_target("price") == 1
    with pytest.raises(DataError, match="no target column 'y'; the columns are a, price"):
        data.require_target("y")


def test_bytes_that_are_not_utf8_name_line_and_column(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("x,y\n1,2\n3,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError) as caught:
        load_csv(path)
    message = caught.value.message
    assert "line 3, column 'y'" in message and "0xe9" in message and "UTF-8" in message


def test_missing_file_is_refused(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(DataError, match="no such file") as caught:
        load_csv(path)
    assert str(path) in caught.value.message


def test_directory_is_refused(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        load_csv(tmp_path)


def test_ten_million_character_cell_is_refused_quickly(tmp_path):
    path = write(tmp_path, "x,y\n" + "1" * 10_000_000 + "5,2\n")
    with pytest.raises(DataError) as caught:
        load_csv(path)
    message = caught.value.message
    assert "line 2, column 'x'" in message and "10,000,001 characters" in message
    assert len(message) < 300  # the cell is not copied into the message


def test_line_of_a_million_cells_is_refused(tmp_path):
    path = write(tmp_path, "x,y\n" + "1," * 1_000_000 + "\n")
    with pytest.raises(DataError, match="line 2: 1000001 cells but the header has 2 columns"):
        load_csv(path)


def test_many_columns_listed_briefly_when_target_missing(tmp_path):
    names = [f"c{i}" for i in range(100)]
    path = write(tmp_path, ",".join(names) + "\n" + ",".join("1" * 100) + "\n")
    with pytest.raises(DataError) as caught:
        load_csv(path)
    assert "c0, c1" in caught.value.message and "(100 columns)" in caught.value.message
    assert "c99" not in caught.value.message


# --- Dataset ----------------------------------------------------------------------------------


def test_make_dataset_copies_and_checks_the_shape():
    table = np.array([[1.0, 2.0], [3.0, 4.0]])
    data = make_dataset(["x", "y"], table, "memory")
    table[0, 0] = 99.0
    assert data.table[0, 0] == 1.0
    assert data.features("y") == ("x",)
    with pytest.raises(DataError, match="does not fit 3 column names"):
        make_dataset(["a", "b", "c"], table, "memory")


def test_unknown_column_lists_the_columns():
    data = make_dataset(["x", "y"], [[1.0, 2.0]], "memory")
    with pytest.raises(DataError, match="no column 'z'; the columns are x, y"):
        data.column("z")


# --- synthetic data ---------------------------------------------------------------------------


def test_synthetic_one_feature_is_named_x_and_y():
    data, truth = synthetic_linear(samples=50, features=1, noise=0.1, seed=3)
    assert isinstance(data, Dataset)
    assert data.names == ("x", "y")
    assert data.table.shape == (50, 2)
    assert list(truth) == ["w_x", "b"]


def test_synthetic_many_features_are_x1_to_xn():
    data, truth = synthetic_linear(samples=20, features=12, noise=0.0, seed=1)
    assert data.names == tuple(f"x{i}" for i in range(1, 13)) + ("y",)
    assert list(truth) == [f"w_x{i}" for i in range(1, 13)] + ["b"]
    assert data.table.shape == (20, 13)


def test_synthetic_without_noise_is_exactly_the_line():
    data, truth = synthetic_linear(samples=30, features=3, noise=0.0, seed=7)
    X, y = data.table[:, :3], data.table[:, 3]
    w = np.array([truth["w_x1"], truth["w_x2"], truth["w_x3"]])
    np.testing.assert_allclose(y, X @ w + truth["b"], rtol=0, atol=1e-12)


def test_synthetic_true_parameters_are_readable_and_in_range():
    _, truth = synthetic_linear(samples=5, features=20, seed=11)
    for name, value in truth.items():
        assert round(value, 2) == value
        assert -3 <= value <= 3 if name.startswith("w_") else -2 <= value <= 2
    assert len(set(truth.values())) > 10  # drawn, not a constant


def test_synthetic_noise_has_the_asked_size():
    data, truth = synthetic_linear(samples=20000, features=2, noise=0.5, seed=2)
    X, y = data.table[:, :2], data.table[:, 2]
    residual = y - (X @ np.array([truth["w_x1"], truth["w_x2"]]) + truth["b"])
    assert abs(residual.std() - 0.5) < 0.02
    # X is standard normal
    assert abs(X.mean()) < 0.03 and abs(X.std() - 1) < 0.03


def test_synthetic_least_squares_recovers_the_truth():
    data, truth = synthetic_linear(samples=5000, features=3, noise=0.1, seed=4)
    A = np.column_stack([data.table[:, :3], np.ones(5000)])
    fit, *_ = np.linalg.lstsq(A, data.table[:, 3], rcond=None)
    np.testing.assert_allclose(fit, list(truth.values()), atol=0.01)


def test_synthetic_same_seed_same_data_other_seed_other_data():
    a, ta = synthetic_linear(samples=40, features=2, seed=9)
    b, tb = synthetic_linear(samples=40, features=2, seed=9)
    c, tc = synthetic_linear(samples=40, features=2, seed=10)
    np.testing.assert_array_equal(a.table, b.table)
    assert ta == tb
    assert not np.array_equal(a.table, c.table)
    assert ta != tc


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"samples": 0}, "--samples"),
        ({"samples": 2.5}, "--samples"),
        ({"samples": True}, "--samples"),
        ({"features": 0}, "--features"),
        ({"features": -1}, "--features"),
        ({"noise": -0.1}, "--noise"),
        ({"noise": float("nan")}, "--noise"),
        ({"noise": float("inf")}, "--noise"),
        ({"noise": "loud"}, "--noise"),
        ({"seed": -1}, "--seed"),
        ({"samples": 10_000_000, "features": 10}, "--samples"),
    ],
)
def test_synthetic_bad_options_are_refused(kwargs, option):
    with pytest.raises(OptionError, match=option):
        synthetic_linear(**kwargs)
