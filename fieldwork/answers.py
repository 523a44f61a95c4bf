"""The answer store: one wide, typed table per instrument version.

Columns are the export variables of data-conventions.md (`{id}`, `{id}_{code}`,
`{id}_{row}`), so a coded export of millions of responses can stream straight from
the database (see the storage table in TOOLCHAIN.md), and saving a page is one
UPDATE of one row. Values are stored raw, as given; routing is applied at export.
What the columns mean (answers to columns and back) is `forms.stored`'s; this module
holds only the SQLAlchemy table and its reads and writes.

Answers to items marked `identifying` are never columns here: they go, encrypted, to
`fieldwork.identifying` (a table of their own), and come back merged on reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from fieldwork import identifying
from forms.memo import kept_with
from forms.model import Instrument, Item
from forms.stored import READERS, item_columns, record_answers
from forms.variables import CODE, DATE, DECIMAL, FLAG, INTEGER, TEXT, instrument_variables

COLUMN_TYPES = {
    CODE: SmallInteger,
    FLAG: SmallInteger,
    INTEGER: Integer,
    DECIMAL: Float,
    TEXT: Text,
    DATE: Date,
}


def table_name(instrument_id: str, version: int) -> str:
    """The answer table of one instrument version."""
    return f"answers_{instrument_id}_v{version}"


_TABLES: dict[tuple[str, int, str], Table] = {}


def answer_table(instrument: Instrument) -> Table:
    """The SQLAlchemy table for an instrument version (built once per content hash)."""
    key = (instrument.id, instrument.version, instrument.content_hash)
    if key not in _TABLES:
        _TABLES[key] = _build_table(instrument)
    return _TABLES[key]


def _build_table(instrument: Instrument) -> Table:
    """Build the table object: a response id and one typed column per variable."""
    metadata = MetaData()
    Table("responses", metadata, Column("id", Integer, primary_key=True))
    columns = [
        Column(var.name, COLUMN_TYPES[var.kind]())
        for var in instrument_variables(instrument)
        if not var.item.identifying
    ]
    return Table(
        table_name(instrument.id, instrument.version),
        metadata,
        Column("response_id", Integer, ForeignKey("responses.id"), primary_key=True),
        *columns,
    )


def create_table(session: Session, instrument: Instrument) -> None:
    """Create the version's answer table if it does not exist yet."""
    answer_table(instrument).create(session.connection(), checkfirst=True)


def drop_table(session: Session, instrument_id: str, version: int) -> None:
    """Drop a version's answer table (only ever while it holds no responses)."""
    table = Table(table_name(instrument_id, version), MetaData())
    table.drop(session.connection(), checkfirst=True)


def add_row(session: Session, instrument: Instrument, response_id: int) -> None:
    """Give a new response its (empty) row of answers."""
    session.execute(insert(answer_table(instrument)).values(response_id=response_id))


def save_items(
    session: Session, instrument: Instrument, response_id: int, items: Iterable[Item], answers
) -> None:
    """Store the answers to `items` (a page) in one UPDATE; blanks are stored as NULL."""
    values, secret = page_columns(items, answers)
    if secret:
        identifying.save(session, response_id, secret, answers)
    if values:
        table = answer_table(instrument)
        query = update_query(table, tuple(values))
        connection = session.connection()  # plain SQL: nothing of the ORM's to flush first
        params = column_params(values)
        if connection.execute(query, {**params, "response_id_": response_id}).rowcount == 0:
            # the row was never made: make it now
            connection.execute(insert(table).values(response_id=response_id, **values))


def page_columns(items: Iterable[Item], answers) -> tuple[dict[str, Any], list[Item]]:
    """The answer-table columns `save_items` writes for `items` (blanks as None), and the
    identifying items among them (written to `fieldwork.identifying` instead)."""
    values: dict[str, Any] = {}
    secret = []
    for item in items:
        if item.is_question and item.identifying:
            secret.append(item)
        elif item.is_question:
            values.update(item_columns(item, answers.get(item.id)))
    return values, secret


def column_params(values: dict[str, Any]) -> dict[str, Any]:
    """`values` as the parameters of `update_query`'s statement."""
    return {f"v_{name}": value for name, value in values.items()}


