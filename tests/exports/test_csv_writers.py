"""data.csv and labels.csv, written a chunk at a time by polars (mostly numbers) or
pyarrow (mostly text): one file whatever the chunks, the same bytes from both (pyarrow's
writer's, as before polars), awkward text read back as written (neutralised), no value
apart from empty text, floats without a needless ".0"."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from exports.dataset import Dataset, Options
from exports.safe import safe_value
from exports.tables import labelled_table, safe_table
from exports.writers import CsvWriter, LabelsCsvWriter, _PolarsCsv
from tests.exports.samples import random_table, versions

AWKWARD = [
    "",
    "plain",
    "com,ma",
    'say "hi"',
    '"',
    "two\nlines",
    "windows\r\nline",
    "lone\rcarriage",
    "  padded  ",
    "Région Nord-Est",
    "北京 · ✓ · 🙂",
    "=1+1",
    "-99",
    "+44 20 7946 0000",
    "@home",
    "\ttabbed",
    "NA",
    "3.50",
    None,
]


def _table(dataset: Dataset, rows: int, seed: int) -> pa.Table:
    """Rows of the dataset's shape: codes, reserved codes, blanks, whole and fractional
    floats, awkward text."""
    codes = [1, 2, 3, 9, -99, -98, -97, -96, -95, 0]
    fractions = [0, 0.25, 1 / 3, 1e-7, 1e16]
    return random_table(dataset, rows, seed, texts=AWKWARD, codes=codes, fractions=fractions)


def _write(cls, path, dataset, table, chunk) -> bytes:
    writer = cls(path, dataset.columns)
    for start in range(0, table.num_rows, chunk):
        writer.write(table.slice(start, chunk))
    writer.close()
    return path.read_bytes()


def _pyarrow_csv(table: pa.Table) -> bytes:
    """What the writers wrote before polars: pyarrow's writer, quoting where needed."""
    out = io.BytesIO()
    pa_csv.write_csv(table, out, pa_csv.WriteOptions(quoting_style="needed"))
    return out.getvalue()


WRITERS = {"csv": CsvWriter, "labels": LabelsCsvWriter}


@pytest.fixture(params=["polars", "pyarrow"], autouse=True)
def engine(request, monkeypatch):
    """Each test with either writer, whatever the share of text columns."""
    monkeypatch.setattr(CsvWriter, "polars_share", 1.0 if request.param == "polars" else -1.0)
    return request.param


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize(("rows", "chunk", "seed"), [(1, 5, 1), (57, 10, 2), (300, 7, 3)])
def test_a_file_written_in_chunks_is_the_file_written_at_once(
    tmp_path, engine, fmt, rows, chunk, seed
):
    dataset = Dataset(list(versions()), Options())
    table = _table(dataset, rows, seed)
    chunked = _write(WRITERS[fmt], tmp_path / "chunked.csv", dataset, table, chunk)
    whole = _write(WRITERS[fmt], tmp_path / "whole.csv", dataset, table, rows)
    assert chunked == whole
    writer = WRITERS[fmt](tmp_path / "x.csv", dataset.columns)
    writer.close()
    assert isinstance(writer.writer, _PolarsCsv) == (engine == "polars")
    assert chunked.count(b"response_id") == 1  # one header
    assert chunked.decode("utf-8").startswith('"response_id","instrument",')


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_no_rows_give_the_header_alone(tmp_path, fmt):
    dataset = Dataset(list(versions()), Options())
    written = _write(WRITERS[fmt], tmp_path / "d.csv", dataset, dataset.schema.empty_table(), 5)
    assert written.decode() == ",".join(f'"{name}"' for name in dataset.names) + "\n"


