"""A demo study: regions, practices, targets, a few access codes, an admin account, and
(`staff_accounts`, for `fieldwork demo` only) one account for each other role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from fieldwork import codes
from fieldwork.auth import hash_password
from fieldwork.db import db
from fieldwork.models import Invitation, Practice, PracticeTarget, Region, User
from fieldwork.models.staff import ROLE_NAMES

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
# One demo account per role besides the admin: (email, name, role, practices).
STAFF = [
    ("coordinator@example.org", "Demo coordinator", "coordinator", ""),
    ("coordinator.y90001@example.org", "Demo restricted coordinator", "coordinator", "Y90001"),
    ("dataentry@example.org", "Demo data entry", "data_entry", ""),
    ("analyst@example.org", "Demo analyst", "analyst", ""),
    ("recruiter@example.org", "Demo recruiter", "recruiter", ""),
]


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
    password = _account(ADMIN_EMAIL, "Demo admin", "admin", "")
    db.session.flush()
    links = [(p.open_link(i), p.name) for p in practices[:2] for i in instrument_ids]
    return Seeded(issued, links, password)


def _account(email: str, name: str, role: str, practices: str) -> str | None:
    """Add a demo account with a random password, returned (None: it was there already)."""
    if db.session.scalar(select(User).filter_by(email=email)) is not None:
        return None
    password = secrets.token_urlsafe(12)
    db.session.add(
        User(
            email=email,
            name=name,
            role=role,
            practice_codes=practices,
            password_hash=hash_password(password),
        )
    )
    return password


def staff_accounts() -> list[tuple[str, str, str | None]]:
    """One demo account for each role besides admin (the demo command's, never the app's):
    (email, what it is, its password when made now, else None). The caller commits."""
    made = []
    for email, name, role, practices in STAFF:
        password = _account(email, name, role, practices)
        only = f", only {practices}" if practices else ""
        made.append((email, f"{ROLE_NAMES[role]}{only}", password))
    db.session.flush()
    return made
