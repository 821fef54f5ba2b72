"""Data sets for `gdsim sgd`: a numeric table with named columns, read from a CSV file or generated.

Every problem with a file is a DataError naming the file, the line (the header is line 1;
blank and comment lines count) and the column, so a student can open the file and fix it.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from gdsim.errors import DataError, OptionError
from gdsim.i18n import tr
from gdsim.labs.config import read_bounded

# A plain decimal number in ASCII; inf and nan are recognised so they can be refused by name.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.ASCII | re.IGNORECASE)

# No number needs more characters than this; longer cells are refused before any parsing.
MAX_CELL = 1000
# A data file larger than this is refused before it is read (a file of 50 million numbers is
# larger than any exercise needs, and reading it would take as much memory again).
MAX_FILE_BYTES = 256 * 1024 * 1024
# synthetic_linear refuses tables larger than this many numbers (about 400 MB of float64).
MAX_SYNTHETIC_CELLS = 50_000_000


@dataclass(frozen=True, eq=False)
class Dataset:
    """A read-only table of float64 numbers, one row per sample, with its column names in file order."""

    names: tuple[str, ...]
    table: np.ndarray
    source: str

    @property
    def samples(self) -> int:
        return self.table.shape[0]

    @cached_property
    def _positions(self) -> dict[str, int]:
        # A table may have hundreds of thousands of columns: look each one up once, not by a scan.
        return {name: i for i, name in enumerate(self.names)}

    def index(self, name: str) -> int:
        """The position of column `name`, or a DataError that lists the columns."""
        try:
            return self._positions[name]
        except KeyError:
            raise DataError(tr("{source}: no column {name}; the columns are {columns}",
                               source=self.source, name=_show(name), columns=_listing(self.names))) from None

    def column(self, name: str) -> np.ndarray:
        return self.table[:, self.index(name)]

    def require_target(self, target: str) -> int:
        """The position of the target column ŷ is fitted to, or a DataError suggesting --target."""
        if target not in self.names:
            raise DataError(tr("{source}: no target column {name}; the columns are {columns} (choose one with --target)",
                               source=self.source, name=_show(target), columns=_listing(self.names)))
        return self._positions[target]

    def features(self, target: str) -> tuple[str, ...]:
        """Every column except the target, in file order."""
        self.require_target(target)
        return tuple(n for n in self.names if n != target)


def make_dataset(names, table, source: str) -> Dataset:
    """A Dataset over a read-only copy of `table` (n rows × one column per name)."""
    array = np.array(table, dtype=np.float64, ndmin=2)
    if array.ndim != 2 or array.shape[1] != len(names):
        raise DataError(tr("{source}: a table of shape {shape} does not fit {n} column names",
                           source=source, shape=array.shape, n=len(names)))
    return _frozen(names, array, source)


def _frozen(names, array: np.ndarray, source: str) -> Dataset:
    # The table is made read-only so nothing can change the data under a run.
    array.flags.writeable = False
    return Dataset(tuple(names), array, source)


# --- CSV --------------------------------------------------------------------------------------


def load_csv(path, target: str | None = "y") -> Dataset:
    """Read a CSV file of numbers; check that the target column is there when one is given.

    The first line that is not blank and not a comment is the header; a comment is a line whose
    first non-blank character is `#`. Cells are separated by commas and may be surrounded by
    spaces; a cell may be wrapped in double quotes ("1.5" is 1.5). Every data cell must be a
    finite decimal number (1, -0.5, 2e-3): nan, inf, hex and digit separators are refused.
    A UTF-8 byte-order mark and LF, CRLF or CR line endings are accepted.
    """
    path = Path(path)
    where = str(path)
    try:
        if not path.exists():
            raise DataError(tr("{path}: no such file", path=where))
        if path.is_dir():
            raise DataError(tr("{path}: is a directory, not a CSV file", path=where))
        raw = read_bounded(path, MAX_FILE_BYTES, DataError)
    except (OSError, ValueError) as e:  # ValueError: a NUL character in the path
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise DataError(tr("{path}: cannot read the file ({reason})", path=repr(where[:200]), reason=reason)) from None
    text = _decode(raw, where)

    header = _find_header(text)
    if header is None:
        raise DataError(tr("{path}: the file is empty (no header row)", path=where))
    header_index, header_line = header
    names = _header(header_line, header_index + 1, where)

    table = _fast_table(raw, text, header_index, len(names))
    if table is None:
        # The fast reader refused something: read line by line to name the line and column.
        table = _careful_table(text.split("\n"), header_index, names, where)
    if table.shape[0] == 0:
        raise DataError(tr("{path}: no data rows after the header (line {line})", path=where, line=header_index + 1))
    dataset = _frozen(names, table, where)
    if target is not None:
        dataset.require_target(target)
    return dataset


def _decode(raw: bytes, where: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        before = _universal_newlines(raw[: e.start].decode("utf-8").lstrip("\ufeff")).split("\n")
        line_no = len(before)
        position = before[-1].count(",") + 1
        place = _at_position(where, line_no, position)
        header = _find_header("\n".join(before[:-1]))
        if header is not None:
            names = [c.strip().strip('"') for c in header[1].split(",")]
            if position <= len(names):
                place = _at_column(where, line_no, names[position - 1])
        raise DataError(tr("{where}: byte {byte} is not UTF-8 text (save the file as UTF-8 CSV)",
                           where=place, byte=f"0x{raw[e.start]:02x}")) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return _universal_newlines(text)


def _universal_newlines(text: str) -> str:
    # Line breaks may be LF, CRLF or a lone CR (old Mac files); from here on they are LF.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _at_line(where: str, line_no: int) -> str:
    return tr("{path} line {line}", path=where, line=line_no)


def _at_position(where: str, line_no: int, position: int) -> str:
    return tr("{path} line {line}, column {position}", path=where, line=line_no, position=position)


def _at_column(where: str, line_no: int, name: str) -> str:
    return tr("{path} line {line}, column {name}", path=where, line=line_no, name=_show(name))


def _is_skipped(line: str) -> bool:
    stripped = line.strip()
    return stripped == "" or stripped.startswith("#")


def _find_header(text: str) -> tuple[int, str] | None:
    """The index and text of the first line that is neither blank nor a comment."""
    start, index = 0, 0
    while start <= len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        line = text[start:end]
        if not _is_skipped(line):
            return index, line
        start, index = end + 1, index + 1
    return None


def _split(line: str, where: str) -> list[str]:
    """The cells of one line, blanks and surrounding double quotes removed."""
    if '"' not in line:
        return [c.strip() for c in line.split(",")]
    if line.count('"') % 2:
        raise DataError(tr("{where}: a double quote is not closed", where=where))
    try:
        cells = next(csv.reader([line], skipinitialspace=True))
    except csv.Error as e:
        raise DataError(tr("{where}: a quoted cell cannot be read ({error})", where=where, error=e)) from None
    return [c.strip() for c in cells]


def _header(line: str, line_no: int, where: str) -> tuple[str, ...]:
    names = _split(line, _at_line(where, line_no))
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name == "":
            raise DataError(tr("{where}: empty column name in the header", where=_at_position(where, line_no, position)))
        if name in seen:
            raise DataError(tr("{where}: duplicate column name (columns {first} and {second})",
                               where=_at_column(where, line_no, name), first=seen[name], second=position))
        seen[name] = position
    return tuple(names)


def _fast_table(raw: bytes, text: str, header_index: int, columns: int) -> np.ndarray | None:
    """The data rows read by numpy's C parser, or None when anything is off (then read carefully)."""
    # numpy would silently drop whatever follows a `#` on a line of data, and would take a
    # quote left open at the end of the file as closed.
    if _has_inline_hash(text) or text.count('"') % 2:
        return None
    # numpy reads the bytes fastest; it splits lines as we do unless there is a lone CR.
    if b"\r" not in raw or raw.count(b"\r") == raw.count(b"\r\n"):
        bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        source = io.BytesIO(memoryview(raw)[bom:])
    else:
        source = io.StringIO(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "input contained no data": reported as a DataError
            table = np.loadtxt(
                source,
                encoding="utf-8",
                delimiter=",",
                comments="#",
                quotechar='"',
                skiprows=header_index + 1,
                dtype=np.float64,
                ndmin=2,
            )
    except ValueError:
        return None
    if table.size and (table.shape[1] != columns or not np.isfinite(table).all()):
        return None
    return table.reshape(-1, columns)


def _has_inline_hash(text: str) -> bool:
    """True when a `#` sits after data on a line: numpy would drop the rest of that line silently."""
    position = text.find("#")
    while position != -1:
        line_start = text.rfind("\n", 0, position) + 1
        if text[line_start:position].strip():
            return True
        # The rest of this comment line cannot matter: go on from the next line.
        line_end = text.find("\n", position)
        if line_end == -1:
            return False
        position = text.find("#", line_end)
    return False


def _careful_table(lines: list[str], header_index: int, names: tuple[str, ...], where: str) -> np.ndarray:
    """Read the data rows one by one; raise a DataError at the first bad line."""
    # Rows are collected as they are read: blank lines (any number of them) take no room.
    rows: list[list[float]] = []
    for i in range(header_index + 1, len(lines)):
        line = lines[i]
        if _is_skipped(line):
            continue
        line_no = i + 1
        # Counting commas first keeps a huge ragged line from being split into cells.
        if '"' not in line and line.count(",") + 1 != len(names):
            raise DataError(_ragged(where, line_no, line.count(",") + 1, names))
        cells = _split(line, _at_line(where, line_no))
        if len(cells) != len(names):
            raise DataError(_ragged(where, line_no, len(cells), names))
        rows.append([_number(cell, where, line_no, name) for name, cell in zip(names, cells)])
    return np.array(rows, dtype=np.float64).reshape(-1, len(names))


def _ragged(where: str, line_no: int, got: int, names: tuple[str, ...]) -> str:
    want, place = len(names), _at_line(where, line_no)
    if got < want:
        missing = ", ".join(_show(n) for n in names[got:got + 5])
        if want - got > 5:
            missing += tr(", … ({n} columns)", n=want - got)
        if got == 1:
            return tr("{where}: 1 cell but the header has {want} columns (no value for {missing})",
                      where=place, want=want, missing=missing)
        return tr("{where}: {got} cells but the header has {want} columns (no value for {missing})",
                  where=place, got=got, want=want, missing=missing)
    return tr("{where}: {got} cells but the header has {want} columns ({names}); cell {extra} has no column",
              where=place, got=got, want=want, names=_listing(names, limit=5), extra=want + 1)


def _number(cell: str, path: str, line_no: int, name: str) -> float:
    try:
        return _checked_number(cell, "")
    except DataError:  # the place is written only for the cell that is refused
        return _checked_number(cell, _at_column(path, line_no, name))


def _checked_number(cell: str, where: str) -> float:
    if cell == "":
        raise DataError(tr("{where}: empty cell", where=where))
    if len(cell) > MAX_CELL:
        raise DataError(tr("{where}: {cell} is too long to be a number", where=where, cell=_show(cell)))
    if _NON_FINITE.fullmatch(cell):
        raise DataError(tr("{where}: {cell} is not a finite number", where=where, cell=_show(cell)))
    if not _NUMBER.fullmatch(cell):
        raise DataError(tr("{where}: {cell} is not a number", where=where, cell=_show(cell)))
    value = float(cell)
    if not math.isfinite(value):
        raise DataError(tr("{where}: {cell} is too large (beyond 1.8e308)", where=where, cell=_show(cell)))
    return value


def _show(text: str) -> str:
    """A cell or a name quoted for a message, shortened when it is long."""
    if len(text) > 40:
        return tr("{text}… ({n} characters)", text=repr(text[:30]), n=f"{len(text):,}")
    return repr(text)


def _listing(names, limit: int = 20) -> str:
    """Column names for a message: the first `limit` of them, each shortened when long."""
    shown = [n if len(n) <= 40 else n[:30] + "…" for n in names[:limit]]
    more = tr(", … ({n} columns)", n=len(names)) if len(names) > limit else ""
    return ", ".join(shown) + more


# --- synthetic data ---------------------------------------------------------------------------


def synthetic_linear(
    samples: int = 100, features: int = 1, noise: float = 0.1, seed: int = 0
) -> tuple[Dataset, dict[str, float]]:
    """A data set y = X·w + b + noise·ε with known w and b, returned with those true parameters.

    From rng = np.random.default_rng(seed), in this order: w (features numbers, uniform in
    [-3, 3]), b (uniform in [-2, 2]), both rounded to 2 decimals so a student can read them;
    then X (samples × features, standard normal) and ε (samples, standard normal).
    Columns are x (one feature) or x1..xN, then y; the true parameters are keyed
    w_x / w_x1.. and b, as the linear model names them.
    """
    samples = _count("--samples", samples)
    features = _count("--features", features)
    noise = _noise(noise)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise OptionError(tr("--seed must be a whole number >= 0, got {value}", value=repr(seed)))
    if samples * (features + 1) > MAX_SYNTHETIC_CELLS:
        raise OptionError(tr("--samples × (--features + 1) must be at most {limit} numbers, got {samples} × {columns}",
                             limit=f"{MAX_SYNTHETIC_CELLS:,}", samples=f"{samples:,}", columns=f"{features + 1:,}"))
    rng = np.random.default_rng(seed)
    w = np.round(rng.uniform(-3.0, 3.0, size=features), 2)
    b = float(np.round(rng.uniform(-2.0, 2.0), 2))
    X = rng.standard_normal((samples, features))
    y = X @ w + b + noise * rng.standard_normal(samples)

    columns = ["x"] if features == 1 else [f"x{i}" for i in range(1, features + 1)]
    table = np.column_stack([X, y])
    source = f"synthetic linear (samples={samples}, features={features}, noise={noise:g}, seed={seed})"
    truth = {f"w_{c}": float(v) for c, v in zip(columns, w)}
    truth["b"] = b
    return _frozen([*columns, "y"], table, source), truth


def _count(option: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise OptionError(tr("{option} must be a whole number >= 1, got {value}", option=option, value=repr(value)))
    return int(value)


def _noise(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OptionError(tr("--noise must be a number, got {value}", value=repr(value))) from None
    if isinstance(value, bool) or not (math.isfinite(number) and number >= 0):
        raise OptionError(tr("--noise must be a finite number >= 0, got {value}", value=repr(value)))
    return number
