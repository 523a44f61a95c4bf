"""Placing a batch's pages read: pages and copies as rows, copies tied to their codes.

Nothing is guessed: a page not placed says why; a copy whose serial does not lead to a
mailed code waits for a person to type the access code.

A serial has one copy, whichever batches its pages come in (a sheet misfed and scanned
again the next day, a page posted on its own). A page of a serial whose copy an earlier
batch made joins that copy while it waits for a person: its missing pages are filled and
its proposal made again from every page's box readings (`ScanPage.readings`), against the
form the page code names (`FormLookup`: the layout the copy was printed with). A page of a
copy already settled is kept and listed, not used (`UNUSED`): stored answers never change
behind a person's back. A page number seen twice is a duplicate, whichever batch it is in.
Batches are placed one at a time (`_lock_placing`), so two batches' jobs cannot each make
a copy of one serial.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select, text

from fieldwork.audit import record
from fieldwork.bad_input import INT_MAX, whole_number
from fieldwork.db import db
from fieldwork.keying import services as keying
from fieldwork.models import KeyingPass, Mailing, Response, ScanBatch, ScanCopy, ScanPage, User
from fieldwork.models.base import utcnow
from fieldwork.models.keying import RESOLVED
from fieldwork.models.responses import PAPER
from fieldwork.models.scans import (
    ACCEPTED,
    CONFIRMED,
    DUPLICATE,
    PLACED,
    TO_VERIFY,
    UNIDENTIFIED,
    UNUSED,
    WITHDRAWN,
)
from fieldwork.outcomes import study_settings
from fieldwork.scans import storage
from fieldwork.scans.reading import FormLookup, ReadPage
from forms.keying import Keyed
from forms.paper.qr import PagePayload
from forms.scan import CopyReading, Proposal, ScanForm
from forms.scan.batch import group
from forms.scan.measure import BoxReading
from forms.scan.propose import NOT_SCANNED, propose

Placed = list[tuple[ScanCopy, CopyReading]]


def clear(batch: ScanBatch) -> None:
    """Forget what an earlier attempt at reading the batch left (never a settled copy).

    Its pages leave the copies of other batches they joined, which are proposed again
    from the pages left; a copy of its own that other batches' pages joined is kept,
    handed to the earliest of those batches, and proposed again likewise.
    """
    _lock_placing()
    if any(copy.done for copy in batch.copies):
        raise keying.KeyingError("This batch has settled copies: it is not read again")
    pages = batch_pages(batch)
    joined = {p.copy for p in pages if p.copy is not None and p.copy.batch_id != batch.id}
    if any(copy.done and _used_in(copy, batch) for copy in joined):
        raise keying.KeyingError("Pages of this batch are in a settled copy: it is not read again")
    kept = []
    for copy in batch.copies:
        others = {p.batch_id for p in copy.pages if p.batch_id != batch.id}
        if others:  # its pages from later batches keep their copy
            copy.batch_id = min(others)
            kept.append(copy)
    db.session.flush()
    db.session.execute(delete(ScanPage).where(ScanPage.batch_id == batch.id))
    db.session.execute(delete(ScanCopy).where(ScanCopy.batch_id == batch.id))
    db.session.expire_all()
    storage.forget_batch_files(batch.id)
    batch.problems = []
    forms = FormLookup()
    for copy in [*kept, *(c for c in joined if not c.done)]:
        propose_again(copy, _form_of(copy, forms))
    db.session.flush()


def _used_in(copy: ScanCopy, batch: ScanBatch) -> bool:
    """Whether a page of `batch` is one the copy was made of (placed, not merely listed)."""
    return any(p.batch_id == batch.id and p.status == PLACED for p in copy.pages)


# Any fixed number: PostgreSQL's advisory lock that batches' placing takes in turn.
PLACING_LOCK = 0x5CA9_0001


def _lock_placing() -> None:
    """Place one batch at a time: two jobs reading batches with pages of one serial would
    each see no copy of it and make one. On PostgreSQL a transaction-level advisory lock
    (let go at commit or rollback): at READ COMMITTED every statement after it sees what
    the other job committed; SQLite's writing transactions (IMMEDIATE) already take turns.
    A person confirming a copy meanwhile is waited for by the copy's row lock
    (`_earlier_copy`)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLACING_LOCK})


