"""The interview-volunteer list for recruiters (and admins): from survey to case study."""

from flask import Blueprint

bp = Blueprint("volunteers", __name__, url_prefix="/staff/volunteers")

from fieldwork.volunteers import views  # noqa: E402, F401  (registers the routes)
