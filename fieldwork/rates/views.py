"""Routes of the response-rate dashboard: parse the request, build the report, render."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user
from sqlalchemy import select

from fieldwork.auth import require_role
from fieldwork.db import db
from fieldwork.models import InstrumentVersion, Practice, PracticeTarget, Region
from fieldwork.rates import bp
from fieldwork.rates.aapor import FORMULAS, RATE_NAMES, percent
from fieldwork.rates.download import report_csv
from fieldwork.rates.report import build_report
from fieldwork.rates.selection import DIMENSIONS, MODES, read_selection
from fieldwork.rates.svg import bar_chart, progress_bar


def visible_practices() -> frozenset[str]:
    """Practice codes the signed-in user is limited to (empty: every practice)."""
    if current_user.role == "admin":
        return frozenset()
    return current_user.restricted_to


def _choices(restricted: frozenset[str]) -> dict:
    """Instruments and regions to offer in the filters."""
    instruments = select(InstrumentVersion.instrument).union(select(PracticeTarget.instrument))
    regions = select(Region.id, Region.name).order_by(Region.name)
    if restricted:
        mine = select(Practice.region_id).where(Practice.code.in_(sorted(restricted)))
        regions = regions.where(Region.id.in_(mine))
    return {
        "instruments": sorted(db.session.scalars(instruments)),
        "regions": db.session.execute(regions).all(),
        "modes": MODES,
        "dimensions": DIMENSIONS,
    }


@bp.get("/")
@require_role("coordinator", "analyst")
def dashboard():
    """The dashboard: table, formulas, progress to target, completions per day."""
    restricted = visible_practices()
    report = build_report(read_selection(request.args), restricted)
    status = 400 if report.selection.errors else 200
    page = render_template(
        "rates/dashboard.html",
        errors=report.selection.errors,
        threshold=report.selection.threshold,
        report=report,
        selection=report.selection,
        formulas=FORMULAS,
        rate_names=RATE_NAMES,
        percent=percent,
        bar_chart=bar_chart,
        progress_bar=progress_bar,
        **_choices(restricted),
    )
    return page, status


@bp.get("/rates.csv")
@require_role("coordinator", "analyst")
def download():
    """The dashboard's table as CSV."""
    report = build_report(read_selection(request.args), visible_practices())
    response = Response("\ufeff" + report_csv(report), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="response-rates.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
