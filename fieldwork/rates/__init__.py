"""Response rates: the fieldwork dashboard with AAPOR rates."""

from flask import Blueprint

bp = Blueprint("rates", __name__, url_prefix="/staff/rates", template_folder="templates")

from fieldwork.rates import settings_views, views  # noqa: E402, F401  (registers the routes)
