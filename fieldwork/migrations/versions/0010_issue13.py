"""keying: paper states on responses, keying passes, the double-entry setting

Revision ID: issue13
Revises: issue9b
Create Date: 2026-11-29 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "issue13"
down_revision = "issue9b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("paper_states", sa.Text(), nullable=True))
    with op.batch_alter_table("study_settings") as batch:
        batch.add_column(
            sa.Column("double_entry", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "keying_passes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("mailing_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pass_no", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("keyed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("pass_no IN (1, 2, 3)", name=op.f("ck_keying_passes_pass_no")),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_keying_passes_invitation_id_invitations"),
        ),
        sa.ForeignKeyConstraint(
            ["mailing_id"], ["mailings.id"], name=op.f("fk_keying_passes_mailing_id_mailings")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_keying_passes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keying_passes")),
    )
    op.create_index(
        "ix_keying_passes_invitation", "keying_passes", ["invitation_id", "pass_no"], unique=False
    )


def downgrade():
    op.drop_index("ix_keying_passes_invitation", table_name="keying_passes")
    op.drop_table("keying_passes")
    with op.batch_alter_table("study_settings") as batch:
        batch.drop_column("double_entry")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("paper_states")
