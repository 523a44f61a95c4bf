"""Keying returned paper forms: find a copy, key it, double entry and its resolution."""

from flask import Blueprint

bp = Blueprint("keying", __name__, url_prefix="/staff/keying")

from fieldwork.keying import views  # noqa: E402, F401  (registers the routes)
