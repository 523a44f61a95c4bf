"""What an export asks for: instrument, versions, practices, regions, dates, status, formats."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

from exports.bundle import DEFAULT_FORMATS, FORMATS

STATUSES = {"complete": (1,), "partial": (2,), "all": (1, 2)}
# Practices or regions one export may list (England has about 6,500 practices): each is
# a query parameter, and PostgreSQL takes at most 65,535 of them, SQLite 32,766.
MAX_LISTED = 10_000


class FilterError(ValueError):
    """A request for an export that cannot be met (the message says why)."""


@dataclass
class Request:
    """An export request, as the page and the command give it (kept in the job's params)."""

    instrument: str
    versions: list[int] = field(default_factory=list)  # empty: every version
    practices: list[str] = field(default_factory=list)  # empty: every practice allowed
    regions: list[str] = field(default_factory=list)
    since: str | None = None  # ISO dates, on when the response was started
    until: str | None = None
    status: str = "complete"
    formats: list[str] = field(default_factory=lambda: list(DEFAULT_FORMATS))
    raw: bool = False
    full: bool = False

    def as_params(self) -> dict[str, Any]:
        """The request as JSON-ready params."""
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Request:
        """The request a job's params hold."""
        return cls(**params)

    def dates(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """[since, until + 1 day) as datetimes."""
        since = _date(self.since, "from")
        until = _date(self.until, "to")
        if since and until and until < since:
            raise FilterError("the end date is before the start date")
        after = datetime.datetime.combine(since, datetime.time()) if since else None
        before = datetime.datetime.combine(until, datetime.time()) if until else None
        return after, before + datetime.timedelta(days=1) if before else None


def _date(text: str | None, which: str) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise FilterError(f"the {which} date must look like 2026-03-31") from error


def check_request(request: Request, known: dict[str, list[int]]) -> Request:
    """Check a request against the instruments and versions known; raise FilterError."""
    if request.instrument not in known:
        raise FilterError(f"no instrument called {request.instrument!r}")
    unknown = sorted(set(request.versions) - set(known[request.instrument]))
    if unknown:
        raise FilterError(f"{request.instrument} has no version {unknown[0]}")
    if request.status not in STATUSES:
        raise FilterError("status must be complete, partial or all")
    bad = sorted(set(request.formats) - set(FORMATS))
    if bad:
        raise FilterError(f"unknown format {bad[0]!r}; choose from {', '.join(FORMATS)}")
    if not request.formats:
        raise FilterError("choose at least one format")
    if request.full is False and {"free_text", "contacts"} & set(request.formats):
        raise FilterError("free text and contacts go only into full bundles")
    for name, given in (("practices", request.practices), ("regions", request.regions)):
        if len(given) > MAX_LISTED:
            raise FilterError(f"list at most {MAX_LISTED:,} {name} (none: every one)")
    request.dates()
    request.practices = sorted({code.strip().upper() for code in request.practices if code})
    return request
