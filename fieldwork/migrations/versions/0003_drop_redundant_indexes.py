"""drop indexes the response rates no longer need

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 07:20:00

Rates now count codes by their own outcome (no join to responses), so
ix_invitations_rates covers what ix_invitations_practice_instrument did, and the
unique constraint on responses.invitation_id already indexes that column.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_responses_invitation_status", table_name="responses")
    op.drop_index("ix_invitations_practice_instrument", table_name="invitations")


def downgrade():
    op.create_index(
        "ix_invitations_practice_instrument",
        "invitations",
        ["practice_id", "instrument", "disposition"],
        unique=False,
    )
    op.create_index(
        "ix_responses_invitation_status", "responses", ["invitation_id", "status"], unique=False
    )
