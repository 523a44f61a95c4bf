"""When codes were mailed, for "days since mailing" beside each practice.

A code's mailing date is its batch's (`Invitation.issued_at`, read from the covering
index by the dashboard's one grouped query), or, where paper packs or reminders were
posted, the latest day they were (`mailings.mailed_on`, one small grouped query, made
only once anything has been mailed).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select

from fieldwork.db import db
from fieldwork.models import Invitation, Mailing

if TYPE_CHECKING:
    from fieldwork.rates.queries import Scope

MAILED_ON = Invitation.issued_at


def days_since(mailed: datetime | date | None, today: date) -> int | None:
    """Whole days from the mailing to `today` (None: nothing mailed)."""
    if mailed is None:
        return None
    day = mailed.date() if isinstance(mailed, datetime) else mailed
    return max((today - day).days, 0)


def paper_mailings(scope: Scope) -> dict[int, date]:
    """Each practice's latest paper mailing (pack or reminder) within `scope`; {} if none."""
    from fieldwork.rates.queries import code_filters  # queries reads MAILED_ON from here

    if not db.session.scalar(select(exists().where(Mailing.id.is_not(None)))):
        return {}
    query = (
        select(Invitation.practice_id, func.max(Mailing.mailed_on))
        .join(Mailing, Mailing.invitation_id == Invitation.id)
        .where(*code_filters(scope))
        .group_by(Invitation.practice_id)
    )
    return {practice_id: day for practice_id, day in db.session.execute(query)}


def latest(*days: datetime | date | None) -> date | None:
    """The latest of some mailing dates (times count by their day)."""
    found = [d.date() if isinstance(d, datetime) else d for d in days if d is not None]
    return max(found) if found else None
