"""Staff accounts (admin) and the audit log."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/staff/admin")
