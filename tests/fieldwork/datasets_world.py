"""A study with two versions of the clinic instrument and responses stored in the answer tables."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from fieldwork import answers
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.models import InstrumentVersion, Practice, Response
from tests.exports.samples import V1, V2

DAY = datetime.datetime(2026, 3, 4, 9, 0)


def write_instruments(folder):
    """The clinic instrument's two versions as files."""
    folder.mkdir(exist_ok=True)
    (folder / "clinic_v1.yaml").write_text(V1)
    (folder / "clinic_v2.yaml").write_text(V2)
    return folder


def add(version, practice_code, n, answers_given, status=1, mode=1, reached=None, days=0):
    """Store one response with its answers (as the survey would have)."""
    catalogue = get_catalogue()
    row = db.session.scalar(
        select(InstrumentVersion).filter_by(instrument="clinic", version=version)
    )
    instrument = catalogue.instrument_for(row.id)
    practice = db.session.scalar(select(Practice).where(Practice.code == practice_code))
    started = DAY + datetime.timedelta(days=days, minutes=n)
    response = Response(
        public_id=f"P{n:04d}", instrument_version_id=row.id, practice_id=practice.id,
        mode=mode, language="en", status=status, started_at=started, reached=reached,
        submitted_at=started + datetime.timedelta(minutes=5) if status == 1 else None,
    )  # fmt: skip
    db.session.add(response)
    db.session.flush()
    answers.add_row(db.session, instrument, response.id)
    answers.save_items(db.session, instrument, response.id, instrument.items, answers_given)


def build(app):
    """Practices and six responses over two versions and two practices."""
    with app.app_context():
        seed(sorted(get_catalogue().current))
        add(1, "Y90001", 1, {"used": 1, "what": {1}, "rate": {"book": 1, "pay": 2}, "age": 40,
                             "why": "=because", "phone": "07700 900000"})  # fmt: skip
        add(1, "Y90002", 2, {"used": 2, "what": {1, 2}, "age": 30})
        add(2, "Y90001", 3, {"used": 1}, status=2, reached="what")
        add(2, "Y90002", 4, {"used": 1, "what": {2}, "rate": {"rx": 2}, "kids": 3}, days=3)
        add(2, "Y90003", 5, {"used": 2}, days=5)
        add(1, "Y90001", 6, {"used": 2}, days=1)
        db.session.commit()
