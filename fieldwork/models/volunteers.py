"""Interview volunteers: a recruiter's progress with each, and the study's interview targets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fieldwork.db import db
from fieldwork.models.base import utcnow

# Where a volunteer stands, in the order a recruiter meets them (no row yet, or a row with
# no status, only a note: not contacted).
PROGRESS = ("contacted", "arranged", "interviewed", "declined", "unreachable")


class VolunteerProgress(db.Model):
    """How far the recruiter has got with one volunteer (a response that offered an
    interview), with a note; no status: not contacted yet (a note may come first). The
    response's deletion (withdrawal) deletes it."""

    __tablename__ = "volunteer_progress"
    __table_args__ = (
        CheckConstraint(
            "status IN ('contacted', 'arranged', 'interviewed', 'declined', 'unreachable')",
            name="status",
        ),
    )

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class InterviewTarget(db.Model):
    """How many interviews the case studies want, per instrument: in all (attribute and
    level empty), per practice (attribute empty, level the practice code), or per level
    of a sampling attribute (forms.volunteers.levels)."""

    __tablename__ = "interview_targets"
    __table_args__ = (
        UniqueConstraint("instrument", "attribute", "level", name="one_target"),
        CheckConstraint("target >= 0", name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[str] = mapped_column(String(24))
    attribute: Mapped[str] = mapped_column(String(64), default="")
    level: Mapped[str] = mapped_column(String(64), default="")
    target: Mapped[int]
