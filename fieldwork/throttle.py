"""Limits on attempts per key, counted atomically in the database so every process agrees.

An attempt is counted *before* it is checked (`take`), in one UPSERT that both counts and
returns the new count, so parallel requests can never check more often than the limit
allows, on SQLite and on PostgreSQL alike. A success gives its own attempt back
(`give_back`) but never forgets earlier failures: a valid code cannot reset the limit.
Keys longer than the column (long e-mail addresses) are hashed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from fieldwork.db import db
from fieldwork.models.base import utcnow
from fieldwork.models.throttle import Counter

KEY_LENGTH = 128


def key(*parts: str) -> str:
    """A counter key from its parts; long or odd parts are replaced by a hash."""
    text = ":".join(parts)
    if len(text) <= KEY_LENGTH and text.isprintable() and "\0" not in text:
        return text
    return f"{parts[0]}:sha256:{hashlib.sha256(text.encode('utf-8', 'replace')).hexdigest()}"


def _upsert(name: str, now: datetime, since: datetime):
    insert = (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert
    fresh = Counter.window_start <= since
    statement = insert(Counter).values(key=name, window_start=now, count=1)
    return statement.on_conflict_do_update(
        index_elements=[Counter.key],
        set_={
            "count": case((fresh, 1), else_=Counter.count + 1),
            "window_start": case((fresh, now), else_=Counter.window_start),
        },
    ).returning(Counter.count, Counter.window_start)


def take(name: str, limit: int, window_seconds: int) -> datetime | None:
    """Count one attempt by `name`; None if it may go ahead, else when it may try again.

    The count and the check are one statement, so no two requests can both see room
    for the last attempt. The caller commits soon after (the row stays locked till then).
    """
    now = utcnow()
    since = now - timedelta(seconds=window_seconds)
    count, window_start = db.session.execute(_upsert(name, now, since)).one()
    if count == 1:  # a new window: a good moment to forget long-finished ones
        tidy()
    if count <= limit:
        return None
    return window_start + timedelta(seconds=window_seconds)


def give_back(name: str) -> None:
    """Return an attempt that succeeded: it does not count, earlier failures still do."""
    db.session.execute(
        update(Counter)
        .where(Counter.key == name, Counter.count > 0)
        .values(count=Counter.count - 1)
    )


def tidy(older_than: timedelta = timedelta(days=2)) -> None:
    """Forget counters whose window started long ago."""
    db.session.execute(delete(Counter).where(Counter.window_start < utcnow() - older_than))
