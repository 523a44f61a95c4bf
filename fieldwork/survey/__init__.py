"""The respondent side: ways in (code, open link, resume code, assisted) and completing."""

from flask import Blueprint

bp = Blueprint("survey", __name__)


from fieldwork.survey import completing, consenting, entry, withdrawing  # noqa: E402,F401  (registers the views)
