"""Access codes (invitations) and responses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldwork.db import db
from fieldwork.models.base import utcnow
from fieldwork.models.instruments import InstrumentVersion
from fieldwork.models.study import Practice

# AAPOR final disposition categories (codes as in the AAPOR Standard Definitions).
DISPOSITIONS = {
    "complete": "Complete (1.1)",
    "partial": "Partial (1.2)",
    "refusal": "Refusal (2.11)",
    "break_off": "Break-off (2.12)",
    "non_contact": "Non-contact (2.20)",
    "other": "Other non-response (2.30)",
    "unknown": "Unknown eligibility (3.0)",
    "undelivered": "Returned undelivered (3.31)",
    "not_eligible": "Not eligible (4.0)",
}
INVITATION_MODES = ("web", "paper", "both")

ONLINE, PAPER, ASSISTED = 1, 2, 3
COMPLETE, PARTIAL = 1, 2
# Outcomes a response sets by the share of applicable questions answered (forms.completeness);
# a code with one of these (or none) follows its response whenever a page is saved or keyed.
AUTOMATIC = (None, "complete", "partial", "break_off")
# Responses counted as open-link responses: no code, and not set aside for a keyed paper form.
OPEN_LINK = "invitation_id IS NULL AND superseded_by_id IS NULL"


class Invitation(db.Model):
    """A personal access code issued to one sampled person for one instrument."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("mode IN ('web', 'paper', 'both')", name="mode"),
        # Response rates count codes per practice, instrument, mode and outcome from this
        # index alone (fieldwork/rates/queries.py).
        # The mailing date (issued_at, the batch's time) rides along for "days since mailing".
        Index(
            "ix_invitations_rates", "practice_id", "instrument", "mode", "disposition", "issued_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"))
    instrument: Mapped[str] = mapped_column(String(24))
    mode: Mapped[str] = mapped_column(String(5), default="web")
    batch: Mapped[str | None] = mapped_column(String(32), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    disposition: Mapped[str | None] = mapped_column(String(16))
    disposition_at: Mapped[datetime | None]
    # A withdrawal (issue 11): when, and by what route (fieldwork.withdrawal.ROUTES).
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(16))

    practice: Mapped[Practice] = relationship()
    response: Mapped[Response | None] = relationship(back_populates="invitation")

    @property
    def grouped_code(self) -> str:
        """The code as shown to people: KX7P-4MQ2."""
        return f"{self.code[:4]}-{self.code[4:]}"


class Response(db.Model):
    """A respondent's answers to one instrument version; the answers live in its wide table."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("mode IN (1, 2, 3)", name="mode"),
        CheckConstraint("status IN (1, 2)", name="status"),
        CheckConstraint(
            "consent_how IN ('online', 'assisted', 'paper_return')", name="consent_how"
        ),
        UniqueConstraint("invitation_id", name="one_response_per_code"),
        Index("ix_responses_practice_status", "practice_id", "instrument_version_id", "status"),
        # Open-link responses (no code) per practice, version and outcome, for the rates.
        Index(
            "ix_responses_open_link",
            "practice_id",
            "instrument_version_id",
            "status",
            "outcome",
            sqlite_where=text(OPEN_LINK),
            postgresql_where=text(OPEN_LINK),
        ),
        # Completions per day, from the index alone.
        Index(
            "ix_responses_submitted",
            "status",
            "submitted_at",
            "practice_id",
            "instrument_version_id",
        ),
        # Dataset exports stream responses in the order they were started: walking this
        # index, the first rows leave at once instead of after sorting every row.
        Index("ix_responses_started", "started_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"))
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    mode: Mapped[int] = mapped_column(default=ONLINE)
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[int] = mapped_column(default=PARTIAL)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    reached: Mapped[str | None] = mapped_column(String(64))
    start_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    resume_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    assisted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Applicable questions answered, and the AAPOR outcome they give (complete, partial,
    # break_off); set whenever a page is saved or a paper form keyed. None: not yet counted.
    answered: Mapped[int | None]
    applicable: Mapped[int | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    # Withdrawn, answers kept as the study's setting allows (contact details deleted).
    withdrawn_at: Mapped[datetime | None]
    # Paper states keyed for this response, as JSON text {"q7": -96, "grid.row": -96}: the
    # record's `_states` entry (forms.stored), which the export reads as it is.
    paper_states: Mapped[str | None] = mapped_column(Text)
    # An online response set aside, with an audited override, for the paper form keyed for
    # its code (a person answered twice): kept, unlinked from the code, and left out of the
    # rates and the datasets. Points at the paper response that counts instead.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    # The consent agreed before the first question (instruments with a `consent:` block):
    # the statement's version, how it was given (online, assisted, or the returned paper
    # form itself), when, in which language, and the optional consents given (ids, space
    # separated). A respondent who does not agree never gets a response row.
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consent_how: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None]
    consent_language: Mapped[str | None] = mapped_column(String(8))
    consent_extras: Mapped[str | None] = mapped_column(Text)

    instrument_version: Mapped[InstrumentVersion] = relationship()
    practice: Mapped[Practice] = relationship()
    invitation: Mapped[Invitation | None] = relationship(back_populates="response")
