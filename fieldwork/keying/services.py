"""Keying returned paper forms: find the copy, keep each pass, make the response.

A pass is kept as typed (`KeyingPass.fields`). Without double entry the first pass
becomes the response at once; with it, a second person keys the copy blind, and the
response is made when both agree or a third person resolves the differences. Callers
commit once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from fieldwork import answers, codes, identifying
from fieldwork import printed_layouts as layouts
from fieldwork.audit import record
from fieldwork.bad_input import whole_number
from fieldwork.catalogue import get_catalogue
from fieldwork.consent import paper_return, record_agreement
from fieldwork.db import db
from fieldwork.models import InstrumentVersion, Invitation, KeyingPass, Mailing, Response, User
from fieldwork.models.base import utcnow
from fieldwork.models.keying import FIRST, RESOLVED, SECOND
from fieldwork.models.responses import AUTOMATIC, COMPLETE, DISPOSITIONS, PAPER
from fieldwork.outcomes import refresh_outcome, study_settings
from forms.completeness import nothing_written
from forms.keying import KEYERS, Keyed, differences, read_pass
from forms.model import Instrument
from forms.paper.qr import PagePayload

# Outcomes recorded from the keying page for copies that are not keyed. A questionnaire
# mailed back blank is a refusal: AAPOR's final dispositions for mail surveys of named
# persons list it under refusal (2.11) as an "implicit refusal" (2.113), not as a
# break-off (2.12, a form begun but too incomplete). The audit log keeps `kind=blank`.
RETURNS = {"undelivered": "undelivered", "blank": "refusal"}
# A form keyed or scanned with nothing written on it is recorded the same way.
NOTHING_FILLED_IN = "Nothing was filled in: recorded as returned blank (a refusal)"
KEYED_BLANK = "This form was keyed with nothing filled in: it is recorded as returned blank"
ALREADY_PAPER = "This code already has a paper response (keyed, or scanned and confirmed)"


@dataclass
class ReturnedBlank:
    """A settled reading with nothing written on the form (`forms.completeness.
    nothing_written`): recorded as returned blank, a refusal, with no response kept.
    `online_kept`: the code had answered online, and that response stands."""

    invitation: Invitation
    online_kept: bool = False
    outcome_kept: str | None = None  # the code's outcome set by hand, which stands

    @property
    def message(self) -> str:
        """What the staff member is told."""
        if self.online_kept:
            return "Nothing was filled in: nothing is kept, the code's online response stands"
        if self.outcome_kept:
            label = DISPOSITIONS.get(self.outcome_kept, self.outcome_kept)
            return (
                f"Nothing was filled in: nothing is kept, its outcome set by hand, {label}, stands"
            )
        return NOTHING_FILLED_IN


class KeyingError(Exception):
    """A keying request that cannot be carried out (the message says why)."""


class AlreadyOnline(KeyingError):
    """The code already has an online response: keying needs an explicit override."""


@dataclass
class Copy:
    """A returned copy: its code, the mailing whose serial it carries (if known), and the
    version a scanned page code named (used when the mailing did not record one)."""

    invitation: Invitation
    mailing: Mailing | None = None
    scanned_version: int | None = None

    @property
    def language(self) -> str:
        """The copy's language (the mailing's, else the instrument's default is used)."""
        return self.mailing.language if self.mailing else ""

    @property
    def large_print(self) -> bool:
        """Whether the copy was printed in large print (its pages break elsewhere)."""
        return bool(self.mailing and self.mailing.large_print)

    @property
    def version_id(self) -> int | None:
        """The instrument version printed on the copy (None: not known, use the current)."""
        if self.mailing is not None and self.mailing.instrument_version_id is not None:
            return self.mailing.instrument_version_id
        if self.scanned_version is None:
            return None
        return db.session.scalar(
            select(InstrumentVersion.id).where(
                InstrumentVersion.instrument == self.invitation.instrument,
                InstrumentVersion.version == self.scanned_version,
            )
        )


def instrument_for(copy: Copy) -> Instrument | None:
    """The questionnaire the copy was printed from (its version), else the current one."""
    catalogue = get_catalogue()
    version_id = copy.version_id
    if version_id is not None:
        return catalogue.instrument_for(version_id)
    return catalogue.current.get(copy.invitation.instrument)


def printed_pages(copy: Copy, instrument: Instrument, config: Mapping[str, Any]):
    """The questions page by page as the copy was printed: its mailing's kept layout, else
    the form a pack would print now (one group if the language cannot be printed)."""
    lang = copy.language or instrument.default_language
    return layouts.printed_pages(copy.mailing, instrument, lang, copy.large_print, config)


