"""Routes of the datasets page: parse the form, call the services, render or redirect."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from exports.bundle import DEFAULT_FORMATS
from exports.xlsx import XLSX_ADVISED_ROWS
from fieldwork.auth import require_role
from fieldwork.datasets import bp
from fieldwork.datasets.filters import FilterError, Request
from fieldwork.datasets.form import FORMAT_NAMES, field_of, read_form
from fieldwork.datasets.services import KIND, check_for, count_for, known_versions, start_export
from fieldwork.db import db
from fieldwork.jobs import queue
from fieldwork.jobs.services import recent_jobs
from fieldwork.models import Region

ROLES = ("analyst", "coordinator")


def _page(req: Request | None, errors: dict, count: int | None = None, status: int = 200):
    regions = db.session.scalars(select(Region.name).order_by(Region.name)).all()
    page = render_template(
        "datasets/index.html",
        req=req or Request(instrument=""),
        errors=errors,
        count=count,
        instruments=known_versions(),
        regions=regions,
        format_names=FORMAT_NAMES,
        xlsx_rows=XLSX_ADVISED_ROWS,
        jobs=recent_jobs(KIND, current_user),
    )
    return page, status


@bp.get("/")
@require_role(*ROLES)
def index():
    """The export form and earlier exports."""
    return _page(None, {})


@bp.post("/")
@require_role(*ROLES)
def start():
    """Count the matching responses, or start the export job."""
    req, errors = read_form(request.form)
    counting = request.form.get("action") != "start"
    if counting and not req.formats:  # counting needs no formats: offer the defaults
        req.formats = list(DEFAULT_FORMATS)
    if errors:
        return _page(req, errors, status=400)
    try:
        req = check_for(req, current_user)
        count = count_for(req, current_user)
        if counting:
            return _page(req, {}, count)
        if "xlsx" in req.formats and count > XLSX_ADVISED_ROWS:
            raise FilterError(
                f"{count:,} responses are too many for xlsx (at most {XLSX_ADVISED_ROWS:,}): "
                "choose CSV, SPSS, Stata or Parquet instead"
            )
        job_id = start_export(req, current_user).id
    except FilterError as error:
        return _page(req, {field_of(str(error)): str(error)}, status=400)
    db.session.commit()
    queue.dispatch(job_id)
    return redirect(url_for("jobs.show", job_id=job_id))
