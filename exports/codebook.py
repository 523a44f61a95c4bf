"""The codebook: one row per variable, as codebook.csv and codebook.html."""

from __future__ import annotations

import csv
import html
from collections.abc import Sequence
from pathlib import Path

from exports.columns import Column
from exports.safe import safe_cell
from forms.routing import MISSING_LABELS

HEADER = [
    "variable", "label", "type", "values", "missing", "routing", "formula",
    "source_item", "versions", "notes",
]  # fmt: skip
TYPES = {
    "code": "integer (coded)", "flag": "integer (0/1)", "integer": "integer",
    "decimal": "number", "score": "number (score)", "date": "date",
    "string": "text", "timestamp": "timestamp", "month": "timestamp", "text": "text",
}  # fmt: skip


# SPSS declares at most one range and one value missing: -99 to -95, and the first of a
# list's own missing codes (exports.writers); the others are labelled values there.
SAV_UNDECLARED = "; in data.sav a labelled value, not declared missing: SPSS allows one"


def codebook_rows(columns: Sequence[Column]) -> list[list[str]]:
    """The codebook's rows (without the header)."""
    rows = []
    for c in columns:
        values = "; ".join(f"{code} = {label}" for code, label in c.values.items())
        missing = [f"{label} ({code})" for code, label in MISSING_LABELS.items()]
        missing = missing if c.carries_codes else []
        missing += [
            f"{c.values.get(code, code)} ({code}, user-missing{'' if n == 0 else SAV_UNDECLARED})"
            for n, code in enumerate(c.user_missing)
        ]
        if c.kind in ("date",):
            missing = ["empty = no date given"]
        rows.append([
            c.name, c.label, TYPES[c.kind], values, "; ".join(missing), c.routing, c.formula,
            c.item_id or "", ", ".join(str(v) for v in c.versions), "; ".join(c.notes),
        ])  # fmt: skip
    return rows


def write_codebook_csv(path: Path, columns: Sequence[Column]) -> None:
    """codebook.csv (UTF-8, every cell neutralised)."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        for row in codebook_rows(columns):
            writer.writerow([safe_cell(cell) for cell in row])


def write_codebook_html(path: Path, title: str, columns: Sequence[Column]) -> None:
    """codebook.html: a plain, accessible table readable without the platform."""
    e = html.escape
    reserved = "; ".join(f"{k} = {v}" for k, v in MISSING_LABELS.items())
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in HEADER)
    body = []
    for row in codebook_rows(columns):
        cells = [f'<th scope="row"><code>{e(row[0])}</code></th>']
        cells += [f"<td>{e(cell)}</td>" for cell in row[1:]]
        body.append("<tr>" + "".join(cells) + "</tr>")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Codebook: {e(title)}</title>
<style>body{{font-family:Arial,sans-serif;margin:1rem}}table{{border-collapse:collapse}}
th,td{{border:1px solid #768692;padding:.3rem;vertical-align:top;text-align:left}}</style>
</head>
<body>
<main>
<h1>Codebook: {e(title)}</h1>
<p>One row per variable. Reserved codes: {e(reserved)}.</p>
<table>
<caption>Variables in dataset order</caption>
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</main>
</body>
</html>
"""
    Path(path).write_text(page, encoding="utf-8")
