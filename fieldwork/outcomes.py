"""Each response's AAPOR outcome from the answer store, and its code's outcome. Callers commit.

`refresh_outcome` is what the web pages call after saving a page, and what paper
keying calls after keying a form: it counts the applicable questions answered
(`forms.completeness`), classifies the response by the study's thresholds, and moves
the code's outcome with it unless a coordinator set that outcome by hand.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    bindparam,
    case,
    exists,
    func,
    inspect,
    literal_column,
    or_,
    select,
    update,
)
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


def _may_follow(outcome):
    """Where a code's outcome moves to `outcome`: nobody set it by hand (None or one of the
    automatic outcomes, as plain comparisons: an IN list would be expanded afresh at every
    execution) and it is not `outcome` already."""
    disposition = _INVITATIONS.disposition
    automatic = or_(*(disposition.is_(None) if n is None else disposition == n for n in AUTOMATIC))
    return automatic & (disposition.is_(None) | (disposition != outcome))


_FOLLOW = (
    update(Invitation.__table__)
    .where(_INVITATIONS.id == bindparam("invitation_id"))
    .where(_may_follow(bindparam("outcome")))
    .values(disposition=bindparam("outcome"), disposition_at=bindparam("at"))
)


def follow_outcome(invitation_id: int, outcome: str) -> None:
    """The code's outcome follows the response's, unless a coordinator set it by hand."""
    params = {"invitation_id": invitation_id, "outcome": outcome, "at": utcnow()}
    db.session.connection().execute(_FOLLOW, params)


def outcome_case(answered, applicable, complete, partial):
    """`Thresholds.outcome` as an SQL expression, for statements that classify in the database."""
    share = answered * 100
    return case(
        (applicable <= 0, BREAK_OFF),
        (share >= complete * applicable, COMPLETE),
        (share >= partial * applicable, PARTIAL),
        else_=BREAK_OFF,
    )


def _current(column, default: int):
    """A threshold as the statement reading it finds it (the default without a settings row)."""
    return func.coalesce(select(column).where(_SETTINGS.id == 1).scalar_subquery(), default)


_RESPONSES = Response.__table__.c
_DEFAULTS = Thresholds()
_PROGRESS = (
    update(Response.__table__)
    .where(_RESPONSES.id == bindparam("saved_response"))
    .values(
        reached=bindparam("to_reached"),
        updated_at=bindparam("to_updated_at"),
        answered=bindparam("to_answered", type_=Integer),
        applicable=bindparam("to_applicable", type_=Integer),
        outcome=outcome_case(
            bindparam("to_answered", type_=Integer),
            bindparam("to_applicable", type_=Integer),
            _current(_SETTINGS.complete_percent, _DEFAULTS.complete),
            _current(_SETTINGS.partial_percent, _DEFAULTS.partial),
        ),
    )
)


def _following(saved):
    """The UPDATE moving the code's outcome after a response's, from `saved` (a WITH of the
    response's UPDATE returning its `invitation_id` and `outcome`)."""
    return (
        update(Invitation.__table__)
        .where(_INVITATIONS.id == saved.c.invitation_id)
        .where(_may_follow(saved.c.outcome))
        .values(disposition=saved.c.outcome, disposition_at=bindparam("at"))
    )


_PROGRESS_RETURNING = _PROGRESS.returning(_RESPONSES.outcome)
_PROGRESS_FOLLOWED = _following(
    _PROGRESS.returning(_RESPONSES.invitation_id, _RESPONSES.outcome).cte("saved")
)


# Read with a response on SQLite (`state.answering`): its code's outcome, which a page
# save then moves only if it differs from the response's new outcome.
CODE_OUTCOME = (
    select(_INVITATIONS.disposition)
    .where(_INVITATIONS.id == Response.__table__.c.invitation_id)
    .scalar_subquery()
    .label("code_outcome")
)
_UNREAD = object()


def record_progress(response: Any, reached: str | None, done: int, applicable: int) -> None:
    """Record a saved page on its response's row: how far it reached, `done` of `applicable`
    questions answered, and the outcome, classified by the study's thresholds as the
    statement finds them; the code's outcome follows (`follow_outcome`).

    `response`: the response's row, as read under the save's lock (its `id`,
    `invitation_id` and, if read, its code's outcome as `code_outcome`).

    The thresholds are read inside the UPDATE, which runs after the response's row was
    locked: a coordinator may have changed them (and reclassified every response) while
    this save waited. On PostgreSQL the code's outcome moves in the same statement (the
    UPDATE of the response in a WITH, the invitation's after it); SQLite, which has no
    UPDATE in WITH, returns the outcome and moves the code's in a second statement.
    """
    params = {
        "saved_response": response.id,
        "to_reached": reached,
        "to_updated_at": utcnow(),
        "to_answered": done,
        "to_applicable": applicable,
    }
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_PROGRESS_FOLLOWED, {**params, "at": params["to_updated_at"]})
        return
    outcome = connection.execute(_PROGRESS_RETURNING, params).scalar_one()
    if response.invitation_id is None:
        return
    code_outcome = getattr(response, "code_outcome", _UNREAD)
    if code_outcome is _UNREAD or (code_outcome != outcome and code_outcome in AUTOMATIC):
        follow_outcome(response.invitation_id, outcome)  # (else it would change nothing)


