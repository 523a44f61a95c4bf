"""Attempts counted per key (client or account), shared by every app process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldwork.db import db
from fieldwork.models.base import utcnow


class Attempt(db.Model):
    """A failed attempt (wrong access code, failed sign-in) by some key."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(default=utcnow)
