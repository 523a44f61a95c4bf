"""SQLite writers that take turns for the write lock (`TakingTurns`), instead of sleeping
in SQLite's busy handler; `fieldwork.db` begins their transactions."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import suppress

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
