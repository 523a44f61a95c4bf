"""What the save baselines of bench/page_speed.py share (`bare_save.py`, `floor_save.py`).

A Flask app with a signed session cookie and Flask-WTF's CSRF check, an engine on
`{NAME}_DATABASE_URL` (SQLite as the app has it: WAL, synchronous=NORMAL, writes that
BEGIN IMMEDIATE), a table of rows (one per respondent) made before the workers fork,
and the routes `/` (the server answers) and `/start/<row>` (a respondent's session on
row `row`; the body is the CSRF token). Each baseline adds its own POST /save.
Nothing of `fieldwork` is imported: it would add its own BEGIN to every engine.
"""

from __future__ import annotations

import os

from flask import Flask, session
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import Engine, Table, create_engine, delete, event, insert


def baseline(name: str, rows: Table) -> tuple[Flask, Engine]:
    """The app and engine of the baseline `name`, with `rows` made in its database."""
    app = Flask(name)
    app.config["SECRET_KEY"] = f"{name} bench secret key, not a real one"
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    CSRFProtect(app)
    engine = create_engine(os.environ.get(f"{name.upper()}_DATABASE_URL", "sqlite://"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _pragmas)
        event.listen(engine, "begin", _begin)

    @app.get("/")
    def ready() -> str:
        """The server answers."""
        return "ok"

    @app.get("/start/<int:row>")
    def start(row: int) -> str:
        """A respondent's session on row `row`; the body is the CSRF token."""
        with engine.begin() as connection:
            connection.execute(delete(rows).where(rows.c.id == row))
            connection.execute(insert(rows).values(id=row))
        session["row"] = row
        return generate_csrf()

    rows.metadata.create_all(engine)
    engine.dispose()  # made before the workers fork: each opens its own connections
    return app, engine


def _pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=20000"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
