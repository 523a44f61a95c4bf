"""The database: Flask-SQLAlchemy with SQLAlchemy 2.0 typed models, SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints alike."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def _is_sqlite3(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__ == "sqlite3"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL, foreign keys and a busy timeout on SQLite; nothing elsewhere.

    pysqlite's own transaction handling is switched off and SQLAlchemy emits BEGIN
    itself (the recipe in SQLAlchemy's SQLite docs), so that SAVEPOINTs nest inside
    the real transaction instead of committing it when released.
    """
    if not _is_sqlite3(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=20000")
    cursor.close()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(view: Callable) -> Callable:
    """Mark a GET view that writes, so its SQLite transactions take the write lock at once."""
    view.fieldwork_writes = True  # type: ignore[attr-defined]
    return view


_MODE: ContextVar[str | None] = ContextVar("fieldwork_sqlite_begin", default=None)


@contextmanager
def sqlite_transactions(mode: str) -> Iterator[None]:
    """Begin the SQLite transactions opened inside the block "deferred" or "immediate".

    A background job streaming a large read must not hold the write lock for minutes
    (respondents' page saves wait behind it), and its progress is written on another
    connection, so a job reads in deferred transactions and takes the lock only for
    the short blocks that write.
    """
    token = _MODE.set(mode)
    try:
        yield
    finally:
        _MODE.reset(token)


def _will_write() -> bool:
    """Whether the current transaction may write: every one outside a request, and
    those of requests that are not GET/HEAD/OPTIONS or whose view is marked `writes`,
    unless a `sqlite_transactions` block says otherwise."""
    mode = _MODE.get()
    if mode is not None:
        return mode == "immediate"
    if not has_request_context():
        return True
    if request.method not in SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "fieldwork_writes", False))


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """Open SQLite transactions explicitly (see `_sqlite_pragmas`).

    Under WAL a deferred transaction that reads and then writes fails at once with
    "database is locked" when another connection committed in between (the busy
    timeout cannot help), so a transaction that may write begins IMMEDIATE: it waits
    its turn for the write lock (up to the busy timeout) and then cannot fail that way.
    Reads of GET pages stay deferred and run alongside the writer.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _will_write() else "BEGIN")


def is_sqlite() -> bool:
    """Whether the app's database is SQLite."""
    return db.engine.dialect.name == "sqlite"
