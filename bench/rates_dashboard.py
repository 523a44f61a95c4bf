"""Time the response-rate dashboard at national scale (7,000 practices, 3,000,000 codes).

Seeds a fresh database with bulk inserts (COPY on PostgreSQL, executemany on SQLite; no
ORM), after running the migrations; then times the dashboard's queries and whole pages
through the test client, median of `--repeats` runs after one warm-up.

.venv/bin/python bench/rates_dashboard.py                      # a temporary SQLite file
.venv/bin/python bench/rates_dashboard.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
    (PostgreSQL: in a schema of its own, created first and dropped at the end)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

SCHEMA = "fw_bench_rates"
INSTRUMENTS = (("patient", 0.7), ("mental_health", 0.2), ("practice_staff", 0.1))
MODES = (("web", 0.6), ("paper", 0.25), ("both", 0.15))
# Outcome of a code: (cumulative share, response status or None, disposition).
OUTCOMES = (
    (0.30, 1, "complete"),
    (0.33, 2, "partial"),
    (0.35, 2, "break_off"),
    (0.39, None, "refusal"),
    (0.41, None, "undelivered"),
    (0.42, None, "not_eligible"),
    (0.43, None, "non_contact"),
    (0.44, None, "other"),
    (0.45, None, "unknown"),
    (1.00, None, None),
)
START = datetime(2026, 9, 1, 8, 0)
PASSWORD = "bench password 1"


def _pick(rng: random.Random, shares) -> str:
    u, total = rng.random(), 0.0
    for value, share in shares:
        total += share
        if u < total:
            return value
    return shares[-1][0]


class Seed:
    """Generates the rows: practices, targets, codes and responses."""

    def __init__(self, practices: int, invitations: int) -> None:
        self.rng = random.Random(20261124)
        self.practices, self.invitations = practices, invitations
        self.response_id = 0
        self.responses: list[tuple] = []

    def regions(self) -> list[tuple]:
        """Seven regions."""
        return [(n + 1, f"Region {n + 1}") for n in range(7)]

    def practice_rows(self) -> list[tuple]:
        """(id, code, name, region_id, status, link_token, created_at)."""
        return [
            (n, f"P{n:05d}", f"Practice {n}", n % 7 + 1, "active", f"tok{n:08d}", START)
            for n in range(1, self.practices + 1)
        ]

    def versions(self) -> list[tuple]:
        """One version of each instrument."""
        return [(n + 1, name, 1, "0" * 64, "", f"{name}.yaml", START) for n, (name, _) in
                enumerate(INSTRUMENTS)]  # fmt: skip

    def _response(self, practice, version, invitation, status, mode, outcome=None) -> None:
        self.response_id += 1
        started = START + timedelta(minutes=self.rng.randrange(90 * 24 * 60))
        submitted = started + timedelta(minutes=20) if status == 1 else None
        outcome = outcome or ("complete" if status == 1 else "partial")
        answered = {"complete": 20, "partial": 14, "break_off": 3}[outcome]
        self.responses.append(
            (self.response_id, f"b{self.response_id:011d}", version, practice, invitation,
             mode, "en", status, started, started, submitted, answered, 22, outcome)
        )  # fmt: skip

    def closures(self) -> list[tuple]:
        """Every tenth practice has its fieldwork closed (the rest are interim)."""
        return [(n, START) for n in range(10, self.practices + 1, 10)]

    def targets(self) -> Iterator[tuple]:
        """(id, practice_id, instrument, target, invited_by_link); open-link responses too."""
        n = 0
        for practice in range(1, self.practices + 1):
            for version, (instrument, _) in enumerate(INSTRUMENTS, start=1):
                n += 1
                invited = self.rng.randrange(20, 200) if self.rng.random() < 1 / 3 else 0
                for _ in range(int(invited * self.rng.uniform(0.2, 0.5))):
                    self._response(practice, version, None, 1 + (self.rng.random() < 0.1), 1)
                yield n, practice, instrument, 100, invited

    def codes(self) -> Iterator[tuple]:
        """(id, code, practice_id, instrument, mode, issued_at, disposition); responses too."""
        per_practice = self.invitations / self.practices
        version_of = {name: n for n, (name, _) in enumerate(INSTRUMENTS, start=1)}
        n, rng = 0, self.rng
        for practice in range(1, self.practices + 1):
            due = round(per_practice * practice) - n
            for _ in range(due):
                n += 1
                instrument, mode = _pick(rng, INSTRUMENTS), _pick(rng, MODES)
                u = rng.random()
                _, status, disposition = next(o for o in OUTCOMES if u < o[0])
                if status is not None:
                    self._response(practice, version_of[instrument], n, status,
                                   2 if mode == "paper" else 1, disposition)  # fmt: skip
                mailed = START + timedelta(days=practice % 30)  # each practice its own batch
                yield n, f"{n:08X}", practice, instrument, mode, mailed, disposition


TABLES = {
    "regions": "id, name",
    "practices": "id, code, name, region_id, status, link_token, created_at",
    "instrument_versions": "id, instrument, version, content_hash, source, filename, first_seen",
    "practice_targets": "id, practice_id, instrument, target, invited_by_link",
    "invitations": "id, code, practice_id, instrument, mode, issued_at, disposition",
    "responses": "id, public_id, instrument_version_id, practice_id, invitation_id, mode, "
    "language, status, started_at, updated_at, submitted_at, answered, applicable, outcome",
    "practice_closures": "practice_id, closed_at",
}


def _load(raw, postgres: bool, table: str, rows) -> int:
    """Bulk-insert rows: COPY on PostgreSQL, executemany on SQLite; return how many."""
    columns, count = TABLES[table], 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    cursor = raw.cursor()
    if postgres:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in counted():
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns.split(",")))
        insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (our names)
        cursor.executemany(insert, counted())
    cursor.close()
    return count


def _secondary_indexes(cursor, postgres: bool) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the plain indexes on codes and responses."""
    if postgres:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN ('invitations', 'responses') AND indexname LIKE 'ix_%'"
        )
    else:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('invitations', 'responses') AND name LIKE 'ix_%'"
        )
    return list(cursor.fetchall())