def pass_instrument(row: KeyingPass) -> Instrument | None:
    """The questionnaire a kept pass was keyed against (its copy's printed version)."""
    return instrument_for(Copy(row.invitation, row.mailing))


def find_copy(typed: str) -> Copy | None:
    """The copy a typed serial, access code or scanned QR payload names."""
    text = (typed or "").strip()
    scanned = None
    if text.startswith("FW1|"):
        try:
            payload = PagePayload.decode(text)
        except ValueError:
            return None
        text, scanned = payload.serial, payload
    if text.isdigit():  # a serial: ASCII digits that fit an id ("²".isdigit() is true)
        serial = whole_number(text)
        mailing = db.session.get(Mailing, serial) if serial is not None else None
        if mailing is None:
            return None
        copy = Copy(mailing.invitation, mailing)
        if scanned is not None and scanned.instrument == mailing.invitation.instrument:
            copy.scanned_version = scanned.version
        return copy
    code = codes.normalise(text)
    found = code and db.session.scalar(select(Invitation).where(Invitation.code == code))
    if not found:
        return None
    # A copy that comes back is a questionnaire: the latest mailed with one, not a letter-only
    # reminder after it (its language, print size, version and layout are the copy's).
    latest = db.session.scalar(
        select(Mailing)
        .where(Mailing.invitation_id == found.id)
        .order_by(Mailing.questionnaire.desc(), Mailing.wave.desc())
        .limit(1)
    )
    return Copy(found, latest)


def passes(invitation: Invitation) -> dict[int, KeyingPass]:
    """The latest pass of each kind (1, 2, 3) kept for a code, in its current round."""
    rows = db.session.scalars(
        select(KeyingPass).where(KeyingPass.invitation_id == invitation.id).order_by(KeyingPass.id)
    )
    return current_round(rows)


def current_round(rows: Iterable[Any]) -> dict[int, Any]:
    """The latest of each kind of a code's passes (`rows` in the order kept, each with a
    `pass_no`) since its last round ended. A round ends with its resolution (`RESOLVED`);
    one with no response is a copy keyed blank (`_settle`), and a first pass after it
    is another copy of the code (a reminder's questionnaire), keyed afresh."""
    found: dict[int, Any] = {}
    for row in rows:
        if row.pass_no == FIRST and RESOLVED in found:
            found = {}
        found[row.pass_no] = row
    return found


def _blank_here(copy: Copy, kept: dict[int, KeyingPass]) -> bool:
    """Whether the round settled blank was keyed from this copy (its serial)."""
    return kept[RESOLVED].mailing_id == (copy.mailing.id if copy.mailing else None)


def next_pass(copy: Copy, user: User) -> int:
    """Which pass `user` keys next for this copy (KeyingError if none is due)."""
    response = copy.invitation.response
    if response is not None and response.mode == PAPER:
        raise KeyingError(ALREADY_PAPER)
    kept = passes(copy.invitation)
    if RESOLVED in kept:  # settled with no response: keyed blank (see `_settle`)
        if _blank_here(copy, kept):
            raise KeyingError(KEYED_BLANK)
        return FIRST  # another copy of the code: a new round (`current_round`)
    if FIRST not in kept:
        return FIRST
    if not study_settings().double_entry or SECOND in kept:
        raise KeyingError("This form is waiting for its differences to be resolved")
    if kept[FIRST].user_id == user.id:
        raise KeyingError("The second pass must be keyed by someone else")
    return SECOND


def key_pass(
    copy: Copy,
    instrument: Instrument,
    fields: dict[str, str],
    *,
    user: User,
    returned_on: date,
    override: bool = False,
) -> Keyed | Response | ReturnedBlank:
    """Keep one keyed pass; return the response made (or the blank return recorded), or
    the read pass if problems remain or it waits for another pass."""
    keyed = read_pass(instrument, fields)
    if keyed.problems:
        return keyed
    _check_withdrawn(copy)
    _check_online(copy, override)
    pass_no = next_pass(copy, user)
    language = copy.language or instrument.default_language
    if copy.mailing is not None and copy.mailing.instrument_version_id is None:
        # Mailed before versions were recorded: keep the version the page code named.
        copy.mailing.instrument_version_id = copy.version_id
    row = KeyingPass(
        invitation_id=copy.invitation.id,
        mailing_id=copy.mailing.id if copy.mailing else None,
        user_id=user.id,
        pass_no=pass_no,
        language=language,
        returned_on=returned_on,
        fields={k: v.strip() for k, v in fields.items() if v and v.strip()},
    )
    db.session.add(row)
    db.session.flush()
    record("keying.pass", user=user, code=copy.invitation.code, pass_no=pass_no, pass_id=row.id)
    double = study_settings().double_entry
    if double and pass_no == FIRST:
        return keyed
    if double and differences(instrument, passes(copy.invitation)[FIRST].fields, row.fields):
        return keyed
    return _settle(copy, instrument, keyed, row.language, row.returned_on, user=user, passed=row)


