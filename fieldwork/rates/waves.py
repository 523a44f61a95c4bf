"""Responses by wave (first mailing, reminders): where the paper packs' waves plug in.

The paper-pack work owns the wave data model. Once a code's wave is a column (or a
correlated lookup) on `invitations`, set `WAVE` to that SQL expression, e.g.
`WAVE = Invitation.wave`; `wave_counts` then counts codes by wave and outcome with the
dashboard's own rules, `build_report` fills `Report.by_wave`, and the dashboard shows a
"Responses by wave" table. Until then `WAVE` is None and nothing is shown or queried.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.sql import ColumnElement

from fieldwork.db import db
from fieldwork.rates.queries import Scope, Vector, code_filters, outcome_counts, vector

WAVE: ColumnElement | None = None  # the wave of a code (first mailing, reminder 1, ...)


def wave_counts(scope: Scope, wave: ColumnElement | None = None) -> list[tuple[str, Vector]]:
    """(wave, counts) of the codes in scope, in wave order; [] while there are no waves."""
    wave = WAVE if wave is None else wave
    if wave is None or scope.mode == "link":
        return []
    query = (
        select(wave, *outcome_counts()).where(*code_filters(scope)).group_by(wave).order_by(wave)
    )
    return [(str(row[0]), vector(row[1], row[2:])) for row in db.session.execute(query)]
