"""Time the recruiter's interview-volunteer list over many patient responses.

Seeds N patient responses (random valid answers, 15% offering an interview with an
encrypted name and phone), then prints medians of 3 for: reading every answer row
(the baseline: what any list must at least do), judging every response (agree and
attributes: `volunteers()`), decrypting one practice's contact details, and the whole
page (GET, signed in as a recruiter) for one practice and for every practice, each
with its ratio to the baseline.

.venv/bin/python bench/volunteer_list.py --rows 20000
.venv/bin/python bench/volunteer_list.py --rows 20000 --url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_datasets import _answers, _database

START = datetime(2026, 9, 1, 8, 0)
PASSWORD = "correct horse battery"


def _seed(app, rows: int) -> None:
    from flask_migrate import upgrade

    from fieldwork import MIGRATIONS
    from fieldwork.answers import answer_table
    from fieldwork.auth import hash_password
    from fieldwork.catalogue import get_catalogue
    from fieldwork.db import db
    from fieldwork.demo import seed as demo_seed
    from fieldwork.identifying import cipher
    from fieldwork.models import IdentifyingAnswer, Practice, Response, User

    with app.app_context():
        upgrade(directory=MIGRATIONS)
        catalogue = get_catalogue()
        demo_seed(["patient"])
        db.session.add(User(email="rec@example.org", role="recruiter",
                            password_hash=hash_password(PASSWORD)))  # fmt: skip
        db.session.commit()
        patient = catalogue.current["patient"]
        practices = db.session.scalars(sa.select(Practice.id).order_by(Practice.id)).all()
        rng = np.random.default_rng(20261129)
        answers = _answers(patient, rows, rng)
        answers["interview"] = np.where(rng.random(rows) < 0.15, 1.0, 2.0)
        practice = rng.choice(np.array(practices), rows)
        fernet = cipher()
        table = answer_table(patient)
        for start in range(0, rows, 5_000):
            stop = min(rows, start + 5_000)
            db.session.execute(sa.insert(Response), [{
                "id": n + 1, "public_id": f"B{n:08d}", "practice_id": int(practice[n]),
                "instrument_version_id": catalogue.version_ids["patient"], "language": "en",
                "mode": 1, "status": 1, "started_at": START + timedelta(seconds=n),
                "updated_at": START, "submitted_at": START,
            } for n in range(start, stop)])  # fmt: skip
            db.session.execute(sa.insert(table), [
                {"response_id": n + 1, **{k: None if np.isnan(v[n]) else int(v[n])
                                          for k, v in answers.items()}}
                for n in range(start, stop)
            ])  # fmt: skip
            contacts = [n for n in range(start, stop) if answers["interview"][n] == 1]
            db.session.execute(sa.insert(IdentifyingAnswer), [
                {"response_id": n + 1, "item_id": item,
                 "token": fernet.encrypt(f'{{"{item}": "{value} {n}"}}'.encode())}
                for n in contacts
                for item, value in (("contact_name", "Person"), ("contact_detail", "07700"))
            ])  # fmt: skip
        db.session.commit()


def _median(step, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--url", default="", help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()

    from fieldwork import create_app
    from fieldwork.answers import answer_table
    from fieldwork.catalogue import get_catalogue
    from fieldwork.db import db
    from fieldwork.volunteers.services import chosen, volunteers, with_contacts

    folder = Path(tempfile.mkdtemp())
    url = _database("postgresql", folder) if args.url else f"sqlite:///{folder / 'b.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "WTF_CSRF_ENABLED": False})  # fmt: skip
    started = time.perf_counter()
    _seed(app, args.rows)
    print(f"{args.rows:,} responses seeded in {time.perf_counter() - started:.1f} s "
          f"({db.engine.url.get_backend_name() if False else url.split(':')[0]})")  # fmt: skip
    with app.app_context():
        patient = get_catalogue().current["patient"]
        table = answer_table(patient)
        baseline = _median(lambda: db.session.execute(sa.select(table)).mappings().all())
        found = volunteers(patient, None)
        judged = _median(lambda: volunteers(patient, None))
        one = chosen(found, "Y90001")
        decrypt = _median(lambda: with_contacts(patient, chosen(found, "Y90001"), None))
        db.session.rollback()
    client = app.test_client()
    client.post("/staff/sign-in", data={"email": "rec@example.org", "password": PASSWORD})
    page_one = _median(lambda: client.get("/staff/volunteers/patient?practice=Y90001"))
    page_all = _median(lambda: client.get("/staff/volunteers/patient"))
    assert b"Y90001" in client.get("/staff/volunteers/patient?practice=Y90001").data
    print(f"volunteers: {len(found):,} of {args.rows:,}; at Y90001: {len(one):,}")
    for name, ms in (
        ("read every answer row (baseline)", baseline),
        ("judge every response: volunteers()", judged),
        ("decrypt one practice's contacts", decrypt),
        ("page, one practice", page_one),
        ("page, every practice", page_all),
    ):
        print(f"{name:40s} {ms:9.1f} ms  {ms / baseline:5.1f}x")


if __name__ == "__main__":
    main()
