"""The interview-volunteer list: who offered an interview, their sampling attributes, their
contact details (decrypted here only), the recruiter's progress, and counts against targets.

What a volunteer is comes from the instrument's `volunteers:` declaration
(`forms.volunteers`). A response withdrawn (its answers kept, contact details gone) is not
a volunteer any more. After the retention purge a volunteer stays on the list, with their
attributes and progress, but without contact details: the counts of interviews done must
outlast the contact details, which the study promised to delete.
"""

from __future__ import annotations

import hashlib
import hmac
from base64 import b32encode
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from fieldwork import identifying
from fieldwork.answers import answer_table
from fieldwork.audit import record
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.models import (
    InstrumentVersion,
    InterviewTarget,
    Practice,
    Response,
    User,
    VolunteerProgress,
)
from fieldwork.models.base import utcnow
from fieldwork.models.volunteers import PROGRESS
from forms.model import Instrument
from forms.stored import record_answers
from forms.variables import item_variables
from forms.volunteers import items_read, levels, volunteer_profile

NOTE_MAX = 1000
NOT_CONTACTED = "new"  # the filter value of volunteers with no progress recorded yet


def reference(public_id: str, secret: str | bytes) -> str:
    """How the list names a volunteer (`ABCD-EFGH`): made from the response's id with the
    app's secret, so that it cannot be matched to the `response_id` of a dataset (the list
    shows names and phone numbers beside it; a dataset must stay de-identified)."""
    key = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(key, f"volunteer:{public_id}".encode(), hashlib.sha256).digest()
    text = b32encode(mac[:5]).decode()
    return f"{text[:4]}-{text[4:]}"


class VolunteerError(ValueError):
    """A progress record or target that cannot be saved (the message says why)."""


@dataclass
class Volunteer:
    """One respondent who agreed to be contacted about an interview."""

    response_id: int
    public_id: str
    practice_code: str
    practice_name: str
    answered_at: datetime
    levels: dict[str, str | None]
    contact: list[tuple[str, str]] = field(default_factory=list)  # (question, answer)
    status: str | None = None
    note: str = ""
    updated_at: datetime | None = None

    @property
    def reference(self) -> str:
        """The volunteer's name on the list (never the response's id)."""
        return reference(self.public_id, current_app.config["SECRET_KEY"])


def declared_instruments() -> dict[str, Instrument]:
    """The current instruments that declare `volunteers:`, by id."""
    return {key: i for key, i in sorted(get_catalogue().current.items()) if i.volunteers}


def volunteers(
    instrument: Instrument, user: User | None, only: int | None = None
) -> list[Volunteer]:
    """Every volunteer of the instrument (any version) the user's practices allow, oldest
    first, with progress; contact details not yet loaded (see `with_contacts`). `only`: just
    that response, if it is one."""
    catalogue = get_catalogue()
    query = (
        select(
            Response.id,
            Response.public_id,
            Response.instrument_version_id,
            func.coalesce(Response.submitted_at, Response.updated_at, Response.started_at),
            Practice.code,
            Practice.name,
        )
        .join(Practice, Practice.id == Response.practice_id)
        .join(InstrumentVersion, InstrumentVersion.id == Response.instrument_version_id)
        .where(InstrumentVersion.instrument == instrument.id, Response.withdrawn_at.is_(None))
    )
    if user is not None and user.restricted_to:
        query = query.where(Practice.code.in_(sorted(user.restricted_to)))
    if only is not None:
        query = query.where(Response.id == only)
    by_version: dict[int, list] = {}
    for row in db.session.execute(query):
        by_version.setdefault(row[2], []).append(row)
    found: list[Volunteer] = []
    for version_id, version_rows in by_version.items():
        version = catalogue.instrument_for(version_id)
        found.extend(_agreed(version, instrument, version_rows))
    # In the order the responses began: a page saved meanwhile never moves a volunteer
    # from one page of the list to another.
    found.sort(key=lambda v: v.response_id)
    _attach_progress(found)
    return found


