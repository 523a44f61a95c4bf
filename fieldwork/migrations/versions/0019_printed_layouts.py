"""printed layouts: the box map each pack's questionnaire was printed with

A scanned copy was read, and a returned copy keyed page by page, against the form drawn
anew at the time; an upgrade, a catalogue wording or a contact line that moved the boxes
after printing misread the copies already in the post. A pack now keeps its layout (pages
and box map, one row per distinct layout) and its mailings point at it. Mailings made
before this have none: their copies are read against the form drawn now, as before.

Revision ID: printed_layouts
Revises: mailing_large_print
Create Date: 2026-11-30 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "printed_layouts"
down_revision = "mailing_large_print"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_mailings_printed_layout_id_printed_layouts"


def upgrade():
    op.create_table(
        "printed_layouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("instrument", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("large_print", sa.Boolean(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("boxmap", sa.Text(), nullable=False),
        sa.Column("first_printed", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_printed_layouts")),
        sa.UniqueConstraint("content_hash", name="one_row_per_layout"),
    )
    # In place, not a batch operation: SQLite's copy-and-drop of mailings is refused while
    # keying passes or scanned copies refer to it (see mailing_large_print). SQLite adds a
    # column with its foreign key in the one statement; it cannot add the key later.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE mailings ADD COLUMN printed_layout_id INTEGER "
            f"CONSTRAINT {FOREIGN_KEY} REFERENCES printed_layouts (id)"
        )
    else:
        op.add_column("mailings", sa.Column("printed_layout_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            FOREIGN_KEY, "mailings", "printed_layouts", ["printed_layout_id"], ["id"]
        )


def downgrade():
    # In place again: SQLite (3.35 and later) drops a column that carries its own foreign
    # key; the batch operation's copy-and-drop is refused while keying passes refer to it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE mailings DROP COLUMN printed_layout_id")
    else:
        op.drop_constraint(FOREIGN_KEY, "mailings", type_="foreignkey")
        op.drop_column("mailings", "printed_layout_id")
    op.drop_table("printed_layouts")