_UPDATES: dict[tuple[int, tuple[str, ...]], Any] = {}


def update_query(table: Table, names: tuple[str, ...]):
    """UPDATE of some columns of one response's row (`:response_id_`; the values as
    `column_params`), built once per table and columns."""
    key = (id(table), names)
    if key not in _UPDATES:
        _UPDATES[key] = (
            update(table)
            .where(table.c.response_id == bindparam("response_id_"))
            .values({name: bindparam(f"v_{name}") for name in names})
        )
    return _UPDATES[key]


_ROW_QUERIES: dict[int, Any] = {}


def _row_query(table: Table):
    """SELECT one response's row, built once per table (the hot path of every page)."""
    key = id(table)
    if key not in _ROW_QUERIES:
        _ROW_QUERIES[key] = select(table).where(table.c.response_id == bindparam("response_id"))
    return _ROW_QUERIES[key]


def load_answers(session: Session, instrument: Instrument, response_id: int) -> dict[str, Any]:
    """Every stored answer of one response."""
    query = _row_query(answer_table(instrument))
    row = session.connection().execute(query, {"response_id": response_id}).mappings()
    found = row.first()
    stored = {} if found is None else record_answers(instrument, found)
    stored.update(identifying.load(session, instrument, response_id))
    return stored


class JoinedRead:
    """One SELECT of a response's columns with its answer row (and identifying tokens).

    `base` selects columns of `responses` only; the answer row is joined (inner: a
    response without its row is not found, and its caller reads the slow way), each
    identifying item's token LEFT JOINed when `tokens`. `lock` adds FOR UPDATE of the
    response and its answer row (PostgreSQL; ignored by SQLite, whose writing
    transactions already hold the database's write lock).
    """

    def __init__(self, instrument: Instrument, base, responses: Table, *, lock: bool, tokens: bool):
        table = answer_table(instrument)
        self.names = [column.name for column in table.c if column.name != "response_id"]
        self.start = len(base.selected_columns)
        self.secret = identifying.identifying_items(instrument) if tokens else []
        joined = responses.join(table, table.c.response_id == responses.c.id)
        labelled = [table.c[name].label(f"a{n}") for n, name in enumerate(self.names)]
        for n, item in enumerate(self.secret):
            alias = identifying.token_table().alias(f"t{n}")
            on = (alias.c.response_id == responses.c.id) & (alias.c.item_id == item.id)
            joined = joined.outerjoin(alias, on)
            labelled.append(alias.c.token.label(f"t{n}"))
        query = base.add_columns(*labelled).select_from(joined)
        self.query = query.with_for_update(of=[responses, table]) if lock else query

    def answers(self, instrument: Instrument, row) -> dict[str, Any]:
        """The stored answers in a row of `query` (as `load_answers` reads them)."""
        end = self.start + len(self.names)
        record = dict(zip(self.names, row[self.start : end], strict=True))
        stored = record_answers(instrument, record)
        if self.secret:
            found = zip(self.secret, row[end:], strict=True)
            tokens = {item.id: token for item, token in found if token}
            stored.update(identifying.from_tokens(instrument, tokens))
        return stored


_JOINED: dict[int, dict[tuple, JoinedRead]] = {}


def joined_read(
    instrument: Instrument, name: str, base, responses: Table, *, lock: bool, tokens: bool
) -> JoinedRead:
    """`JoinedRead` of `base` (the caller's query called `name`), built once per instrument
    object, name and flags."""
    reads = kept_with(instrument, _JOINED, dict)
    found = reads.get((name, lock, tokens))
    if found is None:
        found = reads[(name, lock, tokens)] = JoinedRead(
            instrument, base, responses, lock=lock, tokens=tokens
        )
    return found


def saved_after(saved: dict[str, Any], items: Iterable[Item], answers) -> dict[str, Any]:
    """The stored answers once `save_items(items, answers)` has run over `saved` (as
    `load_answers` would read them back, without reading them: columns and back)."""
    after = dict(saved)
    for item in items:
        if not item.is_question:
            continue
        value = READERS[item.type](item, item_columns(item, answers.get(item.id)))
        if value is None:
            after.pop(item.id, None)
        else:
            after[item.id] = value
    return after
