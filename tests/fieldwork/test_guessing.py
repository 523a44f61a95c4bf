"""Guessing access and resume codes: limits that a valid code cannot reset, races, odds.

The odds within the default limits (asserted in `test_guessing_odds_within_the_limits`):
every wrong code counts against the client (10 per 10 minutes) and against everyone
together (300 per hour, `CODE_GLOBAL_ATTEMPTS`), so however many machines guess, at most
7,200 guesses a day are checked. Against 10,000 live access codes of 8 characters from
31 (31**8 = 8.5e11), 90 days of such guessing finds any code with probability < 1 %;
against 1,000 unfinished resume codes of 10 characters (31**10 = 8.2e14) < 1e-5.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from fieldwork import codes as code_rules
from fieldwork.config import load
from fieldwork.db import db
from fieldwork.models import Practice, Response
from fieldwork.models.base import utcnow
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot, csrf
from tests.fieldwork.staff_factories import use_cheap_hashes


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Argon2 with small costs: these tests try many passwords, not the hash's strength."""
    use_cheap_hashes(monkeypatch)


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _try_code(client, code: str) -> int:
    html = client.get("/").get_data(as_text=True)
    return client.post("/", data={"code": code, "csrf_token": csrf(html)}).status_code


def test_a_valid_code_does_not_reset_the_wrong_code_limit(app, client, codes):
    """Finding 2: an attacker's own code, tried after every few guesses, used to clear them."""
    mine = codes["patient"][0]
    limit = app.config["CODE_ATTEMPTS"]
    statuses = []
    for _ in range(limit):
        for _ in range(3):
            statuses.append(_try_code(client, "AAAA-AAAA"))
        assert _try_code(client, mine) in (302, 429)
    assert statuses.count(400) == limit  # exactly `limit` wrong guesses were checked
    assert statuses[limit:] == [429] * (len(statuses) - limit)


def test_many_clients_together_share_one_budget(app, codes):
    """Finding 2: distributed guessing is limited too; a blocked client spends none of it."""
    app.config["CODE_GLOBAL_ATTEMPTS"] = app.config["CODE_ATTEMPTS"] + 3
    greedy = _client(app, "10.0.0.1")
    for _ in range(app.config["CODE_ATTEMPTS"] + 5):  # 5 tries beyond its own limit
        _try_code(greedy, "AAAA-AAAA")
    results = [_try_code(_client(app, f"10.0.1.{n}"), "AAAA-AAAA") for n in range(5)]
    assert results == [400, 400, 400, 429, 429]
    # Even a right code waits until the window reopens: nothing is checked meanwhile.
    assert _try_code(_client(app, "10.0.2.1"), codes["patient"][0]) == 429


def _open_link_response(app, client) -> str:
    """Start a response through an open link; its resume code."""
    with app.app_context():
        link = db.session.scalars(select(Practice)).first().open_link("patient")
    client.get(link)
    robot = Robot(client, instrument(app, "patient"))
    robot.answer_page(int(robot.welcome("en").headers["Location"].rsplit("/", 1)[1]))
    with app.app_context():
        return db.session.scalars(select(Response.resume_code)).one()


def _resume(client, code: str):
    html = client.get("/resume").get_data(as_text=True)
    return client.post("/resume", data={"code": code, "csrf_token": csrf(html)})


def test_resume_codes_are_long_and_typed_loosely(app, client, codes):
    code = _open_link_response(app, client)
    assert len(code) == code_rules.RESUME_LENGTH >= 10
    assert set(code) <= set(code_rules.ALPHABET)
    typed = f" {code[:5].lower()} – {code[5:]} "
    assert _resume(app.test_client(), typed).headers["Location"] == "/welcome"
    assert _resume(app.test_client(), code).headers["Location"] == "/welcome"


def test_resume_codes_expire_after_a_time_without_activity(app, client, codes):
    code = _open_link_response(app, client)
    idle = app.config["RESUME_IDLE_DAYS"]
    with app.app_context():
        db.session.execute(update(Response).values(updated_at=utcnow() - timedelta(days=idle - 1)))
        db.session.commit()
    assert _resume(app.test_client(), code).status_code == 302
    with app.app_context():
        db.session.execute(update(Response).values(updated_at=utcnow() - timedelta(days=idle + 1)))
        db.session.commit()
    refused = _resume(app.test_client(), code)
    assert refused.status_code == 400
    assert "not recognised or expired" in refused.get_data(as_text=True)


def test_guessing_odds_within_the_limits(tmp_path):
    """The defaults keep a 90-day campaign of guessing from every client together hopeless."""
    config = load(str(tmp_path))
    per_day = config["CODE_GLOBAL_ATTEMPTS"] * 86400 / config["CODE_GLOBAL_WINDOW_SECONDS"]
    guesses = 90 * per_day
    alphabet = len(code_rules.ALPHABET)
    assert guesses * 10_000 / alphabet**code_rules.LENGTH < 0.01
    assert guesses * 1_000 / alphabet**code_rules.RESUME_LENGTH < 1e-5
    assert config["RESUME_IDLE_DAYS"] > 0


def _in_parallel(app, count: int, request) -> list[int]:
    """`request(client)` from `count` threads at once (each its own client and connection)."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()
    clients = [_client(app, "10.7.7.7") for _ in range(count)]
    prepared = [request(c) for c in clients]  # GETs for CSRF tokens happen beforehand

    def run(go) -> None:
        barrier.wait()
        status = go()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(go,)) for go in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == count, "a request did not finish"
    return statuses


@pytest.mark.parametrize("what", ["code", "sign-in"])
def test_parallel_guesses_never_exceed_the_limit(app, auth, codes, what):
    """Finding 8: check and count are one atomic step, on SQLite and PostgreSQL."""
    auth.create("victim@example.org", role="coordinator")

    def prepare(client):
        if what == "code":
            token = csrf(client.get("/").get_data(as_text=True))
            return lambda: client.post("/", data={"code": "AAAA-AAAA", "csrf_token": token})
        token = csrf(client.get("/staff/sign-in").get_data(as_text=True))
        data = {"email": "victim@example.org", "password": "wrong password!", "csrf_token": token}
        return lambda: client.post("/staff/sign-in", data=data)

    def status_of(client):
        go = prepare(client)

        def send() -> int:
            response = go()
            text = response.get_data(as_text=True)
            return 429 if "Too many attempts" in text else response.status_code

        return send

    limit = app.config["CODE_ATTEMPTS"] if what == "code" else 5
    statuses = _in_parallel(app, 30, status_of)
    assert sorted(set(statuses)) == [400, 429]
    assert statuses.count(400) == limit
