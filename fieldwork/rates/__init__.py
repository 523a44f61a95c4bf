"""Response rates: the fieldwork dashboard with AAPOR rates."""

from flask import Blueprint

bp = Blueprint("rates", __name__, url_prefix="/staff/rates")
