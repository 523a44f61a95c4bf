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

from flask import abort, redirect, request, session
from save_baseline import baseline
from sqlalchemy import Column, Integer, MetaData, SmallInteger, Table, bindparam, update

COLUMNS = 40
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
app, engine = baseline("bare_save", ROWS)


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
