"""Exports: who may ask for what, starting the job, and the job's own work."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from exports.bundle import write_bundle, zip_bundle
from exports.dataset import Dataset, Options
from fieldwork.audit import record
from fieldwork.catalogue import get_catalogue
from fieldwork.datasets.filters import FilterError, Request, check_request
from fieldwork.datasets.stream import count_matching, stream_chunks, version_ids
from fieldwork.db import db
from fieldwork.jobs.registry import JobResult
from fieldwork.jobs.services import JobError, start_job
from fieldwork.models import AuditEvent, InstrumentVersion, Job, User
from fieldwork.models.base import utcnow

KIND = "dataset"
# What an export whose file was removed after a withdrawal says instead.
WITHDRAWN = "File removed: a participant withdrew after this export began. Start a new export."


def known_versions() -> dict[str, list[int]]:
    """{instrument: [versions]} recorded in the database."""
    rows = db.session.execute(
        select(InstrumentVersion.instrument, InstrumentVersion.version).order_by(
            InstrumentVersion.instrument, InstrumentVersion.version
        )
    )
    found: dict[str, list[int]] = {}
    for instrument, version in rows:
        found.setdefault(instrument, []).append(version)
    return found


def allowed_practices(user: User | None) -> frozenset[str]:
    """Practices the user may export (empty: all; admins and the command line see all)."""
    if user is None or user.role == "admin":
        return frozenset()
    return user.restricted_to


def check_for(request: Request, user: User | None) -> Request:
    """Check the request, and that the user may have it (full bundles: admins only)."""
    request = check_request(request, known_versions())
    if request.full and user is not None and user.role != "admin":
        raise FilterError("only an administrator may export a full (identifying) bundle")
    return request


def count_for(request: Request, user: User | None) -> int:
    """How many responses the request matches for this user."""
    return count_matching(request, allowed_practices(user))


def start_export(request: Request, user: User | None) -> Job:
    """Queue an export job (audited when full); the caller commits, then dispatches."""
    request = check_for(request, user)
    job = start_job(KIND, {"request": request.as_params(), "user": user.id if user else None}, user)
    if request.full:
        record("export_full", user=user, job=job.id, instrument=request.instrument)
    return job


def build_bundle(
    request: Request, user: User | None, folder: Path, progress: Callable[[int], None]
):
    """Stream the matching responses into a bundle in `folder`."""
    ids = version_ids(request)
    catalogue = get_catalogue()
    versions = {v: catalogue.instrument_for(i) for v, i in ids.items()}
    if not versions:
        raise FilterError(f"{request.instrument} has no versions to export")
    options = Options(
        clean=not request.raw,
        deidentified=not request.full,
        free_text=request.full and "free_text" in request.formats,
        contacts=request.full and "contacts" in request.formats,
    )
    dataset = Dataset(list(versions.values()), options)
    allowed = allowed_practices(user)
    about = {
        "made_by": user.email if user else "command line",
        "made_at": utcnow().replace(microsecond=0).isoformat() + "Z",
        "filters": {k: v for k, v in request.as_params().items() if k != "formats"},
    }
    chunks = stream_chunks(versions, ids, request, allowed, contacts=options.contacts)
    with closing(chunks):  # on an error, the reading thread stops and the COPY ends at once
        return write_bundle(dataset, chunks, folder, request.formats, about, progress)


def export_dataset(job_id: int, params: dict, progress) -> JobResult:
    """The job handler: build the bundle, zip it, and hand back the zip."""
    request = Request.from_params(params["request"])
    user = db.session.get(User, params["user"]) if params.get("user") else None
    total = count_for(request, user)
    progress(0, total, f"Exporting {total:,} responses")
    folder = _folder(job_id)
    shutil.rmtree(folder, ignore_errors=True)
    bundle = build_bundle(request, user, folder / "bundle", lambda rows: progress(rows, total))
    name = f"{request.instrument}-{'full' if request.full else 'deidentified'}-{job_id}.zip"
    progress(bundle.rows, total, f"{bundle.rows:,} responses exported; making the zip")
    size = zip_bundle(bundle, folder / name)
    shutil.rmtree(folder / "bundle")
    job = db.session.get(Job, job_id)
    if withdrawn_since(request.instrument, job.started_at if job else None):
        shutil.rmtree(folder, ignore_errors=True)
        raise JobError("a participant withdrew while this export was made: start it again")
    progress(bundle.rows, bundle.rows, f"{bundle.rows:,} responses exported")
    return JobResult(str(folder / name), name, size)


def _folder(job_id: int) -> Path:
    return Path(current_app.config["JOB_FILES"]) / f"dataset-{job_id}"


def withdrawn_since(instrument: str, since) -> bool:
    """Whether a participant of `instrument` withdrew at or after `since` (every time when
    None), read on a connection of its own: a withdrawal committed after the export's read
    began counts."""
    query = select(AuditEvent.detail).where(AuditEvent.action == "withdrawal")
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    with db.engine.connect() as connection:
        details = connection.scalars(query).all()
    return any(detail.get("instrument", instrument) == instrument for detail in details)


def forget_exports(instrument: str) -> int:
    """Delete the files of every export of `instrument` begun so far, finished or not (a
    participant of it has just withdrawn: the files may hold what they took back); the
    job says why. An export still running fails at its end (`withdrawn_since`)."""
    removed = 0
    jobs = select(Job).where(Job.kind == KIND, Job.started_at.is_not(None))
    for job in db.session.scalars(jobs):
        if (job.params.get("request") or {}).get("instrument") != instrument:
            continue
        folder = _folder(job.id)
        if job.result_path or folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            if job.result_path:
                Path(job.result_path).unlink(missing_ok=True)
            removed += 1
        if job.state == "done" and job.result_path:
            job.result_path = job.result_name = job.result_bytes = None
            job.message = WITHDRAWN
    db.session.flush()
    return removed
