"""The database: Flask-SQLAlchemy with SQLAlchemy 2.0 typed models, SQLite or PostgreSQL."""

from __future__ import annotations

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
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """Open SQLite transactions explicitly (see `_sqlite_pragmas`)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def is_sqlite() -> bool:
    """Whether the app's database is SQLite."""
    return db.engine.dialect.name == "sqlite"
