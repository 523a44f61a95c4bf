"""Staff accounts and the audit log."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fieldwork.db import db
from fieldwork.models.base import utcnow

ROLES = ("admin", "coordinator", "data_entry", "analyst", "recruiter")
ROLE_NAMES = {
    "admin": "Admin",
    "coordinator": "Coordinator",
    "data_entry": "Data entry",
    "analyst": "Analyst",
    "recruiter": "Recruiter",
}


class User(UserMixin, db.Model):
    """A member of the study team who signs in."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'coordinator', 'data_entry', 'analyst', 'recruiter')", name="role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    practice_codes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_active(self) -> bool:  # flask-login reads this
        """Disabled accounts cannot sign in."""
        return self.active

    def get_id(self) -> str:
        """Session id: changes when the password or role changes, ending old sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def restricted_to(self) -> frozenset[str]:
        """Practice codes a restricted coordinator may see (empty: all practices)."""
        return frozenset(c for c in self.practice_codes.split() if c)


class AuditEvent(db.Model):
    """One staff action; rows are only ever added."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    client: Mapped[str] = mapped_column(String(64), default="")


class StaffSession(db.Model):
    """A signed-in staff session, so sign-out ends it on the server for every process.

    The browser's signed cookie carries only `token`; a session whose row is gone (signed
    out, password changed, account disabled) no longer opens staff pages. `assisting` is
    set while a device runs an assisted survey: staff pages stay closed to it until the
    staff member signs in again.
    """

    __tablename__ = "staff_sessions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assisting: Mapped[bool] = mapped_column(default=False)
