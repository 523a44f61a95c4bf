"""Running one job in a worker: state, heartbeat and progress written as it goes.

Progress and heartbeat are written on a connection of their own, so a handler's open
read (a server-side cursor streaming millions of rows) is never committed under it.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Any

from flask import Flask, current_app
from sqlalchemy import update

from fieldwork.db import db, sqlite_transactions
from fieldwork.jobs.registry import JobResult, Progress, handler_for
from fieldwork.models import Job
from fieldwork.models.base import utcnow

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10.0
PROGRESS_SECONDS = 0.5


def _write(job_id: int, **values: Any) -> None:
    """Update the job's row at once, in a short transaction of its own."""
    with db.engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == job_id).values(**values))


class _Reporter:
    """The progress callback handed to a handler: writes at most twice a second.

    `watch`, if given, hears every report (a command's progress bar)."""

    def __init__(self, job_id: int, watch: Progress | None = None) -> None:
        self.job_id = job_id
        self.last = 0.0
        self.watch = watch

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        if self.watch is not None:
            self.watch(done, total, message)
        now = time.monotonic()
        if now - self.last < PROGRESS_SECONDS and (total is None or done < total):
            return
        self.last = now
        values: dict[str, Any] = {"done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = total
        if message:
            values["message"] = message[:200]
        _write(self.job_id, **values)


def _beat(app: Flask, job_id: int, stop: threading.Event) -> None:
    """Mark the job alive every few seconds until `stop` is set (in a thread of its own)."""
    with app.app_context():
        while not stop.wait(HEARTBEAT_SECONDS):
            _write(job_id, heartbeat_at=utcnow())


def run_job(job_id: int, watch: Progress | None = None) -> None:
    """Run a queued job to the end, recording done or failed (never raises).

    `watch` also hears its progress (a command running a job in its own process)."""
    job = db.session.get(Job, job_id)
    if job is None or job.state not in ("queued", "interrupted"):
        return
    params, kind = dict(job.params), job.kind
    now = utcnow()
    job.state, job.started_at, job.heartbeat_at = "running", now, now
    job.attempts += 1
    job.done, job.error, job.message = 0, None, "Started"
    db.session.commit()
    stop = threading.Event()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    beat = threading.Thread(target=_beat, args=(app, job_id, stop), daemon=True)
    beat.start()
    try:
        # Reads never hold SQLite's write lock: progress is written on another connection.
        with sqlite_transactions("deferred"):
            result = handler_for(kind)(job_id, params, _Reporter(job_id, watch))
    except Exception as error:  # a failed job records why and the worker carries on
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, kind)
        _finish(job_id, "failed", None, f"{type(error).__name__}: {error}", traceback.format_exc())
    else:
        db.session.rollback()
        _finish(job_id, "done", result, "Finished", None)
    finally:
        stop.set()
        beat.join()
        db.session.remove()


def _finish(
    job_id: int, state: str, result: JobResult | None, message: str, error: str | None
) -> None:
    """Record how the job ended."""
    values: dict[str, Any] = {
        "state": state,
        "finished_at": utcnow(),
        "message": message[:200],
        "error": error,
    }
    if result is not None:
        values.update(result_path=result.path, result_name=result.name, result_bytes=result.bytes)
    if state == "done":
        with db.engine.connect() as connection:
            total = connection.scalar(db.select(Job.total).where(Job.id == job_id))
        if total is not None:
            values["done"] = total
    _write(job_id, **values)
