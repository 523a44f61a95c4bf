"""The append-only audit log of staff actions."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from fieldwork.db import db
from fieldwork.models import AuditEvent, User


def record(action: str, *, user: User | None = None, **detail: Any) -> AuditEvent:
    """Add one audit event (the caller commits with the action it records)."""
    if user is None:
        from flask_login import current_user

        if has_request_context() and current_user.is_authenticated:
            user = current_user
    event = AuditEvent(
        user_id=user.id if user else None,
        actor=user.email if user else str(detail.get("email", "")),
        action=action,
        detail={k: v for k, v in detail.items() if v is not None},
        client=(request.remote_addr or "") if has_request_context() else "cli",
    )
    db.session.add(event)
    return event
