"""Streaming responses out of the database as plain records, a chunk at a time.

One query per instrument version joins the response, its practice and region, and its
row of answers; rows come through a server-side cursor on PostgreSQL (psycopg) or in
chunks on SQLite (`yield_per`), never all at once. Versions are merged in the order
responses were started.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Select, func, select

from fieldwork.answers import answer_table
from fieldwork.datasets.filters import STATUSES, Request
from fieldwork.db import db
from fieldwork.models import InstrumentVersion, Practice, Region, Response
from forms.model import Instrument

CHUNK = 5_000


def _filtered(query: Select, request: Request, allowed: frozenset[str]) -> Select:
    """Apply the request's filters (and the user's practices) to a query over responses."""
    query = query.where(Response.status.in_(STATUSES[request.status]))
    practices = set(request.practices)
    if allowed:
        practices = (practices & allowed) if practices else set(allowed)
        practices = practices or {""}  # nothing they may see: match nothing
    if practices:
        query = query.where(Practice.code.in_(sorted(practices)))
    if request.regions:
        query = query.where(Region.name.in_(sorted(request.regions)))
    since, before = request.dates()
    if since is not None:
        query = query.where(Response.started_at >= since)
    if before is not None:
        query = query.where(Response.started_at < before)
    return query


def version_ids(request: Request) -> dict[int, int]:
    """{version: row id} of the instrument versions the request covers."""
    query = select(InstrumentVersion.version, InstrumentVersion.id).where(
        InstrumentVersion.instrument == request.instrument
    )
    if request.versions:
        query = query.where(InstrumentVersion.version.in_(request.versions))
    return dict(db.session.execute(query).all())


def _base(query: Select) -> Select:
    return query.join(Practice, Response.practice_id == Practice.id).join(
        Region, Practice.region_id == Region.id
    )


def count_matching(request: Request, allowed: frozenset[str]) -> int:
    """How many responses the request matches."""
    ids = list(version_ids(request).values())
    query = _base(select(func.count(Response.id))).where(Response.instrument_version_id.in_(ids))
    return db.session.scalar(_filtered(query, request, allowed)) or 0


def _version_query(instrument: Instrument, version_id: int, request, allowed) -> Select:
    """Records of one version: the response's facts, then its stored answer columns."""
    table = answer_table(instrument)
    facts = [
        Response.public_id.label("_id"), Response.mode.label("_mode"),
        Response.language.label("_language"), Response.status.label("_status"),
        Response.started_at.label("_started"), Response.submitted_at.label("_submitted"),
        Response.reached.label("_reached"), Practice.code.label("_practice"),
        Region.name.label("_region"), Response.id.label("_key"),
    ]  # fmt: skip
    answers = [c for c in table.columns if c.name != "response_id"]
    query = _base(select(*facts, *answers)).outerjoin(table, table.c.response_id == Response.id)
    query = query.where(Response.instrument_version_id == version_id)
    return _filtered(query, request, allowed).order_by(Response.started_at, Response.id)


def _records(query: Select, version: int, instrument_id: str) -> Iterator[dict[str, Any]]:
    """The query's rows as plain records, fetched a chunk at a time."""
    options = {"stream_results": True, "yield_per": CHUNK}
    result = db.session.execute(query, execution_options=options)
    for partition in result.mappings().partitions(CHUNK):
        for row in partition:
            record = dict(row)
            record["_version"], record["_instrument"] = version, instrument_id
            yield record


def stream_records(
    versions: dict[int, Instrument], ids: dict[int, int], request: Request, allowed: frozenset[str]
) -> Iterator[list[dict[str, Any]]]:
    """Chunks of records over every version, in the order responses were started."""
    streams = [
        _records(_version_query(versions[v], ids[v], request, allowed), v, request.instrument)
        for v in sorted(ids)
    ]
    merged = heapq.merge(*streams, key=lambda r: (r["_started"], r["_key"]))
    while chunk := list(islice(merged, CHUNK)):
        yield chunk
