"""Staff accounts (admin) and the audit log."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/staff/admin")

from fieldwork.users import audit_views, nav, retention_views, views  # noqa: E402,F401  (registers the views)
