"""Withdrawal: a participant takes back their answers, as the participant information says.

What it does is the study's setting (`StudySettings.withdrawal`): "delete" removes the
response (its row of answers and its identifying answers); "keep_answers" keeps the
answers given so far and deletes only the identifying answers (contact details). Either
way the code can no longer be used, its outcome becomes a refusal (AAPOR 2.11) with the
time and route of the withdrawal, and it is audited. Exports made afterwards follow: a
deleted response is gone; a kept one carries no contact details. Scanned images of the
code's paper copies are deleted either way (they show what was written).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from fieldwork import identifying
from fieldwork.answers import answer_table
from fieldwork.audit import record
from fieldwork.catalogue import get_catalogue
from fieldwork.datasets.services import Withdrawn, forget_exports
from fieldwork.db import db
from fieldwork.keying.services import forget_passes
from fieldwork.models import Invitation, Response, StudySettings, User
from fieldwork.models.base import utcnow
from fieldwork.outcomes import study_settings
from fieldwork.scans.forget import forget_code

# How a withdrawal reached the study.
ROUTES = ("respondent", "phone", "letter", "email")
SETTINGS = ("delete", "keep_answers")
# What each setting does, for staff: "In this study a withdrawal …".
SETTING_WORDS = {
    "delete": "deletes the participant's response and its contact details",
    "keep_answers": "keeps the answers the participant gave and deletes their contact details",
}


class WithdrawalError(ValueError):
    """A withdrawal that cannot be recorded (unknown route, already withdrawn)."""


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal did: the study's setting, and what it deleted or removed."""

    setting: str  # "delete" or "keep_answers"
    had_response: bool
    scan_images: int = 0
    keyed_passes: int = 0
    export_files: int = 0

    def described(self) -> str:
        """What was done, for the staff member who recorded it (and the CLI)."""
        done = []
        if not self.had_response:
            done.append("no response had been started")
        elif self.setting == "delete":
            done.append("the response and its contact details were deleted")
        else:
            done.append("its answers are kept and its contact details were deleted")
        if self.scan_images:
            done.append(f"{_count(self.scan_images, 'scanned page image')} deleted")
        if self.keyed_passes:
            done.append(f"the text keyed from {_count(self.keyed_passes, 'paper pass', 'es')}"
                        " blanked")  # fmt: skip
        if self.export_files:
            done.append(
                f"{_count(self.export_files, 'dataset')} made earlier removed from the server"
                " (copies already downloaded are the study team's to delete)"
            )
        return "; ".join(done)


def _count(n: int, noun: str, plural: str = "s") -> str:
    return f"{n:,} {noun}{'' if n == 1 else plural}"


def withdraw(invitation: Invitation, route: str, user: User | None = None) -> Withdrawal:
    """Withdraw the code's participant by `route`; returns what was done."""
    if route not in ROUTES:
        raise WithdrawalError(f"Choose how the withdrawal came ({', '.join(ROUTES)})")
    if invitation.withdrawn_at is not None:
        raise WithdrawalError("This code's participant has already withdrawn")
    setting = study_settings().withdrawal
    response = invitation.response
    exports = 0
    if response is not None:
        withdrawn = Withdrawn.of(response)
        forget_response(response, delete_answers=setting == "delete")
        exports = forget_exports(withdrawn)  # files that may hold what was taken back
    scans = forget_code(invitation)  # scanned pages show what was written: identifying
    keyed = forget_passes(invitation)  # so does the text keyed from them
    now = utcnow()
    invitation.withdrawn_at, invitation.withdrawn_by = now, route
    invitation.disposition, invitation.disposition_at = "refusal", now
    record(
        "withdrawal", user=user, invitation=invitation.id, route=route, setting=setting,
        had_response=response is not None, scan_images=scans or None,
        instrument=invitation.instrument, export_files=exports or None,
        keyed_passes=keyed or None,
    )  # fmt: skip
    db.session.flush()
    return Withdrawal(setting, response is not None, scans, keyed, exports)


def withdraw_response(response: Response, route: str, user: User | None = None) -> Withdrawal:
    """Withdraw a response; one without a code (an open link) is withdrawn on its own."""
    if response.invitation is not None:
        return withdraw(response.invitation, route, user)
    if route not in ROUTES:
        raise WithdrawalError(f"Choose how the withdrawal came ({', '.join(ROUTES)})")
    if response.withdrawn_at is not None:
        raise WithdrawalError("This response has already been withdrawn")
    setting = study_settings().withdrawal
    public_id = response.public_id
    withdrawn = Withdrawn.of(response)
    forget_response(response, delete_answers=setting == "delete")
    exports = forget_exports(withdrawn)  # files that may hold what was taken back
    record(
        "withdrawal", user=user, response=public_id, route=route, setting=setting,
        had_response=True, instrument=withdrawn.instrument, export_files=exports or None,
    )  # fmt: skip
    db.session.flush()
    return Withdrawal(setting, True, export_files=exports)


def current_setting() -> str:
    """What a withdrawal does now (read only: the settings row is not made for a look)."""
    found = db.session.get(StudySettings, 1)
    return found.withdrawal if found is not None else "delete"


def forget_response(response: Response, *, delete_answers: bool) -> None:
    """Delete a response's identifying answers, and with `delete_answers` the response too.

    An online response the paper form replaced (superseded) was the same person's: it goes
    the same way. The response's row is locked first, as a page save locks it before
    anything else (a withdrawal that wrote the code's row first could deadlock with a
    save of the response: one of the two would fail).
    """
    db.session.execute(select(Response.id).where(Response.id == response.id).with_for_update())
    superseded = select(Response).where(Response.superseded_by_id == response.id)
    for earlier in db.session.scalars(superseded).all():
        forget_response(earlier, delete_answers=delete_answers)
    identifying.forget(db.session, [response.id])
    if not delete_answers:
        response.withdrawn_at = utcnow()
        response.resume_code = None  # it can no longer be carried on, nor withdrawn twice
        return
    instrument = get_catalogue().instrument_for(response.instrument_version_id)
    table = answer_table(instrument)
    db.session.execute(delete(table).where(table.c.response_id == response.id))
    if response.invitation is not None:
        response.invitation.response = None
    db.session.delete(response)
    db.session.flush()
