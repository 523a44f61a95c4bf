"""Ways in: a personal access code, an open practice link, a resume code, assisted mode."""

from __future__ import annotations

import hmac
import logging
import math
from datetime import timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from fieldwork import staff_sessions, throttle
from fieldwork.auth import require_role
from fieldwork.catalogue import get_catalogue
from fieldwork.codes import LENGTH, RESUME_LENGTH, example_code
from fieldwork.db import db, writes
from fieldwork.i18n import t
from fieldwork.models import Practice
from fieldwork.models.base import utcnow
from fieldwork.models.responses import COMPLETE
from fieldwork.models.study import open_link_token
from fieldwork.survey import bp, state
from fieldwork.survey.language import available, page_language
from fieldwork.survey.services import find_invitation, find_resumable, invitation_closed

log = logging.getLogger(__name__)


def _budgets() -> list[tuple[str, int, int]]:
    """The limits every code guess counts against: this client's, and everyone's together."""
    config = current_app.config
    client = throttle.key("code", request.remote_addr or "unknown")
    return [
        (client, config["CODE_ATTEMPTS"], config["CODE_WINDOW_SECONDS"]),
        ("code-everyone", config["CODE_GLOBAL_ATTEMPTS"], config["CODE_GLOBAL_WINDOW_SECONDS"]),
    ]


def take_attempt():
    """Count this guess before checking it; when to try again if a budget is used up.

    A client over its own limit does not eat into everyone's budget.
    """
    taken: list[str] = []
    for name, limit, window in _budgets():
        until = throttle.take(name, limit, window)
        if until:
            for earlier in taken:
                throttle.give_back(earlier)
            db.session.commit()
            return until
        taken.append(name)
    db.session.commit()
    return None


def give_back() -> None:
    """A right code does not count as a guess (earlier wrong ones still do)."""
    for name, _, _ in _budgets():
        throttle.give_back(name)


def too_many(until):
    """The friendly page saying when to try again."""
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    return render_template("survey/too_many.html", minutes=minutes, lang=page_language()), 429


def _start_page(error: str | None = None, code: str = "", status: int = 200):
    """The start page (`error` a word key), with an error summary when the code was refused."""
    lang = page_language()
    return render_template(
        "survey/start.html",
        error=t(error, lang) if error else None,
        code=code,
        lang=lang,
        languages=available(),
        example=example_code(LENGTH),
        length=LENGTH,
    ), status


def _closed(reason: str, instrument_id: str | None = None):
    """The used-code or closed page, in the visitor's language, with the study's contact."""
    instrument = get_catalogue().current.get(instrument_id) if instrument_id else None
    choices = list(instrument.languages) if instrument else None
    lang = page_language(choices) if choices else page_language()
    return render_template(
        "survey/closed.html", reason=reason, lang=lang, instrument=instrument, contact_only=True
    ), 410


def _unavailable(instrument_id: str):
    """The try-again-later page for a questionnaire not served now (its file is missing or
    broken: a fault of the deployment, not a closed survey); the reason is logged for staff."""
    log.error(
        "respondent asked to try later: %s (questionnaires are read when the app starts: "
        "put the file right, then restart it)", get_catalogue().why_not_served(instrument_id)
    )  # fmt: skip
    html = render_template("survey/unavailable.html", lang=page_language(), body="not_served_body")
    return html, 503, {"Retry-After": "3600"}


def _enter_with_code(raw: str):
    """Check a typed or linked code and send the respondent on, or explain why not."""
    if not raw.strip():
        return _start_page("code_missing", status=400)
    until = take_attempt()
    if until:
        return too_many(until)
    invitation = find_invitation(raw)
    if invitation is None:
        return _start_page("code_unknown", raw[:20], 400)
    give_back()
    db.session.commit()
    if invitation.response is not None and invitation.response.status == COMPLETE:
        return _closed("used", invitation.instrument)
    if invitation_closed(invitation):
        return _closed("closed", invitation.instrument)
    response = invitation.response
    if response is None and invitation.instrument not in get_catalogue().current:
        return _unavailable(invitation.instrument)  # (a started one goes on in its version)
    state.begin(
        invitation.instrument,
        invitation.practice_id,
        invitation_id=invitation.id,
        response_id=response.id if response else None,
    )
    db.session.commit()
    return redirect(url_for("survey.welcome"))