def open_differences(copy: Copy, instrument: Instrument) -> list[tuple[str, str, str]]:
    """The differing fields of the two passes still to resolve: (name, first, second text)."""
    kept = passes(copy.invitation)
    if FIRST not in kept or SECOND not in kept or RESOLVED in kept:
        return []
    first, second = kept[FIRST].fields, kept[SECOND].fields
    names = differences(instrument, first, second)
    return [(n, first.get(n, ""), second.get(n, "")) for n in names]


def resolve(
    copy: Copy, instrument: Instrument, chosen: dict[str, str], *, user: User, override=False
) -> Keyed | Response | ReturnedBlank:
    """Resolve the differences by `chosen` text; the resolved pass becomes the response."""
    kept = passes(copy.invitation)
    if SECOND not in kept or RESOLVED in kept:
        raise KeyingError("This form has no differences to resolve")
    if not may_resolve(copy, user):
        raise KeyingError(
            "You keyed this form: its differences are resolved by someone else, "
            "unless an admin lets keyers resolve their own forms"
        )
    fields = dict(kept[FIRST].fields) | {k: v.strip() for k, v in chosen.items()}
    fields = {k: v for k, v in fields.items() if v}
    keyed = read_pass(instrument, fields)
    if keyed.problems:
        return keyed
    _check_withdrawn(copy)
    _check_online(copy, override)
    row = KeyingPass(
        invitation_id=copy.invitation.id,
        mailing_id=kept[FIRST].mailing_id,
        user_id=user.id,
        pass_no=RESOLVED,
        language=kept[FIRST].language,
        returned_on=kept[FIRST].returned_on,
        fields=fields,
    )
    db.session.add(row)
    db.session.flush()
    record("keying.resolve", user=user, code=copy.invitation.code,
           chosen=for_audit(chosen), pass_id=row.id)  # fmt: skip
    return _settle(copy, instrument, keyed, row.language, row.returned_on, user=user, passed=row)


def settle_read(
    copy: Copy,
    instrument: Instrument,
    fields: dict[str, str],
    *,
    user: User | None,
    language: str,
    returned_on: date,
    override: bool = False,
) -> Keyed | Response | ReturnedBlank:
    """Make the paper response of a copy read from its scan (in the keying fields' text).

    The reading and the person who confirmed it (or, where the study allows it, boxes all
    read with confidence: `user` None) stand in for double entry. The same rules as keying
    hold otherwise: the override for a code that answered online, one paper response.
    """
    keyed = read_pass(instrument, fields)
    if keyed.problems:
        return keyed
    _check_withdrawn(copy)
    response = copy.invitation.response
    if response is not None and response.mode == PAPER:
        raise KeyingError(ALREADY_PAPER)
    _check_online(copy, override)
    return _settle(copy, instrument, keyed, language, returned_on, user=user, passed=None)


def may_resolve(copy: Copy, user: User) -> bool:
    """Whether `user` may resolve the copy's differences (a third person, else permitted).

    A keyer of either pass may resolve only when an admin has allowed it for the study
    (`StudySettings.keyers_may_resolve`); admins may always.
    """
    kept = passes(copy.invitation)
    keyers = {row.user_id for number, row in kept.items() if number in (FIRST, SECOND)}
    if user.id not in keyers or user.role == "admin":
        return True
    return study_settings().keyers_may_resolve


def waiting() -> int:
    """How many copies are keyed once or twice but not yet a response (double entry).

    Codes whose participant withdrew are left out: their forms are never finished.
    """
    query = select(KeyingPass.invitation_id, KeyingPass.pass_no).join(Invitation)
    query = query.where(Invitation.withdrawn_at.is_(None)).order_by(KeyingPass.id)
    by_code: dict[int, list[Any]] = {}
    for row in db.session.execute(query).all():
        by_code.setdefault(row.invitation_id, []).append(row)
    started = {code for code, rows in by_code.items() if RESOLVED not in current_round(rows)}
    paper = set(db.session.scalars(select(Response.invitation_id).where(Response.mode == PAPER)))
    return len(started - paper)


def identifying_fields(instrument: Instrument) -> set[str]:
    """The keying fields of the instrument's identifying questions (contact details)."""
    return {
        name
        for item in identifying.identifying_items(instrument)
        for name in KEYERS[item.type].names(item)
    }


