"""Writing CSV files people open in spreadsheets, with formula injection neutralised.

The rule is `exports.safe`'s (one rule for every CSV and xlsx the platform writes).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

from exports.safe import safe_cell

__all__ = ["csv_response", "csv_text", "safe_cell", "write_csv"]


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: io.TextIOBase) -> int:
    """Write a header and rows to `out` with every cell made safe; return the rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV as a string (made safe)."""
    out = io.StringIO()
    write_csv(header, rows, out)
    return out.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A download of a safe CSV, with a BOM so Excel reads UTF-8, never cached."""
    body = "\ufeff" + csv_text(header, rows)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
