"""Writers: each takes the dataset's columns, is fed arrow chunks, and writes one file.

CSV and parquet stream chunk by chunk. SPSS and Stata files are written by pyreadstat,
which takes one whole frame, so those writers keep the columns (compact arrow arrays)
until the end. Headers of .sav and .dta carry no clock time: the same data gives the
same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from exports.columns import Column
from exports.tables import labelled_schema, labelled_table, safe_table, schema
from forms.routing import MISSING_LABELS

RESERVED = (-99, -98, -97, -96, -95)
STATA_MISSING = dict(zip(RESERVED, "abcde", strict=True))  # -99 -> .a … -95 -> .e


class CsvWriter:
    """Codes as CSV (UTF-8, quoted where needed, text neutralised)."""

    suffix = ".csv"

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.columns = columns
        options = pa_csv.WriteOptions(quoting_style="needed")
        self.writer = pa_csv.CSVWriter(str(path), schema(columns), write_options=options)

    def write(self, table: pa.Table) -> None:
        """Append a chunk."""
        self.writer.write_table(safe_table(table))

    def close(self) -> None:
        """Finish the file."""
        self.writer.close()


class LabelsCsvWriter(CsvWriter):
    """Value labels instead of codes (labels.csv)."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.columns = columns
        options = pa_csv.WriteOptions(quoting_style="needed")
        fixed = labelled_schema(columns)
        self.writer = pa_csv.CSVWriter(str(path), fixed, write_options=options)

    def write(self, table: pa.Table) -> None:
        """Append a chunk, labelled."""
        self.writer.write_table(safe_table(labelled_table(self.columns, table)))


class ParquetWriter:
    """Codes as parquet (snappy), written a row group per chunk."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.writer = pq.ParquetWriter(str(path), schema(columns), compression="snappy")

    def write(self, table: pa.Table) -> None:
        """Append a chunk as a row group."""
        self.writer.write_table(table)

    def close(self) -> None:
        """Finish the file."""
        self.writer.close()


class _FrameWriter:
    """Keeps the chunks, then hands pyreadstat one frame."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.path, self.columns, self.chunks = path, columns, []

    def write(self, table: pa.Table) -> None:
        """Keep a chunk."""
        self.chunks.append(table)

    def frame(self):
        """All chunks as one pandas frame (numbers as floats, text as objects)."""
        table = pa.concat_tables(self.chunks) if self.chunks else schema(self.columns).empty_table()
        self.chunks = []
        frame = table.to_pandas()
        for column in self.columns:  # SPSS and Stata numbers are doubles; labels match them
            if column.numeric:
                frame[column.name] = frame[column.name].astype("float64")
        return frame


def _labels(columns: Sequence[Column]) -> dict[str, str]:
    return {c.name: c.label for c in columns}


class SavWriter(_FrameWriter):
    """SPSS .sav: variable labels, value labels, reserved codes declared user-missing."""

    def close(self) -> None:
        """Write the file."""
        import pyreadstat

        value_labels, missing = {}, {}
        for c in self.columns:
            labels = {float(k): v for k, v in c.values.items()}
            if c.carries_codes:
                labels.update({float(k): v for k, v in MISSING_LABELS.items()})
                ranges = [{"lo": -99.0, "hi": -95.0}]
                ranges += [float(code) for code in c.user_missing[:1]]
                missing[c.name] = ranges
            if labels and c.numeric:
                value_labels[c.name] = labels
        pyreadstat.write_sav(
            self.frame(), str(self.path), column_labels=_labels(self.columns),
            variable_value_labels=value_labels, missing_ranges=missing,
        )  # fmt: skip
        _fix_sav_clock(self.path)


class DtaWriter(_FrameWriter):
    """Stata 118 .dta: value labels; reserved codes as extended missing .a to .e."""

    def close(self) -> None:
        """Write the file."""
        import pyreadstat

        frame = self.frame()
        value_labels, missing = {}, {}
        for c in self.columns:
            labels = {float(k): v for k, v in c.values.items()}
            if c.carries_codes:
                frame[c.name] = _stata_codes(frame[c.name])
                labels.update({STATA_MISSING[k]: v for k, v in MISSING_LABELS.items()})
                missing[c.name] = list("abcde")
            if labels and c.kind != "decimal" and c.numeric:
                value_labels[c.name] = labels
        labels = {c.name: c.label[:80] for c in self.columns}
        pyreadstat.write_dta(
            frame, str(self.path), version=14, column_labels=labels,
            variable_value_labels=value_labels, missing_user_values=missing,
        )  # fmt: skip
        _fix_dta_clock(self.path)


def _stata_codes(series):
    """A numeric column with the reserved codes replaced by Stata's missing letters."""
    values = series.astype(object)
    mask = series.isin(RESERVED)
    if mask.any():
        values[mask] = series[mask].map(lambda code: STATA_MISSING[int(code)])
    return values


def _fix_sav_clock(path: Path) -> None:
    """Put a fixed creation date and time in a .sav header (bytes 92 to 108)."""
    with open(path, "r+b") as out:
        out.seek(92)
        out.write(b"01 Jan 7000:00:00")


def _fix_dta_clock(path: Path) -> None:
    """Put a fixed time stamp in a .dta 118 header."""
    with open(path, "r+b") as out:
        head = out.read(512)
        at = head.find(b"<timestamp>")
        if at >= 0 and head[at + 11] == 17:
            out.seek(at + 12)
            out.write(b"01 Jan 1970 00:00")


WRITERS = {
    "csv": ("data.csv", CsvWriter),
    "labels": ("labels.csv", LabelsCsvWriter),
    "parquet": ("data.parquet", ParquetWriter),
    "sav": ("data.sav", SavWriter),
    "dta": ("data.dta", DtaWriter),
}
