"""Scanned paper returns: a batch of uploaded scans, its pages, and the copies they make.

A batch is read by a `scan_batch` job. Each page is placed in a copy (by the serial and
page number of its QR code), or listed for a person as unidentified or a duplicate. A
serial has one copy whichever batches its pages come in: a page of a copy an earlier batch
made joins it while it waits for a person, and is listed as not used once it is settled. A
copy holds the answers the reading proposes, in the keying fields' text
(`forms.keying`), and the fields a person must look at; it becomes a paper response when
a person confirms it, or, if the study allows it, when every box was read with
confidence. Page images are files (encrypted like identifying answers), named here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldwork.db import db
from fieldwork.models.base import utcnow
from fieldwork.models.jobs import Job
from fieldwork.models.mailings import Mailing
from fieldwork.models.responses import Invitation, Response
from fieldwork.models.staff import User

PLACED, UNIDENTIFIED, DUPLICATE = "placed", "unidentified", "duplicate"
# A page of a copy settled before it came (confirmed, accepted, withdrawn): kept, not used.
UNUSED = "unused"
TO_VERIFY, CONFIRMED, ACCEPTED, WITHDRAWN = "to_verify", "confirmed", "accepted", "withdrawn"


class ScanBatch(db.Model):
    """Scans uploaded together (one or more files), read by one job."""

    __tablename__ = "scan_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The date the forms came back (the responses' date), as given at upload.
    returned_on: Mapped[date]
    # [{"name": file name as uploaded, "bytes": size, "stored": name in the batch folder}]
    files: Mapped[list] = mapped_column(JSON, default=list)
    # Files (or their pages) that could not be read at all, said for a person.
    problems: Mapped[list] = mapped_column(JSON, default=list)

    job: Mapped[Job | None] = relationship()
    creator: Mapped[User | None] = relationship()
    pages: Mapped[list[ScanPage]] = relationship(
        back_populates="batch", order_by="ScanPage.position", cascade="all, delete-orphan"
    )
    copies: Mapped[list[ScanCopy]] = relationship(
        back_populates="batch", order_by="ScanCopy.id", cascade="all, delete-orphan"
    )


class ScanCopy(db.Model):
    """One returned copy found in a batch: its pages' proposed answers and verification.

    `fields` is the proposed keying text by field name; `uncertain` the field names a
    person must look at, in question order; `marks` the boxes to highlight, each
    {"field", "page", "x", "y", "w", "h"} in points of the form (origin bottom left).
    """

    __tablename__ = "scan_copies"
    __table_args__ = (
        CheckConstraint(
            "state IN ('to_verify', 'confirmed', 'accepted', 'withdrawn')", name="state"
        ),
        Index("ix_scan_copies_invitation", "invitation_id"),
        Index("ix_scan_copies_response", "response_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("scan_batches.id", ondelete="CASCADE"))
    serial: Mapped[str] = mapped_column(String(16), default="")
    instrument: Mapped[str] = mapped_column(String(24))
    version: Mapped[int]
    lang: Mapped[str] = mapped_column(String(8))
    large_print: Mapped[bool] = mapped_column(default=False)
    mailing_id: Mapped[int | None] = mapped_column(ForeignKey("mailings.id"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    pages_expected: Mapped[int] = mapped_column(default=0)
    missing: Mapped[list] = mapped_column(JSON, default=list)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    uncertain: Mapped[list] = mapped_column(JSON, default=list)
    marks: Mapped[list] = mapped_column(JSON, default=list)
    # Why the copy cannot be tied to a code by itself (no serial, serial unknown), if so.
    problem: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(12), default=TO_VERIFY)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]

    batch: Mapped[ScanBatch] = relationship(back_populates="copies")
    pages: Mapped[list[ScanPage]] = relationship(back_populates="copy", order_by="ScanPage.page_no")
    mailing: Mapped[Mailing | None] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    response: Mapped[Response | None] = relationship()
    verifier: Mapped[User | None] = relationship()

    @property
    def done(self) -> bool:
        """Whether the copy has been settled (a response made, or withdrawn)."""
        return self.state != TO_VERIFY


class ScanPage(db.Model):
    """One scanned page: where it came from, what its QR code said, where it was placed.

    A page's copy may be another batch's (the page joined it, or came after it was
    settled: `UNUSED`). `readings` are its boxes as measured ({"box", "dark", "ticked",
    "filled", "confidence", "uncertain", "spread"}, no images), kept while its copy waits
    for a person so the copy's proposal can be made again from all its pages.
    """

    __tablename__ = "scan_pages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('placed', 'unidentified', 'duplicate', 'unused')", name="status"
        ),
        UniqueConstraint("batch_id", "position", name="one_page_per_position"),
        Index("ix_scan_pages_copy", "copy_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("scan_batches.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1, 2, … through the batch's files in upload order
    file_name: Mapped[str] = mapped_column(String(200))
    file_page: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    problem: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[str | None] = mapped_column(String(200))
    page_no: Mapped[int | None]
    serial: Mapped[str | None] = mapped_column(String(16))
    rotation: Mapped[int] = mapped_column(default=0)
    copy_id: Mapped[int | None] = mapped_column(ForeignKey("scan_copies.id", ondelete="SET NULL"))
    # The page image's file in the batch folder (None once deleted: withdrawal, purge).
    image: Mapped[str | None] = mapped_column(String(200))
    # Whether the image is the page warped onto the form (boxes at their map's places).
    registered: Mapped[bool] = mapped_column(default=False)
    readings: Mapped[list | None] = mapped_column(JSON)

    batch: Mapped[ScanBatch] = relationship(back_populates="pages")
    copy: Mapped[ScanCopy | None] = relationship(back_populates="pages")
