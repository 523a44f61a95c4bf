"""Fieldwork: the Flask application serving questionnaires and fieldwork tools."""

from __future__ import annotations

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory (configured from FIELDWORK_* environment variables)."""
    app = Flask(__name__, instance_relative_config=True)
    if test_config:
        app.config.update(test_config)
    return app
