"""Placing a batch's pages read: pages and copies as rows, copies tied to their codes.

Nothing is guessed: a page not placed says why; a copy whose serial does not lead to a
mailed code waits for a person to type the access code.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from fieldwork.audit import record
from fieldwork.bad_input import INT_MAX, whole_number
from fieldwork.db import db
from fieldwork.keying import services as keying
from fieldwork.models import Mailing, Response, ScanBatch, ScanCopy, ScanPage, User
from fieldwork.models.base import utcnow
from fieldwork.models.scans import ACCEPTED, DUPLICATE, PLACED, UNIDENTIFIED, WITHDRAWN
from fieldwork.outcomes import study_settings
from fieldwork.scans import storage
from fieldwork.scans.reading import FormLookup, ReadPage
from forms.scan import CopyReading, Proposal
from forms.scan.batch import group

Placed = list[tuple[ScanCopy, CopyReading]]


def clear(batch: ScanBatch) -> None:
    """Forget what an earlier attempt at reading the batch left (never a settled copy)."""
    if any(copy.done for copy in batch.copies):
        raise keying.KeyingError("This batch has settled copies: it is not read again")
    db.session.execute(delete(ScanPage).where(ScanPage.batch_id == batch.id))
    db.session.execute(delete(ScanCopy).where(ScanCopy.batch_id == batch.id))
    db.session.expire(batch)
    storage.forget_batch_files(batch.id)
    batch.problems = []


def place(
    batch: ScanBatch,
    pages: list[tuple[ReadPage, str | None]],
    forms: FormLookup,
    problems: list[str],
) -> Placed:
    """Add the batch's pages and copies (pages grouped as the reading core groups them)."""
    rows = {read.reading.index: _page_row(batch, read, image) for read, image in pages}
    db.session.add_all(rows.values())
    grouped = group([read.reading for read, _ in pages], forms)
    placed: Placed = []
    for reading in grouped.copies:
        copy = _copy_row(batch, reading)
        db.session.add(copy)
        for page in reading.pages.values():
            rows[page.index].status, rows[page.index].copy = PLACED, copy
        for page in reading.duplicates:
            row = rows[page.index]
            row.status, row.copy = DUPLICATE, copy
            row.problem = f"page {page.payload.page} of serial {reading.serial[:16]} scanned again"
        placed.append((copy, reading))
    batch.problems = problems
    db.session.flush()
    for copy, _reading in placed:
        _forget_if_withdrawn(batch, copy)
    return placed


WITHDRAWN_PROBLEM = "The participant has withdrawn: the scan and its answers are not kept"


def _forget_if_withdrawn(batch: ScanBatch, copy: ScanCopy) -> None:
    """A copy of a code whose participant has withdrawn (a form posted before the phone
    call, scanned after it) is not kept: its images and read answers are deleted at once,
    as a withdrawal deletes those of copies scanned before it."""
    if copy.invitation is None or copy.invitation.withdrawn_at is None:
        return
    pages = db.session.scalars(select(ScanPage).where(ScanPage.copy_id == copy.id))
    deleted = storage.forget_images(pages)
    copy.fields, copy.uncertain, copy.marks = {}, [], []
    copy.state, copy.problem = WITHDRAWN, WITHDRAWN_PROBLEM
    record("scan.withdrawn_copy", batch=batch.id, copy=copy.id,
           invitation=copy.invitation.id, scan_images=deleted)  # fmt: skip
    db.session.flush()


def _page_row(batch: ScanBatch, read: ReadPage, image: str | None) -> ScanPage:
    reading = read.reading
    payload = reading.payload
    return ScanPage(
        batch_id=batch.id,
        position=read.position,
        file_name=read.file_name[:200],
        file_page=read.file_page,
        status=UNIDENTIFIED,
        problem=reading.problem[:200],
        payload=payload.encode()[:200] if payload else None,
        page_no=payload.page if payload and 0 <= payload.page <= INT_MAX else None,
        serial=payload.serial[:16] if payload else None,
        rotation=reading.identified.rotation,
        image=image,
        registered=read.registered,
    )


def _copy_row(batch: ScanBatch, reading: CopyReading) -> ScanCopy:
    payload = next(iter(reading.pages.values())).payload
    proposal = reading.proposal or Proposal([])
    copy = ScanCopy(
        batch_id=batch.id,
        serial=reading.serial[:16],  # a page code's text, as long as whoever printed it chose
        instrument=payload.instrument,
        version=payload.version,
        lang=payload.lang,
        large_print=payload.large_print,
        pages_expected=reading.form.pages,
        missing=list(reading.missing),
        fields=proposal.fields,
        uncertain=[f.name for f in proposal.uncertain],
        marks=marks(proposal),
    )
    serial = whole_number(reading.serial)  # a page code's text: any digits, any length
    mailing = db.session.get(Mailing, serial) if serial is not None else None
    if mailing is None:
        copy.problem = f"Serial {copy.serial} is not a copy this study mailed"
    elif mailing.invitation.instrument != payload.instrument:
        copy.problem = f"Serial {copy.serial} was mailed for another questionnaire"
    else:
        copy.mailing, copy.invitation = mailing, mailing.invitation
    return copy


def marks(proposal: Proposal) -> list[dict]:
    """Where each uncertain field's boxes are (points), and why a person must look."""
    found = []
    for field in proposal.uncertain:
        mark: dict = {"field": field.name, "page": field.page, "reason": field.reason}
        boxes = [r.box for r in field.readings if r.box["page"] == field.page]
        if boxes:
            left = min(b["x"] for b in boxes)
            bottom = min(b["y"] for b in boxes)
            right = max(b["x"] + b["w"] for b in boxes)
            top = max(b["y"] + b["h"] for b in boxes)
            mark.update(x=left, y=bottom, w=right - left, h=top - bottom)
        found.append(mark)
    return found


def auto_accept(placed: Placed, returned_on: date) -> int:
    """Where the study allows it, make responses of copies read with confidence throughout."""
    if not study_settings().scan_auto_accept:
        return 0
    accepted = 0
    for copy, reading in placed:
        proposal = reading.proposal
        if not reading.complete or proposal is None or not proposal.certain:
            continue
        if copy.problem or copy.invitation is None:
            continue
        try:
            result = keying.settle_read(
                keying.Copy(copy.invitation, copy.mailing), reading.form.instrument,
                dict(copy.fields), user=None, language=copy.lang, returned_on=returned_on,
            )  # fmt: skip
        except keying.KeyingError as error:
            copy.problem = str(error)[:200]
            continue
        if isinstance(result, Response):
            settle(copy, result, ACCEPTED, copy.fields, None)
            record("scan.accept", copy=copy.id, code=copy.invitation.code,
                   response=result.public_id)  # fmt: skip
            accepted += 1
        else:
            copy.problem = "; ".join(result.problems.values())[:200]
    return accepted


def settle(copy: ScanCopy, response: Response, state: str, fields: dict, user: User | None) -> None:
    """Record that a copy became a response (confirmed by `user`, or accepted)."""
    copy.state, copy.response = state, response
    copy.fields = {k: v.strip() for k, v in fields.items() if v and v.strip()}
    copy.verified_by = user.id if user else None
    copy.verified_at = utcnow()
    db.session.flush()


def batch_pages(batch: ScanBatch) -> list[ScanPage]:
    """The batch's pages in the order scanned."""
    query = select(ScanPage).where(ScanPage.batch_id == batch.id).order_by(ScanPage.position)
    return list(db.session.scalars(query))
