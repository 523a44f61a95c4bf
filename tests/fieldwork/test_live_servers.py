"""The app as deployed: `fieldwork serve` (gunicorn) processes against one database.

`live_servers` starts N real server processes on free ports (reusable by other tests);
the load test has 200 respondents complete a questionnaire at once, SIGKILLs the server
in the middle, restarts it, lets everyone resume, and compares the database with
exactly what was sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bench.harness import Respondent, Server, Servers, differences, run_load, server_env, token
from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.models import Invitation
from tests.fieldwork.conftest import instrument

LIVE_INSTRUMENTS = Path(__file__).parent / "live_instruments"
RESPONDENTS = 200

pytestmark = pytest.mark.slow


@pytest.fixture
def instruments_dir() -> Path:
    """A short two-page questionnaire keeps 200 respondents within seconds."""
    return LIVE_INSTRUMENTS


def _seeded_codes(app, count: int) -> list[str]:
    """Seed the demo study with `count` codes for the short questionnaire; let go of the DB."""
    with app.app_context():
        seed(["short"], per_practice=-(-count // 3))
        db.session.commit()
        found = list(db.session.scalars(select(Invitation.code).order_by(Invitation.id)))
        db.session.remove()
        db.engine.dispose()
    return found[:count]


@pytest.fixture
def live_servers(app, tmp_path) -> Callable[..., AbstractContextManager[list[Server]]]:
    """Start N `fieldwork serve` processes on the test's database: `with live_servers(2) as s:`."""

    def start(count: int = 2, workers: int = 1, **env: str) -> Servers:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        return Servers(server_env(url, LIVE_INSTRUMENTS, **env), count, workers, tmp_path)

    return start


def _logs(tmp_path: Path) -> str:
    return "".join(p.read_text() for p in tmp_path.glob("server*.log"))


def test_two_processes_share_the_wrong_code_limit_and_logs_hide_codes(app, live_servers, tmp_path):
    code = _seeded_codes(app, 1)[0]
    with live_servers(2) as (first, second):
        statuses = [
            httpx.get(f"{server.url}/c/WRNG{n:04d}").status_code
            for n in range(10)
            for server in [(first, second)[n % 2]]
        ]
        assert statuses == [400] * 10
        assert httpx.get(f"{first.url}/c/WRNGAAAA").status_code == 429
        assert httpx.get(f"{second.url}/c/WRNGAAAA").status_code == 429
        assert httpx.get(f"{second.url}/%63/{code}").status_code == 429  # decoded path too
    logs = _logs(tmp_path)
    assert "GET /c/*** HTTP/1.1" in logs and "WRNG" not in logs and code not in logs


def _respondents(app, codes: list[str]) -> list[Respondent]:
    short = instrument(app, "short")
    return [Respondent(code, short, seed) for seed, code in enumerate(codes)]


def _kill_when(
    server: Server, respondents: list[Respondent], saved_pages: int
) -> tuple[threading.Thread, dict]:
    """A thread that SIGKILLs the server once `saved_pages` pages are saved, then restarts it."""
    state = {"killed_after": None}

    def watch():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if sum(1 for r in respondents for s in r.statuses if s == 302) >= saved_pages:
                server.kill()
                state["killed_after"] = sum(len(r.saved) for r in respondents)
                time.sleep(0.5)
                server.start()
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch)
    thread.start()
    return thread, state


def test_200_respondents_complete_through_a_sigkill_and_the_database_holds_what_was_sent(
    app, live_servers
):
    respondents = _respondents(app, _seeded_codes(app, RESPONDENTS))
    with live_servers(1, workers=2) as (server,):
        # Five redirects per respondent (link, welcome, two pages, send): kill at 40 %.
        watcher, state = _kill_when(server, respondents, RESPONDENTS * 2)
        result = run_load(respondents, [server.url], limit_seconds=150)
        watcher.join()
    assert state["killed_after"] is not None, "the server was never killed"
    assert result.errors == []
    assert result.server_errors == 0
    assert all(r.done for r in respondents)
    assert differences(app, respondents) == []


@pytest.mark.parametrize("backend", ["sqlite"])  # a header: the database plays no part
def test_served_pages_carry_hsts(app, live_servers):
    _seeded_codes(app, 1)
    with live_servers(1, FIELDWORK_INSECURE_COOKIES="0", FIELDWORK_PROXIES="1") as (server,):
        page = httpx.get(f"{server.url}/", headers={"X-Forwarded-Proto": "https"})
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert token(page.text)


def test_a_sign_out_on_one_process_ends_the_session_on_the_other(app, auth, live_servers):
    """A staff cookie copied before sign-out opens nothing afterwards, on either process."""
    from tests.conftest import CSRF_RE

    auth.create(email="c@example.org", role="coordinator")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with live_servers(2) as (first, second), httpx.Client(base_url=first.url) as browser:
        csrf = CSRF_RE.search(browser.get("/staff/sign-in").text).group(1)
        signed_in = browser.post(
            "/staff/sign-in",
            data={
                "email": "c@example.org",
                "password": "correct horse battery",
                "csrf_token": csrf,
            },
        )
        assert signed_in.status_code == 302
        copied = dict(browser.cookies)
        assert httpx.get(f"{second.url}/staff/codes/", cookies=copied).status_code == 200
        csrf = CSRF_RE.search(browser.get("/staff/codes/").text).group(1)
        assert browser.post("/staff/sign-out", data={"csrf_token": csrf}).status_code == 302
        after = httpx.get(f"{second.url}/staff/codes/", cookies=copied)
        assert after.status_code == 302 and "/staff/sign-in" in after.headers["location"]
