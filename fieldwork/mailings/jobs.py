"""The `paper_pack` job: make a batch's pack in the background, with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

from fieldwork.db import db, sqlite_transactions
from fieldwork.invitations.services import batch_invitations
from fieldwork.jobs.registry import JobResult, Progress
from fieldwork.mailings.services import (
    PackRequest,
    batch_instrument,
    forget_plan,
    keep_printed_layout,
    plan_pack,
    render_pack,
)


def pack_practices(params: dict[str, Any]) -> list[str]:
    """The practices a pack job is about: its batch's."""
    return sorted({i.practice.code for i in batch_invitations(PackRequest(**params).batch)})


def pack_job(job_id: int, params: dict[str, Any], progress: Progress) -> JobResult:
    """Record the mailing, draw the pack with progress, keep its zip in the job files and
    the layout its questionnaire was printed with.

    The mailing is committed before drawing, so that progress (written on a connection of
    its own) never waits for this job's transaction; if drawing or keeping fails it is
    removed again, and its zip with it.
    """
    request = PackRequest(**params)
    instrument = batch_instrument(request.batch)
    plan = plan_pack(request, instrument)
    db.session.commit()
    path: Path | None = None
    try:
        pack = render_pack(
            plan,
            instrument,
            current_app.config,
            lambda done, total: progress(done, total, f"{done} of {total} copies"),
        )
        folder = Path(current_app.config["JOB_FILES"])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"job-{job_id}-{pack.filename}"
        path.write_bytes(pack.data)
        # A job's SQLite transactions are deferred: this one reads, then writes, so it takes
        # the write lock at once (a deferred one is refused it if another commits between).
        with sqlite_transactions("immediate"):
            keep_printed_layout(plan, pack)
            db.session.commit()
    except Exception:
        db.session.rollback()
        if path is not None:  # no zip of codes left behind that no job offers
            path.unlink(missing_ok=True)
        forget_plan(plan)
        db.session.commit()
        raise
    return JobResult(str(path), pack.filename, len(pack.data))
