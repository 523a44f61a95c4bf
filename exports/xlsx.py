"""xlsx: a data sheet and a codebook sheet (xlsxwriter, rows streamed to disk).

Excel stops at 1,048,576 rows and writing costs minutes per 100,000 rows, so the page
and the command warn above `XLSX_ADVISED_ROWS` and offer the other formats.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from exports.codebook import HEADER, codebook_rows
from exports.columns import Column
from exports.safe import safe_value

XLSX_ADVISED_ROWS = 100_000
XLSX_MAX_ROWS = 1_048_575  # below the header


class XlsxWriter:
    """Writes data rows as they come, then the codebook sheet."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        import xlsxwriter

        self.columns = columns
        self.book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_formulas": False}
        )
        self.book.set_properties({"created": datetime.datetime(2000, 1, 1)})
        self.data = self.book.add_worksheet("data")
        self.data.write_row(0, 0, [c.name for c in columns])
        self.row = 1

    def write(self, table: pa.Table) -> None:
        """Append a chunk of rows."""
        if self.row + table.num_rows > XLSX_MAX_ROWS + 1:
            raise ValueError("too many rows for xlsx (Excel stops at 1,048,576)")
        for values in zip(*(col.to_pylist() for col in table.columns), strict=True):
            self.data.write_row(self.row, 0, [safe_value(v) for v in values])
            self.row += 1

    def close(self) -> None:
        """Add the codebook sheet and finish the file."""
        sheet = self.book.add_worksheet("codebook")
        sheet.write_row(0, 0, HEADER)
        for n, row in enumerate(codebook_rows(self.columns), start=1):
            sheet.write_row(n, 0, [safe_value(v) for v in row])
        self.book.close()
