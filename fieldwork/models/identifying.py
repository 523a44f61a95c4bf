"""Answers to identifying items (names, contact details), kept apart and encrypted."""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldwork.db import db


class IdentifyingAnswer(db.Model):
    """One identifying item's answer of one response, as a Fernet token (never plaintext)."""

    __tablename__ = "identifying_answers"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[bytes] = mapped_column(LargeBinary)
