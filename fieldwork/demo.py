"""A demo study: regions, practices, targets, a few access codes and an admin account."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from fieldwork import codes
from fieldwork.auth import hash_password
from fieldwork.db import db
from fieldwork.models import Invitation, Practice, PracticeTarget, Region, User

PRACTICES = [
    # code, name, region, list size, deprivation decile, status
    ("Y90001", "Riverside Medical Centre", "North West", 12400, 3, "active"),
    ("Y90002", "Moorland Surgery", "North East and Yorkshire", 6800, 5, "active"),
    ("Y90003", "Canal Street Health Centre", "Midlands", 15200, 2, "active"),
    ("Y90004", "Orchard Family Practice", "South East", 9100, 8, "recruited"),
    ("Y90005", "Harbourside Group Practice", "South West", 11300, 6, "active"),
    ("Y90006", "Elm Tree Surgery", "London", 7600, 4, "approached"),
]
ADMIN_EMAIL = "admin@example.org"


@dataclass
class Seeded:
    """What the demo seed made (or found), for printing."""

    codes: list[tuple[str, str, str]]  # (grouped code, instrument, practice name)
    links: list[tuple[str, str]]  # (open link path, practice name)
    admin_password: str | None


def _practices() -> list[Practice]:
    regions: dict[str, Region] = {}
    practices = []
    for code, name, region_name, size, decile, status in PRACTICES:
        region = regions.get(region_name) or db.session.scalar(
            select(Region).filter_by(name=region_name)
        )
        if region is None:
            region = Region(name=region_name)
            db.session.add(region)
        regions[region_name] = region
        practice = db.session.scalar(select(Practice).filter_by(code=code))
        if practice is None:
            practice = Practice(
                code=code,
                name=name,
                region=region,
                list_size=size,
                deprivation_decile=decile,
                status=status,
            )
            db.session.add(practice)
        practices.append(practice)
    db.session.flush()
    return practices


def seed(instrument_ids: list[str], per_practice: int = 2) -> Seeded:
    """Create the demo study if it is not there yet (idempotent); the caller commits."""
    practices = _practices()
    issued = []
    for practice in practices[:3]:
        for instrument in instrument_ids:
            if not any(t.instrument == instrument for t in practice.targets):
                practice.targets.append(PracticeTarget(instrument=instrument, target=50))
            existing = db.session.scalars(
                select(Invitation).filter_by(practice_id=practice.id, instrument=instrument)
            ).all()
            for _ in range(per_practice - len(existing)):
                invitation = Invitation(
                    code=codes.new_code(), practice=practice, instrument=instrument
                )
                db.session.add(invitation)
                existing.append(invitation)
            issued += [(i.grouped_code, instrument, practice.name) for i in existing]
    password = None
    if db.session.scalar(select(User).filter_by(email=ADMIN_EMAIL)) is None:
        password = secrets.token_urlsafe(12)
        db.session.add(
            User(
                email=ADMIN_EMAIL,
                name="Demo admin",
                role="admin",
                password_hash=hash_password(password),
            )
        )
    db.session.flush()
    links = [(p.open_link(i), p.name) for p in practices[:2] for i in instrument_ids]
    return Seeded(issued, links, password)
