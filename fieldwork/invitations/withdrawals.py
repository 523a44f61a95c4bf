"""A withdrawal received by phone, letter or email, recorded by a coordinator."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from fieldwork.auth import require_role
from fieldwork.db import db
from fieldwork.invitations import bp
from fieldwork.practices.access import may_touch
from fieldwork.survey.services import find_invitation
from fieldwork.withdrawal import WithdrawalError, withdraw


@bp.route("/code/<code>/withdraw", methods=["POST"])
@require_role("coordinator")
def withdraw_code(code: str):
    """Record the withdrawal of a code's participant (audited), then back to the code."""
    invitation = find_invitation(code)
    if invitation is None or not may_touch(current_user, invitation.practice.code):
        abort(404)
    try:
        done = withdraw(invitation, request.form.get("route", ""))
    except WithdrawalError as error:
        db.session.rollback()
        flash(f"Not recorded: {error}.")
        return redirect(url_for("invitations.code", code=invitation.code)), 303
    db.session.commit()
    flash(f"Withdrawal of {invitation.grouped_code} recorded: {done.described()}.")
    return redirect(url_for("invitations.code", code=invitation.code)), 303