def identifying_fields_by_instrument() -> dict[str, set[str]]:
    """{instrument id: the keying fields identifying in any of its versions}."""
    catalogue = get_catalogue()
    found: dict[str, set[str]] = {}
    rows = db.session.execute(select(InstrumentVersion.id, InstrumentVersion.instrument))
    for version_id, instrument_id in rows.all():
        fields = identifying_fields(catalogue.instrument_for(version_id))
        found.setdefault(instrument_id, set()).update(fields)
    return found


def for_audit(fields: dict) -> list[str]:
    """Keyed fields as the audit log keeps them: their names, never what was written.

    The log outlasts a withdrawal that deletes the response, the blanking of its keyed
    passes and the retention purge; an answer kept there beside the code would outlast
    them too. What was chosen stays in the keyed pass the event names (`pass_id`) for as
    long as the participant's answers are kept.
    """
    return sorted(fields)


def forget_identifying_text(hidden: dict[str, set[str]], *, dry_run: bool = False) -> int:
    """Drop identifying answers' text from every keyed pass (the retention purge); how many
    passes held some. `hidden` is `identifying_fields_by_instrument()`."""
    query = select(KeyingPass, Invitation.instrument).join(Invitation)
    return drop_fields(db.session.execute(query).all(), hidden, dry_run=dry_run)


def drop_fields(rows, hidden: dict[str, set[str]], *, dry_run: bool = False) -> int:
    """Drop the `hidden` fields (by instrument) from the `fields` of each (row, instrument
    id); how many rows held some."""
    changed = 0
    for row, instrument_id in rows:
        names = hidden.get(instrument_id, set()) & set(row.fields)
        if names:
            changed += 1
            if not dry_run:
                row.fields = {k: v for k, v in row.fields.items() if k not in names}
    db.session.flush()
    return changed


def forget_passes(invitation: Invitation) -> int:
    """Blank what was keyed for a withdrawn code (the passes stay: who keyed it, and when).

    A pass keeps the form's text as typed, contact details included, outside the response:
    a withdrawal must take it as it takes the response and the scanned copies. Returns how
    many passes were blanked."""
    rows = db.session.scalars(
        select(KeyingPass).where(KeyingPass.invitation_id == invitation.id)
    ).all()
    for row in rows:
        row.fields = {}
    db.session.flush()
    return len(rows)


def _check_withdrawn(copy: Copy) -> None:
    """Refuse to keep anything of a code whose participant has withdrawn."""
    if copy.invitation.withdrawn_at is not None:
        raise KeyingError("This code's participant has withdrawn: the form is not kept")


def _check_online(copy: Copy, override: bool) -> None:
    response = copy.invitation.response
    if response is not None and response.mode != PAPER and not override:
        raise AlreadyOnline("This code already answered online: keying it needs an override")


def _settle(
    copy: Copy,
    instrument: Instrument,
    keyed: Keyed,
    language: str,
    returned_on: date,
    *,
    user: User | None,
    passed: KeyingPass | None,
) -> Response | ReturnedBlank:
    """Settle a reading of a returned form (keyed, resolved, or read from its scan): its
    paper response, or, if nothing is written on it, a return recorded as blank.

    The one place all three routes decide it: a blank form is what the keying page's
    "Returned blank" records (a refusal, AAPOR 2.11), not a response with a break-off
    outcome. No response is kept, so it counts nowhere as one (begun, completions per
    day, responses by wave, datasets) and the code gets no reminder (a final outcome).
    A keyed blank form keeps its passes; a resolution pass (`RESOLVED`, its fields none)
    marks it settled, so it waits for nobody and is not keyed again.
    """
    if nothing_written(instrument, keyed.answers, keyed.marks):
        result = _returned_blank(copy, user=user, passed=passed)
    else:
        result = _make_response(copy, instrument, keyed, language, returned_on, user=user)
    if passed is not None:  # keyed by hand: a scanned copy of it waiting is not used
        from fieldwork.scans.placing import set_aside_waiting  # (scans build on keying)

        set_aside_waiting(copy.invitation.id)
    return result


