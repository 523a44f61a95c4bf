"""Transactions behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from fieldwork import turns
from fieldwork.db import db
from fieldwork.models import Region
from fieldwork.turns import TakingTurns, sqlite_connect_args
from tests.conftest import BACKENDS
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot

fieldwork_db = sys.modules["fieldwork.db"]  # the module (`fieldwork.db` the attribute is `db`)


def test_a_released_savepoint_does_not_commit_the_transaction(ctx):
    with db.session.begin_nested():
        db.session.add(Region(name="Inside the savepoint"))
    db.session.add(Region(name="After it"))
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Region.id))) == 0


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    from fieldwork import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _turns(path) -> tuple:
    """Two connections to one SQLite file, each taking turns to write."""
    first = sqlite3.connect(path, factory=TakingTurns, check_same_thread=False)
    second = sqlite3.connect(path, factory=TakingTurns, check_same_thread=False)
    for connection in (first, second):
        connection.isolation_level = None
    first.execute("CREATE TABLE t (n INTEGER)")
    return first, second


def _turn_is_free(path) -> bool:
    """Whether no connection holds the write turn of the database at `path` now."""
    handle = os.open(f"{path}-turns", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True
    finally:
        os.close(handle)


def test_sqlite_writers_queue_for_the_write_lock_and_the_next_goes_when_it_is_let_go(tmp_path):
    path = tmp_path / "turns.sqlite"
    first, second = _turns(path)
    first.take_turn()
    first.execute("BEGIN IMMEDIATE")
    first.execute("INSERT INTO t VALUES (1)")
    got_turn = threading.Event()

    def write_next():
        second.take_turn()
        got_turn.set()
        second.execute("BEGIN IMMEDIATE")
        second.execute("INSERT INTO t VALUES (2)")
        second.commit()

    waiter = threading.Thread(target=write_next)
    waiter.start()
    assert not got_turn.wait(0.3)  # queued behind the first writer, not polling SQLite
    first.commit()
    assert got_turn.wait(10)
    waiter.join(10)
    assert [n for (n,) in first.execute("SELECT n FROM t ORDER BY n")] == [1, 2]
    assert _turn_is_free(path)  # both let go once committed
    first.take_turn()
    first.execute("BEGIN IMMEDIATE")
    first.rollback()
    assert _turn_is_free(path)  # and once rolled back
    first.close()
    second.close()


def test_a_writer_waits_for_its_turn_no_longer_than_sqlites_busy_timeout(tmp_path, monkeypatch):
    path = tmp_path / "turns.sqlite"
    first, second = _turns(path)
    first.take_turn()
    monkeypatch.setattr(turns, "TURN_WAIT", 0.2)
    outcome = []
    waiter = threading.Thread(target=lambda: outcome.append(second.take_turn()))
    waiter.start()
    waiter.join(10)
    assert outcome == [False] and not second._holding  # gave up
    first.rollback()
    assert second.take_turn() and second._holding
    second.rollback()
    first.close()
    second.close()


def _app_engine(path):
    """An engine like the app's on SQLite: taking turns; its pragmas and BEGIN IMMEDIATE
    outside a request come from `fieldwork.db`'s events on every engine."""
    engine = create_engine(f"sqlite:///{path}", **sqlite_connect_args({}))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    return engine


def _insert(engine, found: list) -> None:
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
            found.append(connection.exec_driver_sql("PRAGMA busy_timeout").scalar())
    except Exception as error:
        found.append(error)


def test_an_app_writer_whose_turn_never_comes_fails_as_a_locked_database(tmp_path, monkeypatch):
    path = tmp_path / "turns.sqlite"
    engine = _app_engine(path)
    holder = sqlite3.connect(path, factory=TakingTurns, check_same_thread=False)
    holder.isolation_level = None
    holder.take_turn()
    holder.execute("BEGIN IMMEDIATE")  # another process's long write, turn and lock held
    monkeypatch.setattr(turns, "TURN_WAIT", 0.3)
    found: list = []
    writer = threading.Thread(target=_insert, args=(engine, found))
    writer.start()
    writer.join(10)  # the turn's wait, then one try of SQLite's lock: not another 20 s
    gave_up = not writer.is_alive()
    holder.rollback()
    writer.join(30)
    assert gave_up
    assert [type(error) for error in found] == [OperationalError]  # the friendly 503 page
    assert "database is locked" in str(found[0])
    _insert(engine, found)  # the lock let go: the next write goes, with the full busy timeout
    assert found[1:] == [fieldwork_db.BUSY_TIMEOUT_MS]
    holder.close()
    engine.dispose()


