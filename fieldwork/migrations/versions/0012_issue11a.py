"""consent: the statement version, route, time, language and optional consents of a response

Revision ID: issue11a
Revises: issue13
Create Date: 2026-11-29 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "issue11a"
down_revision = "issue13b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("consent_version", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("consent_how", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("consent_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("consent_language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("consent_extras", sa.Text(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_responses_consent_how"), "consent_how IN ('online', 'assisted', 'paper_return')"
        )


def downgrade():
    with op.batch_alter_table("responses") as batch:
        batch.drop_constraint(op.f("ck_responses_consent_how"), type_="check")
        batch.drop_column("consent_extras")
        batch.drop_column("consent_language")
        batch.drop_column("consent_at")
        batch.drop_column("consent_how")
        batch.drop_column("consent_version")
