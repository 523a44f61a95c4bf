"""Exports: who may ask for what, starting the job, and the job's own work."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

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
WITHDRAWN = "File removed: a participant in it has withdrawn. Start a new export."


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
    """Whether a participant of `instrument` with a response withdrew at or after `since`,
    read on a connection of its own: a withdrawal committed after the export's read began
    counts. (`forget_exports` holds queued and running exports' rows until the withdrawal
    commits, so a withdrawal written before an export starts is committed before it reads.)"""
    query = select(AuditEvent.detail).where(AuditEvent.action == "withdrawal")
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    with db.engine.connect() as connection:
        details = connection.scalars(query).all()
    return any(
        d.get("had_response") and d.get("instrument", instrument) == instrument for d in details
    )


@dataclass(frozen=True)
class Withdrawn:
    """What decides which exports may hold a response (read before it is deleted)."""

    instrument: str
    version: int
    practice: str
    region: str
    started_at: datetime
    submitted_at: datetime | None

    @classmethod
    def of(cls, response) -> Withdrawn:
        version = db.session.get(InstrumentVersion, response.instrument_version_id)
        practice = response.practice
        return cls(version.instrument, version.version, practice.code, practice.region.name,
                   response.started_at, response.submitted_at)  # fmt: skip

    def maybe_in(self, request: Request, read_at: datetime) -> bool:
        """Whether an export of `request` whose read began at `read_at` may hold the
        response (when unsure: yes; clocks of two processes, a minute's leeway)."""
        if request.instrument != self.instrument or read_at < self.started_at - LEEWAY:
            return False
        sent = self.submitted_at is not None and self.submitted_at <= read_at + LEEWAY
        unsent = self.submitted_at is None or self.submitted_at >= read_at - LEEWAY
        if (request.status == "complete" and not sent) or (
            request.status == "partial" and not unsent
        ):
            return False
        if request.versions and self.version not in request.versions:
            return False
        if request.practices and self.practice not in request.practices:
            return False
        if request.regions and self.region not in request.regions:
            return False
        since, before = request.dates()
        return (since is None or self.started_at >= since) and (
            before is None or self.started_at < before
        )


LEEWAY = timedelta(minutes=1)


def forget_exports(withdrawn: Withdrawn) -> int:
    """Remove the files of the exports that may hold a response just withdrawn (the job
    says why), once the withdrawal commits; how many. Queued and running exports of the
    questionnaire are locked until then: one that has not yet read waits and reads without
    the response, one already reading fails at its end (`withdrawn_since`)."""
    jobs = select(Job).where(Job.kind == KIND).order_by(Job.id).with_for_update()
    removed = []
    for job in db.session.scalars(jobs):
        request = Request.from_params(job.params["request"])
        if job.started_at is None or not withdrawn.maybe_in(request, job.started_at):
            continue
        if job.state != "running" and job.result_path:
            job.result_path = job.result_name = job.result_bytes = None
            job.message = WITHDRAWN
        removed.append(_folder(job.id))
    db.session.flush()
    delete_after_commit(removed)
    return sum(1 for folder in removed if folder.exists())


def delete_after_commit(folders: list[Path]) -> None:
    """Delete these folders when the session's transaction commits (never if it rolls
    back: the jobs would still name their files)."""
    db.session.info.setdefault(_TO_DELETE, []).extend(folders)


_TO_DELETE = "fieldwork.datasets: folders to delete after commit"


@event.listens_for(Session, "after_commit")
def _delete_committed(session) -> None:
    for folder in session.info.pop(_TO_DELETE, []):
        shutil.rmtree(folder, ignore_errors=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_rolled_back(session, _previous) -> None:
    session.info.pop(_TO_DELETE, None)
