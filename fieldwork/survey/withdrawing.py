"""A respondent withdraws their answers: from the done page, or later with their code.

The code page counts every code typed against the same limits as the start and resume
pages (fieldwork.throttle via survey.entry). A right code leads to a confirmation page
saying what withdrawal does in this study (its setting, as the participant information
says); confirming calls the same service as a coordinator's withdrawal, by the route
"respondent": audited, the code's outcome recorded, later exports without it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import redirect, render_template, request, session, url_for

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.i18n import t
from fieldwork.models import Invitation, Response
from fieldwork.models.base import utcnow
from fieldwork.survey import bp, state
from fieldwork.survey.entry import give_back, take_attempt, too_many
from fieldwork.survey.language import page_language
from fieldwork.survey.services import find_by_resume_code, find_invitation
from fieldwork.withdrawal import WithdrawalError, current_setting, withdraw, withdraw_response

KEY = "withdraw"
DONE_KEY = "withdrawn"
# How long the done page's "Withdraw my answers" (or a code just typed) stays good.
GOOD_FOR = timedelta(hours=1)


def offer(response: Response) -> None:
    """Let the browser that just finished a response withdraw it (done page)."""
    _remember(response.invitation_id, response.id, back="survey.done")


def _remember(invitation_id: int | None, response_id: int | None, back: str) -> None:
    session[KEY] = {
        "invitation": invitation_id,
        "response": response_id,
        "until": (utcnow() + GOOD_FOR).isoformat(),
        "back": back,  # the endpoint the confirmation's Back link returns to
    }


@bp.route("/withdraw/this", methods=["POST"])
def withdraw_this():
    """'I do not want to take part' from the welcome page of a response already begun (the
    letters say to choose it): on to the confirmation, as with a typed code."""
    entry = state.current()
    if entry is None or entry.response is None:
        return redirect(url_for("survey.start"))
    _remember(entry.invitation_id, entry.response.id, back="survey.welcome")
    return redirect(url_for("survey.withdraw_confirm"))


def _target() -> tuple[Invitation | None, Response | None] | None:
    """The code or response this browser may withdraw, if any (and still in time)."""
    held = session.get(KEY)
    if not held or utcnow().isoformat() > held.get("until", ""):
        return None
    invitation = db.session.get(Invitation, held["invitation"]) if held["invitation"] else None
    response = db.session.get(Response, held["response"]) if held["response"] else None
    if invitation is not None:
        response = invitation.response
    if invitation is None and response is None:
        return None
    return invitation, response


def _language(invitation: Invitation | None, response: Response | None) -> str:
    """The respondent's language, else the page language among the instrument's."""
    if response is not None:
        return response.language
    instrument = get_catalogue().current.get(invitation.instrument) if invitation else None
    return page_language(list(instrument.languages)) if instrument else page_language()


def _instrument(invitation: Invitation | None, response: Response | None):
    if response is not None:
        return get_catalogue().instrument_for(response.instrument_version_id)
    return get_catalogue().current.get(invitation.instrument) if invitation else None


def _code_page(error: str | None = None, status: int = 200):
    lang = page_language()
    return render_template(
        "survey/withdraw.html", error=t(error, lang) if error else None, lang=lang
    ), status


def _back() -> str:
    """Where the confirmation's Back link goes: where the respondent came from (each way
    in says so; a session remembered before they did falls back on the 'finished' mark)."""
    back = (session.get(KEY) or {}).get("back")
    if back:
        return back
    return "survey.done" if session.get("finished") else "survey.withdraw_code"


def _withdrawn(invitation: Invitation | None, response: Response | None) -> bool:
    if invitation is not None:
        return invitation.withdrawn_at is not None
    return response is not None and response.withdrawn_at is not None


@bp.route("/withdraw", methods=["GET", "POST"])
def withdraw_code():
    """Enter an access code or resume code to withdraw the answers given with it."""
    if request.method == "GET":
        return _code_page()
    raw = request.form.get("code", "")
    if not raw.strip():
        return _code_page("withdraw_label", 400)
    until = take_attempt()
    if until:
        return too_many(until)
    invitation = find_invitation(raw)
    response = None if invitation else find_by_resume_code(raw)
    if response is not None and response.invitation_id is not None:
        response = None  # resume codes belong to open links only
    if invitation is None and response is None:
        return _code_page("withdraw_unknown", 400)
    give_back()
    db.session.commit()
    if _withdrawn(invitation, response):
        return _code_page("withdraw_already", 400)
    _remember(
        invitation.id if invitation else None,
        response.id if response else None,
        back="survey.withdraw_code",
    )
    return redirect(url_for("survey.withdraw_confirm"))


@bp.route("/withdraw/confirm", methods=["GET", "POST"])
def withdraw_confirm():
    """Say what withdrawing does in this study, then do it when confirmed."""
    found = _target()
    if found is None:
        return redirect(url_for("survey.withdraw_code"))
    invitation, response = found
    lang = _language(invitation, response)
    instrument = _instrument(invitation, response)
    if request.method == "POST":
        try:
            if invitation is not None:
                setting = withdraw(invitation, "respondent").setting
            else:
                setting = withdraw_response(response, "respondent").setting
        except WithdrawalError:
            db.session.rollback()
            setting = current_setting()
        else:
            db.session.commit()
        session.pop(KEY, None)
        session.pop("finished", None)
        session[DONE_KEY] = {
            "lang": lang,
            "setting": setting,
            "instrument": instrument.id if instrument else None,
            "coded": invitation is not None,  # a code's letters: no reminder follows now
        }
        return redirect(url_for("survey.withdraw_done"))
    return render_template(
        "survey/withdraw_confirm.html",
        instrument=instrument,
        lang=lang,
        setting=current_setting(),
        back_url=url_for(_back()),
    )


@bp.route("/withdraw/done")
def withdraw_done():
    """Your answers have been withdrawn (what was deleted, as the study's setting says)."""
    done = session.get(DONE_KEY)
    if not done:
        return redirect(url_for("survey.withdraw_code"))
    instrument = get_catalogue().current.get(done["instrument"] or "")
    return render_template(
        "survey/withdraw_done.html",
        instrument=instrument,
        lang=done["lang"],
        setting=done["setting"],
        coded=done.get("coded", False),
    )
