"""The dashboard's aggregate queries: the database counts, one row per group comes back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import add

from sqlalchemy import Date, cast, func, select
from sqlalchemy.sql import ColumnElement

from fieldwork.db import db
from fieldwork.models import InstrumentVersion, Invitation, Practice, PracticeTarget, Response
from fieldwork.models.responses import COMPLETE, PARTIAL
from fieldwork.rates.aapor import FIELDS
from fieldwork.rates.mailing import MAILED_ON

LINK = "link"  # the mode of open-link responses, beside the invitation modes
HAND_SET = ("refusal", "break_off", "non_contact", "other", "not_eligible")
UNKNOWN = ("unknown", "undelivered")
# A response set aside for a keyed paper form (superseded) counts nowhere: its code counts
# once, by the paper response. Open-link responses are those with no code (the partial
# index ix_responses_open_link has the same condition).
COUNTED = Response.superseded_by_id.is_(None)
OPEN_LINK = (Response.invitation_id.is_(None), COUNTED)


Vector = tuple[int, ...]  # counts in the order of the fields of Counts


@dataclass(frozen=True)
class Scope:
    """Which practices, instrument and mode count."""

    instrument: str | None = None
    mode: str | None = None  # web, paper, both (the code's mode) or link
    region_id: int | None = None
    practice_codes: frozenset[str] = frozenset()  # a restricted user's practices; empty: all


@dataclass(frozen=True)
class Cell:
    """The finest grain counted: a practice, maybe an instrument, maybe a mode."""

    practice_id: int | None
    instrument: str | None
    mode: str | None


def practice_filters(column, scope: Scope) -> list[ColumnElement[bool]]:
    """Conditions keeping `column` (a practice id) within the scope's region and restriction."""
    found = []
    if scope.region_id is not None:
        found.append(column.in_(select(Practice.id).where(Practice.region_id == scope.region_id)))
    if scope.practice_codes:
        codes = sorted(scope.practice_codes)
        found.append(column.in_(select(Practice.id).where(Practice.code.in_(codes))))
    return found


def _versions(scope: Scope) -> list[ColumnElement[bool]]:
    """Condition on Response.instrument_version_id for the scope's instrument."""
    if scope.instrument is None:
        return []
    ids = select(InstrumentVersion.id).where(InstrumentVersion.instrument == scope.instrument)
    return [Response.instrument_version_id.in_(ids)]


# The outcomes a code can have, and the count each goes into (None: no reply yet).
OUTCOMES = {
    "complete": "complete",
    "partial": "partial",
    **{name: name for name in HAND_SET},
    **{name: "unknown" for name in UNKNOWN},
}


def code_counts(
    scope: Scope, grain: tuple[bool, bool, bool]
) -> Iterator[tuple[Cell, Vector, datetime | None]]:
    """Access codes counted by outcome, per practice, instrument, mode (as `grain` asks).

    Each cell comes with its latest mailing date (`mailing.MAILED_ON`).

    The invitation's disposition is the outcome: online and keyed-in responses set it
    (partial when begun, complete when submitted, in the same transaction), and a
    coordinator may override it on purpose. So one grouped query over the covering
    index `ix_invitations_rates` counts everything, without touching responses; it
    groups by a prefix of that index and counts outcomes with filters, so both
    databases stream the index instead of sorting.
    """
    if scope.mode == LINK:
        return
    columns_by = (Invitation.practice_id, Invitation.instrument, Invitation.mode)
    keys = [column for column, wanted in zip(columns_by, grain, strict=True) if wanted]
    counted = [*outcome_counts(), func.max(MAILED_ON)]
    query = select(*keys, *counted).where(*code_filters(scope)).group_by(*keys)
    width = len(keys)
    for row in db.session.execute(query):
        found = iter(row[:width])
        cell = Cell(*(next(found) if wanted else None for wanted in grain))
        yield cell, vector(row[width], row[width + 1 : -1]), row[-1]


def outcome_counts() -> list[ColumnElement[int]]:
    """The number of codes, then the number with each outcome (in the order of OUTCOMES)."""
    outcome = Invitation.disposition
    return [func.count(), *(func.count().filter(outcome == name) for name in OUTCOMES)]


def code_filters(scope: Scope) -> list[ColumnElement[bool]]:
    """Conditions keeping codes within the scope (practices, instrument, mode)."""
    found = practice_filters(Invitation.practice_id, scope)
    if scope.instrument is not None:
        found.append(Invitation.instrument == scope.instrument)
    if scope.mode is not None:
        found.append(Invitation.mode == scope.mode)
    return found


def vector(codes: int, by_outcome) -> Vector:
    """A count vector from the number of codes and the counts per outcome."""
    values = [0] * len(FIELDS)
    values[_CODES] = codes
    for name, count in zip(OUTCOMES, by_outcome, strict=True):
        values[FIELDS.index(OUTCOMES[name])] += count
    values[FIELDS.index("no_reply")] = codes - sum(by_outcome)
    values[_STARTED] = sum(values[FIELDS.index(name)] for name in BEGUN)
    return tuple(values)


