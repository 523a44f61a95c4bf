"""Responses by wave (first mailing, reminders), from the paper packs' mailings.

A code's wave is the latest wave mailed to it on or before its outcome was recorded (or
the latest mailed, while it has none): a code that answered after the first reminder
counts in "Reminder 1". Codes never mailed (web-only) are "Not mailed". `WAVE` can be
set to another SQL expression (tests do); the table is only queried once a pack has
been mailed, so the national-scale dashboard without mailings pays nothing for it.
"""

from __future__ import annotations

from sqlalchemy import exists, func, or_, select
from sqlalchemy.sql import ColumnElement

from fieldwork.db import db
from fieldwork.models import Invitation, Mailing
from fieldwork.rates.queries import Scope, Vector, code_filters, outcome_counts, vector

WAVE: ColumnElement | None = None  # another wave expression, in place of the mailings'


def mailed_wave() -> ColumnElement:
    """The wave a code's outcome came in (0: never mailed), as a correlated subquery."""
    latest = (
        select(func.max(Mailing.wave))
        .where(
            Mailing.invitation_id == Invitation.id,
            or_(
                Invitation.disposition_at.is_(None),
                Mailing.mailed_on <= func.date(Invitation.disposition_at),
            ),
        )
        .scalar_subquery()
    )
    return func.coalesce(latest, 0)


def wave_label(wave: object) -> str:
    """How the dashboard names a wave: not mailed, first mailing, reminder n."""
    if not isinstance(wave, int):
        return str(wave)
    if wave == 0:
        return "Not mailed"
    return "First mailing" if wave == 1 else f"Reminder {wave - 1}"


def wave_counts(scope: Scope, wave: ColumnElement | None = None) -> list[tuple[str, Vector]]:
    """(wave, counts) of the codes in scope, in wave order; [] while nothing was mailed."""
    wave = WAVE if wave is None else wave
    if scope.mode == "link":
        return []
    if wave is None:
        if not db.session.scalar(select(exists().where(Mailing.id.is_not(None)))):
            return []
        wave = mailed_wave()
    query = (
        select(wave, *outcome_counts()).where(*code_filters(scope)).group_by(wave).order_by(wave)
    )
    return [(wave_label(row[0]), vector(row[1], row[2:])) for row in db.session.execute(query)]
