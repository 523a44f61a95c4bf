"""Counters of attempts per key (client, account, everyone), shared by every app process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from fieldwork.db import db


class Counter(db.Model):
    """Attempts by one key in its current window; counted with one atomic UPSERT."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)
