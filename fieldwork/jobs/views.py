"""A job's progress page (a refresh link without JavaScript), its JSON, restart, download."""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from fieldwork.audit import record
from fieldwork.db import db, writes
from fieldwork.jobs import bp, queue
from fieldwork.jobs.services import (
    JobError,
    job_origin,
    job_status,
    job_title,
    mark_interrupted,
    restart_job,
    visible_job,
)


def _job(job_id: int):
    """The job if the signed-in user may see it; 404 otherwise (stale jobs marked first)."""
    if mark_interrupted():
        db.session.commit()
    job = visible_job(job_id, current_user)
    if job is None:
        abort(404)
    return job


@bp.get("/<int:job_id>")
@login_required
def show(job_id: int):
    """The job's progress (its script polls the JSON until the job has finished), and a
    link back to what it was started for."""
    job = _job(job_id)
    origin = job_origin(job)
    back = (url_for(origin[0], **origin[1]), origin[2]) if origin else None
    return render_template("jobs/job.html", job=job, title=job_title(job), back=back)


@bp.get("/<int:job_id>.json")
@login_required
def status(job_id: int):
    """The job's state and progress as JSON (polled by the page's script)."""
    response = jsonify(job_status(_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:job_id>/restart")
@login_required
def restart(job_id: int):
    """Queue an interrupted or failed job again."""
    job = _job(job_id)
    try:
        restart_job(job)
    except JobError as error:
        flash(str(error))
        return redirect(url_for("jobs.show", job_id=job.id))
    record("job_restart", job=job.id, kind=job.kind)
    db.session.commit()
    queue.dispatch(job.id)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/<int:job_id>/download")
@login_required
@writes  # the download is audited
def download(job_id: int):
    """The finished job's file."""
    job = _job(job_id)
    if job.state != "done" or not job.result_path or not Path(job.result_path).is_file():
        abort(404)
    record("job_download", job=job.id, kind=job.kind, file=job.result_name)
    db.session.commit()
    return send_file(job.result_path, as_attachment=True, download_name=job.result_name, max_age=0)
