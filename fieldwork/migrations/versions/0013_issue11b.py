"""interview volunteers: the recruiter role, progress with each volunteer, interview targets

Revision ID: issue11b
Revises: issue13
Create Date: 2026-11-29 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "issue11b"
down_revision = "issue11a"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('admin', 'coordinator', 'data_entry', 'analyst')"
NEW_ROLES = "role IN ('admin', 'coordinator', 'data_entry', 'analyst', 'recruiter')"


def _roles(check: str) -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("role", type_="check")
        batch.create_check_constraint("role", check)


def upgrade():
    _roles(NEW_ROLES)
    op.create_table(
        "volunteer_progress",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('contacted', 'arranged', 'interviewed', 'declined', 'unreachable')",
            name=op.f("ck_volunteer_progress_status"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_volunteer_progress_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_volunteer_progress_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_volunteer_progress")),
    )
    op.create_table(
        "interview_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=24), nullable=False),
        sa.Column("attribute", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=64), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.CheckConstraint("target >= 0", name=op.f("ck_interview_targets_target")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_targets")),
        sa.UniqueConstraint(
            "instrument", "attribute", "level", name="one_target"
        ),
    )


def downgrade():
    op.drop_table("interview_targets")
    op.drop_table("volunteer_progress")
    op.execute("DELETE FROM users WHERE role = 'recruiter'")
    _roles(OLD_ROLES)
