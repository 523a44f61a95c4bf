"""Staff sessions kept in the database: every app process agrees when one has ended.

The signed cookie holds a random token; the session is live only while its row exists.
Signing out deletes the row, so a copy of the cookie taken earlier opens nothing;
a new password, a new role or disabling the account deletes all the user's rows.
"""

from __future__ import annotations

import secrets

from flask import request, session
from sqlalchemy import delete

from fieldwork.db import db
from fieldwork.models import StaffSession, User

KEY = "staff_session"


def open_session(user: User) -> None:
    """Start a new server-side session for `user` in this browser (caller commits)."""
    end_current()
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(token=token, user_id=user.id))
    session[KEY] = token


def live(user: User) -> bool:
    """Whether this browser's session for `user` is still open on the server.

    A device running an assisted survey keeps it for the respondent pages only.
    """
    token = session.get(KEY)
    row = db.session.get(StaffSession, token) if isinstance(token, str) else None
    if row is None or row.user_id != user.id:
        return False
    return not row.assisting or request.blueprint == "survey"


def assisting() -> bool:
    """Whether this browser's staff session is kept for assisted responses only."""
    token = session.get(KEY)
    row = db.session.get(StaffSession, token) if isinstance(token, str) else None
    return row is not None and row.assisting


def end_current() -> None:
    """End this browser's session on the server (caller commits)."""
    token = session.pop(KEY, None)
    if isinstance(token, str):
        db.session.execute(delete(StaffSession).where(StaffSession.token == token))


def end_all(user: User) -> None:
    """End every session of `user`, in every browser (caller commits)."""
    db.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def lock_for_assist() -> None:
    """Close staff pages to this browser until someone signs in again (assisted mode)."""
    token = session.get(KEY)
    row = db.session.get(StaffSession, token) if isinstance(token, str) else None
    if row is not None:
        row.assisting = True
