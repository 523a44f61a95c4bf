"""Access-code pages: issue a batch, download its mail-merge CSV, list codes with outcomes."""

from __future__ import annotations

import math

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from fieldwork.audit import record
from fieldwork.auth import require_role
from fieldwork.bad_input import whole_number
from fieldwork.catalogue import get_catalogue
from fieldwork.csvout import csv_response
from fieldwork.db import db, writes
from fieldwork.invitations import bp
from fieldwork.invitations.services import (
    MAIL_MERGE_HEADER,
    MAX_BATCH,
    CodesError,
    batch_invitations,
    check_batch_request,
    issue_codes,
    mail_merge_rows,
)
from fieldwork.models import Invitation, Practice
from fieldwork.models.responses import DISPOSITIONS, INVITATION_MODES
from fieldwork.practices.access import may_touch, practice_or_404, restrict
from fieldwork.staff_words import mode_name
from fieldwork.users.nav import instrument_titles

PER_PAGE = 100


def _practice_options() -> list[tuple[str, str]]:
    query = restrict(select(Practice), current_user).where(Practice.status != "withdrawn")
    practices = db.session.scalars(query.order_by(Practice.code))
    return [("", "Choose a practice")] + [(p.code, f"{p.code} {p.name}") for p in practices]


def _batches():
    """The latest batches of the practices the user may see."""
    query = (
        select(
            Invitation.batch,
            Practice.code,
            Practice.name,
            Invitation.instrument,
            Invitation.mode,
            func.count(Invitation.id),
            func.min(Invitation.issued_at),
        )
        .join(Practice, Practice.id == Invitation.practice_id)
        .group_by(
            Invitation.batch, Practice.code, Practice.name, Invitation.instrument, Invitation.mode
        )
        .order_by(func.min(Invitation.issued_at).desc(), Invitation.batch.desc())
        .limit(50)
    )
    return db.session.execute(restrict(query, current_user)).all()


@bp.route("/")
@require_role("coordinator")
def index():
    """Access codes: issue, record outcomes, and the latest batches."""
    return render_template("staff/codes.html", batches=_batches())


@bp.route("/issue", methods=["GET", "POST"])
@require_role("coordinator")
def issue():
    """Issue a batch of codes for a practice and questionnaire."""
    instruments = sorted(get_catalogue().current)
    titles = instrument_titles()
    values = {"practice": "", "instrument": "", "mode": "web", "count": ""}
    values |= {k: request.values.get(k, v)[:64] for k, v in values.items()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = values["practice"].strip().upper()
        practice = db.session.scalar(select(Practice).where(Practice.code == code))
        if practice is not None and not may_touch(current_user, practice.code):
            practice = None
        try:
            count = check_batch_request(
                practice, values["instrument"], values["count"], values["mode"], instruments
            )
            batch = issue_codes(practice, values["instrument"], count, values["mode"])
        except CodesError as error:
            db.session.rollback()
            errors = error.problems
        else:
            db.session.commit()
            flash(f"{count} codes issued.")
            return redirect(url_for("invitations.batch", batch_id=batch.id))
    return render_template(
        "staff/codes_issue.html",
        values=values,
        errors=errors,
        practices=_practice_options(),
        instruments=[("", "Choose a questionnaire")] + [(i, titles.get(i, i)) for i in instruments],
        modes=[(m, mode_name(m)) for m in INVITATION_MODES],
        max_batch=MAX_BATCH,
    ), 400 if errors else 200


def _batch_or_404(batch_id: str) -> list[Invitation]:
    invitations = batch_invitations(batch_id)
    if not invitations or not may_touch(current_user, invitations[0].practice.code):
        abort(404)
    return invitations


@bp.route("/batches/<batch_id>")
@require_role("coordinator")
def batch(batch_id: str):
    """One batch: what it is, and its mail-merge download."""
    invitations = _batch_or_404(batch_id)
    return render_template(
        "staff/codes_batch.html", batch_id=batch_id, first=invitations[0], count=len(invitations)
    )


@bp.route("/batches/<batch_id>/mail-merge.csv")
@require_role("coordinator")
@writes
def batch_csv(batch_id: str):
    """The batch as a mail-merge CSV: code, personal link, practice, questionnaire, mode."""
    invitations = _batch_or_404(batch_id)
    first = invitations[0]
    record("codes_downloaded", batch=batch_id, practice=first.practice.code, count=len(invitations))
    db.session.commit()
    rows = mail_merge_rows(invitations, current_app.config["PUBLIC_URL"])
    filename = f"codes-{first.practice.code}-{first.instrument}-{batch_id}.csv"
    return csv_response(filename, MAIL_MERGE_HEADER, rows)


@bp.route("/practices/<practice_code>/<instrument>")
@require_role("coordinator")
def listing(practice_code: str, instrument: str):
    """A practice's codes for one questionnaire, with outcome and response status."""
    practice = practice_or_404(practice_code, current_user)
    if instrument not in get_catalogue().current:
        abort(404)
    disposition = request.args.get("disposition", "")
    query = select(Invitation).where(
        Invitation.practice_id == practice.id, Invitation.instrument == instrument
    )
    if disposition == "none":
        query = query.where(Invitation.disposition.is_(None))
    elif disposition in DISPOSITIONS:
        query = query.where(Invitation.disposition == disposition)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(math.ceil(total / PER_PAGE), 1)
    page = min(max(whole_number(request.args.get("page"), 1), 1), pages)
    invitations = db.session.scalars(
        query.options(selectinload(Invitation.response))
        .order_by(Invitation.issued_at.desc(), Invitation.code)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return render_template(
        "staff/codes_list.html",
        practice=practice,
        instrument=instrument,
        invitations=invitations,
        dispositions=DISPOSITIONS,
        disposition=disposition if disposition in DISPOSITIONS or disposition == "none" else "",
        page=page,
        pages=pages,
        total=total,
    )
