"""Fixtures for the app's tests: a seeded demo study and its access codes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.models import Invitation


@pytest.fixture
def codes(app):
    """Demo study with two codes per instrument and practice: {instrument: [code, ...]}."""
    with app.app_context():
        seed(sorted(get_catalogue().current), per_practice=3)
        db.session.commit()
        found: dict[str, list[str]] = {}
        for invitation in db.session.scalars(select(Invitation).order_by(Invitation.id)):
            found.setdefault(invitation.instrument, []).append(invitation.grouped_code)
        return found


def instrument(app, instrument_id):
    with app.app_context():
        return get_catalogue().current[instrument_id]
