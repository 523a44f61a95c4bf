"""Reading uploaded CSV files: UTF-8 (with or without BOM) or Windows-1252, tidy headers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

MAX_BYTES = 20 * 1024 * 1024


class UploadError(ValueError):
    """The file cannot be read as a CSV table at all."""


class ImportRejected(ValueError):
    """The file had problems; nothing was imported. `problems` says which, row by row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class Table:
    """A CSV's header (lower-cased) and its rows, numbered as a spreadsheet shows them."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_table(raw: bytes | str) -> Table:
    """The header and non-blank rows of a CSV file; row 1 is the header."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_BYTES:
            raise UploadError("The file is too big (the limit is 20 MB)")
        raw = _decode(raw)
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    try:
        lines = list(csv.reader(io.StringIO(raw, newline="")))
    except csv.Error as error:
        raise UploadError(f"The file is not a readable CSV file ({error})") from error
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise UploadError("The file is empty: it needs a header row and at least one row")
    header = [cell.strip().lower() for cell in lines[0]]
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        padded = cells + [""] * (len(header) - len(cells))
        row = {name: padded[i].strip() for i, name in enumerate(header) if name}
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            row["\0extra"] = "yes"
        rows.append((number, row))
    if not rows:
        raise UploadError("The file has a header row but no rows below it")
    return Table(header, rows)


def header_problems(header: list[str], required: tuple[str, ...], allowed) -> list[str]:
    """Problems with the columns: missing, repeated or unknown (`allowed` tests a name)."""
    problems = []
    missing = [name for name in required if name not in header]
    if missing:
        problems.append(
            f"header: the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing"
        )
    seen = set()
    for name in header:
        if name in seen:
            problems.append(f"header: the column {name} appears twice")
        elif name and not allowed(name):
            problems.append(f"header: the column {name} is not known")
        seen.add(name)
    return problems


def extra_cells(row: dict[str, str]) -> bool:
    """Whether a row has more filled cells than the header has columns."""
    return row.get("\0extra") == "yes"
