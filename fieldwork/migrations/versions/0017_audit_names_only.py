"""The audit log keeps the names of keyed fields, never what was written in them

Events "keying.resolve" (detail "chosen") and "scan.confirm" (detail "corrected") held
answers beside the code; a withdrawal that deletes the response would leave them there.
Their details keep only the field names, as new events do (`keying.services.for_audit`).

Revision ID: audit_names
Revises: fixstaff_a
Create Date: 2026-11-30 03:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "audit_names"
down_revision = "fixstaff_a"
branch_labels = None
depends_on = None

# Which detail of which action held answers.
HELD = {"keying.resolve": "chosen", "scan.confirm": "corrected"}

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("detail", sa.JSON),
)


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(events.c.id, events.c.action, events.c.detail).where(
            events.c.action.in_(list(HELD))
        )
    )
    for event_id, action, detail in rows.all():
        held = (detail or {}).get(HELD[action])
        if isinstance(held, dict):
            kept = {**detail, HELD[action]: sorted(held)}
            connection.execute(events.update().where(events.c.id == event_id).values(detail=kept))


def downgrade():
    pass  # what was written is gone: names stay names
