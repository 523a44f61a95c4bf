"""Paper pages: print any questionnaire, and make a batch's pack or reminder as a job."""

from __future__ import annotations

import dataclasses

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from fieldwork.audit import record
from fieldwork.auth import require_role
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.invitations.services import batch_invitations
from fieldwork.jobs import queue
from fieldwork.jobs.services import start_job
from fieldwork.mailings import bp
from fieldwork.mailings.services import (
    MailingError,
    PackRequest,
    codes_to_mail,
    keep_boxmap,
    next_wave,
    responses_by_wave,
    waves_of,
)
from fieldwork.practices.access import may_touch
from fieldwork.staff_words import language_label
from forms.model import Instrument
from forms.paper import UnsupportedLanguage, cached_form, check_language


@bp.get("/")
@require_role("coordinator", "data_entry")
def index():
    """Every questionnaire, to print in each of its languages."""
    instruments = sorted(get_catalogue().current.values(), key=lambda i: i.id)
    printable = {(i.id, lang): _printable(lang) for i in instruments for lang in i.languages}
    return render_template("staff/paper.html", instruments=instruments, printable=printable)


def _printable(lang: str) -> bool:
    try:
        check_language(lang)
    except UnsupportedLanguage:
        return False
    return True


def _form_request(instrument_id: str) -> tuple[Instrument, str, bool]:
    instrument = get_catalogue().current.get(instrument_id)
    if instrument is None:
        abort(404)
    lang = request.args.get("lang") or instrument.default_language
    if lang not in instrument.languages:
        abort(404)
    return instrument, lang, request.args.get("large_print") == "1"


@bp.get("/<instrument_id>.pdf")
@require_role("coordinator", "data_entry")
def questionnaire_pdf(instrument_id: str):
    """The questionnaire as a print-ready A4 PDF (`?lang=xx`, `&large_print=1`)."""
    instrument, lang, large = _form_request(instrument_id)
    try:
        form = cached_form(
            instrument, lang, large_print=large, contact=current_app.config["STUDY_CONTACT"]
        )
    except UnsupportedLanguage as error:
        return render_template("staff/paper_refused.html", message=str(error)), 422
    keep_boxmap(form.boxmap, current_app.config["BOXMAPS"])
    name = f"{instrument.id}-v{instrument.version}-{lang}{'-large' if large else ''}.pdf"
    return _download(form.pdf, name, "application/pdf")


@bp.get("/<instrument_id>.boxmap.json")
@require_role("coordinator", "data_entry")
def boxmap(instrument_id: str):
    """Where every box of the printed questionnaire is, for reading scanned returns."""
    instrument, lang, large = _form_request(instrument_id)
    contact = current_app.config["STUDY_CONTACT"]  # as the PDF beside it is drawn
    try:
        form = cached_form(instrument, lang, large_print=large, contact=contact)
    except UnsupportedLanguage:
        abort(404)
    name = f"{instrument.id}-v{instrument.version}-{lang}{'-large' if large else ''}.boxmap.json"
    return _download(form.boxmap.to_json().encode(), name, "application/json")


def _pack_errors(pack: PackRequest, languages: list[str]) -> dict[str, str]:
    """What is wrong with a pack request, by form field (nothing when it can be made)."""
    if pack.lang not in languages:
        return {"lang": "Choose a language of the questionnaire"}
    try:
        check_language(pack.lang)
    except UnsupportedLanguage as error:
        return {"lang": str(error)}
    try:
        _, chosen = codes_to_mail(pack)
    except MailingError as error:
        return {"wave": str(error)}
    if not chosen:
        return {"wave": "Every code of this batch has responded: no reminder is needed"}
    return {}


def _download(data: bytes, name: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/batches/<batch_id>", methods=["GET", "POST"])
@require_role("coordinator")
def batch(batch_id: str):
    """A batch's mailings by wave, and the form that makes the next pack in the background."""
    invitations = batch_invitations(batch_id)
    if not invitations or not may_touch(current_user, invitations[0].practice.code):
        abort(404)
    instrument = get_catalogue().current.get(invitations[0].instrument)
    wave = next_wave(batch_id)
    languages = list(instrument.languages) if instrument else []
    first = languages[0] if languages else ""
    values = {"lang": request.form.get("lang", "") if request.method == "POST" else first}
    values["questionnaire"] = request.form.get("questionnaire") == "1" or request.method == "GET"
    values["large_print"] = request.form.get("large_print") == "1"
    errors: dict[str, str] = {}
    if request.method == "POST":
        pack = PackRequest(
            batch_id, wave > 1, values["questionnaire"], values["lang"], values["large_print"]
        )
        errors = _pack_errors(pack, languages)
        if not errors:
            job = start_job("paper_pack", dataclasses.asdict(pack), current_user)
            record("pack_started", batch=batch_id, wave=wave, job=job.id)
            db.session.commit()
            queue.dispatch(job.id)
            return redirect(url_for("jobs.show", job_id=job.id))
    return render_template(
        "staff/paper_batch.html",
        batch_id=batch_id,
        first=invitations[0],
        count=len(invitations),
        waves=waves_of(batch_id),
        responses=responses_by_wave(batch_id),
        wave=wave,
        languages=[(lang, language_label(lang)) for lang in languages],
        values=values,
        errors=errors,
    ), 400 if errors else 200
