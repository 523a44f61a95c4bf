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
from fieldwork.jobs.services import start_job
from fieldwork.models import InstrumentVersion, Job, User
from fieldwork.models.base import utcnow

KIND = "dataset"


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
    folder = Path(current_app.config["JOB_FILES"]) / f"dataset-{job_id}"
    shutil.rmtree(folder, ignore_errors=True)
    bundle = build_bundle(request, user, folder / "bundle", lambda rows: progress(rows, total))
    name = f"{request.instrument}-{'full' if request.full else 'deidentified'}-{job_id}.zip"
    progress(bundle.rows, total, f"{bundle.rows:,} responses exported; making the zip")
    size = zip_bundle(bundle, folder / name)
    shutil.rmtree(folder / "bundle")
    progress(bundle.rows, bundle.rows, f"{bundle.rows:,} responses exported")
    return JobResult(str(folder / name), name, size)
