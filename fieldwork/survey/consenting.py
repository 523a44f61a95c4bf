"""The consent page: after the welcome (and the language chosen), before the first question."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for

from fieldwork.catalogue import get_catalogue
from fieldwork.consent import agreement, decline
from fieldwork.db import db
from fieldwork.survey import bp, state
from fieldwork.survey.completing import begin_response
from fieldwork.survey.views import practice_phone

DECLINED = "declined"


@bp.route("/consent", methods=["GET", "POST"])
def consent():
    """The consent statement and its boxes; agreeing starts the survey, declining ends it."""
    entry = state.current()
    if entry is None:
        return redirect(url_for("survey.start"))
    if entry.response is not None:  # agreed already (a double click): carry on
        return begin_response(entry, entry.response.language)
    statement = entry.instrument.consent
    lang = entry.language
    if statement is None or lang is None:
        return redirect(url_for("survey.welcome"))  # nothing to agree to, or no language yet
    ticked: list[str] = []
    error = None
    if request.method == "POST":
        if request.form.get("decline"):
            return _declined(entry)
        ticked = request.form.getlist("consent")
        how = "assisted" if entry.assisted else "online"
        given = agreement(statement, ticked, how=how, language=lang)
        if given is not None:
            return begin_response(entry, lang, given)
        error = "consent_required"
    first_required = next(choice.id for choice in statement.choices if choice.required)
    return render_template(
        "survey/consent.html",
        instrument=entry.instrument,
        consent=statement,
        lang=lang,
        ticked=set(ticked),
        error=error,
        error_anchor=f"consent-{first_required}",
        practice_phone=practice_phone(entry),
    ), 400 if error else 200


def _declined(entry: state.Entry):
    """Not taking part: only the code's outcome is kept; the device returns to the start."""
    decline(entry.invitation)
    db.session.commit()
    assisted = entry.assisted
    state.forget()
    session[DECLINED] = {"instrument": entry.instrument.id, "lang": entry.language}
    if assisted:
        return redirect(url_for("survey.assist_next"))
    return redirect(url_for("survey.declined"))


@bp.route("/consent/declined")
def declined():
    """Thank you for letting us know; nothing was kept."""
    seen = session.get(DECLINED)
    instrument = get_catalogue().current.get(seen["instrument"]) if seen else None
    if instrument is None:
        return redirect(url_for("survey.start"))
    return render_template("survey/declined.html", instrument=instrument, lang=seen["lang"])
