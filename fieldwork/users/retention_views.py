"""The admin's retention page: settings, what the purge would delete, past purges, and a
button that starts the purge job (the schedule starts it nightly once it is due)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from fieldwork import retention
from fieldwork.audit import record
from fieldwork.auth import require_role
from fieldwork.bad_input import whole_number
from fieldwork.db import db
from fieldwork.jobs import queue
from fieldwork.jobs.services import recent_jobs, start_job
from fieldwork.models import AuditEvent, IdentifyingAnswer
from fieldwork.outcomes import study_settings
from fieldwork.users import bp

PAST = 20
DAYS_MAX = 36_500


def _page(errors: dict[str, str], values: dict[str, str], status: int = 200):
    settings = study_settings()
    found = retention.pending()
    responses = db.session.scalar(select(func.count(func.distinct(IdentifyingAnswer.response_id))))
    purges = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "identifying_purge")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAST)
    ).all()
    return render_template(
        "staff/retention.html",
        settings=settings,
        purge_from=retention.purge_date(),
        due=retention.due(),
        waiting=retention.scheduled_decision(),
        found=found,
        responses=responses or 0,
        purges=purges,
        jobs=recent_jobs("identifying_purge", current_user, limit=5),
        errors=errors,
        values=values,
    ), status


def _values() -> dict[str, str]:
    settings = study_settings()
    return {
        "study_end": settings.study_end.isoformat() if settings.study_end else "",
        "retention_days": str(settings.retention_days),
    }


@bp.get("/retention")
@require_role()
def retention_page():
    """Retention settings, the purge's dry run, past purges."""
    page = _page({}, _values())
    db.session.commit()  # the settings row, made with its defaults the first time
    return page


@bp.post("/retention")
@require_role()
def retention_settings():
    """Set the study's end date and how many days identifying answers are kept after it."""
    raw_end = request.form.get("study_end", "").strip()
    raw_days = request.form.get("retention_days", "").strip()
    values, errors = {"study_end": raw_end, "retention_days": raw_days}, {}
    end = None
    try:
        end = date.fromisoformat(raw_end) if raw_end else None
    except ValueError:
        errors["study_end"] = "Enter the end date as YYYY-MM-DD, for example 2027-03-31"
    days = whole_number(raw_days)
    if days is None or days > DAYS_MAX:
        errors["retention_days"] = f"Enter a whole number of days from 0 to {DAYS_MAX:,}"
    if errors:
        return _page(errors, values, 400)
    settings = study_settings()
    before = [str(settings.study_end or ""), settings.retention_days]
    settings.study_end, settings.retention_days = end, days
    record("retention_settings", study_end=[before[0], raw_end], retention_days=[before[1], days])
    db.session.commit()
    flash("Retention settings saved.")
    return redirect(url_for("users.retention_page"), code=303)


@bp.post("/retention/purge")
@require_role()
def start_purge():
    """Start the purge job now (only once the retention period is over)."""
    if not retention.due():
        flash("Nothing purged: the retention period is not over.")
        return redirect(url_for("users.retention_page"), code=303)
    job = start_job("identifying_purge", {}, current_user)
    record("identifying_purge_started", job=job.id)
    db.session.commit()
    queue.dispatch(job.id)
    return redirect(url_for("jobs.show", job_id=job.id), code=303)
