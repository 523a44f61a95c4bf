"""Transactions behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from fieldwork.db import db
from fieldwork.models import Region


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
