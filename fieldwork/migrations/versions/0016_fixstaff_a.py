"""volunteer_progress.status may be empty: a note kept for a volunteer not contacted yet

Revision ID: fixstaff_a
Revises: issue8c
Create Date: 2026-11-29 23:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "fixstaff_a"
down_revision = "issue8c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("volunteer_progress") as batch:
        batch.alter_column("status", existing_type=sa.String(length=16), nullable=True)


def downgrade():
    # A note without a status goes back to meaning what a row always meant then: contacted.
    op.execute("UPDATE volunteer_progress SET status = 'contacted' WHERE status IS NULL")
    with op.batch_alter_table("volunteer_progress") as batch:
        batch.alter_column("status", existing_type=sa.String(length=16), nullable=False)
