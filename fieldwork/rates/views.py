"""Routes of the response-rate dashboard: parse the request, build the report, render."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, render_template, request
from flask_login import current_user
from sqlalchemy import select

from fieldwork.auth import require_role
from fieldwork.db import db
from fieldwork.models import InstrumentVersion, Practice, PracticeTarget, Region, StudySettings
from fieldwork.rates import bp
from fieldwork.rates.aapor import FORMULAS, RATE_NAMES, percent
from fieldwork.rates.download import report_csv
from fieldwork.rates.mailing import days_since
from fieldwork.rates.report import Report, build_report
from fieldwork.rates.selection import ALL, DIMENSIONS, MODES, read_selection
from fieldwork.rates.svg import line_chart, progress_bar, rate_bar
from fieldwork.users.nav import instrument_titles


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
        "all_instruments": ALL,
    }


def _report(restricted: frozenset[str], instruments: list[str]) -> tuple[Report, StudySettings]:
    """The report the query string asks for, with the study's defaults filled in."""
    settings = db.session.get(StudySettings, 1) or StudySettings(
        complete_percent=80, partial_percent=50, interim_includes_not_returned=False
    )
    target = None if settings.target_rate is None else float(settings.target_rate)
    selection = read_selection(request.args, next(iter(instruments), None), target)
    return build_report(selection, restricted, instrument_titles()), settings


def _series(report: Report) -> list[tuple[str, list[tuple[str, int]]]]:
    """Completions per day as chart lines: (instrument title, [(day label, count)])."""
    titles = instrument_titles()
    return [
        (titles.get(name, name), [(day.strftime("%-d %b"), count) for day, count in points])
        for name, points in report.per_day_by_instrument.items()
    ]


@bp.get("/")
@require_role("coordinator", "analyst")
def dashboard():
    """The dashboard: table, formulas, progress to target, completions per day."""
    restricted = visible_practices()
    choices = _choices(restricted)
    report, settings = _report(restricted, choices["instruments"])
    status = 400 if report.selection.errors else 200
    page = render_template(
        "rates/dashboard.html",
        errors=report.selection.errors,
        threshold=report.selection.threshold,
        report=report,
        selection=report.selection,
        settings=settings,
        formulas=FORMULAS,
        rate_names=RATE_NAMES,
        percent=percent,
        line_chart=line_chart,
        series=_series(report),
        progress_bar=progress_bar,
        rate_bar=rate_bar,
        today=datetime.now(UTC).date(),
        days_since=days_since,
        **choices,
    )
    return page, status


@bp.get("/rates.csv")
@require_role("coordinator", "analyst")
def download():
    """The dashboard's table as CSV."""
    restricted = visible_practices()
    report, _ = _report(restricted, _choices(restricted)["instruments"])
    response = Response("\ufeff" + report_csv(report), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="response-rates.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
