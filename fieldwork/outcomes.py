"""Each response's AAPOR outcome from the answer store, and its code's outcome. Callers commit.

`refresh_outcome` is what the web pages call after saving a page, and what paper
keying calls after keying a form: it counts the applicable questions answered
(`forms.completeness`), classifies the response by the study's thresholds, and moves
the code's outcome with it unless a coordinator set that outcome by hand.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, case, exists, inspect, select, update
from sqlalchemy.exc import IntegrityError

from fieldwork import answers
from fieldwork.db import db
from fieldwork.models import Invitation, Response, StudySettings
from fieldwork.models.base import utcnow
from fieldwork.models.responses import AUTOMATIC, PAPER
from forms.completeness import BREAK_OFF, COMPLETE, PARTIAL, Thresholds, answered_share
from forms.model import Instrument


def study_settings() -> StudySettings:
    """The study's settings row (made with the defaults the first time it is asked for)."""
    found = db.session.get(StudySettings, 1)
    if found is None:
        found = StudySettings(id=1, complete_percent=80, partial_percent=50)
        found.interim_includes_not_returned = False
        try:
            with db.session.begin_nested():
                db.session.add(found)
        except IntegrityError:  # another request made it first
            found = db.session.get(StudySettings, 1)
    return found


_SETTINGS = StudySettings.__table__.c
_THRESHOLDS = select(_SETTINGS.complete_percent, _SETTINGS.partial_percent).where(_SETTINGS.id == 1)


def thresholds() -> Thresholds:
    """The study's complete and partial thresholds (percent of applicable questions)."""
    pending = (*db.session.new, *db.session.dirty)
    if any(isinstance(obj, StudySettings) for obj in pending):
        db.session.flush()  # settings changed in this session count (plain SQL below)
    found = db.session.connection().execute(_THRESHOLDS).first()
    if found is None:
        return Thresholds()
    return Thresholds(found.complete_percent, found.partial_percent)


def refresh_outcome(
    response: Response, instrument: Instrument, stored: dict[str, Any] | None = None
) -> str:
    """Count the response's answers, set its outcome and its code's; return the outcome.

    `stored`: the response's stored answers when the caller has them (else read here).
    """
    if stored is None:
        stored = answers.load_answers(db.session, instrument, response.id)
    done, applicable = answered_share(instrument, stored, web=response.mode != PAPER)
    return apply_outcome(response, done, applicable)


def apply_outcome(response: Response, done: int, applicable: int) -> str:
    """Record `done` of `applicable` questions answered; set the outcome and the code's."""
    response.answered, response.applicable = done, applicable
    response.outcome = thresholds().outcome(done, applicable)
    if not _invitation_in_session(response):  # a page save: one UPDATE, no lookup
        if response.invitation_id is not None:
            follow_outcome(response.invitation_id, response.outcome)
        return response.outcome
    invitation = response.invitation
    automatic = invitation is not None and invitation.disposition in AUTOMATIC
    if automatic and invitation.disposition != response.outcome:
        invitation.disposition, invitation.disposition_at = response.outcome, utcnow()
    return response.outcome


def _invitation_in_session(response: Response) -> bool:
    """Whether the response's invitation is loaded in the session (then it is changed there)."""
    if "invitation" not in inspect(response).unloaded:
        return True
    if response.invitation_id is None:
        return False
    key = db.session.identity_key(Invitation, response.invitation_id)
    return key in db.session.identity_map


_INVITATIONS = Invitation.__table__.c
_FOLLOW = (
    update(Invitation.__table__)
    .where(_INVITATIONS.id == bindparam("invitation_id"))
    .where(
        _INVITATIONS.disposition.is_(None)
        | _INVITATIONS.disposition.in_([name for name in AUTOMATIC if name is not None])
    )
    .where(_INVITATIONS.disposition.is_(None) | (_INVITATIONS.disposition != bindparam("outcome")))
    .values(disposition=bindparam("outcome"), disposition_at=bindparam("at"))
)


def follow_outcome(invitation_id: int, outcome: str) -> None:
    """The code's outcome follows the response's, unless a coordinator set it by hand."""
    params = {"invitation_id": invitation_id, "outcome": outcome, "at": utcnow()}
    db.session.connection().execute(_FOLLOW, params)


def reclassify_all() -> int:
    """Re-derive every counted response's outcome (thresholds changed), and their codes'."""
    limits = thresholds()
    share = Response.answered * 100
    outcome = case(
        (Response.applicable <= 0, BREAK_OFF),
        (share >= limits.complete * Response.applicable, COMPLETE),
        (share >= limits.partial * Response.applicable, PARTIAL),
        else_=BREAK_OFF,
    )
    counted = Response.applicable.is_not(None)
    quiet = {"synchronize_session": False}
    changed = db.session.execute(
        update(Response).where(counted).values(outcome=outcome), execution_options=quiet
    )
    own = (
        select(Response.outcome)
        .where(Response.invitation_id == Invitation.id, counted)
        .scalar_subquery()
    )
    automatic = [name for name in AUTOMATIC if name is not None]
    db.session.execute(
        update(Invitation)
        .where(Invitation.disposition.is_(None) | Invitation.disposition.in_(automatic))
        .where(exists().where(Response.invitation_id == Invitation.id, counted))
        .values(disposition=own),
        execution_options=quiet,
    )
    db.session.expire_all()
    return changed.rowcount
