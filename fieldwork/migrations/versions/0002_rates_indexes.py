"""indexes for the response-rate dashboard

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 07:00:00

Declared in fieldwork/rates/indexes.py:
- ix_invitations_rates: codes per practice, instrument, mode and disposition (covering).
- ix_responses_invitation_status: a code's response status, from the index alone.
- ix_responses_open_link: open-link responses (no code) per practice, version and status.
- ix_responses_submitted: completions per day, from the index alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN_LINK = sa.text("invitation_id IS NULL")


def upgrade():
    op.create_index(
        "ix_invitations_rates",
        "invitations",
        ["practice_id", "instrument", "mode", "disposition"],
        unique=False,
    )
    op.create_index(
        "ix_responses_invitation_status", "responses", ["invitation_id", "status"], unique=False
    )
    op.create_index(
        "ix_responses_open_link",
        "responses",
        ["practice_id", "instrument_version_id", "status"],
        unique=False,
        sqlite_where=OPEN_LINK,
        postgresql_where=OPEN_LINK,
    )
    op.create_index(
        "ix_responses_submitted",
        "responses",
        ["status", "submitted_at", "practice_id", "instrument_version_id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_responses_submitted", table_name="responses")
    op.drop_index("ix_responses_open_link", table_name="responses")
    op.drop_index("ix_responses_invitation_status", table_name="responses")
    op.drop_index("ix_invitations_rates", table_name="invitations")
