"""Instrument versions seen by this database, with their content hash and source."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fieldwork.db import db
from fieldwork.models.base import utcnow


class InstrumentVersion(db.Model):
    """One version of one instrument; its YAML source is kept so old responses stay readable."""

    __tablename__ = "instrument_versions"
    __table_args__ = (UniqueConstraint("instrument", "version", name="instrument_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[str] = mapped_column(String(24))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(255))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def answer_table(self) -> str:
        """Name of the wide table holding this version's answers."""
        return f"answers_{self.instrument}_v{self.version}"
