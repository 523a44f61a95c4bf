"""Retention: identifying answers are deleted once the study's retention period is over.

The study ends on `StudySettings.study_end`; identifying answers are kept for
`retention_days` after it, then `fieldwork purge` (or the `identifying_purge` job on the
queue) deletes them, audited, with every scanned page image (they show what people
wrote) and the identifying text kept as keyed from paper forms (keying passes, scanned
copies). Access and resume codes stop working when the study ends.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from fieldwork import identifying
from fieldwork.audit import record
from fieldwork.db import db
from fieldwork.jobs.registry import Progress
from fieldwork.keying import services as keying
from fieldwork.models import IdentifyingAnswer, Job, StudySettings, User
from fieldwork.models.base import utcnow
from fieldwork.scans import forget as scan_images

BUSY = ("queued", "running")


def _settings() -> StudySettings | None:
    return db.session.get(StudySettings, 1)


def study_closed(today: date | None = None) -> bool:
    """Whether the study has ended (its codes no longer open the survey)."""
    settings = _settings()
    today = today or utcnow().date()
    return settings is not None and settings.study_end is not None and today > settings.study_end


def purge_date() -> date | None:
    """The first day identifying answers may be purged (None: no study end set)."""
    settings = _settings()
    if settings is None or settings.study_end is None:
        return None
    return settings.study_end + timedelta(days=settings.retention_days + 1)


def due(today: date | None = None) -> bool:
    """Whether the retention period is over."""
    when = purge_date()
    return when is not None and (today or utcnow().date()) >= when


def pending() -> dict[str, int]:
    """{item id: how many responses hold an answer to it} among identifying answers."""
    query = select(IdentifyingAnswer.item_id, func.count()).group_by(IdentifyingAnswer.item_id)
    return dict(sorted(db.session.execute(query).all()))


def purge(*, dry_run: bool = False, today: date | None = None, user=None) -> dict[str, int]:
    """Delete every identifying answer once the period is over; what was (or would be) deleted."""
    found = pending()
    if not due(today) or dry_run or not found:
        return found if due(today) else {}
    query = select(IdentifyingAnswer.response_id).distinct()
    deleted = identifying.forget(db.session, list(db.session.scalars(query)))
    record("identifying_purge", user=user, deleted=deleted, items=found)
    db.session.flush()
    return found


def purge_images(*, dry_run: bool = False, today: date | None = None, user=None) -> int:
    """Delete every scanned page image once the period is over; how many (would be) deleted."""
    if not due(today):
        return 0
    if dry_run:
        return scan_images.images_kept()
    deleted = scan_images.forget_all()
    if deleted:
        record("scan_images_purge", user=user, deleted=deleted)
    return deleted


def purge_keyed(*, dry_run: bool = False, today: date | None = None, user=None) -> int:
    """Drop identifying answers' text (contact details) kept as keyed from paper, in keying
    passes and scanned copies, once the period is over; how many rows (would) change."""
    if not due(today):
        return 0
    hidden = keying.identifying_fields_by_instrument()
    passes = keying.forget_identifying_text(hidden, dry_run=dry_run)
    copies = scan_images.forget_identifying_text(hidden, dry_run=dry_run)
    if (passes or copies) and not dry_run:
        record("keyed_identifying_purge", user=user, keying_passes=passes, scan_copies=copies)
    return passes + copies


def purge_job(job_id: int, params: dict[str, Any], progress: Progress) -> None:
    """The queue's job: purge when due (run it daily; a no-op before the date)."""
    progress(0, None, "Purging identifying answers")
    job = db.session.get(Job, job_id)
    maker = db.session.get(User, job.created_by) if job and job.created_by else None
    found = purge(user=maker)
    images = purge_images(user=maker)
    keyed = purge_keyed(user=maker)
    db.session.commit()
    total = sum(found.values())
    message = f"{total} identifying answer(s) deleted" if found else "Nothing due"
    message += f", {images} scan image(s)" if images else ""
    message += f", contact details keyed from {keyed} paper form(s)" if keyed else ""
    progress(total, total, message)


def scheduled_decision(today: date | None = None) -> str | None:
    """Why the daily schedule starts no purge today (None: it should start one)."""
    if purge_date() is None:
        return "no study end date set"
    if not due(today):
        return f"the retention period runs until {purge_date()}"
    if not pending():
        return "no identifying answers left"
    busy = select(Job.id).where(Job.kind == "identifying_purge", Job.state.in_(BUSY))
    if db.session.scalar(busy.limit(1)) is not None:
        return "a purge is already queued or running"
    return None


def scheduled_purge(today: date | None = None) -> int | None:
    """The daily task: start the purge job when due (commits); its id, or None."""
    from fieldwork.jobs import queue
    from fieldwork.jobs.services import start_job

    if scheduled_decision(today) is not None:
        db.session.rollback()
        return None
    job = start_job("identifying_purge", {"scheduled": True}, None)
    db.session.commit()
    queue.dispatch(job.id)
    return job.id
