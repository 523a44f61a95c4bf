"""Fieldwork: the Flask application serving questionnaires and fieldwork tools."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from fieldwork import codes, config
from fieldwork.db import db, migrate
from fieldwork.turns import sqlite_connect_args

MIGRATIONS = str(Path(__file__).parent / "migrations")
csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory (configured from FIELDWORK_* environment variables)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite_connect_args(options)
    if app.config["PROXIES"]:
        count = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    csrf.init_app(app)
    _init_templates(app)
    _init_security_headers(app)
    from fieldwork import (
        auth,
        bad_input,
        datasets,
        error_pages,
        invitations,
        jobs,
        keying,
        mailings,
        practices,
        rates,
        scans,
        survey,
        users,
        volunteers,
    )
    from fieldwork.jobs import queue

    error_pages.init_app(app)
    bad_input.init_app(app)
    auth.init_app(app)
    _lazy_current_user(app)
    queue.init_app(app)
    for blueprint in (
        survey.bp,
        practices.bp,
        invitations.bp,
        users.bp,
        rates.bp,
        jobs.bp,
        datasets.bp,
        mailings.bp,
        keying.bp,
        volunteers.bp,
        scans.bp,
    ):
        app.register_blueprint(blueprint)
    scans.init_app(app)
    from fieldwork.cli import register_commands

    register_commands(app.cli)  # `flask --app fieldwork …` has the project's commands too
    return app


def _init_templates(app: Flask) -> None:
    """Jinja globals shared by every page."""
    from fieldwork import i18n, routing_filter, staff_words

    i18n.init_app(app)
    routing_filter.init_app(app)
    staff_words.init_app(app)
    app.jinja_env.globals["study_name"] = app.config["STUDY_NAME"]
    app.jinja_env.filters["grouped"] = codes.grouped
    from fieldwork import page_render

    page_render.init_app(app)

    @app.before_request
    def _nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def _globals() -> dict:
        return {"csp_nonce": g.get("csp_nonce", "")}


def _lazy_current_user(app: Flask) -> None:
    """Give templates `current_user` as a proxy, loaded only by pages that use it.

    Flask-Login's own context processor loads the user for every page rendered, so each
    respondent page paid for a user lookup and a rewritten session cookie.
    """
    from flask_login import current_user
    from flask_login.utils import _user_context_processor

    processors = app.template_context_processors[None]
    if _user_context_processor in processors:
        processors.remove(_user_context_processor)

    @app.context_processor
    def _user() -> dict:
        return {"current_user": current_user}


def _init_security_headers(app: Flask) -> None:
    """A strict content security policy and the usual hardening headers."""

    @app.after_request
    def _headers(response):
        nonce = g.get("csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            f"base-uri 'none'; frame-ancestors 'none'; script-src 'self' 'nonce-{nonce}'; "
            f"style-src 'self' 'nonce-{nonce}'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config["HSTS"]:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if "text/html" in response.content_type:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
