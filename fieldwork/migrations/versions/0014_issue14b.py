"""scans: batches of scanned paper returns, their pages and copies; auto-accept setting

Revision ID: issue14b
Revises: issue13
Create Date: 2026-11-29 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "issue14b"
down_revision = "issue11b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scan_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_scan_batches_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_scan_batches_job_id_jobs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_batches")),
    )
    op.create_table(
        "scan_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=16), nullable=False),
        sa.Column("instrument", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("large_print", sa.Boolean(), nullable=False),
        sa.Column("mailing_id", sa.Integer(), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("pages_expected", sa.Integer(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("uncertain", sa.JSON(), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("problem", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('to_verify', 'confirmed', 'accepted', 'withdrawn')",
            name=op.f("ck_scan_copies_state"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["scan_batches.id"],
            name=op.f("fk_scan_copies_batch_id_scan_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_scan_copies_invitation_id_invitations"),
        ),
        sa.ForeignKeyConstraint(
            ["mailing_id"], ["mailings.id"], name=op.f("fk_scan_copies_mailing_id_mailings")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_scan_copies_response_id_responses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["users.id"], name=op.f("fk_scan_copies_verified_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_copies")),
    )
    with op.batch_alter_table("scan_copies", schema=None) as batch_op:
        batch_op.create_index("ix_scan_copies_invitation", ["invitation_id"], unique=False)
        batch_op.create_index("ix_scan_copies_response", ["response_id"], unique=False)

    op.create_table(
        "scan_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_page", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("problem", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.String(length=200), nullable=True),
        sa.Column("page_no", sa.Integer(), nullable=True),
        sa.Column("serial", sa.String(length=16), nullable=True),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("copy_id", sa.Integer(), nullable=True),
        sa.Column("image", sa.String(length=200), nullable=True),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "status IN ('placed', 'unidentified', 'duplicate')", name=op.f("ck_scan_pages_status")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["scan_batches.id"],
            name=op.f("fk_scan_pages_batch_id_scan_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["copy_id"],
            ["scan_copies.id"],
            name=op.f("fk_scan_pages_copy_id_scan_copies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_pages")),
        sa.UniqueConstraint("batch_id", "position", name="one_page_per_position"),
    )
    with op.batch_alter_table("scan_pages", schema=None) as batch_op:
        batch_op.create_index("ix_scan_pages_copy", ["copy_id"], unique=False)

    with op.batch_alter_table("study_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scan_auto_accept", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("study_settings", schema=None) as batch_op:
        batch_op.drop_column("scan_auto_accept")

    with op.batch_alter_table("scan_pages", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_pages_copy")

    op.drop_table("scan_pages")
    with op.batch_alter_table("scan_copies", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_copies_response")
        batch_op.drop_index("ix_scan_copies_invitation")

    op.drop_table("scan_copies")
    op.drop_table("scan_batches")
