"""Access codes: issue batches, mail-merge rows, outcomes by hand. Callers commit."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldwork import codes
from fieldwork.audit import record
from fieldwork.bad_input import FormProblems, whole_number
from fieldwork.db import db
from fieldwork.models import Invitation, Practice
from fieldwork.models.base import utcnow
from fieldwork.models.responses import COMPLETE, DISPOSITIONS, INVITATION_MODES

MAX_BATCH = 5000
MAIL_MERGE_HEADER = ("code", "link", "practice_code", "practice_name", "instrument", "mode")
_ATTEMPTS = 5


class CodesError(FormProblems):
    """Mistakes in what was asked for, by the form field each belongs to."""


@dataclass
class Batch:
    """Codes issued together for one practice and instrument."""

    id: str
    practice: Practice
    instrument: str
    mode: str
    invitations: list[Invitation]


def check_batch_request(
    practice: Practice | None,
    instrument: str,
    count: str | int,
    mode: str,
    instruments: Collection[str],
) -> int:
    """The number of codes to issue, or a CodesError saying everything that is wrong
    (`practice` None: none chosen, or not one the user may issue codes for)."""
    problems: dict[str, str] = {}
    if practice is None:
        problems["practice"] = "Choose a practice"
    elif practice.status == "withdrawn":
        problems["practice"] = f"{practice.code} has withdrawn: codes cannot be issued"
    if instrument not in instruments:
        problems["instrument"] = "Choose a questionnaire"
    if mode not in INVITATION_MODES:
        problems["mode"] = "Choose how the codes are sent: web, paper or both"
    number = whole_number(count)
    if number is None or not 1 <= number <= MAX_BATCH:
        problems["count"] = f"Number of codes must be a whole number from 1 to {MAX_BATCH}"
    if problems:
        raise CodesError(problems)
    return number


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unused_codes(count: int) -> list[str]:
    """`count` distinct new codes that no invitation has yet."""
    fresh: set[str] = set()
    while len(fresh) < count:
        while len(fresh) < count:
            fresh.add(codes.new_code())
        for chunk in _chunks(sorted(fresh)):
            taken = db.session.scalars(select(Invitation.code).where(Invitation.code.in_(chunk)))
            fresh.difference_update(taken)
    return sorted(fresh)


def _savepoint():
    """A savepoint to retry in when another process takes a code first."""
    return db.session.begin_nested()


def new_batch_id() -> str:
    """A batch name that sorts by time: 20250314-101500-3fa2c1."""
    return f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def issue_codes(practice: Practice, instrument: str, count: int, mode: str = "web") -> Batch:
    """Issue `count` new unique codes (checked with check_batch_request first)."""
    batch_id = new_batch_id()
    for _ in range(_ATTEMPTS):
        invitations = [
            Invitation(
                code=code, practice=practice, instrument=instrument, mode=mode, batch=batch_id
            )
            for code in _unused_codes(count)
        ]
        try:
            with _savepoint():
                db.session.add_all(invitations)
                db.session.flush()
        except IntegrityError:  # another process took one of these codes meanwhile
            continue
        record(
            "codes_issued",
            practice=practice.code,
            instrument=instrument,
            mode=mode,
            count=count,
            batch=batch_id,
        )
        return Batch(batch_id, practice, instrument, mode, invitations)
    raise RuntimeError("could not find unused codes; try again")


def batch_invitations(batch_id: str) -> list[Invitation]:
    """The codes of one batch, in code order."""
    return list(
        db.session.scalars(
            select(Invitation).where(Invitation.batch == batch_id).order_by(Invitation.code)
        )
    )


def mail_merge_rows(invitations: Iterable[Invitation], public_url: str) -> Iterator[tuple]:
    """One mail-merge row per code: grouped code, personal link, practice, instrument, mode."""
    base = public_url.rstrip("/")
    for invitation in invitations:
        yield (
            codes.grouped(invitation.code),
            f"{base}/c/{invitation.code}",
            invitation.practice.code,
            invitation.practice.name,
            invitation.instrument,
            invitation.mode,
        )


def completed_online(invitation: Invitation) -> bool:
    """Whether the code has a submitted response (its outcome was set automatically)."""
    return invitation.response is not None and invitation.response.status == COMPLETE


def set_disposition(invitation: Invitation, disposition: str, *, override: bool = False) -> bool:
    """Set a code's outcome by hand; True if it changed. Submitted responses need `override`."""
    if disposition not in DISPOSITIONS:
        raise CodesError(f"Choose an outcome ({', '.join(DISPOSITIONS)})", "disposition")
    if disposition == invitation.disposition:
        return False
    needs_override = completed_online(invitation) and disposition != "complete"
    if needs_override and not override:
        raise CodesError(
            f"{codes.grouped(invitation.code)} has a completed response: confirm that "
            f"you want to replace its outcome with {disposition}",
            "override",
        )
    record(
        "disposition_changed",
        code=invitation.code,
        old=invitation.disposition,
        new=disposition,
        override=True if needs_override else None,
    )
    invitation.disposition, invitation.disposition_at = disposition, utcnow()
    return True
