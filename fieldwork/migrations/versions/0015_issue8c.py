"""responses: index on (started_at, id), the order dataset exports stream them in

Revision ID: issue8c
Revises: issue14b
Create Date: 2026-11-29 15:45:00
"""

from alembic import op

revision = "issue8c"
down_revision = "issue14b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_responses_started", "responses", ["started_at", "id"], unique=False)


def downgrade():
    op.drop_index("ix_responses_started", table_name="responses")
