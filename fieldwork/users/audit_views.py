"""The audit log for admins: newest first, by page, filtered by action; CSV download."""

from __future__ import annotations

import json

from flask import render_template, request
from sqlalchemy import Select, func, select

from fieldwork.audit import record
from fieldwork.auth import require_role
from fieldwork.bad_input import page_number
from fieldwork.csvout import csv_response
from fieldwork.db import db, writes
from fieldwork.models import AuditEvent
from fieldwork.models.base import utcnow
from fieldwork.users import bp

PER_PAGE = 50
CSV_HEADER = ("at", "actor", "action", "detail", "client")


def _filtered(action: str) -> Select:
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return query


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by("action")))


@bp.route("/audit")
@require_role()
def audit():
    """Staff actions, newest first."""
    action = request.args.get("action", "")
    total = db.session.scalar(select(func.count()).select_from(_filtered(action).subquery()))
    page, pages = page_number(request.args.get("page"), total, PER_PAGE)
    events = db.session.scalars(
        _filtered(action)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return render_template(
        "staff/audit.html",
        events=events,
        actions=_actions(),
        action=action,
        page=page,
        pages=pages,
        total=total,
    )


@bp.route("/audit.csv")
@require_role()
@writes
def audit_csv():
    """The audit log (or one action's events) as CSV, newest first."""
    action = request.args.get("action", "")
    record("audit_downloaded", only_action=action or None)
    db.session.commit()
    events = db.session.scalars(
        _filtered(action).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    rows = (
        (e.at.isoformat(sep=" ", timespec="seconds"), e.actor, e.action, _detail(e), e.client)
        for e in events
    )
    return csv_response(f"audit-{utcnow():%Y%m%d-%H%M}.csv", CSV_HEADER, rows)


def _detail(event: AuditEvent) -> str:
    return json.dumps(event.detail or {}, sort_keys=True, ensure_ascii=False)
