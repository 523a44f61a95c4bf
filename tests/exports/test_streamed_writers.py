"""SPSS and Stata files written chunk by chunk equal, byte for byte, what pyreadstat writes
from the whole frame, and read back with every value, label and missing code."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyreadstat
import pytest

from exports.dataset import Dataset, Options
from exports.writers import DATES, DtaWriter, SavWriter
from forms.variables import DATE
from tests.exports.samples import random_table, versions

WRITERS = {"sav": SavWriter, "dta": DtaWriter}
TEXTS = ["", "a", "Région Nord-Est", "北京", "=1+1", "x" * 40, None]
# dates either side of SPSS's and Stata's day 0 and of 1970, times to the second
DAYS = [datetime.date(1582, 10, 14), datetime.date(1959, 12, 31), datetime.date(1960, 1, 1),
        datetime.date(1980, 1, 2), datetime.date(2026, 2, 28), None]  # fmt: skip
TIMES = [datetime.datetime(1960, 1, 1), datetime.datetime(2026, 3, 4, 5, 6, 7),
         datetime.datetime(1969, 12, 31, 23, 59, 59), None]  # fmt: skip


def _iso(value) -> str | None:
    if isinstance(value, datetime.datetime):
        return value.isoformat() + "Z"
    return None if value is None else value.isoformat()


def _random_table(dataset: Dataset, rows: int, seed: int, longest: int = 40) -> pa.Table:
    """Rows of the dataset's shape: codes, reserved codes, blanks, text of any width,
    dates and times (ISO 8601, as the dataset writes them)."""
    codes = [1, 2, 3, -99, -98, -97, -96, -95, 0]
    texts = [*TEXTS, "y" * longest]
    table = random_table(dataset, rows, seed, texts=texts, codes=codes, fractions=[0, 0.25, 0.5])
    rng = np.random.default_rng(seed)
    for n, column in enumerate(dataset.columns):
        if column.kind in DATES:
            picks = DAYS if column.kind == DATE else TIMES
            values = [_iso(picks[i]) for i in rng.integers(0, len(picks), rows)]
            table = table.set_column(n, column.name, pa.array(values, pa.string()))
    return table


def _dated(value: str | None):
    """What pyreadstat reads back for an ISO 8601 date or time: a date, a datetime."""
    if value is None:
        return None
    if value.endswith("Z"):
        return datetime.datetime.fromisoformat(value.removesuffix("Z"))
    return datetime.date.fromisoformat(value)


def _write(cls, path, dataset, table, chunk, whole=False):
    writer = cls(path, dataset.columns)
    if whole:
        writer.longest = -1  # what pyreadstat alone makes of the whole frame
    for start in range(0, max(table.num_rows, 1), chunk):
        writer.write(table.slice(start, chunk))
    writer.close()
    return path.read_bytes()


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize(
    ("rows", "chunk", "seed", "full"),
    [(0, 5, 1, False), (1, 5, 2, True), (57, 10, 3, False), (300, 7, 4, True)],
)
def test_streamed_file_is_what_pyreadstat_writes_from_the_whole_frame(
    tmp_path, fmt, rows, chunk, seed, full
):
    dataset = Dataset(list(versions()), Options(deidentified=not full))
    table = _random_table(dataset, rows, seed)
    streamed = _write(WRITERS[fmt], tmp_path / f"s.{fmt}", dataset, table, chunk)
    whole = _write(WRITERS[fmt], tmp_path / f"w.{fmt}", dataset, table, chunk, whole=True)
    assert streamed == whole
    assert not list(tmp_path.glob(".*"))  # the spool is gone


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("full", [False, True])
def test_streamed_file_reads_back_with_codes_and_missing_values(tmp_path, fmt, full):
    dataset = Dataset(list(versions()), Options(deidentified=not full))
    table = _random_table(dataset, 120, 5)
    _write(WRITERS[fmt], tmp_path / f"d.{fmt}", dataset, table, 50)
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = read(str(tmp_path / f"d.{fmt}"), user_missing=True)
    assert len(frame) == 120 and list(frame.columns) == dataset.names
    letters = {-99: "a", -98: "b", -97: "c", -96: "d", -95: "e"}
    for column in dataset.columns:
        expected = table.column(column.name).to_pylist()
        got = frame[column.name].tolist()
        if column.numeric:
            if fmt == "dta" and column.carries_codes:
                expected = [letters.get(v, v) for v in expected]
            got = [None if v != v else v for v in got]
        elif column.kind in DATES:  # dates and times read back as dates, none as missing
            expected = [_dated(v) for v in expected]
            got = [None if v is None or v != v else v for v in got]  # NaT, nan: none
        else:
            expected = ["" if v is None else v for v in expected]
        assert got == expected, column.name
    if fmt == "sav":
        assert meta.missing_ranges["used"][0] == {"lo": -99.0, "hi": -95.0}
    assert meta.variable_value_labels["used"][1.0] == "Yes"


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_a_date_not_in_iso_8601_is_a_clear_error(tmp_path, fmt):
    dataset = Dataset(list(versions()), Options())
    table = _random_table(dataset, 3, 7)
    at = dataset.names.index("born")
    table = table.set_column(at, "born", pa.array(["2026-02-30", None, None], pa.string()))
    writer = WRITERS[fmt](tmp_path / f"d.{fmt}", dataset.columns)
    with pytest.raises(ValueError, match="a date not in ISO 8601"):
        writer.write(table)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_text_too_wide_for_rows_falls_back_to_the_whole_frame(tmp_path, fmt):
    """SPSS text over 255 bytes (and Stata strL) is written by pyreadstat from one frame."""
    dataset = Dataset(list(versions()), Options())
    table = _random_table(dataset, 30, 6, longest=3000 if fmt == "dta" else 300)
    streamed = _write(WRITERS[fmt], tmp_path / f"s.{fmt}", dataset, table, 8)
    whole = _write(WRITERS[fmt], tmp_path / f"w.{fmt}", dataset, table, 8, whole=True)
    assert streamed == whole
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, _ = read(str(tmp_path / f"s.{fmt}"))
    assert frame["region"].str.len().max() == (3000 if fmt == "dta" else 300)


def test_stages_in_threads_keep_order_raise_errors_and_stop_early():
    from exports.pipeline import Behind, ahead

    assert list(ahead(range(50), depth=2)) == list(range(50))

    def failing():
        yield 1
        raise ValueError("from the thread")

    got = []
    with pytest.raises(ValueError, match="from the thread"):
        got.extend(ahead(failing()))
    assert got == [1]

    class Unreadable:
        def __iter__(self):
            raise OSError("cannot start reading")

    with pytest.raises(OSError, match="cannot start reading"):
        list(ahead(Unreadable()))  # raised here, not a consumer waiting for ever

    closed = []

    def endless():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.append(True)

    stream = ahead(endless())
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()
    assert closed == [True]  # the source was closed in its thread, and the thread ended

    done = []
    with Behind(done.append) as behind:
        for n in range(20):
            behind.put(n)
    assert done == list(range(20))

    def refuse(n):
        raise OSError(f"disk full at {n}")

    with pytest.raises(OSError, match="disk full at 0"), Behind(refuse) as behind:
        for n in range(20):
            behind.put(n)
