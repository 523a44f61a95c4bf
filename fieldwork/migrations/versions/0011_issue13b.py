"""keying: the printed version of a mailed copy, superseded online responses, who resolves

Revision ID: issue13b
Revises: issue13
Create Date: 2026-11-29 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "issue13b"
down_revision = "issue13"
branch_labels = None
depends_on = None

OLD = sa.text("invitation_id IS NULL")
NEW = sa.text("invitation_id IS NULL AND superseded_by_id IS NULL")
COLUMNS = ["practice_id", "instrument_version_id", "status", "outcome"]


def _open_link_index(where: str) -> None:
    op.create_index(
        "ix_responses_open_link", "responses", COLUMNS, sqlite_where=where, postgresql_where=where
    )


def upgrade():
    with op.batch_alter_table("study_settings") as batch:
        batch.add_column(
            sa.Column(
                "keyers_may_resolve", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("mailings") as batch:
        batch.add_column(sa.Column("instrument_version_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_mailings_instrument_version_id_instrument_versions"),
            "instrument_versions",
            ["instrument_version_id"],
            ["id"],
        )
    op.drop_index("ix_responses_open_link", table_name="responses")
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_responses_superseded_by_id_responses"),
            "responses",
            ["superseded_by_id"],
            ["id"],
        )
    _open_link_index(NEW)


def downgrade():
    op.drop_index("ix_responses_open_link", table_name="responses")
    with op.batch_alter_table("responses") as batch:
        batch.drop_constraint(
            op.f("fk_responses_superseded_by_id_responses"), type_="foreignkey"
        )
        batch.drop_column("superseded_by_id")
    _open_link_index(OLD)
    with op.batch_alter_table("mailings") as batch:
        batch.drop_constraint(
            op.f("fk_mailings_instrument_version_id_instrument_versions"), type_="foreignkey"
        )
        batch.drop_column("instrument_version_id")
    with op.batch_alter_table("study_settings") as batch:
        batch.drop_column("keyers_may_resolve")
