"""Scanned paper returns: upload, reading in the background, problems, verification."""

from flask import Blueprint, Flask, current_app, request

bp = Blueprint("scans", __name__, url_prefix="/staff/scans")


def _upload_limit() -> None:
    """Let the upload page take scans larger than other requests may be (SCAN_UPLOAD_MB)."""
    if request.endpoint == "scans.index" and request.method == "POST":
        request.max_content_length = current_app.config["SCAN_UPLOAD_MB"] * 1024 * 1024


def init_app(app: Flask) -> None:
    """Raise the request size limit for the upload before anything reads the body (CSRF)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


from fieldwork.scans import views  # noqa: E402, F401  (registers the routes)