BEGUN = ("complete", "partial", "break_off")  # outcomes of a response begun


_CODES, _STARTED = FIELDS.index("codes"), FIELDS.index("started")


def link_counts(
    scope: Scope, by_instrument: bool, by_mode: bool
) -> tuple[list[tuple[Cell, Vector]], dict[tuple[int, str], int]]:
    """Open-link responses against each practice's number invited by link; and the targets.

    The link denominator is per practice and instrument: link responses count in I and P,
    and the rest of `invited_by_link` (never below zero) counts as non-contact.
    """
    responses = _link_responses(scope)
    rows = select(
        PracticeTarget.practice_id,
        PracticeTarget.instrument,
        PracticeTarget.target,
        PracticeTarget.invited_by_link,
    ).where(*practice_filters(PracticeTarget.practice_id, scope))
    if scope.instrument is not None:
        rows = rows.where(PracticeTarget.instrument == scope.instrument)
    links = scope.mode in (None, LINK)
    cells, targets = [], {}
    for practice_id, instrument, target, invited in db.session.execute(rows):
        targets[(practice_id, instrument)] = target or 0
        if links:
            begun = responses.pop((practice_id, instrument), (0, 0, 0))
            cells.append((practice_id, instrument, invited, begun))
    cells += [(p, i, 0, begun) for (p, i), begun in responses.items()]
    mode = LINK if by_mode else None
    return [
        (Cell(p, i if by_instrument else None, mode), _link(invited, *begun))
        for p, i, invited, begun in cells
        if invited or any(begun)
    ], targets


_LINK_SLOTS = [FIELDS.index(n) for n in ("link_invited", "started", *BEGUN, "link_no_reply")]


def _link(invited: int, done: int, part: int, broke: int) -> Vector:
    values = [0] * len(FIELDS)
    begun = done + part + broke
    silent = max(invited - begun, 0)
    for slot, value in zip(_LINK_SLOTS, (invited, begun, done, part, broke, silent), strict=True):
        values[slot] = value
    return tuple(values)


def _outcome_is(name: str, status: int) -> ColumnElement[bool]:
    """A response's outcome is `name` (responses never counted fall back on their status)."""
    return (Response.outcome == name) | (Response.outcome.is_(None) & (Response.status == status))


def _link_responses(scope: Scope) -> dict[tuple[int, str], tuple[int, int, int]]:
    """(complete, partial, break-off) open-link responses per practice and instrument."""
    if scope.mode not in (None, LINK):
        return {}
    query = (
        select(
            Response.practice_id,
            Response.instrument_version_id,
            func.count().filter(_outcome_is("complete", COMPLETE)),
            func.count().filter(_outcome_is("partial", PARTIAL)),
            func.count().filter(Response.outcome == "break_off"),
        )
        .where(*OPEN_LINK, *practice_filters(Response.practice_id, scope))
        .where(*_versions(scope))
        .group_by(Response.practice_id, Response.instrument_version_id)
    )
    versions = select(InstrumentVersion.id, InstrumentVersion.instrument)
    instrument_of = {id_: name for id_, name in db.session.execute(versions)}
    found: dict[tuple[int, str], tuple[int, int, int]] = {}
    for practice_id, version_id, *begun in db.session.execute(query):
        key = (practice_id, instrument_of[version_id])
        before = found.get(key, (0, 0, 0))
        found[key] = tuple(map(add, before, begun))
    return found


def completions_per_day(scope: Scope, days: int) -> dict[tuple[str, date], int]:
    """Submitted responses per instrument and day of submission, over the last `days`."""
    kept = [Response.status == COMPLETE, Response.submitted_at.is_not(None), COUNTED]
    kept += [*practice_filters(Response.practice_id, scope), *_versions(scope)]
    if scope.mode == LINK:
        kept.extend(OPEN_LINK)
    elif scope.mode is not None:
        # A lookup of each completion's code by primary key: far cheaper than a list of
        # every code of that mode (a million ids at national scale).
        coded = select(Invitation.id).where(
            Invitation.id == Response.invitation_id, Invitation.mode == scope.mode
        )
        kept.append(coded.exists())
    last = db.session.scalar(select(func.max(Response.submitted_at)).where(*kept))
    if last is None:
        return {}
    since = datetime.combine(last.date() - timedelta(days=days - 1), datetime.min.time())
    day = cast(Response.submitted_at, Date)
    if db.engine.dialect.name == "sqlite":  # stored as ISO text: its first ten characters
        day = func.substr(Response.submitted_at, 1, 10)
    version = Response.instrument_version_id
    query = (
        select(day, version, func.count())
        .where(*kept, Response.submitted_at >= since)
        .group_by(day, version)
    )
    versions = select(InstrumentVersion.id, InstrumentVersion.instrument)
    instrument_of = {id_: name for id_, name in db.session.execute(versions)}
    found: dict[tuple[str, date], int] = {}
    for value, version_id, count in db.session.execute(query):
        key = (
            instrument_of[version_id],
            date.fromisoformat(value) if isinstance(value, str) else value,
        )
        found[key] = found.get(key, 0) + count
    return found