def _returned_blank(copy: Copy, *, user: User | None, passed: KeyingPass | None) -> ReturnedBlank:
    """A form with nothing written on it, recorded as returned blank (see `_settle`)."""
    invitation = copy.invitation
    how = "scanned" if passed is None else "keyed"
    if passed is not None and passed.pass_no != RESOLVED:
        settled = KeyingPass(
            invitation_id=invitation.id, mailing_id=passed.mailing_id, user_id=passed.user_id,
            pass_no=RESOLVED, language=passed.language, returned_on=passed.returned_on,
            fields={},
        )  # fmt: skip
        db.session.add(settled)
        db.session.flush()
    if invitation.response is not None:  # answered online (only with the override)
        record("keying.return", user=user, code=invitation.code, kind="blank", how=how,
               online_kept=True)  # fmt: skip
        return ReturnedBlank(invitation, online_kept=True)
    hand_set = invitation.disposition
    if hand_set not in AUTOMATIC and hand_set != RETURNS["blank"]:
        # Set by a coordinator (not eligible; undelivered, its unused form scanned with the
        # returns): it stands, as a declined consent leaves it (`consent.decline`).
        record("keying.return", user=user, code=invitation.code, kind="blank", how=how,
               outcome_kept=hand_set)  # fmt: skip
        return ReturnedBlank(invitation, outcome_kept=hand_set)
    _record_outcome(copy, "blank", user=user, how=how)
    return ReturnedBlank(invitation)


def _make_response(
    copy: Copy,
    instrument: Instrument,
    keyed: Keyed,
    language: str,
    returned_on: date,
    *,
    user: User | None,
) -> Response:
    """The paper response of a settled pass, its answers, marks and outcome."""
    invitation = copy.invitation
    online = invitation.response
    if online is not None:  # only reached with the override (see _check_online)
        online.invitation_id = None  # one response per code: the paper one counts
        db.session.flush()
    returned = datetime.combine(returned_on, time())
    response = Response(
        public_id=codes.new_code(12),
        instrument_version_id=_version_id(instrument),
        practice_id=invitation.practice_id,
        invitation_id=invitation.id,
        mode=PAPER,
        language=language,
        status=COMPLETE,
        started_at=returned,
        updated_at=returned,
        submitted_at=returned,
        paper_states=json.dumps(keyed.marks, sort_keys=True) if keyed.marks else None,
    )
    record_agreement(response, paper_return(instrument.consent, language), returned)
    db.session.add(response)
    db.session.flush()
    answers.add_row(db.session, instrument, response.id)
    answers.save_items(
        db.session, instrument, response.id, instrument.iter_questions(), keyed.answers
    )
    if online is not None:
        # Kept, audited, and left out of the rates and the datasets (superseded_by_id).
        online.superseded_by_id = response.id
        record(
            "keying.override", user=user, code=invitation.code,
            online_response=online.public_id, paper_response=response.public_id,
        )  # fmt: skip
    refresh_outcome(response, instrument)
    record("keying.response", user=user, code=invitation.code, response=response.public_id)
    _outcome_follows_a_return(invitation, response, user)
    return response


# Outcomes a filled-in questionnaire returned later replaces (AAPOR's final disposition is
# what the case came to): a blank copy or a refusal by phone, then a reminder's copy sent
# back answered; an envelope returned undelivered, then the form from a second address.
# A withdrawal (its refusal) and an eligibility judged by a person stand.
REPLACED_BY_A_RESPONSE = frozenset({"refusal", "undelivered"})


def _outcome_follows_a_return(invitation: Invitation, response: Response, user) -> None:
    """The code's outcome becomes the paper response's where the earlier one was a refusal
    or undelivered (not a withdrawal); audited."""
    was = invitation.disposition
    if was not in REPLACED_BY_A_RESPONSE or invitation.withdrawn_at is not None:
        return
    invitation.disposition, invitation.disposition_at = response.outcome, utcnow()
    record("keying.outcome_replaced", user=user, code=invitation.code, was=was,
           now=response.outcome, response=response.public_id)  # fmt: skip


def _version_id(instrument: Instrument) -> int:
    """The row id of the instrument's own version (a scanned copy may be of an older one)."""
    query = select(InstrumentVersion.id).filter_by(
        instrument=instrument.id, version=instrument.version
    )
    return db.session.scalar(query)


def record_return(copy: Copy, kind: str, *, user: User) -> None:
    """Record a copy returned undelivered, or blank, as the code's outcome (not keyed)."""
    if kind not in RETURNS:
        raise KeyingError("Choose returned undelivered or returned blank")
    _check_withdrawn(copy)  # the withdrawal's outcome (a refusal) stands
    if copy.invitation.response is not None:
        raise KeyingError("This code already has a response")
    _record_outcome(copy, kind, user=user)


def _record_outcome(copy: Copy, kind: str, *, user: User | None, **how: str) -> None:
    copy.invitation.disposition = RETURNS[kind]
    copy.invitation.disposition_at = utcnow()
    record("keying.return", user=user, code=copy.invitation.code, kind=kind, **how)