def seed(engine: sa.Engine, practices: int, invitations: int) -> dict[str, int]:
    """Fill the (migrated, empty) database; return the row counts.

    The plain indexes of the two big tables are dropped while loading and made again after.
    """
    postgres = engine.dialect.name == "postgresql"
    made = Seed(practices, invitations)
    raw = engine.raw_connection()
    cursor = raw.cursor()
    indexes = _secondary_indexes(cursor, postgres)
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    # Foreign keys are not checked while loading rows made consistent here.
    cursor.execute(
        "SET session_replication_role = replica" if postgres else "PRAGMA foreign_keys=OFF"
    )
    counts = {
        "regions": _load(raw, postgres, "regions", made.regions()),
        "practices": _load(raw, postgres, "practices", made.practice_rows()),
        "instrument_versions": _load(raw, postgres, "instrument_versions", made.versions()),
        "practice_targets": _load(raw, postgres, "practice_targets", made.targets()),
        "invitations": _load(raw, postgres, "invitations", made.codes()),
    }
    counts["responses"] = _load(raw, postgres, "responses", made.responses)
    counts["practice_closures"] = _load(raw, postgres, "practice_closures", made.closures())
    for _, create in indexes:
        cursor.execute(create)
    raw.commit()
    raw.close()
    return counts


def analyse(engine: sa.Engine) -> None:
    """Planner statistics (and, on PostgreSQL, a vacuum so index-only scans work)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


def median_ms(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(first run, median of the next `repeats` runs) of `action`, in milliseconds."""
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times[0], statistics.median(times[1:])


def _database(url: str | None, folder: Path) -> tuple[str, Callable[[], None]]:
    """The database URL to use and a function that removes the database afterwards."""
    if not url:
        return f"sqlite:///{folder / 'bench.sqlite'}", lambda: None
    admin = sa.create_engine(url)

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))

    drop()
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{SCHEMA}", drop


def _app(url: str, folder: Path):
    from fieldwork import create_app

    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
        }
    )


