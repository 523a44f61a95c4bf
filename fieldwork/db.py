"""The database: Flask-SQLAlchemy with SQLAlchemy 2.0 typed models, SQLite or PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
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


try:
    import fcntl
except ImportError:  # not a POSIX system: writers wait in SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]


class TakingTurns(sqlite3.Connection):
    """An SQLite connection whose writing transactions wait their turn for the write lock.

    SQLite's busy handler polls for a lock held by another process, sleeping 1, 2, 5,
    10 … 100 ms between tries: under steady writes a waiting save can sleep 150 ms
    while the lock was free most of that time, and the cores idle (4 processes saving
    pages in a loop: p99 85 ms, slowest 839 ms; taking turns: 16-39 ms, 34-66 ms).
    Before it begins IMMEDIATE, a writer takes an exclusive `flock` on a file beside
    the database, polled every 0.2-2 ms (`_wait_for_turn`), and lets go once its
    transaction has committed or rolled back. The lock is advisory: SQLite's own
    locking still guards the data, and writers that do not take turns (another tool)
    fall back on the busy handler. The turn file is its own file, never the database
    (closing any descriptor of the database would drop SQLite's POSIX locks).
    """

    _turns: int | None = None
    _path: str | None = None
    _holding = False

    def take_turn(self) -> bool:
        """Wait for this connection's turn to write; False if it did not come within
        `TURN_WAIT` seconds (SQLite's busy timeout: the caller then gives SQLite one
        try without waiting). True without a turn for memory databases and turn files
        this process may not open (SQLite's busy handler alone, as without turns).

        A thread that already holds the turn on another connection to the same database
        does not queue behind itself: that connection waits in SQLite's busy handler,
        as without turns, and fails after the busy timeout instead of never.
        """
        if fcntl is None or self._holding:
            return True
        if self._turns is None:
            self._path = _database_path(self)
            self._turns = _open_turns(self._path) if self._path is not None else -1
        if self._turns < 0:  # in memory, or a turn file this process may not open
            return True
        held = _held_turns()
        if self._path in held:
            return True
        if not _wait_for_turn(self._turns):
            return False
        self._holding = True
        held.add(self._path)
        return True

    def end_turn(self) -> None:
        """Let the next writer in."""
        if self._holding:
            self._holding = False
            _held_turns().discard(self._path)
            fcntl.flock(self._turns, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        self._let_go()
        super().close()

    def __del__(self) -> None:  # a connection dropped without close(): its turn file too
        with suppress(Exception):  # at interpreter exit what it uses may be gone
            self._let_go()

    def _let_go(self) -> None:
        """Let the next writer in and close the turn file (once)."""
        self.end_turn()
        if self._turns is not None and self._turns >= 0:
            os.close(self._turns)
        self._turns = None


_THREAD = threading.local()
# SQLite's busy timeout (ms), and how long a writer waits for its turn (s): then it tries
# SQLite's lock once without waiting, and fails as SQLite would ("database is locked":
# the try-again page) rather than hanging until the server's worker timeout kills it.
BUSY_TIMEOUT_MS = 20_000
TURN_WAIT = BUSY_TIMEOUT_MS / 1000


def _wait_for_turn(handle: int) -> bool:
    """Take the turn file's lock; False if it stayed held for `TURN_WAIT` seconds.

    Polled (a blocking `flock` cannot time out): every 0.2 ms at first, at most every
    2 ms, so a writer starts within about 2 ms of the lock being let go; SQLite's own
    busy handler sleeps up to 100 ms between tries.
    """
    pause, deadline = 0.0002, None
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            now = time.monotonic()
            deadline = deadline or now + TURN_WAIT
            if now >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 1.5, 0.002)


def _held_turns() -> set[str]:
    """The databases whose write turn this thread holds."""
    held = getattr(_THREAD, "turns", None)
    if held is None:
        held = _THREAD.turns = set()
    return held


def _open_turns(path: str) -> int:
    """The turn file beside the database at `path`, made as SQLite makes its -wal and -shm
    files: with the database file's permissions and, made by root, its owner, so every
    account that writes the database takes turns on it. -1 when this process may not
    open it: its writers then wait in SQLite's busy handler alone, as without turns.
    """
    try:
        database = os.stat(path)
        mode = database.st_mode & 0o777
        turns = os.open(path + "-turns", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)
    except OSError:
        return -1
    try:
        made = os.fstat(turns)
        if made.st_size == 0 and made.st_mode & 0o777 != mode:  # the umask took some away
            os.fchmod(turns, mode)
        if os.geteuid() == 0 and (made.st_uid, made.st_gid) != (database.st_uid, database.st_gid):
            os.fchown(turns, database.st_uid, database.st_gid)
    except OSError:  # made by another account: left as it is
        pass
    return turns


def _database_path(connection: sqlite3.Connection) -> str | None:
    """The file of the connection's main database; None in memory."""
    for _seq, name, path in connection.execute("PRAGMA database_list"):
        if name == "main":
            return path or None
    return None


def sqlite_connect_args(options: dict) -> dict:
    """Engine options for SQLite: connections that take turns to write (`TakingTurns`)."""
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("factory", TakingTurns)
    return {**options, "connect_args": connect_args}


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