# The version of a response's row on PostgreSQL: the transaction that wrote it, which
# every UPDATE of the row changes (PostgreSQL's own row version; see `save_if_unchanged`).
ROW_VERSION = literal_column("responses.xmin::text")

_UNCHANGED: dict[tuple[int, tuple[str, ...]], Any] = {}


def _unchanged_statement(table, names: tuple[str, ...]):
    """`save_if_unchanged`'s statement for an answer table and columns, built once."""
    key = (id(table), names)
    if key not in _UNCHANGED:
        saved = (
            _PROGRESS.where(bindparam("row_version") == ROW_VERSION)
            .returning(_RESPONSES.id, _RESPONSES.invitation_id, _RESPONSES.outcome)
            .cte("saved")
        )
        followed = _following(saved).returning(_INVITATIONS.id).cte("followed")
        query = select(saved.c.id).add_cte(followed)
        if names:  # a page of questions (not only notes)
            page = (
                answers.update_query(table, names)
                .where(table.c.response_id == select(saved.c.id).scalar_subquery())
                .returning(table.c.response_id)
                .cte("page")
            )
            query = query.add_cte(page)
        _UNCHANGED[key] = query
    return _UNCHANGED[key]


def save_if_unchanged(
    table,
    values: dict[str, Any],
    response_id: int,
    row_version: str,
    reached: str | None,
    done: int,
    applicable: int,
) -> bool:
    """Save a page in one statement, unless the response's row changed since it was read
    (PostgreSQL, autocommit: no BEGIN, no lock held while the page is judged, no COMMIT).

    The statement writes `values` to the answer row, records the progress on the
    response's row as `record_progress` does, and moves the code's outcome, all only
    if the response's row still has `row_version` (`ROW_VERSION` as read with the
    answers). Every writer of a response's answers writes its row too (a page save, the
    submit, a withdrawal, a paper form setting it aside, new thresholds reclassifying
    it), so an unchanged row means the answers read are still the stored ones. A writer
    holding the row makes this statement wait, and PostgreSQL then checks the version
    again on the row as that writer left it. False (nothing written) when it changed:
    the caller reads again, locked, and saves the locked way.
    """
    at = utcnow()
    params = {
        **answers.column_params(values),
        "saved_response": response_id,
        "response_id_": response_id,  # the answer row's (`answers.update_query`)
        "row_version": row_version,
        "to_reached": reached,
        "to_updated_at": at,
        "to_answered": done,
        "to_applicable": applicable,
        "at": at,
    }
    query = _unchanged_statement(table, tuple(values))
    return db.session.connection().execute(query, params).first() is not None


def reclassify_all() -> int:
    """Re-derive every counted response's outcome (thresholds changed), and their codes'.

    Every counted response's row is written, its outcome changed or not: that gives it
    a new row version, which a page save that read the old thresholds finds changed
    (`save_if_unchanged`), so it is judged again by the new ones. Writing only the
    outcomes that change would let such a save keep an outcome by the old thresholds.
    """
    limits = thresholds()
    outcome = outcome_case(Response.answered, Response.applicable, limits.complete, limits.partial)
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
