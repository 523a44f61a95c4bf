"""Scanned returns: start a batch, read it (the `scan_batch` job), confirm its copies.

Services flush; the view or command commits once. Reading happens in the job: pages are
read and their images written first (no database writes, so the job's progress is never
held up on SQLite), then pages and copies are added in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from fieldwork.audit import record
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db, sqlite_transactions
from fieldwork.jobs.registry import Progress
from fieldwork.jobs.services import start_job
from fieldwork.keying import services as keying
from fieldwork.models import (
    InstrumentVersion,
    Response,
    ScanBatch,
    ScanCopy,
    ScanPage,
    StudySettings,
    User,
)
from fieldwork.models.scans import CONFIRMED, PLACED
from fieldwork.scans import placing, storage
from fieldwork.scans.reading import FormLookup, count_pages, read_files
from forms.keying import Keyed
from forms.model import Instrument

KIND = "scan_batch"
# What a scanned file starts with: PDF, TIFF (both byte orders), PNG, JPEG.
SIGNATURES = (b"%PDF-", b"II*\x00", b"MM\x00*", b"\x89PNG", b"\xff\xd8\xff")


class ScanError(Exception):
    """A scans request that cannot be carried out (the message says why)."""


class CopyChanged(ScanError):
    """The copy gained pages (a later batch's) since the person's form was shown."""


CHANGED = (
    "A page of this copy scanned in a later batch joined it while you were verifying: "
    "its answers are filled in below now. Check them, then confirm again."
)


def check_file(name: str, data: bytes) -> None:
    """Refuse an upload that is empty or not a scanned PDF, TIFF, PNG or JPEG."""
    if not data:
        raise ScanError(f"{name or 'The file'} is empty")
    if not data.startswith(SIGNATURES):
        raise ScanError(f"{name or 'The file'} is not a PDF or TIFF scan")


def start_batch(files: list[tuple[str, bytes]], returned_on: date, user: User | None) -> ScanBatch:
    """Keep the uploaded files and queue the job reading them (commit, then dispatch)."""
    if not files:
        raise ScanError("Choose the scanned file(s) to upload")
    for name, data in files:
        check_file(name, data)
    most = current_app.config["SCAN_MAX_PAGES"]
    pages = sum(count_pages(data) or 0 for _name, data in files)
    if pages > most:
        raise ScanError(f"These files hold {pages:,} pages; upload at most {most:,} at a time")
    batch = ScanBatch(returned_on=returned_on, created_by=user.id if user else None, files=[])
    db.session.add(batch)
    db.session.flush()
    kept = [storage.keep_upload(batch, name, data) for name, data in files]
    batch.files = kept
    batch.job_id = start_job(KIND, {"batch_id": batch.id}, user).id
    record("scan.upload", user=user, batch=batch.id, files=[f["name"] for f in kept])
    db.session.flush()
    return batch


def read_job(job_id: int, params: dict[str, Any], progress: Progress) -> None:
    """The `scan_batch` job: read every page of a batch, place pages, propose answers."""
    with sqlite_transactions("immediate"):  # these writes must not wait on a read
        get_catalogue()  # synced now if it is not yet: it may write (versions seen)
        batch = db.session.get(ScanBatch, params["batch_id"])
        if batch is None:
            raise ScanError(f"no scan batch {params['batch_id']}")
        placing.clear(batch)
        db.session.commit()
    files = [(entry["name"], storage.read_upload(batch, entry)) for entry in batch.files]
    total = sum(count_pages(data) or 0 for _, data in files) or None
    progress(0, total, "Reading pages")
    problems: list[str] = []
    forms = FormLookup()
    pages = []
    for page in read_files(files, problems, forms):
        page.reading.verification = None
        image = storage.keep_image(batch.id, page.position, page.png) if page.png else None
        page.png = None
        pages.append((page, image))
        done = page.position
        progress(done, max(total or 0, done), f"Page {done} of {total or '?'} read")
    db.session.commit()  # end the reads, then write in one transaction of its own
    with sqlite_transactions("immediate"):
        copies = placing.place(batch, pages, forms, problems)
        accepted = placing.auto_accept(copies, batch.returned_on)
        db.session.commit()
    storage.drop_uploads(batch)
    joined = sum(1 for copy, _ in copies if copy.batch_id != batch.id)
    message = f"{len(pages)} page(s), {len(copies) - joined} cop(ies) found"
    message += f", {joined} earlier batches' cop(ies) joined" if joined else ""
    progress(len(pages), len(pages), message + (f", {accepted} accepted" if accepted else ""))


def version_instrument(copy: ScanCopy) -> Instrument:
    """The instrument version the copy was printed from."""
    catalogue = get_catalogue()
    version_id = db.session.scalar(
        select(InstrumentVersion.id).filter_by(instrument=copy.instrument, version=copy.version)
    )
    return catalogue.instrument_for(version_id)


def confirm(
    copy: ScanCopy,
    fields: dict[str, str],
    *,
    user: User,
    returned_on: date,
    code: str = "",
    override: bool = False,
    seen: str | None = None,
) -> Keyed | Response | keying.ReturnedBlank:
    """A person's confirmed (or corrected) answers of a copy become its paper response.

    Returns the response, or the read fields with problems for the person to correct.
    Nothing written on it (every answer left empty): recorded as returned blank, a
    refusal, with no response (`keying.ReturnedBlank`); the copy is settled all the same.
    A copy whose serial did not lead to a code needs the access code typed (`code`).
    `seen` is the copy's pages as the person's form showed them (`pages_seen`):
    pages joined since are not confirmed unseen (`CopyChanged`).
    """
    if copy.done:
        raise ScanError("This copy has already been settled")
    if seen is not None and seen != pages_seen(copy.id):
        raise CopyChanged(CHANGED)
    target = _keying_copy(copy, code)
    instrument = version_instrument(copy)
    result = keying.settle_read(
        target, instrument, fields, user=user, language=copy.lang,
        returned_on=returned_on, override=override,
    )  # fmt: skip
    if not isinstance(result, Keyed):
        changed = [  # names only: answers never go into the audit log (`keying.for_audit`)
            name for name, text in fields.items() if text.strip() != copy.fields.get(name, "")
        ]
        made = result.public_id if isinstance(result, Response) else None
        record("scan.confirm", user=user, copy=copy.id, code=target.invitation.code,
               response=made, blank=made is None or None,
               corrected=keying.for_audit(changed))  # fmt: skip
        placing.settle(copy, result, CONFIRMED, fields, user)
    return result


def pages_seen(copy_id: int) -> str:
    """The pages a copy is made of, as its verify form carries them (page ids).

    Count them before reading the copy's answers to show: a page joining in between then
    leaves the form's pages out of date (refused at confirm), never its answers."""
    query = select(ScanPage.id).where(ScanPage.copy_id == copy_id, ScanPage.status == PLACED)
    return " ".join(str(page_id) for page_id in sorted(db.session.scalars(query)))


def _keying_copy(copy: ScanCopy, code: str) -> keying.Copy:
    """The keying service's copy: the serial's code, else the access code typed."""
    if copy.invitation is not None:
        return keying.Copy(copy.invitation, copy.mailing)
    found = keying.find_copy(code) if code.strip() else None
    if found is None:
        raise ScanError("Type the access code printed on the letter of this copy")
    if found.invitation.instrument != copy.instrument:
        raise ScanError("That access code is for another questionnaire")
    copy.invitation_id = found.invitation.id
    copy.problem = ""
    return keying.Copy(found.invitation, None)


def set_auto_accept(on: bool, user: User | None) -> None:
    """Turn on or off accepting copies whose boxes were all read with confidence."""
    from fieldwork.outcomes import study_settings

    study_settings().scan_auto_accept = on
    record("scan.auto_accept", user=user, on=on)
    db.session.flush()


def auto_accept_on() -> bool:
    """Whether the study accepts copies read with confidence without a person (a read)."""
    settings = db.session.get(StudySettings, 1)
    return bool(settings and settings.scan_auto_accept)


def recent_batches(limit: int = 30) -> list[ScanBatch]:
    """The latest batches, newest first."""
    query = select(ScanBatch).order_by(ScanBatch.id.desc()).limit(limit)
    return list(db.session.scalars(query))
