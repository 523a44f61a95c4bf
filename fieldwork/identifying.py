"""Identifying answers (names, contact details): stored apart from the answer tables,
encrypted at rest with Fernet (MultiFernet, so keys can be rotated), readable only here.

The key is configuration (FIELDWORK_IDENTIFYING_KEY) or a generated key in the instance
folder, never the database: a dump of the database alone does not reveal these answers.
Each item's answer is its stored column values (`forms.stored.item_columns`) as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import MetaData, Table, bindparam, delete, inspect, or_, select, text
from sqlalchemy.orm import Session

from fieldwork.models import IdentifyingAnswer, Response
from forms.memo import kept_with
from forms.model import Instrument, Item
from forms.stored import item_columns, record_answers
from forms.variables import DATE, item_variables


def cipher(keys: str | None = None) -> MultiFernet:
    """The MultiFernet of the configured keys (the first encrypts, all decrypt)."""
    keys = keys if keys is not None else current_app.config["IDENTIFYING_KEY"]
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def identifying_items(instrument: Instrument) -> list[Item]:
    """The instrument's questions marked identifying."""
    return [item for item in instrument.iter_questions() if item.identifying]


def _encode(item: Item, value: Any) -> bytes:
    columns = item_columns(item, value)
    text = json.dumps(columns, default=lambda v: v.isoformat() if isinstance(v, date) else str(v))
    return text.encode()


def _decode(item: Item, token: bytes, fernet: MultiFernet) -> dict[str, Any]:
    columns = json.loads(fernet.decrypt(token))
    for var in item_variables(item):
        if var.kind == DATE and columns.get(var.name):
            columns[var.name] = date.fromisoformat(columns[var.name])
    return columns


def save(session: Session, response_id: int, items: Iterable[Item], answers) -> None:
    """Store (encrypted) or clear the answers to the identifying `items` of a page."""
    fernet = cipher()
    for item in items:
        value = answers.get(item.id)
        row = session.get(IdentifyingAnswer, (response_id, item.id))
        if value in (None, "", frozenset()):
            if row is not None:
                session.delete(row)
            continue
        token = fernet.encrypt(_encode(item, value))
        if row is None:
            session.add(IdentifyingAnswer(response_id=response_id, item_id=item.id, token=token))
        else:
            row.token = token
    session.flush()


def records(session: Session, instrument: Instrument, response_ids: list[int]) -> dict[int, dict]:
    """{response id: decrypted stored columns} of the identifying answers of some responses."""
    items = {item.id: item for item in identifying_items(instrument)}
    if not items or not response_ids:
        return {}
    fernet = cipher()
    query = select(IdentifyingAnswer).where(
        IdentifyingAnswer.response_id.in_(response_ids), IdentifyingAnswer.item_id.in_(items)
    )
    found: dict[int, dict] = {}
    for row in session.scalars(query):
        found.setdefault(row.response_id, {}).update(_decode(items[row.item_id], row.token, fernet))
    return found


_ONE: dict[int, tuple[dict[str, Item], Any]] = {}


def _one_query(instrument: Instrument) -> tuple[dict[str, Item], Any]:
    """(identifying items by id, SELECT of one response's tokens), built once per instrument."""
    return kept_with(instrument, _ONE, lambda: _build_one_query(instrument))


def _build_one_query(instrument: Instrument) -> tuple[dict[str, Item], Any]:
    items = {item.id: item for item in identifying_items(instrument)}
    if not items:
        return items, None
    table = IdentifyingAnswer.__table__
    # The items as plain comparisons: an IN list would be expanded afresh at every execution.
    query = select(table.c.item_id, table.c.token).where(
        table.c.response_id == bindparam("response_id"),
        or_(*(table.c.item_id == item_id for item_id in items)),
    )
    return items, query


def load(session: Session, instrument: Instrument, response_id: int) -> dict[str, Any]:
    """The identifying answers of one response, as answers (a page's hot path: plain SQL)."""
    items, query = _one_query(instrument)
    if not items:
        return {}
    rows = session.connection().execute(query, {"response_id": response_id}).all()
    return from_tokens(instrument, dict(rows))


def from_tokens(instrument: Instrument, tokens: dict[str, bytes]) -> dict[str, Any]:
    """The identifying answers held by some stored tokens {item id: token}."""
    if not tokens:
        return {}
    items, _query = _one_query(instrument)
    fernet = cipher()
    record: dict[str, Any] = {}
    for item_id, token in tokens.items():
        record.update(_decode(items[item_id], token, fernet))
    return record_answers(instrument, record, list(items.values()))


def token_table() -> Table:
    """The table of identifying tokens (for callers joining it into their own reads)."""
    return IdentifyingAnswer.__table__


def by_public_id(
    session: Session, instrument: Instrument, public_ids: list[str]
) -> dict[str, dict]:
    """{public id: decrypted stored columns} (for the contacts of a full export)."""
    query = select(Response.id, Response.public_id).where(Response.public_id.in_(public_ids))
    ids = dict(session.execute(query).all())
    return {ids[rid]: record for rid, record in records(session, instrument, list(ids)).items()}


def forget(session: Session, response_ids: list[int]) -> int:
    """Delete the identifying answers of some responses; how many were deleted."""
    query = delete(IdentifyingAnswer).where(IdentifyingAnswer.response_id.in_(response_ids))
    return session.execute(query).rowcount or 0


def rotate(session: Session, fernet: MultiFernet, batch: int = 500) -> int:
    """Re-encrypt every stored token with the first key; how many were re-encrypted."""
    done = 0
    query = select(IdentifyingAnswer).order_by(
        IdentifyingAnswer.response_id, IdentifyingAnswer.item_id
    )
    for row in session.scalars(query.execution_options(yield_per=batch)):
        row.token = fernet.rotate(row.token)
        done += 1
    session.flush()
    return done


def seal_legacy(session: Session, instrument: Instrument, table_name: str) -> int:
    """Move plaintext identifying columns left in an old answer table into this store
    (encrypted; answers already here win), then drop the columns; how many answers moved."""
    items = identifying_items(instrument)
    names = {var.name: item for item in items for var in item_variables(item)}
    present = {c["name"] for c in inspect(session.connection()).get_columns(table_name)}
    legacy = [name for name in names if name in present]
    if not legacy:
        return 0
    table = Table(table_name, MetaData(), autoload_with=session.connection())
    have = set(session.scalars(select(IdentifyingAnswer.response_id).distinct()))
    moved = 0
    rows = session.execute(select(table.c.response_id, *(table.c[n] for n in legacy)))
    for row in rows.mappings().all():
        answers = record_answers(instrument, row, items)
        if answers and row["response_id"] not in have:
            save(session, row["response_id"], items, answers)
            moved += len(answers)
    quote = session.connection().dialect.identifier_preparer.quote
    for name in legacy:
        session.execute(text(f"ALTER TABLE {quote(table_name)} DROP COLUMN {quote(name)}"))
    return moved
