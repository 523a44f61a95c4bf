"""Alembic environment: the app's engine and models; answer tables are managed at run time."""

from alembic import context
from flask import current_app

from fieldwork.db import db


def include_object(obj, name, type_, reflected, compare_to):
    """Leave the per-version answer tables (answers_*) to the catalogue."""
    return not (type_ == "table" and name.startswith("answers_"))


def run_migrations_online() -> None:
    """Run migrations on the app's database."""
    engine = db.engines[None]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=current_app.extensions["migrate"].db.metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
