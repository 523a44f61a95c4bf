"""Fixtures shaped like flaskr's: app, client, runner, auth; every DB test runs on each backend.

SQLite always; PostgreSQL too when FIELDWORK_TEST_DATABASE_URL is set (CI sets it). Each
test gets a fresh, migrated database: a copy of a migrated SQLite file, or a PostgreSQL
database created from a migrated template database (one template per test process).
Migrating costs far more than copying, so each process migrates once per backend.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa

from fieldwork import catalogue, create_app
from fieldwork.db import db

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENTS = ROOT / "instruments"
PG_URL = os.environ.get("FIELDWORK_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def _config(url: str, instruments: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTRUMENTS": str(instruments),
        "SECRET_KEY": "test secret",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "JOBS_IMMEDIATE": True,  # jobs run inside the request that starts them
    }


def _upgrade(app) -> None:
    from flask_migrate import upgrade

    from fieldwork import MIGRATIONS

    with app.app_context():
        upgrade(directory=MIGRATIONS)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    app = create_app(_config(f"sqlite:///{path}", INSTRUMENTS))
    _upgrade(app)
    with app.app_context():  # closing the connections checkpoints the WAL into the file
        for engine in db.engines.values():
            engine.dispose()
    return path


def _pg_url(database: str) -> str:
    return sa.engine.make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def _pg_admin(statement: str) -> None:
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(statement))
    engine.dispose()


def _pg_prefix() -> str:
    # One name per process, so concurrent test runs on one server never meet.
    worker = re.sub(r"[^a-z0-9]", "", os.environ.get("PYTEST_XDIST_WORKER", "main").lower())
    return f"fw_test_{worker or 'main'}_{os.getpid()}"


# Dropping a database waits for a checkpoint: done beside the next test, not before it.
_DROPPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-database")


@pytest.fixture(scope="session")
def pg_template() -> str:
    """A migrated PostgreSQL database, the template of each test's database."""
    name = f"{_pg_prefix()}_template"
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _pg_admin(f"CREATE DATABASE {name}")
    app = create_app(_config(_pg_url(name), INSTRUMENTS))
    _upgrade(app)
    with app.app_context():  # a template database must have no connections
        for engine in db.engines.values():
            engine.dispose()
    yield name
    _DROPPER.shutdown(wait=True)
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_PG_DATABASES = itertools.count(1)


class _SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates shared by every app a test process makes (keyed by source)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SharedBytecode()
_LOADED: dict[tuple[str, bytes], object] = {}
_load_instrument = catalogue.load_instrument


def _load_instrument_once(path):
    """Each instrument file is parsed once per test process, not once per test's app
    (its objects are frozen; a changed file is a new key)."""
    key = (str(path), Path(path).read_bytes())
    if key not in _LOADED:
        _LOADED[key] = _load_instrument(path)
    return _LOADED[key]


catalogue.load_instrument = _load_instrument_once


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database backend a test runs on."""
    return request.param


@pytest.fixture
def instruments_dir() -> Path:
    """The folder of instruments the app serves (override to use other files)."""
    return INSTRUMENTS


@pytest.fixture
def app(backend, instruments_dir, tmp_path, request):
    """An app on a fresh, migrated database of the test's backend."""
    if backend == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        app = create_app(_config(f"sqlite:///{path}", instruments_dir))
    else:
        database = f"{_pg_prefix()}_{next(_PG_DATABASES)}"
        template = request.getfixturevalue("pg_template")
        _pg_admin(f"CREATE DATABASE {database} TEMPLATE {template} STRATEGY WAL_LOG")
        try:
            app = create_app(_config(_pg_url(database), instruments_dir))
        except BaseException:
            _DROPPER.submit(_pg_admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            raise
    app.jinja_env.bytecode_cache = _BYTECODE
    app.config["JOB_FILES"] = str(tmp_path / "job-files")
    app.config["BOXMAPS"] = str(tmp_path / "boxmaps")
    app.config["SCANS"] = str(tmp_path / "scans")
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    if backend == "postgresql":
        _DROPPER.submit(_pg_admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context, for calling services directly."""
    with app.app_context():
        yield app


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at `url`."""
    page = client.get(url)
    found = CSRF_RE.search(page.get_data(as_text=True))
    assert found, f"no csrf_token on {url} ({page.status_code})"
    return found.group(1)


class AuthActions:
    """Create staff users and sign them in and out through the real pages."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def create(
        self,
        email="staff@example.org",
        password="correct horse battery",
        role="admin",
        practices="",
    ):
        """Add a user (role admin, coordinator, data_entry or analyst)."""
        from fieldwork.auth import hash_password
        from fieldwork.models import User

        with self.app.app_context():
            user = User(
                email=email,
                name=email.split("@")[0],
                role=role,
                practice_codes=practices,
                password_hash=hash_password(password),
            )
            db.session.add(user)
            db.session.commit()
            return user.id

    def login(
        self, email="staff@example.org", password="correct horse battery", role=None, practices=""
    ):
        """Sign in (creating the user first when `role` is given)."""
        if role is not None:
            self.create(email, password, role, practices)
        token = csrf_token(self.client, "/staff/sign-in")
        return self.client.post(
            "/staff/sign-in",
            data={"email": email, "password": password, "csrf_token": token},
        )

    def logout(self):
        """Sign out."""
        token = csrf_token(self.client, "/staff/")
        return self.client.post("/staff/sign-out", data={"csrf_token": token})


@pytest.fixture
def auth(app, client) -> AuthActions:
    """Sign staff in and out."""
    return AuthActions(app, client)


def record_begins(monkeypatch) -> list[str]:
    """The statements SQLite transactions begin with from now on (BEGIN or BEGIN IMMEDIATE),
    as `fieldwork.db` runs them."""
    import sys

    fieldwork_db = sys.modules["fieldwork.db"]  # the package's `db` is the SQLAlchemy object
    begun: list[str] = []
    real_begin = fieldwork_db._begin

    def recording(connection, statement):
        begun.append(statement)
        return real_begin(connection, statement)

    monkeypatch.setattr(fieldwork_db, "_begin", recording)
    return begun
