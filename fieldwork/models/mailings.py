"""Mailings: each letter (and paper questionnaire) sent for an access code, by wave."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldwork.db import db
from fieldwork.models.base import utcnow
from fieldwork.models.responses import Invitation


class PrintedLayout(db.Model):
    """Where every answer box of a questionnaire was, as a pack printed it.

    A scanned copy is read, and a returned copy keyed page by page, against the layout it
    was printed with: a later upgrade, catalogue wording or contact line that moves the
    boxes changes the form drawn today, not the copies already in the post. One row per
    distinct layout (`content_hash` of pages and box map), shared by the mailings that
    printed it.
    """

    __tablename__ = "printed_layouts"
    __table_args__ = (UniqueConstraint("content_hash", name="one_row_per_layout"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    instrument: Mapped[str] = mapped_column(String(24))
    version: Mapped[int]
    language: Mapped[str] = mapped_column(String(8))
    large_print: Mapped[bool] = mapped_column(default=False)
    pages: Mapped[int]
    # `forms.paper.boxes.BoxMap.to_json(compact=True)`: read back with `BoxMap.from_json`.
    boxmap: Mapped[str] = mapped_column(Text)
    first_printed: Mapped[datetime] = mapped_column(default=utcnow)


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
    # The questionnaire's layout as printed (None: mailed before layouts were kept, or a
    # letter only): its scanned pages are read, and its keying grouped, by this layout.
    printed_layout_id: Mapped[int | None] = mapped_column(ForeignKey("printed_layouts.id"))

    invitation: Mapped[Invitation] = relationship()
    printed_layout: Mapped[PrintedLayout | None] = relationship()

    @property
    def serial(self) -> str:
        """The serial number printed on the copy: the id, seven digits."""
        return f"{self.id:07d}"
