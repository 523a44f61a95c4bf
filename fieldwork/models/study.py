"""Regions, practices and their targets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldwork.db import db
from fieldwork.models.base import utcnow

PRACTICE_STATUSES = ("approached", "recruited", "active", "withdrawn")


def new_link_token() -> str:
    """An unguessable secret from which the practice's open survey links are made."""
    return secrets.token_urlsafe(9)


def open_link_token(link_token: str, instrument_id: str) -> str:
    """The token of one questionnaire's open link at a practice (`link_token` itself is
    never shown): the patient survey's link does not open the staff survey's."""
    mac = hmac.new(link_token.encode(), instrument_id.encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(mac[:12]).decode()


class Region(db.Model):
    """A geographical region grouping practices (e.g. an NHS England region)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    practices: Mapped[list[Practice]] = relationship(back_populates="region")


class Practice(db.Model):
    """A GP practice taking part in the study."""

    __tablename__ = "practices"
    __table_args__ = (
        CheckConstraint(
            "status IN ('approached', 'recruited', 'active', 'withdrawn')", name="status"
        ),
        CheckConstraint("deprivation_decile BETWEEN 1 AND 10", name="decile"),
        CheckConstraint("list_size >= 0", name="list_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    list_size: Mapped[int | None]
    deprivation_decile: Mapped[int | None]
    phone: Mapped[str | None] = mapped_column(String(20))  # shown in the help block as tel:
    status: Mapped[str] = mapped_column(String(12), default="approached")
    link_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_link_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship(back_populates="practices")
    targets: Mapped[list[PracticeTarget]] = relationship(
        back_populates="practice", cascade="all, delete-orphan"
    )

    def open_link(self, instrument_id: str) -> str:
        """The path of the practice's open link to one questionnaire."""
        token = open_link_token(self.link_token, instrument_id)
        return f"/s/{quote(instrument_id, safe='')}/{quote(self.code, safe='')}/{token}"


class PracticeTarget(db.Model):
    """Per practice and instrument: the target number of responses, and people invited by link."""

    __tablename__ = "practice_targets"
    __table_args__ = (
        UniqueConstraint("practice_id", "instrument", name="practice_instrument"),
        CheckConstraint("target >= 0", name="target"),
        CheckConstraint("invited_by_link >= 0", name="invited"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(24))
    target: Mapped[int | None]
    invited_by_link: Mapped[int] = mapped_column(default=0)

    practice: Mapped[Practice] = relationship(back_populates="targets")
