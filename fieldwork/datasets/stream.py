"""Streaming responses out of the database as plain records, a chunk at a time.

One query joins each response to its practice, region and row of answers (every
version's answer table, outer-joined), in the order responses were started; rows come
through a server-side cursor on PostgreSQL (psycopg) or in chunks on SQLite
(`yield_per`), never all at once, and leave as arrow tables of CHUNK rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
from sqlalchemy import Select, func, select

from fieldwork import identifying
from fieldwork.answers import answer_table
from fieldwork.datasets.filters import STATUSES, Request
from fieldwork.db import db
from fieldwork.models import InstrumentVersion, Practice, Region, Response
from forms.model import Instrument
from forms.stored import STATES

CHUNK = 5_000


def _filtered(query: Select, request: Request, allowed: frozenset[str]) -> Select:
    """Apply the request's filters (and the user's practices) to a query over responses."""
    query = query.where(Response.status.in_(STATUSES[request.status]))
    # A response set aside for the paper form keyed for its code is kept, never exported.
    query = query.where(Response.superseded_by_id.is_(None))
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


def _query(versions: dict[int, Instrument], ids: dict[int, int], request, allowed) -> Select:
    """One query over every version: the response's facts, then the union of stored columns.

    Each version's answer table is joined to its own responses; a column several versions
    share is read from whichever table the response has a row in.
    """
    facts = [
        Response.public_id.label("_id"), Response.mode.label("_mode"),
        Response.language.label("_language"), Response.status.label("_status"),
        Response.started_at.label("_started"), Response.submitted_at.label("_submitted"),
        Response.reached.label("_reached"), Practice.code.label("_practice"),
        Region.name.label("_region"), InstrumentVersion.version.label("_version"),
        Response.paper_states.label(STATES),
        Response.consent_version.label("_consent_version"),
        Response.consent_how.label("_consent_how"), Response.consent_at.label("_consent_at"),
        Response.consent_extras.label("_consent_extras"),
    ]  # fmt: skip
    query = _base(select()).join(
        InstrumentVersion, Response.instrument_version_id == InstrumentVersion.id
    )
    by_name: dict[str, list] = {}
    for version in sorted(ids, reverse=True):
        table = answer_table(versions[version]).alias(f"v{version}")
        query = query.outerjoin(table, table.c.response_id == Response.id)
        for column in table.columns:
            if column.name != "response_id":
                by_name.setdefault(column.name, []).append(column)
    answers = [_shared(name, columns) for name, columns in by_name.items()]
    query = query.add_columns(*facts, *answers)
    query = query.where(Response.instrument_version_id.in_(list(ids.values())))
    return _filtered(query, request, allowed).order_by(Response.started_at, Response.id)


def _shared(name: str, columns: list):
    """A stored column read from the newest version that has it (of the same type)."""
    same = [c for c in columns if type(c.type) is type(columns[0].type)]
    return (same[0] if len(same) == 1 else func.coalesce(*same)).label(name)


def _with_contacts(chunk: pa.Table, versions: dict[int, Instrument]) -> pa.Table:
    """The chunk with the decrypted identifying columns added (full bundles only)."""
    public_ids = chunk.column("_id").to_pylist()
    found: dict[str, dict] = {}
    for instrument in versions.values():
        found.update(identifying.by_public_id(db.session, instrument, public_ids))
    names = sorted({name for record in found.values() for name in record})
    columns = {
        name: pa.array([found.get(pid, {}).get(name) for pid in public_ids]) for name in names
    }
    for name, values in columns.items():
        chunk = chunk.append_column(name, values)
    return chunk


def stream_chunks(
    versions: dict[int, Instrument],
    ids: dict[int, int],
    request: Request,
    allowed: frozenset[str],
    contacts: bool = False,
) -> Iterator[pa.Table]:
    """The matching responses as arrow chunks, in the order they were started.

    Identifying answers are not in the answer tables: only with `contacts` (a full
    bundle's contacts.csv) are they decrypted and added to each chunk.
    """
    query = _query(versions, ids, request, allowed)
    # Core rows (no ORM loading per row); the options go on this statement only, since a
    # Connection's own execution_options would stream the session's later writes too.
    streamed = query.execution_options(stream_results=True, yield_per=CHUNK)
    result = db.session.connection().execute(streamed)
    names = list(result.keys())
    for rows in result.partitions(CHUNK):
        columns = zip(*rows, strict=True)
        chunk = pa.table(
            {name: pa.array(values) for name, values in zip(names, columns, strict=True)}
        )
        yield _with_contacts(chunk, versions) if contacts else chunk
