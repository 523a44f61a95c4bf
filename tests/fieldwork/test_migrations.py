"""The Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldwork.db import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, *_: (
                    not (
                        type_ == "table"
                        and (name.startswith("answers_") or name == "alembic_version")
                    )
                ),
            },
        )
        assert compare_metadata(context, db.metadata) == []


def test_answer_tables_are_created_per_instrument_version(app):
    from sqlalchemy import inspect

    from fieldwork.catalogue import get_catalogue

    with app.app_context():
        catalogue = get_catalogue()
        tables = set(inspect(db.engine).get_table_names())
        for instrument in catalogue.current.values():
            name = f"answers_{instrument.id}_v{instrument.version}"
            assert name in tables
            columns = {c["name"] for c in inspect(db.engine).get_columns(name)}
            assert "response_id" in columns and len(columns) > 30
