"""practices: an optional phone number, shown to patients in the survey's help block

Revision ID: issue9b
Revises: issue11
Create Date: 2026-11-29 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "issue9b"
down_revision = "issue11"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("practices") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("practices") as batch:
        batch.drop_column("phone")
