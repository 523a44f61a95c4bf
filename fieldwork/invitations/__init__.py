"""Access codes: issue batches, mail-merge CSV, dispositions."""

from flask import Blueprint

bp = Blueprint("invitations", __name__, url_prefix="/staff/codes")

from fieldwork.invitations import outcomes, views, withdrawals  # noqa: E402,F401  (registers the views)
