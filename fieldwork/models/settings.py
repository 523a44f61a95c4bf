"""Study settings for response rates, and the close of fieldwork (per practice or study)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldwork.db import db


class StudySettings(db.Model):
    """The one row of study-wide settings (id 1): outcome thresholds, interim rates, close."""

    __tablename__ = "study_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint(
            "partial_percent >= 1 AND partial_percent <= complete_percent "
            "AND complete_percent <= 100",
            name="thresholds",
        ),
        CheckConstraint("target_rate BETWEEN 0 AND 100", name="target_rate"),
        CheckConstraint("withdrawal IN ('delete', 'keep_answers')", name="withdrawal"),
        CheckConstraint("retention_days >= 0", name="retention_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # Percent of applicable questions answered for a complete (1.1) and a partial (1.2);
    # below the partial threshold a response is a break-off (2.12, counted as refusal).
    complete_percent: Mapped[int] = mapped_column(default=80)
    partial_percent: Mapped[int] = mapped_column(default=50)
    # During fieldwork: whether codes not yet returned stay in the rates' denominators.
    interim_includes_not_returned: Mapped[bool] = mapped_column(default=False)
    target_rate: Mapped[int | None]  # RR2 the study aims for, percent (the default threshold)
    closed_at: Mapped[datetime | None]  # fieldwork closed for the whole study
    # What a withdrawal does, as the participant information says: "delete" the response
    # and its contact details, or "keep_answers" given so far and delete contact details.
    withdrawal: Mapped[str] = mapped_column(String(16), default="delete")
    # The study's end (access and resume codes stop working after it) and how many days
    # after it identifying answers are kept before `fieldwork purge` deletes them.
    study_end: Mapped[date | None]
    retention_days: Mapped[int] = mapped_column(default=0)
    # Returned paper forms are keyed twice, blind, and differences resolved before use.
    double_entry: Mapped[bool] = mapped_column(default=False)
    # An admin's permission for the keyer of either pass to resolve the differences too
    # (small teams); without it a third person resolves them (admins always may).
    keyers_may_resolve: Mapped[bool] = mapped_column(default=False)
    # Scanned copies whose every box was read far from the thresholds become responses
    # without a person looking (otherwise a person confirms every scanned copy).
    scan_auto_accept: Mapped[bool] = mapped_column(default=False)


class PracticeClosure(db.Model):
    """A practice whose fieldwork is closed: its codes with no reply are final non-contacts."""

    __tablename__ = "practice_closures"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True
    )
    closed_at: Mapped[datetime]
