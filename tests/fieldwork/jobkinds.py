"""Job handlers for the queue's tests: one counts and writes a file, one fails."""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app

from fieldwork.jobs.registry import JobResult


def count(job_id, params, progress):
    """Count to params['n'], reporting progress, and write the numbers to a file."""
    folder = Path(current_app.config["JOB_FILES"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"count-{job_id}.txt"
    n = params["n"]
    with path.open("w") as out:
        for i in range(n):
            out.write(f"{i}\n")
            progress(i + 1, n, f"counted {i + 1}")
    return JobResult(str(path), "count.txt", path.stat().st_size)


def boom(job_id, params, progress):
    """Fail halfway."""
    progress(1, 2)
    raise ValueError("no good")


def reader(job_id, params, progress):
    """Hold a read open on the job's own session while progress and heartbeats are written."""
    from fieldwork.db import db
    from fieldwork.models import Job

    for i in range(params["n"]):
        db.session.get(Job, job_id)  # the handler's read transaction stays open
        time.sleep(0.05)
        progress(i + 1, params["n"])
    return None


def about(params):
    """The practices a test job is about (`params['practices']`)."""
    return params["practices"]