def _agreed(version: Instrument, current: Instrument, rows) -> list[Volunteer]:
    """The volunteers among one version's responses (read with the current declaration).

    Only the columns that decide agreement and attributes are read, and each distinct
    combination of them is judged once (as the export judges routing).
    """
    declared = current.volunteers
    deciding = items_read(version, declared, attributes=False)
    reading = items_read(version, declared)
    table = answer_table(version)
    names = [n for item in reading for n in _columns(item) if n in table.c]
    first = [n for item in deciding for n in _columns(item) if n in table.c]
    ids = [row[0] for row in rows]
    stored: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(table.c.response_id, *(table.c[n] for n in names))
        stored.update(
            (r["response_id"], dict(r))
            for r in db.session.execute(query.where(table.c.response_id.in_(chunk))).mappings()
        )
    agreeing: dict[tuple, bool] = {}
    profiles: dict[tuple, dict] = {}
    found = []
    for response_id, public_id, _version, when, code, name in rows:
        record = stored.get(response_id, {})
        key = tuple(record.get(n) for n in first)
        if key not in agreeing:
            answers = record_answers(version, record, deciding)
            agreeing[key] = volunteer_profile(version, answers, declared)[0]
        if not agreeing[key]:
            continue
        key = tuple(record.get(n) for n in names)
        if key not in profiles:
            profiles[key] = volunteer_profile(version, record_answers(version, record, reading),
                                              declared)[1]  # fmt: skip
        found.append(Volunteer(response_id, public_id, code, name, when, profiles[key]))
    return found


def _columns(item) -> list[str]:
    return [var.name for var in item_variables(item)]


def _attach_progress(found: list[Volunteer]) -> None:
    ids = [v.response_id for v in found]
    progress = {}
    for start in range(0, len(ids), 500):
        query = select(VolunteerProgress).where(
            VolunteerProgress.response_id.in_(ids[start : start + 500])
        )
        progress.update({p.response_id: p for p in db.session.scalars(query)})
    for volunteer in found:
        row = progress.get(volunteer.response_id)
        if row is not None:
            volunteer.status, volunteer.note, volunteer.updated_at = (
                row.status, row.note, row.updated_at
            )  # fmt: skip


def chosen(
    found: list[Volunteer], practice: str = "", wanted: dict[str, str] | None = None,
    status: str = "",
) -> list[Volunteer]:  # fmt: skip
    """The volunteers of one practice, with the wanted attribute levels and progress."""
    wanted = {k: v for k, v in (wanted or {}).items() if v}
    return [
        v
        for v in found
        if (not practice or v.practice_code == practice)
        and all(v.levels.get(attr) == level for attr, level in wanted.items())
        and (not status or (v.status or NOT_CONTACTED) == status)
    ]


def with_contacts(instrument: Instrument, shown: list[Volunteer], user: User | None) -> int:
    """Decrypt the contact details of the volunteers shown, and audit the view; how many
    volunteers still had contact details."""
    items = identifying.identifying_items(instrument)
    records = identifying.records(db.session, instrument, [v.response_id for v in shown])
    had = 0
    for volunteer in shown:
        stored = records.get(volunteer.response_id)
        if not stored:
            continue
        answers = record_answers(instrument, stored, items)
        volunteer.contact = [
            (_humane(item.id), str(answers[item.id])) for item in items if answers.get(item.id)
        ]
        had += bool(volunteer.contact)
    record(
        "volunteer_contacts_viewed", user=user, instrument=instrument.id,
        contacts=had, responses=[v.public_id for v in shown if v.contact],
    )  # fmt: skip
    return had


def _humane(item_id: str) -> str:
    """`contact_detail` -> `Contact detail` (the question's own text speaks to respondents)."""
    words = item_id.replace("_", " ")
    return words[:1].upper() + words[1:]


def set_progress(response: Response, status: str, note: str, user: User | None) -> None:
    """Record where the recruiter stands with a volunteer (audited; the note is not).

    `status` is one of PROGRESS, NOT_CONTACTED, or empty: no change (a note saved alone
    never moves a volunteer on).
    """
    if status and status != NOT_CONTACTED and status not in PROGRESS:
        raise VolunteerError(f"Choose one of: {', '.join((NOT_CONTACTED, *PROGRESS))}")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise VolunteerError(f"The note must be {NOTE_MAX} characters or fewer")
    row = db.session.get(VolunteerProgress, response.id)
    before = row.status if row else None
    after = before if not status else None if status == NOT_CONTACTED else status
    if row is None and after is None and not note:
        return  # nothing to keep: still not contacted, and no note
    if row is None:
        row = VolunteerProgress(response_id=response.id)
        db.session.add(row)
    row.status, row.note, row.updated_at = after, note, utcnow()
    row.updated_by = user.id if user else None
    record("volunteer_progress", user=user, response=response.public_id, status=[before, after])
    db.session.flush()


