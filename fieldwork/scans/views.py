"""Scans pages: upload a batch, its progress and problems, a page's image, verify a copy."""

from __future__ import annotations

import datetime
from functools import wraps

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldwork.audit import record
from fieldwork.auth import require_role
from fieldwork.db import db, writes
from fieldwork.jobs import queue
from fieldwork.keying.services import KeyingError, ReturnedBlank
from fieldwork.keying.views import _date
from fieldwork.models import ScanBatch, ScanCopy, ScanPage
from fieldwork.scans import bp, display, services, storage
from fieldwork.staff_words import outcome_label
from forms.keying import KEYERS, Keyed
from forms.paper.layout import PAGE_HEIGHT, PAGE_WIDTH

# Upload and the batch pages: coordinators and data entry (not restricted to practices:
# a batch spans practices); verification: data entry, as keying, also not restricted (a
# copy not yet tied to a code may be any practice's, and a restricted account keys only
# its own practices' copies).
SCAN_ROLES = ("coordinator", "data_entry")
RESTRICTED_REFUSED = (
    "Scanned batches hold the forms of every practice, so only staff who see every "
    "practice can use Scans. Your account is limited to some practices: ask an admin if "
    "you need Scans."
)


def unrestricted(view):
    """Refuse accounts restricted to some practices (a batch holds every practice's)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.restricted_to:
            abort(403, description=RESTRICTED_REFUSED)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/", methods=["GET", "POST"])
@require_role(*SCAN_ROLES)
@unrestricted
def index():
    """Upload scanned returns (PDF or TIFF); earlier batches."""
    errors: dict[str, str] = {}
    today = datetime.date.today()
    returned_text = request.form.get("returned_on", today.strftime("%d/%m/%Y"))
    if request.method == "POST":
        returned = _date(returned_text)
        files = [(f.filename or "", f.read()) for f in request.files.getlist("scans") if f]
        files = [(name, data) for name, data in files if name or data]
        if returned is None:
            errors["returned_on"] = "Enter the date the forms came back, like 04/05/2026"
        else:
            try:
                batch = services.start_batch(files, returned, current_user)
            except services.ScanError as problem:
                errors["scans"] = str(problem)
            else:
                db.session.commit()
                queue.dispatch(batch.job_id)
                return redirect(url_for("scans.batch", batch_id=batch.id))
    return render_template(
        "staff/scans.html", errors=errors, returned_on=returned_text,
        batches=display.batch_rows(services.recent_batches()),
        auto_accept=services.auto_accept_on(),
    ), 400 if errors else 200  # fmt: skip


@bp.post("/settings")
@require_role()
def settings():
    """Turn on or off accepting copies read with confidence without a person (admins)."""
    services.set_auto_accept(request.form.get("auto_accept") == "1", current_user)
    db.session.commit()
    flash(
        "Saved: "
        + (
            "copies read with confidence are accepted without a person"
            if services.auto_accept_on()
            else "a person confirms every copy"
        )
    )
    return redirect(url_for("scans.index"))


@bp.get("/batches/<int:batch_id>")
@require_role(*SCAN_ROLES)
@unrestricted
def batch(batch_id: int):
    """A batch: progress while it is read, then every page placed and the problems."""
    found = db.session.get(ScanBatch, batch_id) or abort(404)
    return render_template("staff/scans_batch.html", batch=found, view=display.batch_view(found))


@bp.get("/pages/<int:page_id>.png")
@require_role(*SCAN_ROLES)
@unrestricted
@writes  # every view is audited: a verify page asks for its pages' images all at once
def page_image(page_id: int):
    """A scanned page's image: kept with a response, only admins see it; every view audited."""
    page = db.session.get(ScanPage, page_id) or abort(404)
    if display.kept_with_response(page) and current_user.role != "admin":
        abort(403, description="Once a scanned copy is a response, its pages are for admins only.")
    png = storage.read_image(page)
    if png is None:
        abort(404)
    record("scan.image_view", page=page.id, batch=page.batch_id, copy=page.copy_id)
    db.session.commit()
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=600"
    return response


@bp.route("/copies/<int:copy_id>", methods=["GET", "POST"])
@require_role("data_entry")
@unrestricted  # as every Scans page: a copy may be any practice's
def copy(copy_id: int):
    """Verify one scanned copy: the scan beside the proposed answers, uncertain ones first."""
    # A POST locks the copy: two people confirming it at once make one response.
    locking = request.method == "POST"
    # A GET reads committed rows statement by statement: the pages first (`pages_seen`).
    seen = None if locking else services.pages_seen(copy_id)
    found = db.session.get(ScanCopy, copy_id, with_for_update=locking) or abort(404)
    instrument = services.version_instrument(found)
    errors: dict[str, str] = {}
    values = dict(found.fields)
    if request.method == "POST":
        values = dict(request.form)
        returned = _date(request.form.get("returned_on", ""))
        fields = {n: request.form.get(n, "") for n in display.field_names(instrument)}
        if returned is None:
            errors["returned_on"] = "Enter the date the form came back, like 04/05/2026"
        else:
            try:
                result = services.confirm(
                    found, fields, user=current_user, returned_on=returned,
                    code=request.form.get("code", ""),
                    override=request.form.get("override") == "1",
                    seen=request.form.get("scan_pages_seen"),
                )  # fmt: skip
            except services.CopyChanged as problem:
                errors["main-form"] = str(problem)
                values = dict(found.fields) | {"returned_on": request.form.get("returned_on", "")}
            except (services.ScanError, KeyingError) as problem:
                errors["main-form"] = str(problem)
            else:
                if isinstance(result, ReturnedBlank):
                    db.session.commit()
                    flash(f"Serial {found.serial}: {result.message}")
                    return redirect(url_for("scans.batch", batch_id=found.batch_id))
                if not isinstance(result, Keyed):
                    db.session.commit()
                    flash(f"Serial {found.serial} confirmed: stored as a paper response, "
                          f"outcome {outcome_label(result.outcome)}")  # fmt: skip
                    return redirect(url_for("scans.batch", batch_id=found.batch_id))
                errors.update(result.problems)
    returned_default = found.batch.returned_on.strftime("%d/%m/%Y")
    return render_template(
        "staff/scans_copy.html", copy=found, instrument=instrument, errors=errors,
        values=values | {"returned_on": values.get("returned_on", returned_default)},
        view=display.copy_view(found, instrument, current_user),
        seen=services.pages_seen(found.id) if seen is None else seen,
        keyers=KEYERS, numbers=instrument.question_numbers(),
        page_width=PAGE_WIDTH, page_height=PAGE_HEIGHT,
    ), 400 if errors else 200  # fmt: skip
