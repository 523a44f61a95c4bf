"""Completing a questionnaire: welcome, one page per section part, check answers, done."""

from __future__ import annotations

from typing import NamedTuple

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from fieldwork import answers as store
from fieldwork import codes
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.models.responses import COMPLETE
from fieldwork.page_render import render_page
from fieldwork.routing_filter import use_page
from fieldwork.survey import bp, state
from fieldwork.survey.language import page_language, unserved
from fieldwork.survey.services import ReadAgain, save_page, start_response, submit_response
from fieldwork.survey.views import (
    check_rows,
    dropped_on_save,
    first_incomplete,
    page_view,
    practice_phone,
    progress,
    resume_target,
)
from fieldwork.survey.withdrawing import offer as offer_withdrawal
from forms.paging import web_pages
from forms.routing import items_applying
from forms.web import (
    Prefilled,
    build_form,
    checked_items,
    entered_items,
    error_summary,
    read_answers,
)
from forms.web_fields import question_name


@bp.route("/welcome", methods=["GET", "POST"])
def welcome():
    """Study information, signposting, language choice, and Start (or Continue)."""
    entry = state.current()
    if entry is None:
        return redirect(url_for("survey.start"))
    if entry.response is not None and closed_to_this_browser(entry.response):
        state.forget()
        return redirect(url_for("survey.start"))
    if entry.response is not None and entry.response.status == COMPLETE:
        return redirect(url_for("survey.done"))
    instrument = entry.instrument
    error = None
    if request.method == "POST":
        language = _chosen_language(entry)
        if language not in instrument.languages:
            error = "choose_language_error"
        else:
            return _begin(entry, language)
    lang = entry.language or page_language(list(instrument.languages))
    # Someone who chose a language the questionnaire is not in is told so, in that language.
    missing = None if entry.response else unserved(list(instrument.languages))
    return render_template(
        "survey/welcome.html",
        entry=entry,
        instrument=instrument,
        lang=lang,
        error=error,
        practice_phone=practice_phone(entry),
        asks_required=any(item.required for item in instrument.iter_questions()),
        missing=missing,
    ), 400 if error else 200


def _chosen_language(entry: state.Entry) -> str | None:
    """The language to answer in: fixed once started, asked when there is a choice."""
    if entry.response is not None:
        return entry.response.language
    if len(entry.instrument.languages) == 1:
        return entry.instrument.default_language
    return request.form.get("language")


def _begin(entry: state.Entry, language: str):
    """Start the response (once, whatever the clicks) and go to the first page not yet saved.

    An instrument with a consent block asks for consent first (survey.consent).
    """
    if entry.response is None and entry.instrument.consent is not None:
        state.set_language(language)
        return redirect(url_for("survey.consent"))
    return begin_response(entry, language)


def begin_response(entry: state.Entry, language: str, agreement=None):
    """Start the response with the consent agreed, if any; go to the first page to do."""
    response = entry.response
    if response is None:
        response = start_response(
            get_catalogue(),
            entry.instrument,
            entry.practice,
            language=language,
            start_key=entry.start_key,
            invitation=entry.invitation,
            mode=entry.mode,
            assisted_by=current_user.id if entry.assisted else None,
            agreement=agreement,
        )
        db.session.commit()
        state.attach(response)
    saved = store.load_answers(db.session, entry.instrument, response.id)
    return redirect(resume_target(entry.instrument, response, saved))


def closed_to_this_browser(response) -> bool:
    """Whether a started response takes nothing more from the browser answering it: set
    aside for the paper form keyed for its code, or withdrawn with its answers kept."""
    return response.superseded_by_id is not None or response.withdrawn_at is not None


def _current_response():
    """(entry, None) for a started, unfinished response, else (None, a redirect)."""
    entry = state.current()
    redirection = _redirection(entry)
    return (None, redirection) if redirection else (entry, None)


def _redirection(entry: state.Entry | None):
    """Where to go instead when the entry has no started, unfinished response (else None)."""
    if entry is None:
        return redirect(url_for("survey.start"))
    if entry.response is None:
        return redirect(url_for("survey.welcome"))
    if closed_to_this_browser(entry.response):
        state.forget()
        return redirect(url_for("survey.start"))
    if entry.response.status == COMPLETE:
        return redirect(url_for("survey.done"))
    return None


class Reached(NamedTuple):
    """A response's furthest item, as a save left it."""

    reached: str | None


@bp.route("/page/<int:number>", methods=["GET", "POST"])
def page(number: int):
    """One page of questions: shown with saved answers; Continue saves it first."""
    try:
        return _page(number, *state.answering())  # the response and its answers at once
    except ReadAgain:  # changed since read unlocked (another tab, the submit): read locked
        db.session.rollback()
        return _page(number, *state.answering(locked=True))


