"""Keying pages: find a returned copy, key it question by question, resolve differences."""

from __future__ import annotations

import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldwork.auth import require_role
from fieldwork.bad_input import whole_number
from fieldwork.db import db
from fieldwork.keying import bp, progress, services
from fieldwork.keying import settings as keying_settings
from fieldwork.models import Response
from fieldwork.practices.access import may_touch
from fieldwork.staff_words import outcome_label
from forms.keying import KEYERS, Keyed, field_names
from forms.model import Instrument


@bp.route("/", methods=["GET", "POST"])
@require_role("data_entry")
def index():
    """Find a returned copy by serial, access code or a scanned page code."""
    error = None
    if request.method == "POST":
        copy = services.find_copy(request.form.get("find", ""))
        if copy is not None and not _may_key(copy):
            error = NOT_YOURS
        elif copy is not None:
            serial = copy.mailing.serial if copy.mailing else None
            target = url_for(
                "keying.form", code=copy.invitation.code, serial=serial,
                version=copy.scanned_version,
            )  # fmt: skip
            return redirect(target)
        else:
            error = "No copy has this serial or access code"
    return render_template(
        "staff/keying_find.html", errors={"find": error} if error else {}
    ), 400 if error else 200


NOT_YOURS = (
    "This copy is for a practice your account does not cover: ask a colleague who keys "
    "for that practice, or an admin"
)


def _may_key(copy: services.Copy) -> bool:
    """Whether the signed-in account may key this copy (one restricted to some practices
    keys only theirs)."""
    return may_touch(current_user, copy.invitation.practice.code)


def _copy_or_404(code: str) -> services.Copy:
    serial = request.args.get("serial", "")
    copy = services.find_copy(serial if whole_number(serial) is not None else code)
    if copy is None or copy.invitation.code != code:
        abort(404)
    if not _may_key(copy):
        abort(403, description=f"{NOT_YOURS}.")  # a sentence on the refusal page
    version = whole_number(request.args.get("version"))
    if version is not None:  # the version a scanned page code named
        copy.scanned_version = version
    return copy


def _instrument(copy: services.Copy) -> Instrument:
    instrument = services.instrument_for(copy)  # the version printed on the copy
    if instrument is None:
        abort(404)
    return instrument


@bp.route("/<code>", methods=["GET", "POST"])
@require_role("data_entry")
def form(code: str):
    """Key one returned copy (a pass; blind when it is the second)."""
    copy = _copy_or_404(code)
    instrument = _instrument(copy)
    errors: dict[str, str] = {}
    values = dict(request.form) if request.method == "POST" else {}
    if request.method == "POST":
        returned = _date(request.form.get("returned_on", ""))
        if returned is None:
            errors["returned_on"] = "Enter the date the form came back, like 04/05/2026"
        else:
            try:
                result = services.key_pass(
                    copy, instrument, _fields(instrument), user=current_user,
                    returned_on=returned, override=request.form.get("override") == "1",
                )  # fmt: skip
            except services.KeyingError as problem:
                errors["main-form"] = str(problem)
            else:
                if not (isinstance(result, Keyed) and result.problems):
                    db.session.commit()
                    flash(_done_message(copy, result))
                    return redirect(url_for("keying.index"))
                errors.update(result.problems)
    return render_template(
        "staff/keying_form.html", copy=copy, instrument=instrument, values=values,
        errors=errors, blocked=_blocked(copy), keyers=KEYERS, numbers=instrument.question_numbers(),
        pages=services.printed_pages(copy, instrument, current_app.config),
        today=datetime.date.today().strftime("%d/%m/%Y"),
    ), 400 if errors else 200  # fmt: skip


def _blocked(copy: services.Copy) -> str | None:
    """Why no pass of this copy is due from the signed-in keyer, said before they key it."""
    try:
        services.next_pass(copy, current_user)
    except services.KeyingError as problem:
        return str(problem)
    return None


def _fields(instrument: Instrument) -> dict[str, str]:
    return {name: request.form.get(name, "") for name in field_names(instrument)}


def _date(text: str) -> datetime.date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _done_message(copy: services.Copy, result) -> str:
    code = copy.invitation.grouped_code
    if isinstance(result, services.ReturnedBlank):
        return f"{code}: {result.message}"
    if isinstance(result, Response):
        return f"{code} keyed: stored as a paper response, outcome {outcome_label(result.outcome)}"
    return f"{code} keyed: waiting for the other pass or the resolution of differences"


