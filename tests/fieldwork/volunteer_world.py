"""Patient responses stored as the survey would store them, some offering an interview."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from fieldwork import answers
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.models import Practice, Response

DAY = datetime.datetime(2026, 6, 1, 9, 0)
CONFIDENT = {"app": 1, "book": 1, "rx": 1}  # conf_score 4: "2.5 or more"
UNSURE = {"app": 4, "book": 4, "rx": 3}  # conf_score about 1.3: "under 2.5"


def add(practice_code: str, n: int, given: dict) -> int:
    """Store one submitted patient response with its answers; its id."""
    catalogue = get_catalogue()
    instrument = catalogue.current["patient"]
    practice = db.session.scalar(select(Practice).where(Practice.code == practice_code))
    started = DAY + datetime.timedelta(minutes=n)
    response = Response(
        public_id=f"V{n:04d}", instrument_version_id=catalogue.version_ids["patient"],
        practice_id=practice.id, mode=1, language="en", status=1, started_at=started,
        submitted_at=started + datetime.timedelta(minutes=9),
    )  # fmt: skip
    db.session.add(response)
    db.session.flush()
    answers.add_row(db.session, instrument, response.id)
    answers.save_items(db.session, instrument, response.id, instrument.items, given)
    return response.id


def volunteer(n: int, age: int, gender: int, conf: dict, **more) -> dict:
    """The answers of a respondent who offers an interview, with a name and a phone."""
    return {
        "interview": 1, "contact_name": f"Person {n} Quillon", "contact_detail": f"07700 90{n:04d}",
        "age_band": age, "gender": gender, "used_online": 1, "conf": conf, **more,
    }  # fmt: skip


def build(app) -> None:
    """Practices; four volunteers (three at Y90001, one at Y90002) and two who said no."""
    with app.app_context():
        seed(sorted(get_catalogue().current), per_practice=1)
        add("Y90001", 1, volunteer(1, 2, 1, CONFIDENT))
        add("Y90001", 2, volunteer(2, 7, 2, UNSURE))
        add("Y90001", 3, {"interview": 2, "age_band": 3, "gender": 1})
        add("Y90002", 4, volunteer(4, 7, 1, UNSURE))
        add("Y90002", 5, {"age_band": 2})
        add("Y90001", 6, volunteer(6, 3, 1, {}, used_online=2))
        db.session.commit()
