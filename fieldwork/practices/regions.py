"""Regions: a list with practice counts; add and rename."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldwork.audit import record
from fieldwork.auth import require_role
from fieldwork.db import db
from fieldwork.models import Region
from fieldwork.practices import bp
from fieldwork.practices.services import find_region, list_regions, rename_region

REGIONS_REFUSED = (
    "Regions are the whole study's, so only admins and coordinators who see every practice "
    "can add or rename them."
)


def _may_manage() -> bool:
    return current_user.role == "admin" or (
        current_user.role == "coordinator" and not current_user.restricted_to
    )


@bp.route("/regions", methods=["GET", "POST"])
@require_role("coordinator", "analyst")
def regions():
    """Regions with their number of practices; admins and coordinators add regions."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not _may_manage():
            abort(403, description=REGIONS_REFUSED)
        name = " ".join(request.form.get("name", "").split())
        if not name or len(name) > 120:
            errors["name"] = "Enter a region name of 120 characters or fewer"
        elif find_region(name, create=False) is not None:
            errors["name"] = f"There is already a region called {name}"
        else:
            find_region(name)
            record("region_added", name=name)
            db.session.commit()
            flash(f"Region {name} added.")
            return redirect(url_for("practices.regions"))
    regions = list_regions(current_user)
    page = render_template(
        "staff/regions.html", regions=regions, errors=errors, may_manage=_may_manage()
    )
    return page, 400 if errors else 200


@bp.route("/regions/<int:region_id>", methods=["POST"])
@require_role("coordinator")
def rename(region_id: int):
    """Rename a region."""
    if not _may_manage():
        abort(403, description=REGIONS_REFUSED)
    region = db.session.get(Region, region_id) or abort(404)
    try:
        rename_region(region, request.form.get(f"name-{region_id}", ""))
    except ValueError as error:
        db.session.rollback()
        return render_template(
            "staff/regions.html",
            regions=list_regions(current_user),
            errors={f"name-{region_id}": str(error)},
            may_manage=True,
        ), 400
    db.session.commit()
    flash("Region renamed.")
    return redirect(url_for("practices.regions"))
