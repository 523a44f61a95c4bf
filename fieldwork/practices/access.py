"""Which practices a staff member may see and touch (restricted coordinators: theirs only)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from fieldwork.db import db
from fieldwork.models import Practice, User


def restrict(query: Select, user: User | None) -> Select:
    """`query` (over Practice) limited to the user's practices; None (the CLI) sees all."""
    if user is not None and user.restricted_to:
        query = query.where(Practice.code.in_(sorted(user.restricted_to)))
    return query


def may_touch(user: User | None, code: str) -> bool:
    """Whether the user may see and change the practice with this code."""
    return user is None or not user.restricted_to or code in user.restricted_to


def practice_or_404(code: str, user: User | None) -> Practice:
    """The practice with this code, if it exists and the user may see it; else 404."""
    if not may_touch(user, code.upper()):
        abort(404)
    practice = db.session.scalar(select(Practice).where(Practice.code == code.upper()))
    if practice is None:
        abort(404)
    return practice