def _page(number: int, entry: state.Entry | None, saved: dict | None):
    redirection = _redirection(entry)
    if redirection:
        return redirection
    instrument, response = entry.instrument, entry.response
    pages = web_pages(instrument)
    allowed = first_incomplete(instrument, response, saved)
    if not 1 <= number <= len(pages) or (allowed is not None and number > allowed):
        return redirect(resume_target(instrument, response, saved))
    current = pages[number - 1]
    lang = response.language
    if request.method == "POST":
        form = build_form(current.items, instrument, lang, formdata=request.form)
        before = {k: v for k, v in saved.items() if k not in {i.id for i in current.items}}
        shown = checked_items(form, current.items, instrument, lang, before)
        if shown is not None:  # valid: the items shown are those saved
            values = read_answers(form, current.items)
            merged = {**before, **{k: v for k, v in values.items() if v is not None}}
            after = store.saved_after(saved, shown, values)
            applies = items_applying(instrument, after, "web")  # judged once for this save
            reached = save_page(response, instrument, current, values, shown, after, applies)
            db.session.commit()
            entered = entered_items(form, current.items)  # a value or text that is not one
            dropped = dropped_on_save(
                instrument, current, saved, values, shown, after, applies, entered=entered
            )
            if dropped:  # only then is the session cookie rewritten
                session["not_kept"] = dropped
            else:
                session.pop("not_kept", None)
            if request.form.get("return") == "check":
                return redirect(url_for("survey.check"))
            moved = Reached(reached)  # what `resume_target` reads of the saved response
            return redirect(resume_target(instrument, moved, merged, after=current.number))
        view = page_view(instrument, current, form, saved, lang)
        view.update(errors=error_summary(form), resume_code=_grouped(response.resume_code))
        view["practice_phone"] = practice_phone(entry)
        use_page(instrument, response, saved)
        return render_page(view), 400
    fields = Prefilled(current.items, saved)  # the form itself is built only if needed

    def make_form(prefilled: bool):
        return build_form(current.items, instrument, lang, answers=saved if prefilled else None)

    view = page_view(instrument, current, fields, saved, lang)
    use_page(instrument, response, saved)
    view["dropped"] = _dropped_questions(instrument, lang)
    view["practice_phone"] = practice_phone(entry)
    view.update(errors=[], resume_code=_grouped(response.resume_code))
    return render_page(view, make_form)


def _grouped(code: str | None) -> str | None:
    return codes.grouped(code) if code else None


def _dropped_questions(instrument, lang: str) -> list[str]:
    """The questions whose answers the last Continue set aside (said once, then forgotten)."""
    items = {item.id: item for item in instrument.items}
    ids = session.pop("not_kept", None) or []
    return [question_name(items[i], lang) for i in ids if i in items]


@bp.route("/check", methods=["GET", "POST"])
def check():
    """Check your answers, then submit."""
    entry, redirection = _current_response()
    if redirection:
        return redirection
    instrument, response = entry.instrument, entry.response
    saved = store.load_answers(db.session, instrument, response.id)
    missing = first_incomplete(instrument, response, saved)
    if missing is not None:
        return redirect(url_for("survey.page", number=missing))
    if request.method == "POST":
        if submit_response(response):
            db.session.commit()
        return redirect(url_for("survey.done"))
    lang = response.language
    return render_template(
        "survey/check.html",
        instrument=instrument,
        lang=lang,
        sections=check_rows(instrument, saved, lang),
        progress=progress(instrument, saved, None),
        resume_code=response.resume_code,
        dropped=_dropped_questions(instrument, lang),
        practice_phone=practice_phone(entry),
    )


@bp.route("/done")
def done():
    """Thank you, the outro and signposting; the response can no longer be changed.

    The browser that finished it may withdraw it for a while ("Withdraw my answers"),
    and is told how to do so later: with the access code, or the resume code shown.
    """
    entry = state.current()
    if entry is None or entry.response is None or entry.response.status != COMPLETE:
        finished = session.get("finished")
        if not finished:
            return redirect(url_for("survey.start"))
        instrument = get_catalogue().current.get(finished["instrument"])
        if instrument is None:
            return redirect(url_for("survey.start"))
        return render_template(
            "survey/done.html",
            instrument=instrument,
            lang=finished["lang"],
            assisted=False,
            later_code=finished.get("later_code"),
            can_withdraw="withdraw" in session,
        )
    instrument, response = entry.instrument, entry.response
    assisted = entry.assisted
    phone = practice_phone(entry)
    state.forget()
    later_code = None if response.invitation_id else response.resume_code
    if not assisted:
        session["finished"] = {
            "instrument": instrument.id,
            "lang": response.language,
            "later_code": later_code,
        }
        offer_withdrawal(response)
    else:  # a practice device: the next patient must not reach this response
        session.pop("finished", None)
    return render_template(
        "survey/done.html",
        instrument=instrument,
        lang=response.language,
        assisted=assisted,
        practice_phone=phone,
        later_code=later_code,
        can_withdraw=not assisted,
    )
