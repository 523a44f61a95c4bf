"""A second baseline of bench/page_speed.py: the least a durable page save does on this stack.

A Flask app with a signed session cookie and Flask-WTF's CSRF check, whose POST /save
reads the form, turns each field into a number, writes them to the respondent's row in
one UPDATE (SQLAlchemy Core, its own transaction: BEGIN IMMEDIATE on SQLite, WAL,
synchronous=NORMAL, as the app), commits and redirects. No instrument, no validation
of answers, no routing, no outcome: what a page save cannot go below with Flask,
gunicorn's sync workers and the same database. Served by `gunicorn bare_save:app`
with BARE_SAVE_DATABASE_URL set (SQLite file or PostgreSQL).
"""

from __future__ import annotations

import os

from flask import Flask, abort, redirect, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    update,
)

COLUMNS = 40

app = Flask(__name__)
app.config["SECRET_KEY"] = "bare save bench secret key, not a real one"
app.config["WTF_CSRF_TIME_LIMIT"] = None
CSRFProtect(app)
engine = create_engine(os.environ.get("BARE_SAVE_DATABASE_URL", "sqlite://"))
SQLITE = engine.dialect.name == "sqlite"

if SQLITE:

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=20000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


NAMES = [f"q{n}" for n in range(COLUMNS)]
ROWS = Table(
    "bare_rows",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=False),
    *(Column(name, SmallInteger) for name in NAMES),
)
SAVE = (
    update(ROWS)
    .where(ROWS.c.id == bindparam("row_id"))
    .values({name: bindparam(name) for name in NAMES})
)


def create() -> None:
    """The table of rows (one per respondent); made once before the workers fork."""
    ROWS.metadata.create_all(engine)
    engine.dispose()


@app.get("/")
def ready() -> str:
    """The server answers."""
    return "ok"


@app.get("/start/<int:row>")
def start(row: int) -> str:
    """A respondent's session on row `row`; the body is the CSRF token."""
    with engine.begin() as connection:
        connection.execute(delete(ROWS).where(ROWS.c.id == row))
        connection.execute(insert(ROWS).values(id=row))
    session["row"] = row
    return generate_csrf()


@app.post("/save")
def save():
    """Save the posted fields as numbers in the respondent's row; redirect."""
    row = session.get("row")
    if row is None:
        abort(400)
    values = dict.fromkeys(NAMES)
    for name, (_field, value) in zip(NAMES, request.form.items(multi=True), strict=False):
        values[name] = int(value) if value.isdigit() and len(value) < 4 else None
    with engine.begin() as connection:
        connection.execute(SAVE, {**values, "row_id": row})
    return redirect("/next")


create()