def _client(app, email: str, role: str, practices: str = ""):
    """A test client signed in as a new user."""
    from fieldwork.auth import hash_password
    from fieldwork.db import db
    from fieldwork.models import User

    with app.app_context():
        user = User(
            email=email, role=role, practice_codes=practices, password_hash=hash_password(PASSWORD)
        )
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    signed = client.post("/staff/sign-in", data={"email": email, "password": PASSWORD})
    assert signed.status_code == 302, signed.status_code
    return client


def _get(client, url: str) -> Callable[[], object]:
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.data

    return fetch


def time_dashboard(app, repeats: int) -> list[tuple[str, float, float]]:
    """(what, first ms, median ms) for the queries, the report and whole pages."""
    from fieldwork.rates.queries import Scope, code_counts, completions_per_day, link_counts
    from fieldwork.rates.report import build_report
    from fieldwork.rates.selection import Selection

    scope = Scope()
    found = []
    with app.app_context():
        per_practice, finest, anyone = (True, False, False), (True, True, True), frozenset()
        for name, action in [
            ("query: codes by practice", lambda: list(code_counts(scope, per_practice))),
            ("query: codes by practice+instrument+mode", lambda: list(code_counts(scope, finest))),
            ("query: open links and targets", lambda: link_counts(scope, False, False)),
            ("query: completions per day", lambda: completions_per_day(scope, 90)),
            ("report: all queries + roll-up, by region", lambda: build_report(Selection(), anyone)),
            ("report: one instrument, by region",
             lambda: build_report(Selection(instrument="patient"), anyone)),
        ]:  # fmt: skip
            found.append((name, *median_ms(action, repeats)))
    admin = _client(app, "admin@bench.example", "admin")
    coordinator = _client(
        app, "coord@bench.example", "coordinator", " ".join(f"P{n:05d}" for n in range(1, 11))
    )
    for name, client, url in [
        ("page: default (first questionnaire, by region)", admin, "/staff/rates/"),
        ("page: all questionnaires together", admin, "/staff/rates/?instrument=all"),
        ("page: by practice, threshold 30%", admin, "/staff/rates/?by=practice&threshold=30"),
        ("page: by practice, patient", admin, "/staff/rates/?by=practice&instrument=patient"),
        ("page: by questionnaire and mode", admin, "/staff/rates/?by=instrument&by=mode"),
        ("page: one region, web codes", admin, "/staff/rates/?region=3&mode=web&by=practice"),
        ("page: coordinator of 10 practices", coordinator, "/staff/rates/?by=practice"),
        ("csv: by practice (7,000 rows)", admin, "/staff/rates/rates.csv?by=practice"),
    ]:  # fmt: skip
        found.append((name, *median_ms(_get(client, url), repeats)))
    return found


def main() -> None:
    """Seed, time and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--practices", type=int, default=7000)
    parser.add_argument("--invitations", type=int, default=3_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--revision", default="head", help="migrate only to this revision")
    args = parser.parse_args()
    from flask_migrate import upgrade

    from fieldwork import MIGRATIONS
    from fieldwork.db import db

    with tempfile.TemporaryDirectory() as folder:
        url, drop = _database(args.url, Path(folder))
        try:
            app = _app(url, Path(folder))
            with app.app_context():
                upgrade(directory=MIGRATIONS, revision=args.revision)
                engine = db.engine
                version = ".".join(map(str, engine.dialect.server_version_info))
                print(f"{engine.dialect.name} {version}, migrated to {args.revision}")
                start = time.perf_counter()
                counts = seed(engine, args.practices, args.invitations)
                seeded = time.perf_counter() - start
                analyse(engine)
                print(", ".join(f"{n:,} {t}" for t, n in counts.items()))
                analysed = time.perf_counter() - start - seeded
                print(f"seeded in {seeded:.1f} s, analysed in {analysed:.1f} s")
            print(f"load average before timing: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
            print(f"{'what':<48} {'first ms':>9} {'median ms':>10}")
            for name, first, median in time_dashboard(app, args.repeats):
                print(f"{name:<48} {first:>9.0f} {median:>10.0f}")
            print(f"load average after timing: {os.getloadavg()[0]:.1f}")
            with app.app_context():
                db.engine.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
