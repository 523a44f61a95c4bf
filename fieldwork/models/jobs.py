"""Background jobs: their state, progress and finished file live in the app's database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldwork.db import db
from fieldwork.models.base import utcnow
from fieldwork.models.staff import User

JOB_STATES = ("queued", "running", "done", "failed", "interrupted")
STATE_NAMES = {
    "queued": "Waiting to start",
    "running": "Running",
    "done": "Done",
    "failed": "Failed",
    "interrupted": "Interrupted",
}


class Job(db.Model):
    """One piece of long work run by a queue worker (an export, a paper pack, a scan)."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'interrupted')", name="state"
        ),
        Index("ix_jobs_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    message: Mapped[str] = mapped_column(String(200), default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result_path: Mapped[str | None] = mapped_column(Text)
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_bytes: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)

    creator: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int | None:
        """Progress as a whole percentage (None when the total is not known yet)."""
        if not self.total:
            return 100 if self.state == "done" else None
        return min(100, int(100 * self.done / self.total))

    @property
    def state_name(self) -> str:
        """The state in words: `Waiting to start`, `Running`, `Done`, `Failed`, `Interrupted`."""
        return STATE_NAMES.get(self.state, self.state)

    @property
    def finished(self) -> bool:
        """Whether the job has stopped (done, failed or interrupted)."""
        return self.state in ("done", "failed", "interrupted")
