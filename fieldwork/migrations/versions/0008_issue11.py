"""identifying answers apart and encrypted (Fernet tokens); withdrawals

Revision ID: issue11
Revises: issue10
Create Date: 2026-11-29 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "issue11"
down_revision = "issue10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "identifying_answers",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_identifying_answers_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "item_id", name=op.f("pk_identifying_answers")),
    )
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sa.String(length=16), nullable=True))
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("study_settings") as batch:
        batch.add_column(
            sa.Column("withdrawal", sa.String(length=16), nullable=False, server_default="delete")
        )
        batch.create_check_constraint(
            op.f("ck_study_settings_withdrawal"), "withdrawal IN ('delete', 'keep_answers')"
        )
        batch.add_column(sa.Column("study_end", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("retention_days", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_check_constraint(
            op.f("ck_study_settings_retention_days"), "retention_days >= 0"
        )


def downgrade():
    with op.batch_alter_table("study_settings") as batch:
        batch.drop_constraint(op.f("ck_study_settings_retention_days"), type_="check")
        batch.drop_column("retention_days")
        batch.drop_column("study_end")
        batch.drop_constraint(op.f("ck_study_settings_withdrawal"), type_="check")
        batch.drop_column("withdrawal")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("withdrawn_at")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("withdrawn_by")
        batch.drop_column("withdrawn_at")
    op.drop_table("identifying_answers")
