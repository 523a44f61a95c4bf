"""The huey queue: SQLite storage in the instance folder by default, Redis when configured.

`init_app` builds the app's huey and registers the one task every job kind runs through;
`fieldwork worker` runs huey's consumer on the same storage. In immediate mode (tests,
`FIELDWORK_JOBS_IMMEDIATE=1`) a job runs at once, inside the request that starts it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab


def make_huey(config: dict, instance_path: str) -> Huey:
    """The huey the app's configuration asks for."""
    name = config.get("JOBS_QUEUE_NAME") or "fieldwork"
    if config.get("JOBS_IMMEDIATE"):
        return MemoryHuey(name, immediate=True)
    redis_url = config.get("REDIS_URL")
    if redis_url:
        return RedisHuey(name, url=redis_url)
    path = config.get("JOBS_QUEUE_FILE") or str(Path(instance_path) / "jobs-queue.sqlite")
    return SqliteHuey(name, filename=path)


def init_app(app: Flask) -> None:
    """Give the app its huey and the task that runs a job by id."""
    huey = make_huey(app.config, app.instance_path)

    @huey.task(name="fieldwork.run_job")
    def run_job_task(job_id: int) -> None:
        from fieldwork.jobs.runner import run_job

        with app.app_context():
            run_job(job_id)

    @huey.periodic_task(crontab(minute="17", hour="3"), name="fieldwork.daily_purge")
    def daily_purge_task() -> None:
        # Every night: purges identifying answers once the retention period is over
        # (a no-op before, and when nothing is left); see fieldwork.retention.
        from fieldwork.retention import scheduled_purge

        with app.app_context():
            scheduled_purge()

    app.extensions["huey"] = huey
    app.extensions["huey_task"] = run_job_task


def get_huey() -> Huey:
    """The current app's huey."""
    return current_app.extensions["huey"]


def dispatch(job_id: int) -> None:
    """Put a committed job on the queue (immediate mode runs it now).

    In immediate mode the job runs in a session of its own; the caller's session then
    ends its read transaction so that it sees what the job wrote.
    """
    immediate = current_app.config.get("JOBS_IMMEDIATE")
    if immediate:
        from fieldwork.db import db

        # Reading the committed job's id may have begun a new transaction, which on SQLite
        # inside a POST holds the write lock the job needs: end it first.
        db.session.commit()
    current_app.extensions["huey_task"](job_id)
    if immediate:
        db.session.commit()
