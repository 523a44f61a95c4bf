"""Coded datasets for analysts: choose, count, start an export job, download the bundle."""

from flask import Blueprint

bp = Blueprint("datasets", __name__, url_prefix="/staff/datasets", template_folder="templates")

from fieldwork.datasets import views  # noqa: E402, F401  (registers the routes)