def test_a_turn_left_held_without_the_database_lock_only_delays_a_writer(tmp_path, monkeypatch):
    path = tmp_path / "turns.sqlite"
    engine = _app_engine(path)
    holder = os.open(f"{path}-turns", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a turn taken and never let go (a stopped process)
    monkeypatch.setattr(turns, "TURN_WAIT", 0.3)
    found: list = []
    _insert(engine, found)
    os.close(holder)
    assert found == [fieldwork_db.BUSY_TIMEOUT_MS]  # saved; the busy timeout set back
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    engine.dispose()


def test_a_thread_holding_the_turn_does_not_queue_behind_itself(tmp_path):
    path = tmp_path / "turns.sqlite"
    first, second = _turns(path)
    first.take_turn()
    second.take_turn()  # same thread: returns at once (SQLite's busy handler decides)
    assert not second._holding
    first.rollback()
    assert _turn_is_free(path)
    first.close()
    second.close()


def _to_first_page(app, client, codes) -> str:
    """A respondent past the welcome and consent pages; the location they were sent to."""
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(codes["patient"][0])
    answer = robot.welcome("en")
    assert answer.status_code == 302
    return answer.headers["Location"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_apps_sqlite_connections_take_turns_and_a_page_save_lets_go(app, client, codes):
    with app.app_context():
        raw = db.engine.raw_connection()
        assert isinstance(raw.dbapi_connection, TakingTurns)
        raw.close()
        path = db.engine.url.database
    assert _to_first_page(app, client, codes) == "/page/1"
    robot = Robot(client, instrument(app, "patient"))
    assert robot.answer_page(1).status_code == 302  # a page saved
    assert Path(f"{path}-turns").exists()
    assert _turn_is_free(path)


_ON_A_SERVER = [name for name in BACKENDS if name == "postgresql"]


@pytest.mark.parametrize("backend", _ON_A_SERVER)
def test_a_server_connection_dropped_while_idle_is_replaced_before_use(app, monkeypatch):
    with app.app_context():
        first = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        db.session.remove()
        admin = create_engine(db.engine.url, poolclass=NullPool)
        with admin.connect() as connection:  # the server drops the pooled connection
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(first)})")
        admin.dispose()
        monkeypatch.setattr(fieldwork_db, "IDLE_BEFORE_PING", 0.0)
        second = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        db.session.remove()
    assert second != first


@pytest.mark.parametrize("backend", _ON_A_SERVER)
@pytest.mark.parametrize(("idle", "cursors"), [(3600.0, 1), (0.0, 2)])
def test_a_connection_is_pinged_only_after_being_idle(app, monkeypatch, idle, cursors):
    with app.app_context():
        db.session.connection().exec_driver_sql("SELECT 1")
        db.session.remove()
        opened = []
        kind = type(db.engine.raw_connection().dbapi_connection)
        real = kind.cursor

        def cursor(self, *args, **kwargs):
            opened.append(1)
            return real(self, *args, **kwargs)

        monkeypatch.setattr(kind, "cursor", cursor)
        monkeypatch.setattr(fieldwork_db, "IDLE_BEFORE_PING", idle)
        db.session.connection().exec_driver_sql("SELECT 1")
        db.session.remove()
    assert len(opened) == cursors  # the statement's cursor (and the ping's when idle)


