"""The outcome classified in the database is the one `forms.completeness.Thresholds` gives."""

from __future__ import annotations

import itertools

from sqlalchemy import literal, select

from fieldwork.db import db
from fieldwork.outcomes import outcome_case
from forms.completeness import Thresholds

CASES = [
    (answered, applicable, complete, partial)
    for applicable, complete, partial in itertools.product(
        (-1, 0, 1, 3, 7, 10, 59), (0, 50, 80, 100), (0, 33, 50, 80)
    )
    for answered in sorted({0, 1, applicable // 2, applicable - 1, applicable} - {-1, -2})
    if partial <= complete
]


def test_the_sql_outcome_is_the_python_outcome_for_every_share_and_threshold(ctx):
    columns = [
        outcome_case(literal(a), literal(n), literal(c), literal(p)).label(f"o{i}")
        for i, (a, n, c, p) in enumerate(CASES)
    ]
    found = []
    for start in range(0, len(columns), 200):  # a few statements: SQLite caps a SELECT's columns
        found += list(db.session.execute(select(*columns[start : start + 200])).one())
    expected = [Thresholds(c, p).outcome(a, n) for a, n, c, p in CASES]
    assert found == expected
    assert {"complete", "partial", "break_off"} <= set(found)