# --- counts against targets ------------------------------------------------------------


@dataclass
class Tally:
    """One row of a count table: volunteers, interviews done, and the target."""

    key: str
    label: str
    volunteers: int = 0
    interviewed: int = 0
    arranged: int = 0
    target: int | None = None

    @property
    def short(self) -> int | None:
        """Interviews still wanted (None: no target)."""
        return None if self.target is None else max(self.target - self.interviewed, 0)


def current_targets(instrument_id: str) -> dict[tuple[str, str], int]:
    """{(attribute, level): target} of an instrument ('' attribute: practices or total)."""
    query = select(InterviewTarget).where(InterviewTarget.instrument == instrument_id)
    return {(t.attribute, t.level): t.target for t in db.session.scalars(query)}


def tallies(
    instrument: Instrument, found: list[Volunteer], practices: list[tuple[str, str]]
) -> dict[str, list[Tally]]:
    """Count tables: "" -> the total, "practice" -> per practice, attribute id -> per level."""
    wanted = current_targets(instrument.id)
    tables: dict[str, list[Tally]] = {
        "": [Tally("", "All practices", target=wanted.get(("", "")))],
        "practice": [Tally(c, f"{n} ({c})", target=wanted.get(("", c))) for c, n in practices],
    }
    for attribute in instrument.volunteers.attributes:
        tables[attribute.id] = [
            Tally(key, label, target=wanted.get((attribute.id, key)))
            for key, label in levels(attribute)
        ] + [Tally("", "No answer")]
    index = {(name, t.key): t for name, rows in tables.items() for t in rows}
    for volunteer in found:
        keys = [("", ""), ("practice", volunteer.practice_code)]
        keys += [(attr, level or "") for attr, level in volunteer.levels.items()]
        for key in keys:
            tally = index.get(key)
            if tally is None:
                continue
            tally.volunteers += 1
            tally.interviewed += volunteer.status == "interviewed"
            tally.arranged += volunteer.status == "arranged"
    # Practices with neither volunteers nor a target, and "No answer" when nobody gave
    # none, would only lengthen the page.
    tables["practice"] = [t for t in tables["practice"] if t.volunteers or t.target is not None]
    for attribute in instrument.volunteers.attributes:
        if not tables[attribute.id][-1].volunteers:
            tables[attribute.id].pop()
    return tables


def save_targets(instrument: Instrument, given: dict[tuple[str, str], int | None]) -> int:
    """Set (or, with None, clear) targets; how many changed (audited)."""
    current = {
        (t.attribute, t.level): t
        for t in db.session.scalars(
            select(InterviewTarget).where(InterviewTarget.instrument == instrument.id)
        )
    }
    changed = {}
    for (attribute, level), value in given.items():
        row = current.get((attribute, level))
        if value is None and row is not None:
            db.session.delete(row)
        elif value is not None and row is None:
            db.session.add(InterviewTarget(
                instrument=instrument.id, attribute=attribute, level=level, target=value
            ))  # fmt: skip
        elif value is not None and row.target != value:
            row.target = value
        else:
            continue
        changed[f"{attribute or 'practice'}={level or 'all'}"] = value
    if changed:
        record("interview_targets", instrument=instrument.id, targets=changed)
    db.session.flush()
    return len(changed)


def volunteer_by_reference(instrument: Instrument, ref: str, user: User | None) -> Volunteer | None:
    """The volunteer the list names `ref`, among those the user may see (None if none):
    the responses' names are worked out (cheap), then the one found is judged alone."""
    secret, wanted = current_app.config["SECRET_KEY"], ref[:9].encode()
    query = (
        select(Response.id, Response.public_id)
        .join(InstrumentVersion, InstrumentVersion.id == Response.instrument_version_id)
        .where(InstrumentVersion.instrument == instrument.id)
    )
    for response_id, public_id in db.session.execute(query):
        if hmac.compare_digest(reference(public_id, secret).encode(), wanted):
            found = volunteers(instrument, user, only=response_id)
            return found[0] if found else None
    return None
