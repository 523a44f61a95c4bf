"""Study settings for the rates and closing fieldwork: parse the form, call a service, redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from fieldwork.auth import require_role
from fieldwork.bad_input import whole_number
from fieldwork.db import db
from fieldwork.models import Practice, PracticeClosure
from fieldwork.outcomes import study_settings
from fieldwork.practices.access import may_touch, restrict
from fieldwork.rates import bp
from fieldwork.rates.fieldwork_status import (
    SettingsError,
    close_practice,
    reopen_practice,
    set_study_closed,
    update_settings,
)

FIELDS = ("complete", "partial", "target_rate")


def _closed_practices() -> list:
    """(code, name, closed at) of the closed practices the user may see."""
    query = (
        select(Practice.code, Practice.name, PracticeClosure.closed_at)
        .join(PracticeClosure, PracticeClosure.practice_id == Practice.id)
        .order_by(Practice.code)
    )
    return db.session.execute(restrict(query, current_user)).all()


def _page(values: dict, errors: dict[str, str], status: int = 200):
    settings = study_settings()
    return render_template(
        "rates/fieldwork.html",
        settings=settings,
        values=values,
        errors=errors,
        closed=_closed_practices(),
    ), status


def _current_values() -> dict:
    settings = study_settings()
    return {
        "complete": str(settings.complete_percent),
        "partial": str(settings.partial_percent),
        "target_rate": "" if settings.target_rate is None else str(settings.target_rate),
        "with_not_returned": settings.interim_includes_not_returned,
        "practice": "",
    }


@bp.get("/fieldwork")
@require_role("coordinator")
def fieldwork():
    """Study settings (thresholds, interim rates) and closing fieldwork."""
    page = _page(_current_values(), {})
    db.session.commit()  # the settings row, made with its defaults the first time
    return page


def _whole(text: str, field: str, errors: dict[str, str], optional: bool = False) -> int | None:
    """A whole number from 0 to 100 typed in a field (None when optional and blank)."""
    text = text.strip().rstrip("%").strip()
    if optional and not text:
        return None
    number = whole_number(text)  # ASCII digits only: "²".isdigit() is true
    if number is None or number > 100:
        errors[field] = "Enter a whole number from 0 to 100"
        return None
    return number


@bp.post("/fieldwork/settings")
@require_role("admin")
def save_settings():
    """Change the thresholds, the interim choice and the target rate (admin)."""
    form = request.form
    values = {name: form.get(name, "")[:8] for name in FIELDS}
    values |= {"with_not_returned": form.get("with_not_returned") == "1", "practice": ""}
    errors: dict[str, str] = {}
    complete = _whole(values["complete"], "complete", errors)
    partial = _whole(values["partial"], "partial", errors)
    target = _whole(values["target_rate"], "target_rate", errors, optional=True)
    if not errors:
        try:
            changed = update_settings(
                complete=complete,
                partial=partial,
                with_not_returned=values["with_not_returned"],
                target_rate=target,
            )
        except SettingsError as error:
            db.session.rollback()
            errors[error.field] = str(error)
        else:
            db.session.commit()
            flash("Settings saved." if changed else "Nothing changed.")
            return redirect(url_for("rates.fieldwork"))
    return _page(values, errors, 400)


@bp.post("/fieldwork/study")
@require_role("admin")
def close_study():
    """Close or reopen fieldwork for the whole study (admin)."""
    action = request.form.get("action")
    if action not in ("close", "reopen"):
        return _page(_current_values(), {"main-form": "Choose to close or to reopen"}, 400)
    closing = action == "close"
    if set_study_closed(closing):
        flash("Fieldwork closed: final rates." if closing else "Fieldwork reopened.")
    db.session.commit()
    return redirect(url_for("rates.fieldwork"))


@bp.post("/fieldwork/practice")
@require_role("coordinator")
def close_one_practice():
    """Close or reopen one practice's fieldwork."""
    code = request.form.get("practice", "").strip().upper()[:16]
    action = request.form.get("action")
    practice = db.session.scalar(select(Practice).where(Practice.code == code))
    values = _current_values() | {"practice": code}
    if practice is None or not may_touch(current_user, code):
        return _page(values, {"practice": "Enter the code of one of your practices"}, 400)
    if action not in ("close", "reopen"):
        return _page(values, {"practice": "Choose to close or to reopen"}, 400)
    changed = close_practice(practice) if action == "close" else reopen_practice(practice)
    db.session.commit()
    if changed:
        flash(f"Fieldwork {'closed' if action == 'close' else 'reopened'} for {practice.code}.")
    return redirect(url_for("rates.fieldwork"))
