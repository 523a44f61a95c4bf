"""Keying passes: each keying of a returned paper copy, and each resolution, kept."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldwork.db import db
from fieldwork.models.base import utcnow
from fieldwork.models.mailings import Mailing
from fieldwork.models.responses import Invitation
from fieldwork.models.staff import User

FIRST, SECOND, RESOLVED = 1, 2, 3


class KeyingPass(db.Model):
    """One pass over one returned copy: 1 and 2 keyed blind, 3 the resolution.

    `fields` is the keyed text by field name (forms.keying), as typed, so two passes
    compare field by field and a resolution says which text was chosen.
    """

    __tablename__ = "keying_passes"
    __table_args__ = (
        CheckConstraint("pass_no IN (1, 2, 3)", name="pass_no"),
        Index("ix_keying_passes_invitation", "invitation_id", "pass_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    mailing_id: Mapped[int | None] = mapped_column(ForeignKey("mailings.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    pass_no: Mapped[int]
    language: Mapped[str] = mapped_column(String(8))
    returned_on: Mapped[date]
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    keyed_at: Mapped[datetime] = mapped_column(default=utcnow)

    invitation: Mapped[Invitation] = relationship()
    mailing: Mapped[Mailing | None] = relationship()
    user: Mapped[User] = relationship()
