"""Limits on failed attempts per key, counted in the database so every process agrees."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from fieldwork.db import db
from fieldwork.models import Attempt
from fieldwork.models.base import utcnow


def blocked_until(key: str, limit: int, window_seconds: int) -> datetime | None:
    """When `key` may try again, if it has used up its `limit` failures in the window."""
    since = utcnow() - timedelta(seconds=window_seconds)
    count = db.session.scalar(
        select(func.count(Attempt.id)).where(Attempt.key == key, Attempt.at > since)
    )
    if count < limit:
        return None
    # The window reopens when the oldest of the last `limit` failures leaves it.
    recent = db.session.scalars(
        select(Attempt.at)
        .where(Attempt.key == key, Attempt.at > since)
        .order_by(Attempt.at.desc())
        .limit(limit)
    ).all()
    return recent[-1] + timedelta(seconds=window_seconds)


def record_failure(key: str) -> None:
    """Count one failed attempt by `key` (and forget attempts older than a day)."""
    db.session.add(Attempt(key=key))
    db.session.execute(delete(Attempt).where(Attempt.at < utcnow() - timedelta(days=1)))


def clear(key: str) -> None:
    """Forget `key`'s failures (after a success)."""
    db.session.execute(delete(Attempt).where(Attempt.key == key))
