"""The report as CSV, with cells that a spreadsheet would run as formulas neutralised."""

from __future__ import annotations

import csv
import io

from exports.safe import safe_value
from fieldwork.rates.aapor import RATE_NAMES
from fieldwork.rates.report import Report, Row

COUNTS = [
    ("issued", "issued"),
    ("codes", "codes_issued"),
    ("link_invited", "invited_by_link"),
    ("started", "started"),
    ("complete", "complete_I"),
    ("partial", "partial_P"),
    ("refusals", "refused_R"),
    ("break_off", "of_which_break_off"),
    ("contacts_lost", "non_contact_NC"),
    ("no_reply", "no_reply_codes"),
    ("link_no_reply", "no_reply_link"),
    ("not_returned", "not_yet_returned"),
    ("other", "other_O"),
    ("unknown", "unknown_eligibility_UH_UO"),
    ("not_eligible", "ineligible_NE"),
    ("target", "target"),
]
LABEL_COLUMNS = {
    "region": ["region"],
    "practice": ["practice", "practice_name"],
    "instrument": ["instrument"],
    "mode": ["mode"],
}


def safe_cell(value: object) -> object:
    """A cell value a spreadsheet will not run (the rule of `exports.safe`); None is empty."""
    return "" if value is None else safe_value(value)


def _line(labels: list[str], row: Row) -> list[object]:
    counts = [getattr(row.counts, name) for name, _ in COUNTS]
    rates = [None if row.rates[r] is None else round(row.rates[r], 6) for r in RATE_NAMES]
    return [row.labels.get(c, "") for c in labels] + counts + rates + [int(row.below)]


def report_csv(report: Report) -> str:
    """The table of the report (every row, then the total) as CSV text; rates as proportions."""
    labels = [c for d in report.selection.by for c in LABEL_COLUMNS[d]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(labels + [h for _, h in COUNTS] + list(RATE_NAMES) + ["below_threshold"])
    for row in report.rows:
        writer.writerow([safe_cell(v) for v in _line(labels, row)])
    total = _line(labels, report.total)
    if labels:
        total[0] = "Total"
    writer.writerow([safe_cell(v) for v in total])
    return out.getvalue()
