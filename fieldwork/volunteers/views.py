"""The volunteer pages: the list (contact details shown and audited), progress, targets."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from fieldwork.auth import require_role
from fieldwork.bad_input import page_number, whole_number
from fieldwork.db import db, writes
from fieldwork.models import Practice, Response
from fieldwork.practices.access import restrict
from fieldwork.retention import purge_date
from fieldwork.volunteers import bp
from fieldwork.volunteers.services import (
    NOT_CONTACTED,
    VolunteerError,
    chosen,
    current_targets,
    declared_instruments,
    save_targets,
    set_progress,
    tallies,
    volunteer_by_reference,
    volunteers,
    with_contacts,
)
from forms.model import Instrument
from forms.volunteers import levels

ROLES = ("recruiter",)
STATUS_NAMES = {
    NOT_CONTACTED: "Not contacted yet",
    "contacted": "Contacted",
    "arranged": "Interview arranged",
    "interviewed": "Interviewed",
    "declined": "Declined",
    "unreachable": "Unreachable",
}
TARGET_MAX = 10_000
PER_PAGE = 50  # contact details are decrypted, shown and audited a page at a time


def _instrument(instrument_id: str) -> Instrument:
    instrument = declared_instruments().get(instrument_id)
    if instrument is None:
        abort(404)
    return instrument


def _practices() -> list[tuple[str, str]]:
    """(code, name) of the practices the signed-in user may see."""
    query = select(Practice.code, Practice.name).order_by(Practice.code)
    return [tuple(row) for row in db.session.execute(restrict(query, current_user))]


def _filters(instrument: Instrument, args, practices: list[tuple[str, str]]) -> dict:
    """The list's filters from the query string; unknown values are ignored."""
    practice = args.get("practice", "").upper()
    status = args.get("status", "")
    wanted = {}
    for attribute in instrument.volunteers.attributes:
        value = args.get(f"a.{attribute.id}", "")
        if value in {key for key, _ in levels(attribute)}:
            wanted[attribute.id] = value
    return {
        "practice": practice if practice in {code for code, _ in practices} else "",
        "status": status if status in STATUS_NAMES else "",
        "wanted": wanted,
    }


def _filter_args(filters: dict) -> dict[str, str]:
    """The list's filters as query arguments (for the pager's links)."""
    pairs = [("practice", filters["practice"]), ("status", filters["status"])]
    pairs += [(f"a.{k}", v) for k, v in filters["wanted"].items()]
    return {k: v for k, v in pairs if v}


def _query_string(filters: dict, page: int = 1) -> str:
    """The list's filters and page, carried through a progress form and back."""
    return urlencode({**_filter_args(filters), **({"page": page} if page > 1 else {})})


@bp.get("/")
@require_role(*ROLES)
def index():
    """The instruments whose volunteers can be listed."""
    declared = declared_instruments()
    if len(declared) == 1:
        return redirect(url_for("volunteers.listing", instrument=next(iter(declared))))
    return render_template("staff/volunteers_index.html", instruments=declared)


@bp.get("/<instrument>")
@require_role(*ROLES)
@writes
def listing(instrument: str):
    """Volunteers of one instrument, filtered; their contact details (audited) and counts."""
    declared = _instrument(instrument)
    practices = _practices()
    filters = _filters(declared, request.args, practices)
    everyone = volunteers(declared, current_user)
    matching = chosen(everyone, filters["practice"], filters["wanted"], filters["status"])
    page, pages = page_number(request.args.get("page"), len(matching), PER_PAGE)
    first = (page - 1) * PER_PAGE
    shown = matching[first : first + PER_PAGE]
    with_contacts(declared, shown, current_user)
    db.session.commit()  # the audit event of this view
    return render_template(
        "staff/volunteers.html",
        instrument=declared,
        shown=shown,
        first=first,
        matching=len(matching),
        page=page,
        pages=pages,
        total=len(everyone),
        filters=filters,
        query=_query_string(filters, page),
        practices=practices,
        filter_args=_filter_args(filters),
        tables=tallies(declared, everyone, practices),
        levels={a.id: dict(levels(a)) for a in declared.volunteers.attributes},
        attribute_levels=[(a, levels(a)) for a in declared.volunteers.attributes],
        statuses=STATUS_NAMES,
        purge_from=purge_date(),
    )


@bp.post("/<instrument>/<ref>")
@require_role(*ROLES)
def progress(instrument: str, ref: str):
    """Record how far the recruiter has got with one volunteer."""
    declared = _instrument(instrument)
    volunteer = volunteer_by_reference(declared, ref, current_user)
    if volunteer is None:
        abort(404)
    response = db.session.get(Response, volunteer.response_id)
    try:
        set_progress(response, request.form.get("status", ""), request.form.get("note", ""),
                     current_user)  # fmt: skip
    except VolunteerError as error:
        db.session.rollback()
        abort(400, description=f"{error}. Go back and choose again.")
    db.session.commit()
    flash(f"Progress saved for volunteer {volunteer.reference}.")
    # The list's filters, carried through the form: only its own keys, re-encoded.
    pairs = parse_qsl(request.form.get("query", "")[:2000])
    kept = ("practice", "status", "page")
    query = urlencode([(k, v) for k, v in pairs if k in kept or k[:2] == "a."])
    target = url_for("volunteers.listing", instrument=declared.id)
    anchor = f"#v-{volunteer.reference}"
    return redirect(f"{target}?{query}{anchor}" if query else f"{target}{anchor}", code=303)


def _target_fields(declared: Instrument, practices) -> list[tuple[str, list]]:
    """(heading, [(field name, (attribute, level), label)]) of the targets form."""
    groups = [("Interviews in all", [("t--", ("", ""), "All practices")])]
    groups.append(("Per practice", [(f"t--{c}", ("", c), f"{n} ({c})") for c, n in practices]))
    for attribute in declared.volunteers.attributes:
        groups.append((attribute.label, [
            (f"t-{attribute.id}-{key}", (attribute.id, key), label)
            for key, label in levels(attribute)
        ]))  # fmt: skip
    return groups


@bp.route("/<instrument>/targets", methods=["GET", "POST"])
@require_role(*ROLES)
def targets(instrument: str):
    """The interviews the case studies want: in all, per practice and per attribute level."""
    declared = _instrument(instrument)
    if current_user.restricted_to:
        abort(403, description="Interview targets are the whole study's, so only recruiters "
                               "who see every practice can change them.")  # fmt: skip
    groups = _target_fields(declared, _practices())
    existing = current_targets(declared.id)
    values = {name: existing.get(key, "") for _, fields in groups for name, key, _ in fields}
    errors: dict[str, str] = {}
    if request.method == "POST":
        given = {}
        for heading, fields in groups:
            for name, key, label in fields:
                raw = request.form.get(name, "").strip()
                values[name] = raw
                number = whole_number(raw)
                if raw and (number is None or number > TARGET_MAX):
                    where = label if key[0] == "" else f"{label} ({heading.lower()})"
                    errors[name] = f"{where}: enter a whole number from 0 to {TARGET_MAX:,}"
                given[key] = number if raw else None
        if not errors:
            changed = save_targets(declared, given)
            db.session.commit()
            flash(f"{changed} target(s) changed." if changed else "No target changed.")
            return redirect(url_for("volunteers.listing", instrument=declared.id), code=303)
    return render_template(
        "staff/volunteer_targets.html", instrument=declared, groups=groups, values=values,
        errors=errors,
    ), 400 if errors else 200  # fmt: skip
