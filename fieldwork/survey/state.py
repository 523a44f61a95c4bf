"""The respondent's place, kept in the signed session cookie (never in URLs or logs)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import request, session
from flask_login import current_user
from sqlalchemy import bindparam, select

from fieldwork import answers, identifying
from fieldwork.catalogue import get_catalogue
from fieldwork.db import SAFE_METHODS, db, is_sqlite, reading_connection
from fieldwork.models import Invitation, Practice, Response
from fieldwork.models.responses import ASSISTED, ONLINE
from fieldwork.outcomes import CODE_OUTCOME, ROW_VERSION
from forms.model import Instrument

KEY = "survey"


@dataclass
class Entry:
    """How the respondent came in, before and after a response exists."""

    instrument: Instrument
    practice_id: int
    invitation_id: int | None
    response: Any  # a Response, or a plain row of its columns (`current(plain=True)`)
    start_key: str
    language: str | None
    assisted: bool

    @cached_property
    def practice(self) -> Practice | None:
        """The practice (looked up only when needed: question pages do not)."""
        return db.session.get(Practice, self.practice_id)

    @cached_property
    def invitation(self) -> Invitation | None:
        """The invitation of a personal code, if any."""
        return db.session.get(Invitation, self.invitation_id) if self.invitation_id else None

    @property
    def mode(self) -> int:
        """1 online, 3 assisted online."""
        return ASSISTED if self.assisted else ONLINE


def begin(
    instrument_id: str,
    practice_id: int,
    *,
    invitation_id: int | None = None,
    response_id: int | None = None,
    assisted: bool = False,
) -> None:
    """Remember a new way in; forgets any earlier one, and a withdrawal it offered (a
    practice's device: the next person must not withdraw the last one's code)."""
    session.pop(KEY, None)
    session.pop("withdraw", None)  # survey.withdrawing.KEY (which imports this module)
    session[KEY] = {
        "instrument": instrument_id,
        "practice": practice_id,
        "invitation": invitation_id,
        "response": response_id,
        "start_key": secrets.token_urlsafe(16),
        "assisted": assisted,
    }


def current(*, plain: bool = False) -> Entry | None:
    """The respondent's entry, or None if they have not come in (or it no longer holds).

    `plain`: the response is a plain row of `_READ`'s columns whatever the method (a
    request that may change it has its row locked).
    """
    data = session.get(KEY)
    if not data:
        return None
    catalogue = get_catalogue()
    response = _response(data.get("response"), plain)
    if data.get("response") and response is None:  # deleted (withdrawn, purged): start again
        session.pop(KEY, None)
        return None
    if response is not None:
        instrument = catalogue.instrument_for(response.instrument_version_id)
    elif data["instrument"] in catalogue.current:
        instrument = catalogue.current[data["instrument"]]
    else:
        return None
    entry = _entry(data, instrument, response)
    if response is None and entry.practice is None:  # the practice is gone: start again
        return None
    return entry


def _entry(data: dict, instrument: Instrument, response: Any) -> Entry:
    assisted = bool(data.get("assisted")) and current_user.is_authenticated
    language = response.language if response else data.get("language")
    return Entry(
        instrument,
        data["practice"],
        data["invitation"],
        response,
        data["start_key"],
        language,
        assisted,
    )


def answering(*, locked: bool = False) -> tuple[Entry | None, dict[str, Any] | None]:
    """The entry (as `current(plain=True)`) and its response's stored answers, read together.

    One statement reads the response's columns and its answers. On a request that may
    change them: on SQLite (whose writing transaction holds the database's write lock)
    and with `locked`, it locks the response's row and its answer row (on PostgreSQL
    the identifying answers are then read after the lock, so they are as fresh as the
    rest); on PostgreSQL without `locked`, it reads without a lock, outside a
    transaction, with the row's version (`row_version`), and the save writes only if
    the row is unchanged (`services.save_page`; else `ReadAgain`, and the caller reads
    again `locked`). The answers are None when there is no response yet. When that
    statement finds nothing (a response on an older version, no answer row), the entry
    and the answers are read one after the other, locked.
    """
    data = session.get(KEY)
    response_id = data.get("response") if data else None
    if not response_id:
        return current(plain=True), None
    catalogue = get_catalogue()
    instrument = catalogue.current.get(data["instrument"])
    if instrument is not None:
        sqlite = is_sqlite()
        if request.method in SAFE_METHODS:
            name, base, lock = _READS["reads"]
        else:
            name, base, lock = _READS["locked" if locked or sqlite else "unlocked"]
        apart = lock and not sqlite
        read = answers.joined_read(
            instrument, name, base, Response.__table__, lock=lock, tokens=not apart
        )
        params = {"id": response_id, "version": catalogue.version_ids[instrument.id]}
        connection = db.session.connection() if lock else reading_connection()
        row = connection.execute(read.query, params).first()
        if row is not None:
            saved = read.answers(instrument, row)
            if apart:
                saved.update(identifying.load(db.session, instrument, response_id))
            return _entry(data, instrument, row), saved
        if name == "survey.unlocked":  # the slow way locks: leave the autocommit connection
            db.session.rollback()
    entry = current(plain=True)
    if entry is None or entry.response is None:
        return entry, None
    return entry, answers.load_answers(db.session, entry.instrument, entry.response.id)


def _response(response_id: int | None, plain: bool = False) -> Any:
    """The respondent's response; a request that may change it locks its row first.

    A request that only reads (GET) gets a plain row of the columns the pages read; so
    does one that writes when `plain` (with the study's thresholds).

    Locking (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the request's transaction
    holds the write lock from its start) makes a page save and the final submit take
    turns, and each sees the other's outcome: once submitted, nothing changes it.
    """
    if not response_id:
        return None
    if request.method in SAFE_METHODS:  # read only: the columns the pages read, plain SQL
        return db.session.connection().execute(_READ, {"id": response_id}).first()
    if plain:
        return db.session.connection().execute(_LOCKED, {"id": response_id}).first()
    return db.session.get(Response, response_id, with_for_update=True, populate_existing=True)


_COLUMNS = Response.__table__.c
# What a page that only reads needs of the response (a row with these attributes).
_READ = select(
    _COLUMNS.id,
    _COLUMNS.instrument_version_id,
    _COLUMNS.language,
    _COLUMNS.status,
    _COLUMNS.reached,
    _COLUMNS.resume_code,
    _COLUMNS.invitation_id,
    _COLUMNS.practice_id,
    _COLUMNS.mode,
    _COLUMNS.submitted_at,
    _COLUMNS.withdrawn_at,
    _COLUMNS.superseded_by_id,
).where(_COLUMNS.id == bindparam("id"))
# A request that writes: the same, locked. (Not the study's thresholds: read in the same
# statement on PostgreSQL they would be those from before a save that waited for the lock.)
_LOCKED = _READ.with_for_update(of=Response.__table__)
# The same for a response on a given instrument version (joined with its answers).
_READ_VERSION = _READ.where(_COLUMNS.instrument_version_id == bindparam("version"))
# And with the row's version, for a save that writes only if it is unchanged (PostgreSQL).
_READ_UNLOCKED = _READ_VERSION.add_columns(ROW_VERSION.label("row_version"))
# And with its code's outcome, which a save on SQLite moves only if it changes.
_READ_LOCKED = _READ_VERSION.add_columns(CODE_OUTCOME)
# How `answering` reads, by request: (its name, the query of the response's columns, lock).
_READS = {
    "reads": ("survey.reads", _READ_VERSION, False),  # a page only shown
    "unlocked": ("survey.unlocked", _READ_UNLOCKED, False),  # a save, PostgreSQL
    "locked": ("survey.writes", _READ_LOCKED, True),  # a save on SQLite, or read again
}


def language() -> str | None:
    """The language the respondent answers in, from the session alone (no database)."""
    return (session.get(KEY) or {}).get("language")


def set_language(language: str) -> None:
    """Remember the language chosen on the welcome page."""
    session[KEY] = {**session[KEY], "language": language}


def attach(response: Response) -> None:
    """Remember the response once it exists."""
    session[KEY] = {**session[KEY], "response": response.id, "language": response.language}


def forget() -> None:
    """Leave the survey: the device returns to a neutral start."""
    session.pop(KEY, None)
