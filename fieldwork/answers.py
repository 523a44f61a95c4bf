"""The answer store: one wide, typed table per instrument version.

Columns are the export variables of data-conventions.md (`{id}`, `{id}_{code}`,
`{id}_{row}`), so a coded export of millions of responses can stream straight from
the database (see the storage table in TOOLCHAIN.md), and saving a page is one
UPDATE of one row. Values are stored raw, as given; routing is applied at export.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
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

from forms.model import Instrument, Item
from forms.variables import (
    CODE,
    DATE,
    DECIMAL,
    FLAG,
    INTEGER,
    TEXT,
    instrument_variables,
    item_variables,
)

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
        Column(var.name, COLUMN_TYPES[var.kind]()) for var in instrument_variables(instrument)
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


def _column_values(item: Item, value: Any) -> dict[str, Any]:
    """The stored column values of one item's answer."""
    result = {}
    for var in item_variables(item):
        stored = None if value is None else var.value({item.id: value})
        if isinstance(stored, Decimal):
            stored = float(stored)
        result[var.name] = stored
    return result


def save_items(
    session: Session, instrument: Instrument, response_id: int, items: Iterable[Item], answers
) -> None:
    """Store the answers to `items` (a page) in one UPDATE; blanks are stored as NULL."""
    values: dict[str, Any] = {}
    for item in items:
        if item.is_question:
            values.update(_column_values(item, answers.get(item.id)))
    if values:
        table = answer_table(instrument)
        query = update(table).where(table.c.response_id == response_id).values(values)
        if session.execute(query).rowcount == 0:  # the row was never made: make it now
            session.execute(insert(table).values(response_id=response_id, **values))


def row_to_answers(instrument: Instrument, row: Any) -> dict[str, Any]:
    """Turn a stored row (a mapping of column values) back into an Answers dict."""
    answers: dict[str, Any] = {}
    for item in instrument.iter_questions():
        value = _item_value(item, row)
        if value is not None:
            answers[item.id] = value
    return answers


def _item_value(item: Item, row: Any) -> Any:
    """One item's answer from a stored row."""
    if item.type == "multiple" and item.choices is not None:
        flags = {code: row[f"{item.id}_{code}"] for code in item.choices.codes}
        if all(flag is None for flag in flags.values()):
            return None
        return frozenset(code for code, flag in flags.items() if flag)
    if item.type == "grid":
        rows = {r.id: row[f"{item.id}_{r.id}"] for r in item.rows}
        rows = {key: value for key, value in rows.items() if value is not None}
        return rows or None
    value = row[item.id]
    if item.type == "decimal" and value is not None:
        return Decimal(repr(float(value)))
    return value


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
    row = session.execute(query, {"response_id": response_id}).mappings()
    found = row.first()
    return {} if found is None else row_to_answers(instrument, found)
