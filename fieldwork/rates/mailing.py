"""When codes were mailed, for "days since mailing" beside each practice.

Today a code's mailing date is its batch's: the time the batch was issued
(`Invitation.issued_at`, the same for every code of a batch). When paper packs record
the day they were posted (a mailed date per code), plug it in here, e.g.
`func.coalesce(Invitation.mailed_at, Invitation.issued_at)`, and add that column to
`ix_invitations_rates` so the dashboard's one grouped query still reads the index only.
"""

from __future__ import annotations

from datetime import date, datetime

from fieldwork.models import Invitation

MAILED_ON = Invitation.issued_at


def days_since(mailed: datetime | date | None, today: date) -> int | None:
    """Whole days from the mailing to `today` (None: nothing mailed)."""
    if mailed is None:
        return None
    day = mailed.date() if isinstance(mailed, datetime) else mailed
    return max((today - day).days, 0)
