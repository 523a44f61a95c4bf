"""Mailings: each letter (and paper questionnaire) sent for an access code, by wave."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldwork.db import db
from fieldwork.models.responses import Invitation


class Mailing(db.Model):
    """One code mailed in one wave: wave 1 is the first pack, 2, 3… the reminders.

    The id is the serial printed on every page of the copy (and in its QR codes), so a
    returned page leads to its code. A response's wave is the latest wave mailed to its
    code on or before the day it was submitted.
    """

    __tablename__ = "mailings"
    __table_args__ = (
        UniqueConstraint("invitation_id", "wave", name="one_mailing_per_wave"),
        CheckConstraint("wave >= 1", name="wave"),
        # Responses by wave on the rates page: the mailings of a batch, wave by wave.
        Index("ix_mailings_batch_wave", "batch", "wave"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    batch: Mapped[str] = mapped_column(String(32))
    wave: Mapped[int]
    mailed_on: Mapped[date]
    questionnaire: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8))
    # The questionnaire version printed in the pack (None: mailed before this was kept, or
    # a letter only): a returned copy is keyed against the version it was printed from.
    instrument_version_id: Mapped[int | None] = mapped_column(ForeignKey("instrument_versions.id"))
    # Printed in large print: its pages break elsewhere, and keying shows them as printed.
    large_print: Mapped[bool] = mapped_column(default=False)

    invitation: Mapped[Invitation] = relationship()

    @property
    def serial(self) -> str:
        """The serial number printed on the copy: the id, seven digits."""
        return f"{self.id:07d}"
