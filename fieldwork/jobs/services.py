"""Starting, watching and restarting jobs. Services flush; the caller commits, then dispatches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from fieldwork.db import db
from fieldwork.jobs.registry import KINDS, PAGES, SHARED_WITH, admins_only, practices_of
from fieldwork.models import Job, User
from fieldwork.models.base import utcnow

# A running job whose worker has not been heard from for this long has died.
STALE_AFTER = timedelta(seconds=90)


class JobError(Exception):
    """A job cannot be started or restarted (the message says why)."""


def start_job(kind: str, params: dict[str, Any], user: User | None) -> Job:
    """Add a queued job of `kind` (commit, then `queue.dispatch(job.id)`)."""
    if kind not in KINDS:
        raise JobError(f"no such kind of job: {kind}")
    job = Job(kind=kind, params=params, created_by=user.id if user else None, message="")
    db.session.add(job)
    db.session.flush()
    return job


def mark_interrupted(now=None) -> int:
    """Mark running jobs whose worker stopped beating as interrupted; return how many."""
    cutoff = (now or utcnow()) - STALE_AFTER
    query = (
        update(Job)
        .where(Job.state == "running", Job.heartbeat_at < cutoff)
        .values(state="interrupted", message="The worker stopped before the job finished")
    )
    return db.session.execute(query).rowcount


def restart_job(job: Job) -> Job:
    """Queue an interrupted or failed job again (commit, then dispatch)."""
    if job.state not in ("interrupted", "failed"):
        raise JobError("only an interrupted or failed job can be restarted")
    job.state, job.done, job.error, job.finished_at = "queued", 0, None, None
    job.message = ""
    db.session.flush()
    return job


def visible_job(job_id: int, user: User) -> Job | None:
    """The job, if `user` made it, is an admin or shares its kind's work (None otherwise)."""
    job = db.session.get(Job, job_id)
    if job is None or (admins_only(job.kind, job.params) and user.role != "admin"):
        return None
    if user.restricted_to and not practices_of(job.kind, job.params) <= set(user.restricted_to):
        return None  # about practices the user no longer has
    shared = user.role in SHARED_WITH.get(job.kind, ()) and not user.restricted_to
    if user.role != "admin" and job.created_by != user.id and not shared:
        return None
    return job


def recent_jobs(kind: str, user: User, limit: int = 50) -> list[Job]:
    """The latest jobs of a kind: everyone's for admins and analysts, else the user's own."""
    query = select(Job).where(Job.kind == kind).order_by(Job.created_at.desc(), Job.id.desc())
    if user.role not in ("admin", "analyst"):
        query = query.where(Job.created_by == user.id)
    return list(db.session.scalars(query.limit(limit)))


def job_title(job: Job) -> str:
    """`Paper pack`, `Dataset export`…: the kind's title (its name for kinds without one)."""
    page = PAGES.get(job.kind)
    return page.title if page else job.kind.replace("_", " ").capitalize()


def job_origin(job: Job) -> tuple[str, dict[str, Any], str] | None:
    """(endpoint, arguments, link words) of the page the job was started for, if known."""
    page = PAGES.get(job.kind)
    if page is None:
        return None
    try:
        return page.endpoint, page.arguments(job.params or {}), page.link
    except (KeyError, TypeError):
        return None


def job_status(job: Job) -> dict[str, Any]:
    """What the progress page and its script show, as JSON."""
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "state_name": job.state_name,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "finished": job.finished,
        "result_name": job.result_name,
        "result_bytes": job.result_bytes,
    }
