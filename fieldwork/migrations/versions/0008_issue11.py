"""identifying answers: apart from the answer tables, encrypted (Fernet tokens)

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


def downgrade():
    op.drop_table("identifying_answers")
