"""Writers: each takes the dataset's columns, is fed arrow chunks, and writes one file.

CSV and parquet stream chunk by chunk. SPSS and Stata files: pyreadstat (ReadStat)
takes one whole frame and has no way to append rows, and a whole frame of a national
dataset does not fit in memory. So the chunks go to a temporary arrow file while the
widest text of each string variable is noted; at the end pyreadstat writes the file's
dictionary (variables, labels, missing values: everything but the data) from a
two-row frame with the same types and widths, and the rows are laid down after it
chunk by chunk, in the fixed-width layout ReadStat itself writes (`_RowLayout`); the
case count is patched. Only what ReadStat cannot lay out row by row (SPSS text longer
than 255 bytes, Stata strL) falls back to one whole frame. Dates and times (ISO 8601
text in the dataset) are spooled as the doubles the file holds (`DATES`), so that the
rows and the dictionary agree whichever way they are written. Tests check the result is
byte for byte what pyreadstat writes from the whole frame. Headers of .sav and .dta
carry no clock time: the same data gives the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from exports.columns import MONTH, SCORE, STRING, TIMESTAMP, Column
from exports.tables import labelled_schema, labelled_table, safe_table, schema
from forms.routing import MISSING_LABELS
from forms.variables import CODE, DATE, DECIMAL, FLAG, INTEGER, TEXT

RESERVED = (-99, -98, -97, -96, -95)
STATA_MISSING = dict(zip(RESERVED, "abcde", strict=True))  # -99 -> .a … -95 -> .e

# SPSS measurement level of each kind of variable. Choice codes are nominal: an
# instrument does not say whether a list is ordered (a scale), so none is ordinal.
MEASURES = {
    CODE: "nominal", FLAG: "nominal", INTEGER: "scale", DECIMAL: "scale", SCORE: "scale",
    DATE: "scale", TIMESTAMP: "scale", MONTH: "nominal", TEXT: "nominal", STRING: "nominal",
}  # fmt: skip

# Kinds written to .sav and .dta as dates (read from their ISO 8601 text as this arrow
# type, which refuses anything else) and their SPSS and Stata formats. Both hold dates
# as doubles: SPSS seconds since 14 Oct 1582; Stata days (%td) or ms (%tc) since 1960.
# A month (de-identified times) stays text: a date variable needs a day, and one made
# up (the 1st) would read as a real day wherever MOYR or %tm is not understood.
DATES = {
    DATE: (pa.date32(), "DATE11", "%td"),
    TIMESTAMP: (pa.timestamp("s", tz="UTC"), "DATETIME20", "%tc"),
}
SPSS_EPOCH = 12_219_379_200  # seconds from 14 Oct 1582 to 1 Jan 1970
STATA_EPOCH = 315_619_200  # seconds from 1 Jan 1960 to 1 Jan 1970


class CsvWriter:
    """Codes as CSV (UTF-8, text quoted where needed, text neutralised), a chunk at a time.

    Written by polars when at most one column in six is text (data.csv, mostly codes),
    otherwise by pyarrow's CSV writer (labels.csv, mostly text), with the same bytes
    either way: names and every text quoted, quotes in text doubled, no value an empty
    field (empty text `""`), floats as pyarrow writes them (shortest round trip, whole
    numbers without ".0": a reserved code in a decimal or score column reads -99, as the
    data package's `missingValues` say; polars itself would write -99.0). Per 1,000,000
    rows and column (2 cores, measured): numbers cost pyarrow 0.066 CPU-s and polars 0.021;
    text cost pyarrow 0.046 and polars 0.27 (quoting it in arrow, then writing it)."""

    suffix = ".csv"
    polars_share = 1 / 6  # the largest share of text columns polars writes

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.columns = columns
        fixed = self.table_schema(columns)
        texts = sum(pa.types.is_string(field.type) for field in fixed)
        if texts <= self.polars_share * len(fixed):
            self.writer = _PolarsCsv(path, fixed)
        else:
            options = pa_csv.WriteOptions(quoting_style="needed")
            self.writer = pa_csv.CSVWriter(str(path), fixed, write_options=options)

    def table_schema(self, columns: Sequence[Column]) -> pa.Schema:
        """The schema of the tables written."""
        return schema(columns)

    def write(self, table: pa.Table) -> None:
        """Append a chunk."""
        self.writer.write_table(safe_table(table))

    def close(self) -> None:
        """Finish the file."""
        self.writer.close()


def load_libraries() -> None:
    """Import what writing needs that importing this module does not (polars): a process
    that writes exports (`fieldwork worker`) calls it at start, so that its first export
    does not wait for the import; the web app's processes never write and never call it."""
    import polars  # noqa: F401


class _PolarsCsv:
    """What pyarrow's `CSVWriter` writes, written by polars: text, floats and times made into
    their CSV text here (arrow compute), the cells written as they are."""

    def __init__(self, path: Path, fixed: pa.Schema) -> None:
        import polars  # (see `load_libraries`)

        self.polars = polars
        self.schema = fixed
        self.out = open(path, "wb")  # noqa: SIM115 (closed by close())
        self.out.write(",".join(_quoted_name(f.name) for f in fixed).encode() + b"\n")

    def write_table(self, table: pa.Table) -> None:
        """Append a chunk."""
        if not table.schema.equals(self.schema):
            raise ValueError(f"{self.out.name}: a chunk's schema is not the file's")
        if not table.num_rows:
            return
        cells = pa.Table.from_arrays(
            [_cells(col) for col in table.columns], names=table.column_names
        )
        frame = self.polars.from_arrow(cells)
        frame.write_csv(self.out, include_header=False, quote_style="never")

    def close(self) -> None:
        """Finish the file."""
        self.out.close()


def _quoted_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cells(column):
    """A column as polars should write it: integers, dates and booleans as they are; text
    quoted, its quotes doubled; anything else (floats, times) as pyarrow's own cast to
    text writes it, as its CSV writer does (1, 0.25, 1e+16; 2026-01-02 03:04:05)."""
    kind = column.type
    if pa.types.is_string(kind):
        return pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
    if pa.types.is_integer(kind) or pa.types.is_date32(kind) or pa.types.is_boolean(kind):
        return column
    return pc.cast(column, pa.string())


class LabelsCsvWriter(CsvWriter):
    """Value labels instead of codes (labels.csv)."""

    def table_schema(self, columns: Sequence[Column]) -> pa.Schema:
        """The schema of the tables written: labelled variables as text."""
        return labelled_schema(columns)

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
    """Spools the chunks to a temporary arrow file, noting each text variable's widest
    value; at the end writes the dictionary with pyreadstat and the rows after it."""

    longest = 255  # widest text laid out row by row (beyond: pyreadstat, whole frame)

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.path, self.columns = path, columns
        self.dated = {c.name: c.kind for c in columns if c.kind in DATES}
        self.schema = pa.schema(
            [f.with_type(pa.float64()) if f.name in self.dated else f for f in schema(columns)]
        )  # the dataset's, with dates as the numbers the file holds
        self.spool = path.with_name(f".{path.name}.arrow")
        self.sink = pa.OSFile(str(self.spool), "wb")
        options = pa.ipc.IpcWriteOptions(compression="lz4")
        self.spooler = pa.ipc.new_stream(self.sink, self.schema, options=options)
        self.rows = 0
        self.widths = {c.name: 0 for c, f in zip(columns, self.schema, strict=True) if _text(f)}

    def write(self, table: pa.Table) -> None:
        """Spool a chunk (dates as numbers); note the widest text (UTF-8 bytes) of each
        string variable."""
        table = self.numbered_dates(table)
        self.spooler.write_table(table)
        self.rows += table.num_rows
        for name in self.widths:
            widest = pc.max(pc.binary_length(table.column(name))).as_py() or 0
            self.widths[name] = max(self.widths[name], widest)

    def numbered_dates(self, table: pa.Table) -> pa.Table:
        """The chunk with its dates (ISO 8601 text) as the file's numbers of them."""
        if not self.dated:
            return table
        arrays = [
            _date_numbers(column, self.dated[name], self.kind) if name in self.dated else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        ]
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def formats(self) -> dict[str, str]:
        """The date formats of the dated variables."""
        at = 1 if self.kind == "sav" else 2
        return {name: DATES[kind][at] for name, kind in self.dated.items()}

    def chunks(self) -> Iterator[pa.Table]:
        """The spooled chunks, one at a time (read, not mapped: the pages of a mapped spool
        stay in the process's memory as it is read, growing with the rows)."""
        with pa.ipc.open_stream(pa.OSFile(str(self.spool))) as reader:
            for batch in reader:
                yield pa.Table.from_batches([batch], self.schema)

    def close(self) -> None:
        """Write the file: dictionary by pyreadstat, then the rows (or one whole frame)."""
        self.spooler.close()
        self.sink.close()
        try:
            if self.rows and max(self.widths.values(), default=0) <= self.longest:
                self._write_streamed()
            else:
                self._write(
                    self.frame(pa.concat_tables([self.schema.empty_table(), *self.chunks()]))
                )
        finally:
            self.spool.unlink(missing_ok=True)
        self.fix_clock()

    def frame(self, table: pa.Table):
        """A table as the pandas frame pyreadstat takes (numbers as doubles)."""
        frame = table.to_pandas()
        for column in self.columns:  # SPSS and Stata numbers are doubles; labels match them
            if column.numeric:
                frame[column.name] = frame[column.name].astype("float64")
        return frame

    def template(self) -> pa.Table:
        """Two rows with every variable's type and width: the widest text and 0, then no
        text, -99 where reserved codes go and no value elsewhere."""
        arrays = []
        for column, field in zip(self.columns, self.schema, strict=True):
            if field.name in self.widths:
                wide = "x" * self.widths[field.name] if self.widths[field.name] else None
                arrays.append(pa.array([wide, None], field.type))
            else:
                arrays.append(pa.array([0, -99 if column.carries_codes else None], field.type))
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def _write_streamed(self) -> None:
        template = self.template()
        self._write(self.frame(template))
        coded = {c.name for c in self.columns if c.carries_codes}
        layout = _RowLayout(self.schema, self.widths, self.kind, coded)
        expected = layout.encode(template)  # checked against what pyreadstat wrote
        with open(self.path, "r+b") as out:
            head = out.read()
            data, after = self.locate(head, len(expected))
            if head[data : data + len(expected)] != expected:  # pragma: no cover (a defect)
                raise RuntimeError(f"{self.path.name}: rows not laid out as pyreadstat does")
            out.seek(0)
            out.truncate()
            out.write(self.patched(head[:data]))
            for table in self.chunks():
                out.write(layout.encode(table))
            out.write(head[after:])


def _text(field: pa.Field) -> bool:
    return pa.types.is_string(field.type)


def _date_numbers(column, kind: str, fmt: str) -> pa.ChunkedArray:
    """ISO 8601 dates or times as SPSS (`sav`) or Stata (`dta`) holds them, as doubles
    (no value where there is no date)."""
    try:
        parsed = pc.cast(column, DATES[kind][0])
    except pa.ArrowInvalid as error:
        raise ValueError(f"a {kind} not in ISO 8601: {error}") from None
    if kind == DATE:
        days = pc.cast(pc.cast(parsed, pa.int32()), pa.float64())  # since 1970
        if fmt == "dta":
            return pc.add(days, STATA_EPOCH // 86_400)
        return pc.multiply(pc.add(days, SPSS_EPOCH // 86_400), 86_400)
    seconds = pc.cast(pc.cast(parsed, pa.int64()), pa.float64())
    if fmt == "sav":
        return pc.add(seconds, SPSS_EPOCH)
    return pc.multiply(pc.add(seconds, STATA_EPOCH), 1000)


SYSMIS = struct.unpack("<Q", struct.pack("<d", -np.finfo(np.float64).max))[0]
STATA_DOT = 0x7FE0000000000000  # Stata's ".", and .a … .z after it
STATA_STEP = 0x0000010000000000


class _RowLayout:
    """Rows in ReadStat's uncompressed fixed-width layout: doubles (little-endian), text
    padded to its width (SPSS: spaces, to a multiple of 8 bytes; Stata: NUL bytes)."""

    def __init__(self, table_schema: pa.Schema, widths: dict[str, int], kind: str, coded) -> None:
        self.kind = kind
        self.coded = [field.name in coded for field in table_schema]  # reserved codes go here
        self.widths: list[int | None] = []
        names, formats, offsets, at = [], [], [], 0
        for n, field in enumerate(table_schema):
            width = widths.get(field.name)
            if width is not None:
                width = max(width, 1)
                width = -(-width // 8) * 8 if kind == "sav" else width
            names.append(f"f{n}")
            formats.append(f"S{width}" if width is not None else "<u8")
            offsets.append(at)
            at += width if width is not None else 8
            self.widths.append(width)
        self.dtype = np.dtype(
            {"names": names, "formats": formats, "offsets": offsets, "itemsize": at}
        )

    def encode(self, table: pa.Table) -> bytes:
        """The chunk's rows as the file holds them."""
        rows = np.zeros(table.num_rows, dtype=self.dtype)
        for n, (column, width) in enumerate(zip(table.columns, self.widths, strict=True)):
            if width is None:
                rows[f"f{n}"] = self._numbers(column, self.coded[n])
            else:
                rows[f"f{n}"] = self._texts(column, width)
        return rows.tobytes()

    def _numbers(self, column, coded: bool) -> np.ndarray:
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        bits = np.ascontiguousarray(values, dtype="<f8").view("<u8").copy()
        missing = np.isnan(values)
        if self.kind == "sav":
            bits[missing] = SYSMIS
            return bits
        bits[missing] = STATA_DOT
        for code, letter in STATA_MISSING.items() if coded else ():
            bits[values == code] = STATA_DOT + STATA_STEP * (ord(letter) - ord("a") + 1)
        return bits

    def _texts(self, column, width: int) -> np.ndarray:
        """Text as fixed-width bytes, copied out of the arrow buffers without a loop."""
        array = pc.fill_null(column, "").combine_chunks().cast(pa.binary())
        n = len(array)
        offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[
            array.offset : array.offset + n + 1
        ]
        data = np.frombuffer(array.buffers()[2], dtype=np.uint8) if n else np.zeros(0, np.uint8)
        matrix = np.full((n, width), 0x20 if self.kind == "sav" else 0, dtype=np.uint8)
        matrix[np.arange(width) < np.diff(offsets)[:, None]] = data[offsets[0] : offsets[-1]]
        return matrix.view(f"S{width}").reshape(n)


def _labels(columns: Sequence[Column]) -> dict[str, str]:
    return {c.name: c.label for c in columns}


class SavWriter(_FrameWriter):
    """SPSS .sav: variable labels, value labels, reserved codes declared user-missing."""

    kind = "sav"

    def locate(self, head: bytes, size: int) -> tuple[int, int]:
        """Where the template's rows start and end: the data ends the file."""
        return len(head) - size, len(head)

    def patched(self, head: bytes) -> bytes:
        """The dictionary with the number of cases set (bytes 80 to 84, and record 7/16)."""
        cases = self.rows if self.rows < 2**31 else -1
        head = head[:80] + struct.pack("<i", cases) + head[84:]
        # and in the extension record 7/16 (64-bit case count), which follows the template's 2
        record = struct.pack("<4i2q", 7, 16, 8, 2, 1, 2)
        if head.count(record) != 1:  # pragma: no cover (a defect)
            raise RuntimeError(f"{self.path.name}: case count record not found")
        return head.replace(record, struct.pack("<4i2q", 7, 16, 8, 2, 1, self.rows))

    def fix_clock(self) -> None:
        """No clock time in the header."""
        _fix_sav_clock(self.path)

    def _write(self, frame) -> None:
        """pyreadstat writes the frame (the template, or the whole data)."""
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
            frame, str(self.path), column_labels=_labels(self.columns),
            variable_value_labels=value_labels, missing_ranges=missing,
            variable_measure={c.name: MEASURES[c.kind] for c in self.columns},
            variable_format=self.formats(),
        )  # fmt: skip


class DtaWriter(_FrameWriter):
    """Stata 118 .dta: value labels; reserved codes as extended missing .a to .e."""

    kind = "dta"
    longest = 2044  # wider text is a strL, held apart from the rows

    def locate(self, head: bytes, size: int) -> tuple[int, int]:
        """Where the rows start and end: after `<data>`, before `</data>` (from the map)."""
        self.map_at = head.index(b"<map>") + 5
        self.offsets = list(struct.unpack("<14Q", head[self.map_at : self.map_at + 112]))
        start = self.offsets[9] + len(b"<data>")
        if head[start + size : start + size + 7] != b"</data>":  # pragma: no cover
            raise RuntimeError(f"{self.path.name}: unexpected layout")
        self.delta = (self.rows - 2) * (size // 2)
        return start, start + size

    def patched(self, head: bytes) -> bytes:
        """The header with N (observations) set and the map's later offsets moved."""
        at = head.index(b"<N>") + 3
        head = head[:at] + struct.pack("<Q", self.rows) + head[at + 8 :]
        offsets = self.offsets[:10] + [o + self.delta for o in self.offsets[10:]]
        packed = struct.pack("<14Q", *offsets)
        return head[: self.map_at] + packed + head[self.map_at + 112 :]

    def fix_clock(self) -> None:
        """No clock time in the header."""
        _fix_dta_clock(self.path)

    def _write(self, frame) -> None:
        """pyreadstat writes the frame (the template, or the whole data)."""
        import pyreadstat

        value_labels, missing = {}, {}
        for c in self.columns:
            if not c.numeric and c.name not in self.dated:  # Stata text has no missing
                frame[c.name] = frame[c.name].fillna("")  # but "" (ReadStat fails on a strL)
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
            variable_format=self.formats(),
        )  # fmt: skip


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
