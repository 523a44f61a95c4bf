"""mailings: whether the pack's questionnaire was printed in large print

A large-print copy breaks its pages elsewhere: keying it by hand shows the questions
page by page as printed, so the mailing keeps the print size. Mailings made before this
are taken as standard print (what they were, unless a large-print pack was made).

Revision ID: mailing_large_print
Revises: audit_names
Create Date: 2026-11-30 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "mailing_large_print"
down_revision = "audit_names"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite has it): a batch operation would copy the table and drop
    # the old one, which the foreign keys to mailings (keying passes, scanned copies) refuse.
    op.add_column(
        "mailings",
        sa.Column("large_print", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":  # in place, as it was added (SQLite 3.35+)
        op.execute("ALTER TABLE mailings DROP COLUMN large_print")
    else:
        op.drop_column("mailings", "large_print")