def place(
    batch: ScanBatch,
    pages: list[tuple[ReadPage, str | None]],
    forms: FormLookup,
    problems: list[str],
) -> Placed:
    """Add the batch's pages and copies (pages grouped as the reading core groups them);
    pages of a serial whose copy an earlier batch made join it, or are listed as not used."""
    _lock_placing()
    rows = {read.reading.index: _page_row(batch, read, image) for read, image in pages}
    db.session.add_all(rows.values())
    grouped = group([read.reading for read, _ in pages], forms)
    placed: Placed = []
    for reading in grouped.copies:
        earlier = _earlier_copy(batch, reading)
        if earlier is not None and earlier.done:
            _not_used(earlier, reading, rows)
            continue
        if earlier is not None:
            placed.append((earlier, _join(earlier, reading, rows)))
            continue
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
        why = keyed_by_hand(copy)
        if why:
            set_aside(copy, why)
    return [(copy, reading) for copy, reading in placed if not copy.done]


def _earlier_copy(batch: ScanBatch, reading: CopyReading) -> ScanCopy | None:
    """The copy of the reading's serial (and form) another batch made, if any: a settled
    one first (the serial's answers are stored), else the first made. Locked, and read
    afresh: a person confirming it meanwhile is waited for and seen."""
    payload = next(iter(reading.pages.values())).payload
    query = (
        select(ScanCopy)
        .where(
            ScanCopy.serial == reading.serial[:16],
            ScanCopy.instrument == payload.instrument,
            ScanCopy.version == payload.version,
            ScanCopy.lang == payload.lang,
            ScanCopy.large_print == payload.large_print,
            ScanCopy.batch_id != batch.id,
        )
        .order_by(ScanCopy.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = list(db.session.scalars(query))
    return next((c for c in found if c.done), found[0] if found else None)


def _join(copy: ScanCopy, reading: CopyReading, rows: dict[int, ScanPage]) -> CopyReading:
    """Add a later batch's pages of a serial to its copy, waiting for a person; the copy
    proposed again from all its pages. A page number the copy has is a duplicate."""
    have = {p.page_no: p for p in copy.pages if p.status == PLACED}
    serial = copy.serial
    for number, page in sorted(reading.pages.items()):
        row = rows[page.index]
        row.copy = copy
        if number in have:
            row.status = DUPLICATE
            row.problem = (f"page {number} of serial {serial} scanned again "
                           f"(first in batch {have[number].batch_id})")  # fmt: skip
        else:
            row.status = PLACED
    for page in reading.duplicates:
        row = rows[page.index]
        row.status, row.copy = DUPLICATE, copy
        row.problem = f"page {page.payload.page} of serial {serial} scanned again"
    db.session.flush()
    proposal = propose_again(copy, reading.form)
    duplicates = [p for p in copy.pages if p.status == DUPLICATE]
    record("scan.join", copy=copy.id, batch=copy.batch_id,
           pages=[rows[p.index].id for p in reading.pages.values()])  # fmt: skip
    return CopyReading(reading.form, reading.serial, {}, duplicates, list(copy.missing), proposal)


def _not_used(copy: ScanCopy, reading: CopyReading, rows: dict[int, ScanPage]) -> None:
    """Pages of a copy already settled: kept and listed for a person, never used (a
    withdrawn participant's deleted at once: a confirmed copy keeps its state)."""
    if copy.problem and copy.state in (CONFIRMED, ACCEPTED):  # found blank, or not used
        why = f"serial {copy.serial}: {copy.problem}"
    else:
        how = "confirmed" if copy.state == CONFIRMED else "accepted without a person"
        why = f"serial {copy.serial} was already {how}{_on(copy.verified_at)}"
    pages = [rows[page.index] for page in [*reading.pages.values(), *reading.duplicates]]
    _unused(copy, pages, f"{why}; this page was not used")


def _unused(copy: ScanCopy, pages: list[ScanPage], why: str) -> None:
    """Pages kept and listed for a person, never used: their box readings dropped, their
    images kept to look at (a withdrawn participant's deleted at once, and audited)."""
    invitation = copy.invitation
    withdrawn = copy.state == WITHDRAWN or (invitation and invitation.withdrawn_at is not None)
    for row in pages:
        row.status, row.copy, row.readings = UNUSED, copy, None
        row.problem = WITHDRAWN_PROBLEM if withdrawn else why[:200]
    if not withdrawn or not pages:
        return
    db.session.flush()  # the pages' ids, for the audit log
    deleted = storage.forget_images(pages)
    record("scan.withdrawn_pages", copy=copy.id, invitation=invitation.id if invitation else None,
           pages=sorted(row.id for row in pages), scan_images=deleted)  # fmt: skip


def keyed_by_hand(copy: ScanCopy) -> str | None:
    """Why a copy waiting for a person is not to be used: its code's paper form was
    settled another way (keyed by hand, or another copy of it confirmed), else None."""
    invitation = copy.invitation
    if copy.done or invitation is None or invitation.withdrawn_at is not None:
        return None
    response = db.session.scalar(  # read afresh: it may have been made in this session
        select(Response).where(Response.invitation_id == invitation.id)
    )
    if response is not None and response.mode == PAPER:
        scanned = db.session.scalar(
            select(ScanCopy).where(ScanCopy.response_id == response.id, ScanCopy.id != copy.id)
        )
        if scanned is not None:
            return (f"the code's form was already settled from serial {scanned.serial}"
                    f"{_on(scanned.verified_at)}; this copy was not used")  # fmt: skip
        return _keyed_words(copy, invitation.id)
    # This serial keyed with nothing filled in (recorded as returned blank). Another copy
    # of the code (a reminder's questionnaire) may be filled in: a person looks at it.
    settled = db.session.scalar(
        select(KeyingPass.id).where(
            KeyingPass.invitation_id == invitation.id,
            KeyingPass.pass_no == RESOLVED,
            KeyingPass.mailing_id == copy.mailing_id,
        )
    )
    return _keyed_words(copy, invitation.id) if settled is not None else None


def _keyed_words(copy: ScanCopy, invitation_id: int) -> str:
    keyed_at = db.session.scalar(
        select(func.max(KeyingPass.keyed_at)).where(KeyingPass.invitation_id == invitation_id)
    )
    return f"serial {copy.serial} was already keyed by hand{_on(keyed_at)}; this copy was not used"


def _on(when) -> str:
    """' on DD/MM/YYYY' for a staff message, or nothing when the time is not known."""
    return f" on {when:%d/%m/%Y}" if when else ""


def set_aside(copy: ScanCopy, why: str) -> None:
    """Settle a copy waiting for a person as not used (`keyed_by_hand`): its pages kept and
    listed as unused pages of a settled copy are, its proposal and readings dropped."""
    pages = list(db.session.scalars(select(ScanPage).where(ScanPage.copy_id == copy.id)))
    _unused(copy, pages, why)
    copy.fields, copy.uncertain, copy.marks = {}, [], []
    copy.state, copy.problem, copy.verified_at = CONFIRMED, why[:200], utcnow()
    record(
        "scan.not_used", copy=copy.id, code=copy.invitation.code, pages=sorted(p.id for p in pages)
    )
    db.session.flush()


def set_aside_waiting(invitation_id: int) -> int:
    """Settle as not used every copy of a code still waiting for a person, once its form
    was keyed by hand (a response, or a blank return); how many."""
    query = select(ScanCopy).where(
        ScanCopy.invitation_id == invitation_id, ScanCopy.state == TO_VERIFY
    )
    count = 0
    for copy in db.session.scalars(query.with_for_update()).all():
        why = keyed_by_hand(copy)
        if why:
            set_aside(copy, why)
            count += 1
    return count


def propose_again(copy: ScanCopy, form: ScanForm | None) -> Proposal | None:
    """Make the copy's missing pages and proposal again from every page placed in it.

    A page read before box readings were kept has none: the answers proposed for its
    questions then stand (returns None: the proposal is not the reading core's alone).
    """
    db.session.flush()
    pages = list(db.session.scalars(select(ScanPage).where(ScanPage.copy_id == copy.id)))
    placed = {p.page_no: p for p in pages if p.status == PLACED}
    for page in sorted(pages, key=lambda p: p.position):  # a page left alone is placed
        if page.status == DUPLICATE and page.page_no not in placed and page.readings is not None:
            page.status, page.problem, placed[page.page_no] = PLACED, "", page
    if form is None:  # the form is no longer served: the copy as it was, pages counted
        copy.missing = [n for n in range(1, copy.pages_expected + 1) if n not in placed]
        return None
    copy.missing = [n for n in range(1, form.pages + 1) if n not in placed]
    readings = [_box_reading(kept) for n in sorted(placed) for kept in (placed[n].readings or [])]
    proposal = propose(form.instrument, readings)
    fields, found = dict(proposal.fields), {m["field"]: m for m in marks(proposal)}
    unread = any(page.readings is None for page in placed.values())
    if unread:
        before = {m["field"]: m for m in copy.marks}
        for item in proposal.items:
            if item.reason != NOT_SCANNED or before.get(item.name, {}).get("reason") == NOT_SCANNED:
                continue  # read now, or not scanned then either
            fields.pop(item.name, None)
            found.pop(item.name, None)
            if copy.fields.get(item.name):
                fields[item.name] = copy.fields[item.name]
            if item.name in before:
                found[item.name] = before[item.name]
    copy.fields = fields
    copy.uncertain = [item.name for item in proposal.items if item.name in found]
    copy.marks = [found[name] for name in copy.uncertain]
    db.session.flush()
    return None if unread else proposal


def _form_of(copy: ScanCopy, forms: FormLookup) -> ScanForm | None:
    """The form a copy's page codes name (its printed layout where its mailing kept one)."""
    payload = PagePayload(copy.instrument, copy.version, copy.lang, 1, copy.serial,
                          copy.large_print)  # fmt: skip
    return forms(payload)


def kept_readings(readings: list[BoxReading]) -> list[dict]:
    """A page's box readings as kept (`ScanPage.readings`): no images."""
    return [
        {"box": dict(r.box), "dark": float(r.dark), "ticked": bool(r.ticked),
         "filled": bool(r.filled), "confidence": float(r.confidence),
         "uncertain": bool(r.uncertain), "spread": float(r.spread)}
        for r in readings
    ]  # fmt: skip


def _box_reading(kept: dict) -> BoxReading:
    return BoxReading(
        kept["box"], kept["dark"], kept["ticked"], kept["filled"], kept["confidence"],
        kept["uncertain"], None, kept["spread"],
    )  # fmt: skip


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
        readings=kept_readings(reading.readings) if payload and not reading.problem else None,
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
        if copy.done or copy.problem or copy.invitation is None:
            continue
        try:
            result = keying.settle_read(
                keying.Copy(copy.invitation, copy.mailing), reading.form.instrument,
                dict(copy.fields), user=None, language=copy.lang, returned_on=returned_on,
            )  # fmt: skip
        except keying.KeyingError as error:
            copy.problem = str(error)[:200]
            continue
        if not isinstance(result, Keyed):  # a response, or nothing written: returned blank
            settle(copy, result, ACCEPTED, copy.fields, None)
            made = result.public_id if isinstance(result, Response) else None
            record("scan.accept", copy=copy.id, code=copy.invitation.code,
                   response=made, blank=made is None or None)  # fmt: skip
            accepted += 1
        else:
            copy.problem = "; ".join(result.problems.values())[:200]
    return accepted


def settle(
    copy: ScanCopy,
    result: Response | keying.ReturnedBlank,
    state: str,
    fields: dict,
    user: User | None,
) -> None:
    """Record that a copy became a response (confirmed by `user`, or accepted), or was
    found blank (`keying.ReturnedBlank`: no response, the code's outcome a refusal)."""
    blank = isinstance(result, keying.ReturnedBlank)
    copy.state, copy.response = state, None if blank else result
    # A settled copy's problem says what it was settled as (`_not_used`, the batch page);
    # one left by a failed acceptance (answered online, a box to correct) is over.
    copy.problem = result.message[:200] if blank else ""
    copy.fields = {k: v.strip() for k, v in fields.items() if v and v.strip()}
    copy.verified_by = user.id if user else None
    copy.verified_at = utcnow()
    for page in db.session.scalars(select(ScanPage).where(ScanPage.copy_id == copy.id)):
        page.readings = None  # kept only to propose the copy again: it is settled
    db.session.flush()


def batch_pages(batch: ScanBatch) -> list[ScanPage]:
    """The batch's pages in the order scanned."""
    query = select(ScanPage).where(ScanPage.batch_id == batch.id).order_by(ScanPage.position)
    return list(db.session.scalars(query))
