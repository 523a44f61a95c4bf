"""The database: Flask-SQLAlchemy with SQLAlchemy 2.0 typed models, SQLite or PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

from fieldwork import described
from fieldwork.turns import BUSY_TIMEOUT_MS, TakingTurns

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
    return isinstance(dbapi_connection, sqlite3.Connection)


@event.listens_for(Engine, "connect")
def _described_when_read(dbapi_connection, _record) -> None:
    """PostgreSQL cursors describe their results only when asked (`fieldwork.described`)."""
    described.use_on(dbapi_connection)


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
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


# A pooled connection idle longer than this is pinged before use (see `_ping_when_idle`).
IDLE_BEFORE_PING = 1.0


@event.listens_for(Pool, "checkout")
def _ping_when_idle(dbapi_connection, record, _proxy) -> None:
    """Ping a server's pooled connection before use when it has been idle a while.

    SQLAlchemy's `pool_pre_ping` pings at every checkout: on a busy server that is one
    more round trip per request (a third of a page view's statements) for connections
    that were fine a moment ago. Here only a connection idle for `IDLE_BEFORE_PING`
    seconds is pinged (the pattern of SQLAlchemy's "pessimistic disconnect handling"),
    so one whose server restarted or dropped it while idle is replaced before a
    respondent's request uses it. A connection dropped between two busy requests fails
    that request (the friendly error page); SQLAlchemy then discards the whole pool.
    SQLite files are never pinged.
    """
    if _is_sqlite3(dbapi_connection):
        return
    now = time.monotonic()
    if now - record.info.get("fieldwork_used", 0.0) > IDLE_BEFORE_PING:
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()  # the ping's own transaction: none is left open
        except Exception as error:
            raise DisconnectionError() from error
    record.info["fieldwork_used"] = now


@event.listens_for(Pool, "checkin")
def _note_use(dbapi_connection, record) -> None:
    if dbapi_connection is not None:
        record.info["fieldwork_used"] = time.monotonic()


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
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    if not _will_write():
        _begin(dbapi_connection, "BEGIN")
        return
    turns = isinstance(dbapi_connection, TakingTurns)
    waited_out = turns and not dbapi_connection.take_turn()
    if waited_out:  # the busy timeout spent waiting for the turn: one try, no more waiting
        dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        _begin(dbapi_connection, "BEGIN IMMEDIATE")
    except BaseException:
        if turns:
            dbapi_connection.end_turn()
        raise
    finally:
        if waited_out:
            dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _begin(dbapi_connection: sqlite3.Connection, statement: str) -> None:
    """Run BEGIN on the driver's connection (not through SQLAlchemy's statement machinery,
    which costs a page about ten times what SQLite does), its errors raised as SQLAlchemy
    raises a statement's ("database is locked": an OperationalError, the try-again page)."""
    try:
        dbapi_connection.execute(statement)
    except sqlite3.Error as error:
        raise DBAPIError.instance(statement, None, error, sqlite3.Error) from error


def reading_connection():
    """The session's connection for a request that only reads.

    On a database server a request's first read begins a transaction: BEGIN, then
    ROLLBACK when the connection goes back to the pool, two round trips around a page
    view's one SELECT. A request that only reads gets the connection in autocommit
    (each statement sees the data as of its start, as one statement of a transaction
    would) unless the session already began a transaction. SQLite keeps its deferred
    transaction (no round trips there).
    """
    if is_sqlite() or db.session().in_transaction():
        return db.session.connection()
    return db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def is_sqlite() -> bool:
    """Whether the app's database is SQLite."""
    return db.engine.dialect.name == "sqlite"
