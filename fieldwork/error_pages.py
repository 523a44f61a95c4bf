"""Friendly error pages, and logs that never carry access codes or link tokens."""

from __future__ import annotations

import logging
import re

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

# /c/<code>, /s/<instrument>/<token>: mask the secret part wherever a path is logged.
_SECRET_PATHS = re.compile(r"(/c/)[^\s/?\"]+|(/s/[a-z0-9_]+/)[^\s/?\"]+")


def mask(text: str) -> str:
    """Replace access codes and link tokens in a logged path with ***."""
    return _SECRET_PATHS.sub(lambda m: (m.group(1) or m.group(2)) + "***", text)


class MaskSecrets(logging.Filter):
    """A logging filter that masks codes and tokens in request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message; never drop it."""
        if record.args:
            record.args = tuple(mask(a) if isinstance(a, str) else a for a in record.args)
        record.msg = mask(str(record.msg))
        return True


def _page(status: int, title: str, body: str):
    return render_template("error.html", lang="en", title=title, body=body), status


def init_app(app: Flask) -> None:
    """Register the error pages and the log filter."""
    logging.getLogger("werkzeug").addFilter(MaskSecrets())

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
            return _page(403, "You cannot see this page", "Your account does not allow this.")
        return _page(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def _crash(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        return _page(
            500,
            "Sorry, there is a problem with the service",
            "Try again later. Answers you saved before are kept.",
        )
