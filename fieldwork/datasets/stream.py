"""Streaming responses out of the database as plain records, a chunk at a time.

One query joins each response to its row of answers (every version's answer table,
outer-joined), in the order responses were started; its practice, region and version
leave as ids and are named in arrow (no join a row for them). On
PostgreSQL the rows leave the server by `COPY (query) TO STDOUT` as CSV, parsed by
pyarrow's streaming CSV reader into typed columns (no Python object per value); on
SQLite they come in chunks (`yield_per`). Never all at once: they leave as arrow tables
of CHUNK rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from itertools import islice

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import Select, func, literal, select, types

from exports.pipeline import ahead
from fieldwork import identifying
from fieldwork.answers import answer_table
from fieldwork.datasets.filters import STATUSES, Request
from fieldwork.db import db
from fieldwork.models import InstrumentVersion, Practice, Region, Response
from forms.model import Instrument
from forms.stored import STATES

CHUNK = 20_000
# The export's query runs without parallel workers (see `_copied`).
NO_PARALLEL = "SELECT set_config('max_parallel_workers_per_gather', '0', true)"


def _filtered(query: Select, request: Request, allowed: frozenset[str]) -> Select:
    """Apply the request's filters (and the user's practices) to a query over responses."""
    query = query.where(Response.status.in_(STATUSES[request.status]))
    # A response set aside for the paper form keyed for its code is kept, never exported.
    query = query.where(Response.superseded_by_id.is_(None))
    practices = _practice_ids(request, allowed)
    if practices is not None:
        query = query.where(Response.practice_id.in_(practices))
    since, before = request.dates()
    if since is not None:
        query = query.where(Response.started_at >= since)
    if before is not None:
        query = query.where(Response.started_at < before)
    return query


def _practice_ids(request: Request, allowed: frozenset[str]) -> list[int] | None:
    """The row ids of the practices the request (and the user) may export, looked up
    first: the query over responses then needs no join to practices or regions (None:
    every practice)."""
    practices = set(request.practices)
    if allowed:
        practices = (practices & allowed) if practices else set(allowed)
        practices = practices or {""}  # nothing they may see: match nothing
    if not practices and not request.regions:
        return None
    query = select(Practice.id).order_by(Practice.id)
    if practices:
        query = query.where(Practice.code.in_(sorted(practices)))
    if request.regions:
        query = query.join(Region, Practice.region_id == Region.id).where(
            Region.name.in_(sorted(request.regions))
        )
    return list(db.session.scalars(query))


def version_ids(request: Request) -> dict[int, int]:
    """{version: row id} of the instrument versions the request covers."""
    query = select(InstrumentVersion.version, InstrumentVersion.id).where(
        InstrumentVersion.instrument == request.instrument
    )
    if request.versions:
        query = query.where(InstrumentVersion.version.in_(request.versions))
    return dict(db.session.execute(query).all())


def count_matching(request: Request, allowed: frozenset[str]) -> int:
    """How many responses the request matches."""
    ids = list(version_ids(request).values())
    query = select(func.count(Response.id)).where(Response.instrument_version_id.in_(ids))
    return db.session.scalar(_filtered(query, request, allowed)) or 0


def _query(versions: dict[int, Instrument], ids: dict[int, int], request, allowed) -> Select:
    """One query over every version: the response's facts, then the union of stored columns.

    Each version's answer table is joined to its own responses; a column several versions
    share is read from whichever table the response has a row in. The practice, region
    and version leave as the response's own ids, named in arrow (`_Names`): no join to
    practices, regions or versions a row. The response's row id leaves too (dropped in
    arrow): ordered by a column it does not send, the server copies every row once more
    to leave that column out.
    """
    facts = [
        Response.id.label(ROW_ID),
        Response.public_id.label("_id"), Response.mode.label("_mode"),
        Response.language.label("_language"), Response.status.label("_status"),
        Response.started_at.label("_started"), Response.submitted_at.label("_submitted"),
        Response.reached.label("_reached"), Response.practice_id.label("_practice"),
        Response.instrument_version_id.label("_version"),
        Response.paper_states.label(STATES),
        Response.consent_version.label("_consent_version"),
        Response.consent_how.label("_consent_how"), Response.consent_at.label("_consent_at"),
        Response.consent_extras.label("_consent_extras"),
    ]  # fmt: skip
    query = select(Response)
    by_name: dict[str, list] = {}
    for version in sorted(ids, reverse=True):
        table = answer_table(versions[version]).alias(f"v{version}")
        query = query.outerjoin(table, table.c.response_id == Response.id)
        for column in table.columns:
            if column.name != "response_id":
                by_name.setdefault(column.name, []).append(column)
    answers = [_shared(name, columns) for name, columns in by_name.items()]
    query = query.with_only_columns(*facts, *answers, maintain_column_froms=True)
    query = query.where(Response.instrument_version_id.in_(list(ids.values())))
    return _filtered(query, request, allowed).order_by(Response.started_at, Response.id)


ROW_ID = "_row"  # the response's row id: sent for the order's sake, dropped in arrow


class _Names:
    """Each practice's code and region, each version's number, by row id: the query's
    ids made into the names the export writes, a chunk at a time."""

    def __init__(self, ids: dict[int, int]):
        rows = db.session.execute(
            select(Practice.id, Practice.code, Region.name)
            .join(Region, Practice.region_id == Region.id)
            .order_by(Practice.id)
        ).all()
        self.practices = pa.array([row[0] for row in rows], pa.int64())
        self.codes = pa.array([row[1] for row in rows], pa.string())
        self.regions = pa.array([row[2] for row in rows], pa.string())
        self.version_ids = pa.array(list(ids.values()), pa.int64())
        self.versions = pa.array(list(ids), pa.int64())

    def __call__(self, chunk: pa.Table) -> pa.Table:
        practice = pc.index_in(chunk.column("_practice"), value_set=self.practices)
        version = pc.index_in(chunk.column("_version"), value_set=self.version_ids)
        columns = {}
        for name in chunk.column_names:
            if name == "_practice":
                columns["_practice"] = self.codes.take(practice)
                columns["_region"] = self.regions.take(practice)
            elif name == "_version":
                columns["_version"] = self.versions.take(version)
            elif name != ROW_ID:
                columns[name] = chunk.column(name)
        return pa.table(columns)


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
    copy: bool = True,
) -> Iterator[pa.Table]:
    """The matching responses as arrow chunks, in the order they were started.

    Identifying answers are not in the answer tables: only with `contacts` (a full
    bundle's contacts.csv) are they decrypted and added to each chunk (through the
    cursor: decrypting queries the database while the rows stream). `copy` False reads
    through the cursor, a Python value per column (the tests compare both ways).
    """
    query = _query(versions, ids, request, allowed)
    named = _Names(ids)
    connection = db.session.connection()
    # Read and parsed in a thread of their own, a chunk or two ahead of the coding (the
    # driver and pyarrow let go of the interpreter while they wait and parse). Nothing
    # else uses the connection meanwhile: the session is not touched until they end.
    if connection.dialect.name == "postgresql" and copy and not contacts:
        yield from ahead(_each(named, _copied(connection, query)))
        return
    if connection.dialect.name == "sqlite" and copy and not contacts:
        lines = _each(named, _sqlite_lines(connection, query))
        yield from ahead(lines) if _own_file(connection) else lines
        return
    # Core rows (no ORM loading per row); the options go on this statement only, since a
    # Connection's own execution_options would stream the session's later writes too.
    streamed = query.execution_options(stream_results=True, yield_per=CHUNK)
    result = connection.execute(streamed)
    names = list(result.keys())
    small = {
        c.key: pa.int16() for c in query.selected_columns if isinstance(c.type, types.SmallInteger)
    }
    for rows in result.partitions(CHUNK):
        columns = zip(*rows, strict=True)
        chunk = named(
            pa.table(
                {
                    name: pa.array(values, small.get(name))
                    for name, values in zip(names, columns, strict=True)
                }
            )
        )
        yield _with_contacts(chunk, versions) if contacts else chunk


def _each(function, chunks: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """`function` of each chunk; closing this closes `chunks` (a COPY ends at once)."""
    with closing(chunks):
        for chunk in chunks:
            yield function(chunk)


def _own_file(connection) -> bool:
    """Whether an SQLite connection may be used from another thread (a file database:
    an in-memory one is a connection per thread)."""
    database = connection.engine.url.database
    return bool(database) and database != ":memory:" and "mode=memory" not in database


# Arrow types of the query's columns, by SQLAlchemy type (the cursor's rows are given the
# same where Python's values alone would say otherwise: small integers).
_ARROW = (
    (types.SmallInteger, pa.int16()),  # codes and flags: a quarter of int64's bytes to handle
    (types.Integer, pa.int64()),
    (types.Float, pa.float64()),
    (types.Numeric, pa.float64()),
    (types.DateTime, pa.timestamp("us")),
    (types.Date, pa.date32()),
    (types.Boolean, pa.bool_()),
    (types.String, pa.string()),
)


def _arrow_type(sql_type) -> pa.DataType:
    for kind, arrow in _ARROW:
        if isinstance(sql_type, kind):
            return arrow
    return pa.string()  # anything else as its text


def _csv_options(columns):
    """How pyarrow reads the CSV of these columns: no header, typed, empty = no value.

    In blocks of 1 MB in the calling thread (already one of its own): a chunk's text as
    one block, or blocks parsed by pyarrow's threads, cost about 30% more CPU (measured,
    2 cores: the blocks stay in a core's cache)."""
    read = pa_csv.ReadOptions(
        column_names=[c.key for c in columns], block_size=1 << 20, use_threads=False
    )
    parse = pa_csv.ParseOptions(newlines_in_values=True)  # free text may hold line breaks
    convert = pa_csv.ConvertOptions(
        column_types={c.key: _arrow_type(c.type) for c in columns},
        null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
        timestamp_parsers=[pa_csv.ISO8601], true_values=["t"], false_values=["f"],
    )  # fmt: skip
    return read, parse, convert


