"""Practice pages: list with filters, a practice, add, edit, import from CSV."""

from __future__ import annotations

import math

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from fieldwork.auth import require_role
from fieldwork.bad_input import whole_number
from fieldwork.catalogue import get_catalogue
from fieldwork.csvout import csv_response
from fieldwork.db import db
from fieldwork.models import Practice, Region
from fieldwork.models.study import PRACTICE_STATUSES
from fieldwork.practices import bp
from fieldwork.practices.access import practice_or_404, restrict
from fieldwork.practices.rows import COLUMNS, parse_practice
from fieldwork.practices.services import (
    find_region,
    import_practices,
    may_add_regions,
    record_saved,
    save_practice,
)
from fieldwork.upload_form import run_import

PER_PAGE = 100


def _instruments() -> list[str]:
    return sorted(get_catalogue().current)


def _may_manage_all() -> bool:
    """Admins and unrestricted coordinators may add practices and regions."""
    return current_user.role == "admin" or (
        current_user.role == "coordinator" and not current_user.restricted_to
    )


def _filters() -> tuple[str, str]:
    region = request.args.get("region", "")
    status = request.args.get("status", "")
    return (region if whole_number(region) is not None else ""), (
        status if status in PRACTICE_STATUSES else ""
    )


@bp.route("/")
@require_role("coordinator", "analyst")
def index():
    """Practices the user may see, filtered by region and status."""
    region, status = _filters()
    query = restrict(select(Practice), current_user)
    if region:
        query = query.where(Practice.region_id == int(region))
    if status:
        query = query.where(Practice.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(math.ceil(total / PER_PAGE), 1)
    page = min(max(whole_number(request.args.get("page"), 1), 1), pages)
    practices = db.session.scalars(
        query.order_by(Practice.code).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    regions = db.session.scalars(select(Region).order_by(Region.name)).all()
    return render_template(
        "staff/practices.html",
        practices=practices,
        regions=regions,
        statuses=PRACTICE_STATUSES,
        region=region,
        status=status,
        page=page,
        pages=pages,
        total=total,
        may_add=_may_manage_all(),
        may_edit=current_user.role in ("admin", "coordinator"),
    )


@bp.route("/<code>")
@require_role("coordinator", "analyst")
def show(code: str):
    """One practice: details, targets, people invited by open link (and, for fieldwork, links)."""
    practice = practice_or_404(code, current_user)
    fieldwork = current_user.role in ("admin", "coordinator")
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return render_template(
        "staff/practice.html",
        practice=practice,
        targets={t.instrument: t for t in practice.targets},
        instruments=_instruments(),
        fieldwork=fieldwork,
        base_url=base,
    )


def _form_page(template: str, values: dict, errors: dict, **context):
    regions = db.session.scalars(select(Region.name).order_by(Region.name)).all()
    return render_template(
        template,
        values=values,
        errors=errors,
        instruments=_instruments(),
        status_options=[(s, s.capitalize()) for s in PRACTICE_STATUSES],
        region_names=regions,
        **context,
    ), 400 if errors else 200


def _practice_values(practice: Practice) -> dict:
    values = {
        "code": practice.code,
        "name": practice.name,
        "region": practice.region.name,
        "list_size": practice.list_size,
        "deprivation_decile": practice.deprivation_decile,
        "phone": practice.phone,
        "status": practice.status,
    }
    for target in practice.targets:
        values[f"target_{target.instrument}"] = target.target
        values[f"invited_{target.instrument}"] = target.invited_by_link
    return values


@bp.route("/new", methods=["GET", "POST"])
@require_role("coordinator")
def add():
    """Add a practice (admins and coordinators of every practice)."""
    if not _may_manage_all():
        abort(403, description="Only admins and coordinators who see every practice can add "
                               "practices: ask one of them.")  # fmt: skip
    instruments = _instruments()
    values = request.form.to_dict() if request.method == "POST" else {"status": "approached"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        row, errors = parse_practice(values, instruments, status_required=True)
        if row and db.session.scalar(select(Practice.id).where(Practice.code == row.code)):
            errors["code"] = f"There is already a practice with code {row.code}"
        if not errors:
            practice, created = save_practice(row)
            db.session.flush()
            record_saved(practice, created)
            db.session.commit()
            flash(f"Practice {practice.code} added.")
            return redirect(url_for("practices.show", code=practice.code))
    return _form_page("staff/practice_form.html", values, errors, practice=None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@require_role("coordinator")
def edit(code: str):
    """Change a practice's details, targets and number invited by open link."""
    practice = practice_or_404(code, current_user)
    values = _practice_values(practice)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = request.form.to_dict() | {"code": practice.code}
        row, errors = parse_practice(values, _instruments(), status_required=True)
        if row and not may_add_regions(current_user) and not find_region(row.region, create=False):
            errors["region"] = "Choose one of the regions listed: you cannot add regions"
        if not errors:
            save_practice(row, practice)
            db.session.flush()
            record_saved(practice, False)
            db.session.commit()
            flash(f"Changes to {practice.code} saved.")
            return redirect(url_for("practices.show", code=practice.code))
    return _form_page("staff/practice_form.html", values, errors, practice=practice)


@bp.route("/import", methods=["GET", "POST"])
@require_role("coordinator")
def import_csv():
    """Add and update practices from a CSV file: all rows or none."""
    problems: list[str] = []
    if request.method == "POST":
        report, problems = run_import(
            lambda raw, name: import_practices(raw, _instruments(), current_user, name)
        )
        if report is not None:
            flash(f"Imported: {report.created} practices added, {report.updated} updated.")
            return redirect(url_for("practices.index"))
    return render_template(
        "staff/practices_import.html",
        problems=problems,
        errors={"file": problems[0]} if problems else {},
        columns=COLUMNS,
        instruments=_instruments(),
    ), 400 if problems else 200


@bp.route("/import-template.csv")
@require_role("coordinator")
def import_template():
    """An empty import file with every column, to fill in."""
    instruments = _instruments()
    header = [*COLUMNS, *(f"target_{i}" for i in instruments)]
    header += [f"invited_{i}" for i in instruments]
    example = ["Y90001", "Riverside Medical Centre", "North West", "12400", "3", "recruited"]
    example.append("0300 123 4567")
    return csv_response("practices-template.csv", header, [example])
