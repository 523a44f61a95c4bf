"""Regions and practices: add, edit, import from CSV, targets."""

from flask import Blueprint

bp = Blueprint("practices", __name__, url_prefix="/staff/practices")

from fieldwork.practices import regions, views  # noqa: E402,F401  (registers the views)