def _copied(connection, query: Select) -> Iterator[pa.Table]:
    """The query's rows through `COPY (query) TO STDOUT` as CSV, CHUNK rows at a time.

    COPY sends each row as a message of its own: the messages of CHUNK rows are joined
    into one text (whole rows, so each chunk parses alone) and parsed by pyarrow at once
    (about 1.4 s less CPU a million rows than pyarrow's streaming reader over a file-like
    object fed a message a call)."""
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    columns = list(query.selected_columns)
    cursor = connection.connection.dbapi_connection.cursor()
    statement = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv)"
    with cursor:
        # No parallel workers (for the rest of this transaction): the client codes and
        # writes on the other cores meanwhile, and gathering rows this wide from workers
        # costs more than it saves (1,000,000 rows, 2 cores: csv 13.4 s with, 11.6 s without).
        cursor.execute(NO_PARALLEL)
        yield from _parsed(cursor, statement, compiled.params, columns)


def _parsed(cursor, statement: str, params, columns) -> Iterator[pa.Table]:
    """The COPY's rows as tables of CHUNK rows (the last: the rest)."""
    with cursor.copy(statement, params) as copy:
        rows = iter(copy)
        while True:
            text = bytearray()  # not a list of CHUNK blocks: the collector would scan them
            for row in islice(rows, CHUNK):
                text += row
            if not text:
                return
            yield pa_csv.read_csv(pa.py_buffer(text), *_csv_options(columns)).combine_chunks()


