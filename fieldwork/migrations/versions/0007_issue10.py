"""mailings: letters and paper questionnaires sent per code, by wave

Revision ID: issue10
Revises: issue8
Create Date: 2026-11-29 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "issue10"
down_revision = "issue8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mailings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("mailed_on", sa.Date(), nullable=False),
        sa.Column("questionnaire", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.CheckConstraint("wave >= 1", name=op.f("ck_mailings_wave")),
        sa.ForeignKeyConstraint(
            ["invitation_id"], ["invitations.id"], name=op.f("fk_mailings_invitation_id_invitations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailings")),
        sa.UniqueConstraint("invitation_id", "wave", name="one_mailing_per_wave"),
    )
    op.create_index("ix_mailings_batch_wave", "mailings", ["batch", "wave"], unique=False)


def downgrade():
    op.drop_index("ix_mailings_batch_wave", table_name="mailings")
    op.drop_table("mailings")
