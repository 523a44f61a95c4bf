"""Background jobs on the huey queue: model in fieldwork.models.jobs, pages here."""

from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/staff/jobs", template_folder="templates")

from fieldwork.jobs import views  # noqa: E402, F401  (registers the routes)