@bp.route("/", methods=["GET", "POST"])
def start():
    """Start page: enter the access code from your letter."""
    if request.method == "POST":
        return _enter_with_code(request.form.get("code", ""))
    return _start_page()


@bp.route("/c/<code>")
@writes
def code_link(code: str):
    """A personal link (or QR code) carrying the access code; `?lang=` (a pack's QR code
    in the letter's language) sets the pages' language as on the start page."""
    page_language()  # remembers a `?lang=` for the welcome page's choice
    return _enter_with_code(code)


@bp.route("/s/<instrument_id>/<practice_code>/<token>")
def open_link(instrument_id: str, practice_code: str, token: str):
    """A practice's open link to one questionnaire, for anonymous distribution (text
    message, poster); it opens no other questionnaire."""
    practice = db.session.scalar(select(Practice).where(Practice.code == practice_code[:16]))
    if practice is None:
        abort(404)
    expected = open_link_token(practice.link_token, instrument_id)
    if not hmac.compare_digest(expected.encode(), token.encode()):
        abort(404)
    if practice.status == "withdrawn":
        return _closed("closed", instrument_id)
    if instrument_id not in get_catalogue().current:  # a real link (its token holds)
        return _unavailable(instrument_id)
    state.begin(instrument_id, practice.id)
    return redirect(url_for("survey.welcome"))


@bp.route("/resume", methods=["GET", "POST"])
def resume():
    """Come back to an unfinished survey with the resume code you were given."""
    error = None
    if request.method == "POST":
        until = take_attempt()
        if until:
            return too_many(until)
        idle = timedelta(days=current_app.config["RESUME_IDLE_DAYS"])
        response = find_resumable(request.form.get("code", ""), idle)
        if response is None:
            error = "resume_unknown"
        else:
            give_back()
            db.session.commit()
            state.begin("", response.practice_id, response_id=response.id)
            return redirect(url_for("survey.welcome"))
    lang = page_language()
    return render_template(
        "survey/resume.html",
        error=t(error, lang) if error else None,
        lang=lang,
        example=example_code(RESUME_LENGTH),
        length=RESUME_LENGTH,
    ), 400 if error else 200


@bp.route("/assist", methods=["GET", "POST"])
@require_role("coordinator", "data_entry")
def assist():
    """Staff start an assisted response on a practice device, on behalf of a patient."""
    # Only practices taking part now, and the questionnaires patients answer (a staff
    # survey is never answered on a practice device on a patient's behalf).
    practices = db.session.scalars(
        select(Practice).where(Practice.status == "active").order_by(Practice.name)
    ).all()
    allowed = current_user.restricted_to
    practices = [p for p in practices if not allowed or p.code in allowed]
    instruments = [i for i in get_catalogue().current.values() if i.audience == "patient"]
    error = None
    if request.method == "POST":
        practice = next((p for p in practices if str(p.id) == request.form.get("practice")), None)
        instrument_id = request.form.get("instrument", "")
        if practice is None or instrument_id not in {i.id for i in instruments}:
            error = "Select a practice and a questionnaire"
        else:
            state.begin(instrument_id, practice.id, assisted=True)
            staff_sessions.lock_for_assist()
            db.session.commit()
            return redirect(url_for("survey.welcome"))
    return render_template(
        "survey/assist.html",
        practices=practices,
        instruments=instruments,
        error=error,
        assisting=staff_sessions.assisting(),
    ), 400 if error else 200


@bp.route("/assist/next")
@require_role("coordinator", "data_entry")
def assist_next():
    """The neutral page a practice device returns to after each assisted completion."""
    state.forget()
    return render_template("survey/assist_next.html")
