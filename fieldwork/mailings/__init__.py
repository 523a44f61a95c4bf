"""Paper: questionnaire downloads, personalised mail-out packs and reminder waves."""

from flask import Blueprint

bp = Blueprint("paper", __name__, url_prefix="/staff/paper")

from fieldwork.mailings import views  # noqa: E402, F401  (registers the routes)
