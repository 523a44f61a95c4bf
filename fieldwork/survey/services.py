"""What happens to responses: started, saved page by page, submitted. Callers commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldwork import answers, codes
from fieldwork.catalogue import Catalogue
from fieldwork.consent import Agreement, record_agreement
from fieldwork.db import db
from fieldwork.models import Invitation, Practice, Response
from fieldwork.models.base import utcnow
from fieldwork.models.responses import ASSISTED, AUTOMATIC, COMPLETE, ONLINE, PAPER, PARTIAL
from fieldwork.outcomes import record_progress, refresh_outcome, save_if_unchanged
from fieldwork.retention import study_closed
from forms.completeness import answered_share
from forms.model import Instrument
from forms.paging import Page, page_reached, web_pages


class SurveyClosed(Exception):
    """The code or link can no longer be used to answer."""


class ReadAgain(Exception):
    """The response changed since it was read without a lock (PostgreSQL), or its page
    writes identifying answers: nothing was saved; read it again locked and save again."""


def find_invitation(raw_code: str) -> Invitation | None:
    """The invitation for a typed access code, if the code exists."""
    code = codes.normalise(raw_code)
    if code is None:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.code == code))


def find_resumable(raw_code: str, idle: timedelta) -> Response | None:
    """The unfinished open-link response for a resume code, unless idle longer than `idle`."""
    code = codes.normalise(raw_code, codes.RESUME_LENGTH)
    if code is None or study_closed():  # resume codes stop when the study ends
        return None
    return db.session.scalar(
        select(Response).where(
            Response.resume_code == code,
            Response.status == PARTIAL,
            Response.withdrawn_at.is_(None),
            Response.updated_at > utcnow() - idle,
        )
    )


def find_by_resume_code(raw_code: str) -> Response | None:
    """The open-link response holding a resume code, finished or not (to withdraw it)."""
    code = codes.normalise(raw_code, codes.RESUME_LENGTH)
    if code is None:
        return None
    return db.session.scalar(select(Response).where(Response.resume_code == code))


def invitation_closed(invitation: Invitation) -> bool:
    """Whether a code may no longer start a response (a final outcome other than partial)."""
    if invitation.practice.status == "withdrawn" or invitation.mode == "paper":
        return True
    if invitation.withdrawn_at is not None or study_closed():  # withdrew; the study ended
        return True
    return invitation.disposition not in AUTOMATIC


def _new_resume_code() -> str:
    """A resume code no other response holds."""
    while True:
        code = codes.new_code(codes.RESUME_LENGTH)
        if db.session.scalar(select(Response.id).where(Response.resume_code == code)) is None:
            return code


def start_response(
    catalogue: Catalogue,
    instrument: Instrument,
    practice: Practice,
    *,
    language: str,
    start_key: str,
    invitation: Invitation | None = None,
    mode: int = ONLINE,
    assisted_by: int | None = None,
    agreement: Agreement | None = None,
) -> Response:
    """Start (or, for a repeated request, find) the response for this code or start key,
    with the consent agreed (instruments with a consent block)."""
    existing = _existing(start_key, invitation)
    if existing is not None:
        return existing
    response = Response(
        public_id=codes.new_code(12),
        instrument_version_id=catalogue.version_ids[instrument.id],
        practice_id=practice.id,
        invitation_id=invitation.id if invitation else None,
        mode=mode,
        language=language,
        start_key=start_key,
        resume_code=None if invitation else _new_resume_code(),
        assisted_by=assisted_by,
    )
    record_agreement(response, agreement)
    try:
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError:  # a double click or a second tab got there first
        existing = _existing(start_key, invitation)
        if existing is None:
            raise
        return existing
    answers.add_row(db.session, instrument, response.id)
    refresh_outcome(response, instrument)  # nothing answered yet: a break-off until it grows
    return response


def _existing(start_key: str, invitation: Invitation | None) -> Response | None:
    """The response already started with this key or code."""
    query = select(Response).where(Response.start_key == start_key)
    if invitation is not None:
        query = select(Response).where(Response.invitation_id == invitation.id)
    return db.session.scalar(query)


def save_page(
    response: Any,
    instrument: Instrument,
    page: Page,
    values: Mapping[str, Any],
    shown,
    after: dict[str, Any],
    applies: Mapping[str, bool],
) -> str | None:
    """Save the shown items of one page, how far the respondent has reached and the
    outcome, for a response read as a plain row (`state.answering`), in plain SQL:
    the answer row's UPDATE, one UPDATE of the response's row, and the code's outcome
    moved with it (`outcomes.record_progress`). Returns the id of the item now reached.

    A response read without a lock (it has a `row_version`: PostgreSQL) is saved in one
    statement if its row is unchanged (`outcomes.save_if_unchanged`); else, or when the
    page has identifying answers, `ReadAgain` is raised and nothing is written.

    `after`: the stored answers once saved (`answers.saved_after`); `applies`:
    `forms.routing.items_applying(instrument, after, "web")`, judged once by the caller.
    """
    if response.status == COMPLETE:
        raise SurveyClosed("this response has been submitted")
    if response.superseded_by_id is not None:  # the paper form keyed for its code counts
        raise SurveyClosed("this response has been set aside for a paper form")
    if response.withdrawn_at is not None:  # withdrawn with its answers kept: nothing more
        raise SurveyClosed("this response has been withdrawn")
    reached = response.reached
    if page.number > page_reached(web_pages(instrument), reached):
        reached = page.last_item
    web = response.mode != PAPER
    done, applicable = answered_share(instrument, after, web=web, applies=applies if web else None)
    version = getattr(response, "row_version", None)  # read unlocked (`state.answering`)
    if version is None:  # read locked
        answers.save_items(db.session, instrument, response.id, shown, values)
        record_progress(response, reached, done, applicable)
        return reached
    columns, secret = answers.page_columns(shown, values)
    if secret:
        raise ReadAgain("identifying answers are saved under the response's lock")
    table = answers.answer_table(instrument)
    if not save_if_unchanged(table, columns, response.id, version, reached, done, applicable):
        raise ReadAgain("the response changed since it was read")
    return reached


def submit_response(response: Response) -> bool:
    """Mark the response complete (False if it already was: nothing changes twice)."""
    if response.status == COMPLETE or response.superseded_by_id is not None:
        return False
    response.status = COMPLETE
    response.submitted_at = response.updated_at = utcnow()
    if response.mode == ASSISTED:  # the device is the practice's; others keep it to withdraw
        response.resume_code = None
    invitation = response.invitation
    if invitation is not None and invitation.disposition in AUTOMATIC:
        # The share answered decides (refresh_outcome ran when the last page was saved).
        invitation.disposition = response.outcome or "complete"
        invitation.disposition_at = response.submitted_at
    return True
