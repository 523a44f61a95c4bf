"""scan pages join their copy across batches: box readings kept, status 'unused'

A page scanned in a later batch than the rest of its copy made a copy of its own; the
earlier copy waited for its missing page for ever. A page now joins the copy of its serial
an earlier batch made, whose proposal is made again from every page's box readings (kept
per page while the copy waits); a page of a copy already settled is kept as 'unused'.
Pages read before this have no readings: a copy they are in keeps its answers proposed
for them as they were.

Revision ID: scan_pages_join
Revises: printed_layouts
Create Date: 2026-11-30 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "scan_pages_join"
down_revision = "printed_layouts"
branch_labels = None
depends_on = None

OLD = "status IN ('placed', 'unidentified', 'duplicate')"
NEW = "status IN ('placed', 'unidentified', 'duplicate', 'unused')"


def upgrade():
    # scan_pages is no table's parent: SQLite's copy-and-drop of it is not refused.
    with op.batch_alter_table("scan_pages") as batch:
        batch.add_column(sa.Column("readings", sa.JSON(), nullable=True))
        batch.drop_constraint("status", type_="check")
        batch.create_check_constraint("status", NEW)


def downgrade():
    # The old schema has no 'unused': such a page is the nearest it knows, one scanned again.
    op.execute("UPDATE scan_pages SET status = 'duplicate' WHERE status = 'unused'")
    with op.batch_alter_table("scan_pages") as batch:
        batch.drop_constraint("status", type_="check")
        batch.create_check_constraint("status", OLD)
        batch.drop_column("readings")
