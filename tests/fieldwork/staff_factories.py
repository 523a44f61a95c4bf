"""Factories and helpers for the staff-side tests: practices, codes, responses, posting forms."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.invitations.services import issue_codes
from fieldwork.models import AuditEvent, Invitation, Practice, Region
from fieldwork.survey.services import start_response, submit_response
from tests.conftest import csrf_token


def make_practice(code="Y90001", name=None, region="North West", status="active") -> Practice:
    """A practice (and its region, if missing); the caller commits."""
    found = db.session.scalar(select(Region).where(Region.name == region))
    practice = Practice(
        code=code,
        name=name or f"Practice {code}",
        region=found or Region(name=region),
        status=status,
    )
    db.session.add(practice)
    db.session.flush()
    return practice


def make_codes(practice_code="Y90001", instrument="patient", count=3, mode="web"):
    """Issue `count` codes for a practice (created if missing); commits; returns the codes."""
    practice = db.session.scalar(select(Practice).where(Practice.code == practice_code))
    practice = practice or make_practice(practice_code)
    batch = issue_codes(practice, instrument, count, mode)
    db.session.commit()
    return [i.code for i in batch.invitations], batch.id


def respond(code: str, *, submit: bool = True):
    """Start (and submit) an online response with the code; commits."""
    catalogue = get_catalogue()
    invitation = db.session.scalar(select(Invitation).where(Invitation.code == code))
    response = start_response(
        catalogue,
        catalogue.current[invitation.instrument],
        invitation.practice,
        language="en",
        start_key=f"key-{code}",
        invitation=invitation,
    )
    if submit:
        submit_response(response)
    db.session.commit()
    return response


def actions() -> list[str]:
    """Audit actions recorded so far, oldest first."""
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token (taken from the staff home page)."""
    token = csrf_token(client, "/staff/")
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def upload(client, url: str, text: str, data: dict | None = None, name="file.csv"):
    """POST a CSV file as the form's `file` field."""
    files = {"file": (io.BytesIO(text.encode("utf-8")), name)}
    return post(client, url, {**(data or {}), **files}, content_type="multipart/form-data")


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV download (BOM removed)."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def use_cheap_hashes(monkeypatch) -> None:
    """Argon2 with small costs, for tests that try many passwords (not the hash's strength)."""
    from argon2 import PasswordHasher

    from fieldwork import auth

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("not a real password"))
