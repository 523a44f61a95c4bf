"""response outcomes by share answered; study settings; closing fieldwork

Revision ID: issue12
Revises: issue7b
Create Date: 2026-11-29 09:20:00

Responses keep how many applicable questions were answered and the AAPOR outcome
that gives; study settings hold the thresholds and the interim-rate choice; practices
(or the study) can have their fieldwork closed. The rates index carries the mailing
date, and the open-link index the outcome, so the dashboard still reads indexes only.
"""

import sqlalchemy as sa
from alembic import op

revision = "issue12"
down_revision = "issue7b"
branch_labels = None
depends_on = None

OPEN_LINK = sa.text("invitation_id IS NULL")


def upgrade():
    op.create_table(
        "study_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complete_percent", sa.Integer(), nullable=False),
        sa.Column("partial_percent", sa.Integer(), nullable=False),
        sa.Column("interim_includes_not_returned", sa.Boolean(), nullable=False),
        sa.Column("target_rate", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_study_settings_one_row")),
        sa.CheckConstraint(
            "partial_percent >= 1 AND partial_percent <= complete_percent "
            "AND complete_percent <= 100",
            name=op.f("ck_study_settings_thresholds"),
        ),
        sa.CheckConstraint(
            "target_rate BETWEEN 0 AND 100", name=op.f("ck_study_settings_target_rate")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_settings")),
    )
    op.create_table(
        "practice_closures",
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_closures_practice_id_practices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("practice_id", name=op.f("pk_practice_closures")),
    )
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("answered", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("applicable", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
    op.drop_index("ix_responses_open_link", table_name="responses")
    op.create_index(
        "ix_responses_open_link",
        "responses",
        ["practice_id", "instrument_version_id", "status", "outcome"],
        sqlite_where=OPEN_LINK,
        postgresql_where=OPEN_LINK,
    )
    op.drop_index("ix_invitations_rates", table_name="invitations")
    op.create_index(
        "ix_invitations_rates",
        "invitations",
        ["practice_id", "instrument", "mode", "disposition", "issued_at"],
    )


def downgrade():
    op.drop_index("ix_invitations_rates", table_name="invitations")
    op.create_index(
        "ix_invitations_rates", "invitations", ["practice_id", "instrument", "mode", "disposition"]
    )
    op.drop_index("ix_responses_open_link", table_name="responses")
    op.create_index(
        "ix_responses_open_link",
        "responses",
        ["practice_id", "instrument_version_id", "status"],
        sqlite_where=OPEN_LINK,
        postgresql_where=OPEN_LINK,
    )
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("outcome")
        batch.drop_column("applicable")
        batch.drop_column("answered")
    op.drop_table("practice_closures")
    op.drop_table("study_settings")