def _is_float(column) -> bool:
    return isinstance(column.type, types.Numeric) and not isinstance(column.type, types.Integer)


def _csv_field(column):
    """A column as one CSV field of SQLite's making (NULL stays NULL: an empty field)."""
    value = column.element if hasattr(column, "element") else column
    if isinstance(column.type, types.String):
        quote = literal('"', types.String)
        return quote + func.replace(value, '"', '""') + quote
    return value


def _sqlite_lines(connection, query: Select) -> Iterator[pa.Table]:
    """SQLite's counterpart of COPY: SQLite itself formats each row as one CSV line (one
    Python string a row, not one a value), parsed by pyarrow a chunk at a time. Floats
    come as Python floats beside the line (SQLite prints them with 15 digits only)."""
    columns = list(query.selected_columns)
    texts = [c for c in columns if not _is_float(c)]
    floats = [c for c in columns if _is_float(c)]
    groups = []
    for at in range(0, len(texts), 60):  # SQLite functions take at most 127 arguments
        group = texts[at : at + 60]
        groups.append(func.printf(",".join(["%s"] * len(group)), *map(_csv_field, group)))
    line = groups[0]
    for group in groups[1:]:
        line = line + literal(",", types.String) + group
    lines = query.with_only_columns(line.label("_line"), *floats, maintain_column_froms=True)
    result = connection.execute(lines.execution_options(stream_results=True, yield_per=CHUNK))
    for rows in result.partitions(CHUNK):
        found = list(zip(*rows, strict=True))
        text = ("\n".join(found[0]) + "\n").encode()
        table = pa_csv.read_csv(pa.BufferReader(text), *_csv_options(texts))
        for column, values in zip(floats, found[1:], strict=True):
            table = table.append_column(column.key, pa.array(values, pa.float64()))
        yield table.select([c.key for c in columns])
