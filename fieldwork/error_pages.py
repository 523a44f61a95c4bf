"""Friendly error pages, and logs that never carry access codes or link tokens."""

from __future__ import annotations

import logging
import re

from flask import Flask, g, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import Forbidden, HTTPException

from fieldwork.db import db

log = logging.getLogger(__name__)

# /c/<code>, /s/<instrument>/<practice>/<token>, /staff/codes/code/<code>: mask the secret part
# wherever a path is logged (development server and gunicorn's access log alike).
_SECRET_PATHS = re.compile(r"(/c/|/s/[a-z0-9_]+/(?:[^\s/?\"]+/)?|/staff/codes/code/)[^\s/?\"]+")


def mask(text: str) -> str:
    """Replace access codes and link tokens in a logged path with ***."""
    return _SECRET_PATHS.sub(lambda m: m.group(1) + "***", text)


class MaskSecrets(logging.Filter):
    """A logging filter that masks codes and tokens in request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message; never drop it."""
        if record.args:
            record.args = tuple(mask(a) if isinstance(a, str) else a for a in record.args)
        record.msg = mask(str(record.msg))
        return True


def _page(status: int, title: str, body: str):
    # Staff pages lead back to the staff home, never to the respondents' start page.
    staff = request.path == "/staff" or request.path.startswith("/staff/")
    way_on = (url_for("auth.home"), "Go to the staff home page") if staff else None
    html = render_template("error.html", lang="en", title=title, body=body, way_on=way_on)
    return html, status


def _refused(error: HTTPException) -> str:
    """Why the page was refused: the words given to `abort(403, description=...)`."""
    given = error.description
    if not given or given == Forbidden.description:
        return "Your account does not allow this."
    return given


def _visitor_language() -> str:
    """The respondent's language, from the session or the browser (never the database)."""
    from fieldwork.survey import state
    from fieldwork.survey.language import available, page_language

    chosen = state.language()
    return chosen if chosen in available() else page_language()


def _database_unavailable(error: Exception) -> bool:
    """Whether a database error means the database could not be reached for now."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _drop_session() -> None:
    """Roll back and drop the request's session. What it had loaded (the signed-in staff
    member) is detached, and expired if a commit failed: the error page must not touch
    it (`g.fieldwork_session_dropped` tells the staff navigation to read nothing)."""
    db.session.remove()
    g.fieldwork_session_dropped = True


def _try_again(error: Exception):
    """The friendly 503 page: the transaction is rolled back, nothing half-written is kept."""
    _drop_session()
    log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
    html = render_template("survey/unavailable.html", lang=_visitor_language())
    return html, 503, {"Retry-After": "10"}


def init_app(app: Flask) -> None:
    """Register the error pages and the log filter."""
    logging.getLogger("werkzeug").addFilter(MaskSecrets())

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _database(error: Exception):
        if _database_unavailable(error):
            return _try_again(error)
        return _crash(error)

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return _page(
            400,
            "Your session has expired",
            "For your security the page timed out or was sent twice. "
            "Go back, reload the page and try again. Answers you saved before are kept.",
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code == 404:
            return _page(404, "Page not found", "Check the web address, or start again.")
        if error.code == 403:
            return _page(403, "You cannot see this page", _refused(error))
        return _page(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def _crash(error: Exception):
        _drop_session()
        app.logger.exception("unhandled error", exc_info=error)
        return _page(
            500,
            "Sorry, there is a problem with the service",
            "Try again later. Answers you saved before are kept.",
        )
