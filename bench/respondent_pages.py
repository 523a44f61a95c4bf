"""Time the respondent pages: render a question page (GET) and save it (POST, valid answers).

Drives the whole Flask stack (CSRF, session, routing, validation, one small transaction)
with the test client, for many respondents completing the patient survey in English.
SQLite in a temporary file by default; `--url` for PostgreSQL, in a schema made and dropped.

.venv/bin/python bench/respondent_pages.py [-n 200] [--url postgresql+psycopg://…/test]
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from harness import past_consent
from sqlalchemy import select

from fieldwork import MIGRATIONS, create_app, routing_filter
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.models import Invitation
from forms.model import Instrument, Item
from forms.paging import item_applies, web_pages

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGE = re.compile(r"/page/(\d+)")


def _token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _fields(item: Item) -> dict[str, Any]:
    """Posted fields for a valid answer to `item`."""
    choices = item.choices
    if item.type == "single":
        return {item.id: str(next(c for c in choices.codes if c not in choices.missing))}
    if item.type == "multiple":
        return {item.id: [str(next(c for c in choices.codes if c not in item.exclusive))]}
    if item.type == "grid":
        return {f"{item.id}_{row.id}": str(choices.codes[0]) for row in item.rows}
    if item.type == "date":
        day = date(2024, 3, 15)
        return {f"{item.id}-day": day.day, f"{item.id}-month": day.month, f"{item.id}-year": 2024}
    if item.type in ("integer", "decimal"):
        return {item.id: str(item.min if item.min is not None else 1)}
    return {item.id: "A bench answer"}


def _answers(
    items: tuple[Item, ...], instrument: Instrument, given: dict[str, Any]
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in items:
        if item.is_question and item_applies(item, instrument, given):
            data.update(_fields(item))
            given[item.id] = True if item.type != "single" else int(data[item.id])
    return data


def respondent(
    app: Flask, instrument: Instrument, code: str, gets: list[float], posts: list[float]
) -> None:
    """One respondent completes the patient survey; page GET/POST times are appended (ms)."""
    client = app.test_client()  # outside any app context: each request has its own session
    client.post("/", data={"code": code, "csrf_token": _token(client.get("/").text)})
    token = _token(client.get("/welcome").text)
    welcome = client.post("/welcome", data={"language": "en", "csrf_token": token})
    location = past_consent(client, welcome.location)
    pages, given = web_pages(instrument), {}
    while found := PAGE.search(location or ""):
        start = time.perf_counter()
        html = client.get(location).text
        gets.append((time.perf_counter() - start) * 1000)
        data = _answers(pages[int(found.group(1)) - 1].items, instrument, given)
        data["csrf_token"] = _token(html)
        start = time.perf_counter()
        response = client.post(location, data=data)
        posts.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 302, f"{location}: {response.status_code}"
        location = response.location
    assert location.endswith("/check"), location
    done = client.post("/check", data={"csrf_token": _token(client.get("/check").text)})
    assert done.location.endswith("/done")


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A SQLAlchemy URL for a fresh database: a temporary SQLite file, or a new PG schema."""
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite"
        return
    schema = f"fw_bench_{secrets.token_hex(4)}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        joiner = "&" if "?" in url else "?"
        yield f"{url}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def make_app(url: str, respondents: int) -> tuple[Flask, Instrument, list[str]]:
    """A migrated app with the demo study and enough codes: (app, patient survey, codes)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTRUMENTS": str(ROOT / "instruments"),
            "SECRET_KEY": secrets.token_hex(16),
            "SESSION_COOKIE_SECURE": False,
        }
    )
    if "routing_attributes" not in app.jinja_env.filters:
        routing_filter.init_app(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        seed(["patient"], per_practice=-(-respondents // 3))
        db.session.commit()
        query = select(Invitation.code).where(Invitation.instrument == "patient")
        codes = list(db.session.scalars(query))
        instrument = get_catalogue().current["patient"]
    return app, instrument, codes


def summary(name: str, times: list[float]) -> str:
    """Median and 95th percentile of `times`, in ms."""
    p95 = statistics.quantiles(times, n=20)[-1]
    return f"{name}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms (n={len(times)})"


def main() -> None:
    """Run the respondents and print the medians and 95th percentiles."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--respondents", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5, help="respondents not counted")
    parser.add_argument("--url", help="a PostgreSQL URL (default: SQLite in a temporary file)")
    args = parser.parse_args()
    with database(args.url) as url:
        app, instrument, codes = make_app(url, args.respondents + args.warmup)
        gets: list[float] = []
        posts: list[float] = []
        started = time.perf_counter()
        for number, code in enumerate(codes[: args.respondents + args.warmup]):
            if number == args.warmup:
                gets.clear()
                posts.clear()
            respondent(app, instrument, code, gets, posts)
        seconds = time.perf_counter() - started
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
    backend = "PostgreSQL" if args.url else "SQLite"
    print(f"{backend}, {args.respondents} respondents, patient survey ({seconds:.1f} s in all)")
    print(summary("render a question page (GET)", gets))
    print(summary("save a question page (POST)", posts))


if __name__ == "__main__":
    main()
