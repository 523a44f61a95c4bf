"""Writing CSV files people open in spreadsheets, with formula injection neutralised.

A cell that begins with = + - @, a tab or a carriage return can be run as a formula by
Excel or LibreOffice; such cells get a leading apostrophe so they are shown as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A value as CSV text, with a leading `'` if a spreadsheet could read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


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
