"""The indexes the dashboard's grouped queries read from (made by migration 0002).

Declared here, beside the queries that need them, on the models' tables, so the models'
metadata and the migrations stay alike.
"""

from sqlalchemy import Index, text

from fieldwork.models import Invitation, Response

OPEN_LINK = text("invitation_id IS NULL")

INDEXES = (
    # Codes per practice, instrument, mode and disposition, from the index alone.
    Index(
        "ix_invitations_rates",
        Invitation.practice_id,
        Invitation.instrument,
        Invitation.mode,
        Invitation.disposition,
    ),
    # Each code's response status, from the index alone.
    Index("ix_responses_invitation_status", Response.invitation_id, Response.status),
    # Open-link responses (no code) per practice, version and status.
    Index(
        "ix_responses_open_link",
        Response.practice_id,
        Response.instrument_version_id,
        Response.status,
        sqlite_where=OPEN_LINK,
        postgresql_where=OPEN_LINK,
    ),
    # Completions per day, from the index alone.
    Index(
        "ix_responses_submitted",
        Response.status,
        Response.submitted_at,
        Response.practice_id,
        Response.instrument_version_id,
    ),
)
