"""What each role may open from the staff navigation and the staff home page."""

from __future__ import annotations

from flask import current_app, g, request, session, url_for
from flask_login import current_user

from fieldwork.catalogue import get_catalogue
from fieldwork.models.staff import ROLE_NAMES
from fieldwork.users import bp

# (endpoint, link text, what it is for, roles besides admin that may use it)
PLACES = [
    (
        "practices.index",
        "Practices",
        "Regions, practices, targets and imports.",
        ("coordinator", "analyst"),
    ),
    (
        "invitations.index",
        "Access codes",
        "Issue codes, mail-merge files and outcomes.",
        ("coordinator",),
    ),
    (
        "paper.index",
        "Paper",
        "Print questionnaires; packs and reminders are made from a batch.",
        ("coordinator", "data_entry"),
    ),
    (
        "keying.index",
        "Keying",
        "Key returned paper forms; double entry and its progress.",
        ("data_entry",),
    ),
    (
        "keying.progress_view",
        "Keying progress",
        "How far returned paper forms are keyed, by batch and practice.",
        ("coordinator",),
    ),
    (
        "scans.index",
        "Scans",
        "Upload scanned paper returns; their problems and verification.",
        ("coordinator", "data_entry"),
    ),
    (
        "rates.dashboard",
        "Response rates",
        "Issued, completed and AAPOR rates.",
        ("coordinator", "analyst"),
    ),
    (
        "datasets.index",
        "Datasets",
        "Coded datasets and codebooks to download.",
        ("coordinator", "analyst"),
    ),
    (
        "survey.assist",
        "Assisted mode",
        "Complete a questionnaire with a patient.",
        ("coordinator", "data_entry"),
    ),
    (
        "volunteers.index",
        "Interview volunteers",
        "Who agreed to be contacted about an interview; progress against targets.",
        ("recruiter",),
    ),
    ("users.list_users", "Staff accounts", "Add, change and disable staff accounts.", ()),
    ("users.audit", "Audit log", "Every staff action, newest first.", ()),
    (
        "users.retention_page",
        "Retention",
        "When identifying data are deleted; what the purge would delete; past purges.",
        (),
    ),
]


# Places that span every practice: not for coordinators restricted to some.
UNRESTRICTED_ONLY = frozenset({"scans.index"})


def places_for(role: str, restricted: bool = False) -> list[tuple[str, str, str]]:
    """(url, text, description) of the places `role` may open, if the app has them."""
    found = []
    for endpoint, text, description, roles in PLACES:
        if restricted and endpoint in UNRESTRICTED_ONLY:
            continue
        if endpoint in current_app.view_functions and (role == "admin" or role in roles):
            found.append((url_for(endpoint), text, description))
    return found


def instrument_titles() -> dict[str, str]:
    """Each current instrument's English title, by id (staff pages show titles, not ids)."""
    return {key: instrument.title.get("en") for key, instrument in get_catalogue().current.items()}


@bp.app_context_processor
def _staff_navigation() -> dict:
    # Without a signed-in user in the session there is nothing to load: asking Flask-Login
    # anyway (strong session protection) rewrote every respondent's session cookie.
    # An error page drawn after the request's session was dropped (`error_pages`) reads
    # nothing: the signed-in user may be detached and expired by a failed commit.
    if g.get("fieldwork_session_dropped"):
        return {"role_names": ROLE_NAMES}
    if "_user_id" not in session or not current_user or not current_user.is_authenticated:
        return {"role_names": ROLE_NAMES}
    places = places_for(current_user.role, bool(current_user.restricted_to))
    titles = instrument_titles()
    home = url_for("auth.home")
    links = [(home, "Staff home")] + [(h, t) for h, t, _ in places]
    return {
        "instrument_title": lambda instrument: titles.get(instrument, instrument),
        "role_names": ROLE_NAMES,
        "staff_places": places,
        "staff_links": links,
        "staff_current": current_place(request.path, [h for h, _ in links], home),
    }


def current_place(path: str, hrefs: list[str], home: str) -> str | None:
    """The link the page at `path` is under: the longest that starts it (Keying progress,
    not Keying as well, on /staff/keying/progress); the staff home only on itself."""
    under = [href for href in hrefs if href != home and path.startswith(href)]
    if under:
        return max(under, key=len)
    return home if path == home else None