def test_awkward_text_reads_back_through_pandas_as_written_and_neutralised(tmp_path):
    dataset = Dataset(list(versions()), Options())
    table = _table(dataset, 400, 4)
    _write(CsvWriter, tmp_path / "d.csv", dataset, table, 64)
    read = pd.read_csv(tmp_path / "d.csv", dtype=str, keep_default_na=False)
    assert list(read.columns) == dataset.names and len(read) == 400
    texts = [f.name for f in dataset.schema if pa.types.is_string(f.type)]
    assert texts
    for name in texts:
        expected = ["" if v is None else safe_value(v) for v in table.column(name).to_pylist()]
        assert read[name].tolist() == expected, name
    assert "'=1+1" in read.values and "=1+1" not in read.values
    assert "-99" in read.values  # a number as text is not neutralised


def test_no_value_and_empty_text_stay_apart(tmp_path):
    """No value is an empty field; empty text is `""` (as pyarrow wrote it, and as the
    database's COPY writes it)."""
    dataset = Dataset(list(versions()), Options())
    table = _table(dataset, 400, 5)
    _write(CsvWriter, tmp_path / "d.csv", dataset, table, 64)
    texts = [f.name for f in dataset.schema if pa.types.is_string(f.type)]
    options = pa_csv.ConvertOptions(
        column_types={n: pa.string() for n in texts},
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    read = pa_csv.read_csv(tmp_path / "d.csv", convert_options=options)
    for name in texts:
        expected = [None if v is None else safe_value(v) for v in table.column(name).to_pylist()]
        assert read.column(name).to_pylist() == expected, name


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize(("rows", "chunk", "seed"), [(0, 5, 6), (1, 5, 7), (300, 50, 8)])
def test_the_bytes_are_what_pyarrows_writer_wrote(tmp_path, fmt, rows, chunk, seed):
    dataset = Dataset(list(versions()), Options())
    table = _table(dataset, rows, seed)
    written = _write(WRITERS[fmt], tmp_path / "d.csv", dataset, table, chunk)
    before = table if fmt == "csv" else labelled_table(dataset.columns, table)
    assert written == _pyarrow_csv(safe_table(before))


def test_floats_are_written_as_pyarrow_wrote_them(tmp_path, engine):
    """Whole floats without ".0", so a reserved code in a decimal or score column reads
    -99 as the data package's `missingValues` say."""
    dataset = Dataset(list(versions()), Options())
    floats = [f.name for f in dataset.schema if pa.types.is_floating(f.type)]
    assert floats
    values = [-99.0, 1.0, 0.25, 1 / 3, 1e16, 1e-7, None]
    arrays = [
        pa.array(values, f.type) if f.name in floats else pa.nulls(len(values), f.type)
        for f in dataset.schema
    ]
    table = pa.Table.from_arrays(arrays, schema=dataset.schema)
    written = _write(CsvWriter, tmp_path / "d.csv", dataset, table, 3).decode()
    column = dataset.names.index(floats[0])
    cells = [line.split(",")[column] for line in written.splitlines()[1:]]
    assert cells == ["-99", "1", "0.25", "0.3333333333333333", "1e+16", "1e-7", ""]
    assert written == _pyarrow_csv(table).decode()


def test_other_arrow_types_are_written_as_pyarrow_writes_them(tmp_path):
    """The export's tables hold numbers and text only (dates and times as text); should a
    date, a time or a flag reach the polars writer, it writes pyarrow's bytes too."""
    import datetime as dt

    table = pa.table({
        "day": pa.array([dt.date(2026, 1, 2), None]),
        "at": pa.array([dt.datetime(2026, 1, 2, 3, 4, 5, 123456), None], pa.timestamp("us")),
        "second": pa.array([dt.datetime(2026, 1, 2, 3, 4, 5), None], pa.timestamp("s")),
        "flag": pa.array([True, None]),
        "small": pa.array([1, None], pa.int8()),
    })  # fmt: skip
    writer = _PolarsCsv(tmp_path / "d.csv", table.schema)
    writer.write_table(table)
    writer.close()
    assert (tmp_path / "d.csv").read_bytes() == _pyarrow_csv(table)