def test_a_question_page_is_read_outside_a_transaction_on_a_server(app, client, codes):
    location = _to_first_page(app, client, codes)
    with app.app_context():
        engine = db.engine
    levels = []

    def begins(connection):
        levels.append(connection.get_execution_options().get("isolation_level"))

    event.listen(engine, "begin", begins)
    try:
        page = client.get(location)
    finally:
        event.remove(engine, "begin", begins)
    assert page.status_code == 200 and "csrf_token" in page.get_data(as_text=True)
    if engine.dialect.name == "postgresql":
        assert levels == ["AUTOCOMMIT"]  # no BEGIN and ROLLBACK around its one SELECT
    else:
        assert levels == [None]  # SQLite's deferred read transaction


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_writer_that_may_not_open_the_turn_file_still_saves(app, client, codes, monkeypatch):
    # The turn file made by another account (a command run as root, another user): this
    # process's writers wait in SQLite's busy handler alone instead of failing every save.
    real_open = os.open

    def refuse_turns(path, *args, **kwargs):
        if str(path).endswith("-turns"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    with app.app_context():
        db.engine.dispose()  # connections opened from now on find the turn file shut
    monkeypatch.setattr(os, "open", refuse_turns)
    assert _to_first_page(app, client, codes) == "/page/1"
    robot = Robot(client, instrument(app, "patient"))
    assert robot.answer_page(1).status_code == 302  # a page saved


def test_the_turn_file_is_made_with_the_database_files_permissions(tmp_path):
    # As SQLite makes its -wal and -shm files: every account that may write the database
    # may take turns (a turn file only its maker can open shuts the others out).
    path = tmp_path / "turns.sqlite"
    sqlite3.connect(path).close()
    os.chmod(path, 0o660)
    connection = sqlite3.connect(path, factory=TakingTurns)
    connection.take_turn()
    connection.end_turn()
    connection.close()
    assert os.stat(f"{path}-turns").st_mode & 0o777 == 0o660


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner")
def test_a_turn_file_made_by_root_belongs_to_the_databases_owner(tmp_path):
    path = tmp_path / "turns.sqlite"
    sqlite3.connect(path).close()
    os.chown(path, 4321, 4321)
    connection = sqlite3.connect(path, factory=TakingTurns)
    connection.take_turn()
    connection.end_turn()
    connection.close()
    made = os.stat(f"{path}-turns")
    assert (made.st_uid, made.st_gid) == (4321, 4321)


@pytest.mark.parametrize("backend", _ON_A_SERVER)
def test_a_server_cursor_describes_its_result_only_when_read_and_as_psycopg_does(app):
    import psycopg

    from fieldwork.described import DescribedWhenRead

    with app.app_context():
        dbapi_connection = db.session.connection().connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        assert isinstance(cursor, DescribedWhenRead)  # every cursor of the app's engine
        cursor.execute("SELECT 1::smallint AS small, 'x'::text AS words, now() AS moment")
        described = cursor.description
        cursor.fetchall()
        cursor.execute("SELECT 2 AS other")  # the cursor moves on before it is read
        plain = psycopg.Cursor(dbapi_connection)
        plain.execute("SELECT 1::smallint AS small, 'x'::text AS words, now() AS moment")
        expected = plain.description
        assert len(described) == 3
        assert [(c.name, c.type_code) for c in described] == [
            (c.name, c.type_code) for c in expected
        ]
        assert [c.name for c in cursor.description] == ["other"]
        cursor.execute("CREATE TEMPORARY TABLE t (n int)")
        assert cursor.description is None  # no rows: none, as psycopg says
        cursor.execute("INSERT INTO t VALUES (1) RETURNING n")
        assert [c.name for c in cursor.description] == ["n"]
        db.session.rollback()


def test_a_connection_dropped_without_closing_lets_its_turn_file_go(tmp_path):
    import gc

    path = tmp_path / "turns.sqlite"
    connection = sqlite3.connect(path, factory=TakingTurns)
    connection.take_turn()
    handle = f"/proc/self/fd/{connection._turns}"
    turns = f"{path}-turns"
    assert os.readlink(handle) == turns  # open while the connection lives
    del connection
    gc.collect()
    assert not os.path.exists(handle) or os.readlink(handle) != turns  # closed with it
    other = sqlite3.connect(path, factory=TakingTurns)
    assert other.take_turn()  # and its turn let go
    other.close()
