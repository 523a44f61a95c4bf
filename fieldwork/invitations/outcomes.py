"""Outcome pages: one code's disposition by hand, and many from a CSV."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldwork.auth import require_role
from fieldwork.db import db
from fieldwork.invitations import bp
from fieldwork.invitations.bulk import import_dispositions
from fieldwork.invitations.services import CodesError, completed_online, set_disposition
from fieldwork.models.responses import ASSISTED, DISPOSITIONS, PAPER
from fieldwork.practices.access import may_touch
from fieldwork.survey.services import find_invitation
from fieldwork.upload_form import run_import
from fieldwork.withdrawal import SETTING_WORDS, current_setting

RESPONSE_MODES = {PAPER: "paper", ASSISTED: "assisted"}


def _invitation_or_404(raw: str):
    invitation = find_invitation(raw)
    if invitation is None or not may_touch(current_user, invitation.practice.code):
        abort(404)
    return invitation


@bp.route("/code/<code>", methods=["GET", "POST"])
@require_role("coordinator")
def code(code: str):
    """One code: its response status, and its outcome set by hand."""
    invitation = _invitation_or_404(code)
    errors: dict[str, str] = {}
    chosen = invitation.disposition or ""
    if request.method == "POST":
        chosen = request.form.get("disposition", "")
        try:
            changed = set_disposition(
                invitation, chosen, override=request.form.get("override") == "1"
            )
        except CodesError as error:
            db.session.rollback()
            errors[error.field] = str(error)
        else:
            db.session.commit()
            if changed:
                flash(f"Outcome of {invitation.grouped_code} set to {DISPOSITIONS[chosen]}.")
            return redirect(
                url_for(
                    "invitations.listing",
                    practice_code=invitation.practice.code,
                    instrument=invitation.instrument,
                )
            )
    return render_template(
        "staff/code.html",
        invitation=invitation,
        completed=completed_online(invitation),
        response_mode=RESPONSE_MODES.get(getattr(invitation.response, "mode", None), "online"),
        options=[("", "Choose an outcome"), *DISPOSITIONS.items()],
        chosen=chosen,
        errors=errors,
        dispositions=DISPOSITIONS,
        withdrawal_does=SETTING_WORDS[current_setting()],
    ), 400 if errors else 200


@bp.route("/dispositions", methods=["GET", "POST"])
@require_role("coordinator")
def bulk():
    """Outcomes for many codes from a CSV file (columns code, disposition): all or none."""
    problems: list[str] = []
    override = request.form.get("override") == "1"
    if request.method == "POST":
        report, problems = run_import(
            lambda raw, name: import_dispositions(
                raw, current_user, override=override, filename=name
            )
        )
        if report is not None:
            changed = sum(report.changed.values())
            flash(f"Outcomes recorded: {changed} changed, {report.unchanged} already so.")
            return redirect(url_for("invitations.index"))
    return render_template(
        "staff/codes_bulk.html",
        problems=problems,
        errors={"file": problems[0]} if problems else {},
        dispositions=DISPOSITIONS,
        override=override,
    ), 400 if problems else 200