@bp.post("/<code>/returned")
@require_role("data_entry")
def returned(code: str):
    """Record a copy returned undelivered, or blank, as the code's outcome."""
    copy = _copy_or_404(code)
    try:
        services.record_return(copy, request.form.get("kind", ""), user=current_user)
    except services.KeyingError as problem:
        flash(str(problem))
        return redirect(url_for("keying.form", code=code))
    db.session.commit()
    flash(f"{copy.invitation.grouped_code}: outcome recorded ({copy.invitation.disposition})")
    return redirect(url_for("keying.index"))


@bp.route("/<code>/resolve", methods=["GET", "POST"])
@require_role("data_entry")
def resolve(code: str):
    """The two passes' differences side by side, to resolve from the paper."""
    copy = _copy_or_404(code)
    instrument = _instrument(copy)
    rows = services.open_differences(copy, instrument)
    errors: dict[str, str] = {}
    if request.method == "POST":
        chosen = {name: request.form.get(name, "") for name, _, _ in rows}
        try:
            result = services.resolve(copy, instrument, chosen, user=current_user)
        except services.KeyingError as problem:
            errors["main-form"] = str(problem)
        else:
            if isinstance(result, Response):
                db.session.commit()
                flash(_done_message(copy, result))
                return redirect(url_for("keying.progress_view"))
            errors.update(result.problems)
    return render_template(
        "staff/keying_resolve.html", copy=copy, instrument=instrument,
        rows=_described(instrument, rows, copy),
        errors=errors, values=dict(request.form),
        allowed=services.may_resolve(copy, current_user),
    ), 400 if errors else 200  # fmt: skip


def _described(instrument: Instrument, rows, copy: services.Copy) -> list[dict[str, str]]:
    """Each difference with its question (number, text, grid row) and what each code means."""
    lang = copy.language or instrument.default_language
    numbers = instrument.question_numbers()
    items = {item.id: item for item in instrument.iter_questions()}
    found = []
    for name, first, second in rows:
        item_id, _, row_id = name.partition(".")
        item = items[item_id]
        row = next((r for r in item.rows or () if r.id == row_id), None)
        question = item.text.get(lang).replace("**", "")
        label = f"{numbers[item_id]} on the paper"
        if row is not None:
            question = f"{question} {row.text.get(lang)}"
            label = f"{numbers[item_id]} {row.text.get(lang)} on the paper"
        found.append({
            "name": name, "number": numbers[item_id], "question": question, "label": label,
            "first": _meaning(item, first, lang), "second": _meaning(item, second, lang),
        })  # fmt: skip
    return found


def _meaning(item, text: str, lang: str) -> str:
    """Keyed text with the label of each code in it: "4 I describe myself in another way"."""
    text = (text or "").strip()
    if not text:
        return "blank"
    if text in ("*", "-96"):
        return "* (more than one box ticked, or cannot be read)"
    if item.choices is None:
        return text
    labels = {str(c.code): c.label.get(lang) for c in item.choices.choices}
    parts = text.replace(",", " ").split()
    return "; ".join(f"{p} {labels[p]}" if p in labels else p for p in parts)


@bp.get("/progress")
@require_role("coordinator", "data_entry")
def progress_view():
    """Keying progress by batch and practice, and agreement between passes per person."""
    allowed = current_user.restricted_to
    return render_template(
        "staff/keying_progress.html",
        rows=progress.by_batch(allowed),
        people=progress.agreement(),
        settings=keying_settings.current(),
    )


@bp.route("/settings", methods=["GET", "POST"])
@require_role("admin")
def settings_view():
    """Double entry on or off, and whether keyers may resolve their own forms (admin)."""
    errors: dict[str, str] = {}
    chosen = keying_settings.current()
    if request.method == "POST":
        chosen = keying_settings.KeyingSettings(
            double_entry=request.form.get("double_entry") == "1",
            keyers_may_resolve=request.form.get("keyers_may_resolve") == "1",
        )
        try:
            changed = keying_settings.update(chosen, user=current_user)
        except keying_settings.KeyingSettingsError as problem:
            db.session.rollback()
            errors["double_entry"] = str(problem)
        else:
            db.session.commit()
            flash("Keying settings saved." if changed else "Nothing changed.")
            return redirect(url_for("keying.settings_view"))
    return render_template(
        "staff/keying_settings.html", chosen=chosen, errors=errors, waiting=services.waiting()
    ), 400 if errors else 200
