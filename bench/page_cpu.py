"""CPU per request of the patient survey's first question page, in process (no server).

The figure `page_speed.py` depends on, least disturbed by other work on the machine:
process time of GET and of POST (a valid save) of /page/2 through the whole Flask stack
(test client), the minimum over batches. `--profile` prints where the time goes
(cProfile, sorted by own time) instead.

.venv/bin/python bench/page_cpu.py [-n 60] [--batches 7] [--url postgresql+psycopg://…/test]
    [--profile GET|POST] [--top 40]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from harness import page_body, past_consent, token
from respondent_pages import database, make_app

from fieldwork.db import db

FIRST_QUESTIONS = "/page/2"


def at_first_questions(app, code: str, instrument, seed: int = 1):
    """A test client at the first question page, and a valid POST body for it."""
    client = app.test_client()
    client.post("/", data={"code": code, "csrf_token": token(client.get("/").text)})
    data = {"language": "en", "csrf_token": token(client.get("/welcome").text)}
    location = past_consent(client, client.post("/welcome", data=data).headers["location"])
    notes = client.post(location, data={"csrf_token": token(client.get(location).text)})
    assert notes.location == FIRST_QUESTIONS, notes.location
    html = client.get(FIRST_QUESTIONS).text
    return client, page_body(instrument, 2, html, seed)


def _request(client, method: str, body: str) -> None:
    if method == "GET":
        reply = client.get(FIRST_QUESTIONS)
        assert reply.status_code == 200, reply.status_code
    else:
        reply = client.post(
            FIRST_QUESTIONS, data=body, content_type="application/x-www-form-urlencoded"
        )
        assert reply.status_code == 302, reply.status_code


def cpu_ms(client, method: str, body: str, count: int, batches: int) -> float:
    """Minimum over `batches` of the mean process time (ms) of `count` requests."""
    best = float("inf")
    for _ in range(batches):
        started = time.process_time()
        for _ in range(count):
            _request(client, method, body)
        best = min(best, (time.process_time() - started) * 1000 / count)
    return best


def python_calls(client, method: str, body: str, count: int = 10) -> int:
    """Python function calls per request (cProfile), a measure the machine's load leaves alone."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        _request(client, method, body)
    profile.disable()
    return round(pstats.Stats(profile).total_calls / count)


def main() -> None:
    """Measure (or profile) GET and POST of the first question page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=60, help="requests per batch")
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--url", help="a PostgreSQL URL (default: SQLite in a temporary file)")
    parser.add_argument("--profile", choices=("GET", "POST"))
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args()
    with database(args.url) as url:
        app, instrument, codes = make_app(url, 3)
        client, body = at_first_questions(app, codes[0], instrument)
        for method in ("GET", "POST"):  # warm up: templates compiled, caches filled
            for _ in range(20):
                _request(client, method, body)
        backend = "PostgreSQL" if args.url else "SQLite"
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.count * args.batches):
                _request(client, args.profile, body)
            profile.disable()
            stats = pstats.Stats(profile)
            stats.sort_stats(args.sort).print_stats(args.top)
        else:
            get = cpu_ms(client, "GET", body, args.count, args.batches)
            post = cpu_ms(client, "POST", body, args.count, args.batches)
            print(f"{backend}: GET {FIRST_QUESTIONS} {get:.2f} ms CPU, POST {post:.2f} ms CPU")
            calls = {method: python_calls(client, method, body) for method in ("GET", "POST")}
            print(
                f"{backend}: Python function calls per request (steady under load):"
                f" GET {calls['GET']:,}, POST {calls['POST']:,}"
            )
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


if __name__ == "__main__":
    main()
