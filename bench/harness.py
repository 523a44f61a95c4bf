"""Real servers and simulated respondents, shared by the bench scripts and the suite.

`Servers` starts N `fieldwork serve` (gunicorn) processes on free ports against one
database and stops (or SIGKILLs) them; `Respondent` completes the patient survey over
HTTP with answers of its own, remembering which pages the server acknowledged, so a
test can compare the database with exactly what was sent.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from forms.model import Instrument, Item
from forms.paging import item_applies, web_pages

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGE = re.compile(r"/page/(\d+)$")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One `fieldwork serve` process group (gunicorn master and its workers)."""

    port: int
    env: dict[str, str]
    workers: int = 2
    log: Path | None = None
    access_log: str = "-"
    command: list[str] | None = None  # another server (the bench's hello) instead
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 180.0) -> None:
        """Start the server and wait until it answers."""
        command = self.command or [
            *(sys.executable, "-c", "from fieldwork.cli import main; main()", "serve"),
            *("--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)),
            *("--access-log", self.access_log),
        ]
        if self.log:
            with open(self.log, "ab") as output:  # the child keeps its own copy
                self.process = subprocess.Popen(
                    command, env=self.env, stdout=output, stderr=output, start_new_session=True
                )
        else:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server on port {self.port} did not start in {wait} s")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (a crash, not a shutdown)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or kill if it does not stop within 15 s."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def server_env(database_url: str, instruments: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a server process: one database, one secret key for all of them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDWORK_")}
    env |= {
        "FIELDWORK_DATABASE_URL": database_url,
        "FIELDWORK_INSTRUMENTS": str(instruments or ROOT / "instruments"),
        "FIELDWORK_SECRET_KEY": "harness secret key shared by every process",
        "FIELDWORK_INSECURE_COOKIES": "1",
    }
    return env | extra


class Servers:
    """N server processes on free ports against one database; a context manager."""

    def __init__(
        self, env: dict[str, str], count: int = 2, workers: int = 2, logs: Path | None = None
    ):
        self.servers = [
            Server(free_port(), env, workers, logs / f"server{n}.log" if logs else None)
            for n in range(count)
        ]

    def __enter__(self) -> list[Server]:
        try:
            for server in self.servers:
                server.start()
        except BaseException:
            self.__exit__()
            raise
        return self.servers

    def __exit__(self, *_exc) -> None:
        for server in self.servers:
            server.stop()


def token(html: str) -> str:
    """The CSRF token of the form on a page."""
    found = CSRF.search(html)
    if not found:
        raise AssertionError("no CSRF token on the page")
    return found.group(1)


def past_consent(client: Any, location: str) -> str:
    """Agree on the consent page when the instrument asks first; where to go next.

    `client` is an httpx client or a Flask test client (both answer `get` and `post`).
    """
    if not location.endswith("/consent"):
        return location
    data = {"consent": "take_part", "agree": "1", "csrf_token": token(client.get(location).text)}
    return client.post(location, data=data).headers["location"]


def _choice(rng: random.Random, item: Item) -> int:
    codes = [c for c in item.choices.codes if c not in item.choices.missing]
    return rng.choice(codes)


def answer(item: Item, rng: random.Random, tag: str) -> tuple[dict[str, Any], Any]:
    """(posted fields, the typed answer the server should store) for one question."""
    if item.type == "single":
        code = _choice(rng, item)
        return {item.id: str(code)}, code
    if item.type == "multiple":
        skip = set(item.exclusive) | set(item.choices.missing)
        codes = [c for c in item.choices.codes if c not in skip]
        chosen = frozenset(rng.sample(codes, k=min(len(codes), rng.randint(1, 2))))
        return {item.id: [str(c) for c in sorted(chosen)]}, chosen
    if item.type == "grid":
        rows = {row.id: _choice(rng, item) for row in item.rows}
        return {f"{item.id}_{r}": str(c) for r, c in rows.items()}, rows
    if item.type == "date":
        day = date(2024, 1 + rng.randrange(12), 1 + rng.randrange(28))
        return {
            f"{item.id}-day": day.day,
            f"{item.id}-month": day.month,
            f"{item.id}-year": day.year,
        }, day
    if item.type in ("integer", "decimal"):
        low = int(item.min) if item.min is not None else 0
        value = low + rng.randrange(3)
        return {item.id: str(value)}, value
    return {item.id: f"answer {tag}"}, f"answer {tag}"


def page_body(instrument: Instrument, number: int, html: str, seed: int) -> str:
    """A valid, urlencoded POST of web page `number` (1-based) shown as `html`: every
    question that applies answered at random, reproducibly for `seed`."""
    page, rng, given = web_pages(instrument)[number - 1], random.Random(seed), {}
    fields: dict[str, Any] = {"csrf_token": token(html)}
    for item in page.items:
        if item.is_question and item_applies(item, instrument, given):
            posted, given[item.id] = answer(item, rng, f"bench {seed}")
            fields |= posted
    return urlencode(fields, doseq=True)


@dataclass
class Respondent:
    """One simulated respondent with an access code, answering at random but reproducibly."""

    code: str
    instrument: Instrument
    seed: int
    saved: dict[str, Any] = field(default_factory=dict)  # answers the server acknowledged
    pending: dict[str, Any] = field(default_factory=dict)  # posted, no answer heard back
    pending_page: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, one per page request
    statuses: list[int] = field(default_factory=list)
    done: bool = False

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.cookies = httpx.Cookies()

    def _request(self, client: httpx.Client, method: str, url: str, **kw) -> httpx.Response:
        started = time.perf_counter()
        response = client.request(method, url, **kw)
        self.latencies.append(time.perf_counter() - started)
        self.statuses.append(response.status_code)
        return response

    def run(self, base_url: str, max_pages: int | None = None, timeout: float = 60) -> None:
        """Come in (or back) with the code and carry on to the end (or `max_pages` posts)."""
        with httpx.Client(base_url=base_url, timeout=timeout, cookies=self.cookies) as client:
            try:
                self._run(client, max_pages)
            finally:  # keep the session for coming back after a failure
                self.cookies = httpx.Cookies(client.cookies)

    def _run(self, client: httpx.Client, max_pages: int | None) -> None:
        """Enter the code, choose the language, then the pages."""
        sent = self._request(client, "GET", f"/c/{self.code}")  # the link on the letter
        if sent.status_code == 410:  # already sent: a respondent resuming after the end
            self.done = True
            return
        if sent.status_code != 302:
            raise AssertionError(f"/c/…: {sent.status_code}")
        welcome = self._request(client, "GET", "/welcome")
        data = {"language": "en", "csrf_token": token(welcome.text)}
        location = self._request(client, "POST", "/welcome", data=data).headers["location"]
        self._pages(client, past_consent(client, location), max_pages)

    def _pages(self, client: httpx.Client, location: str, max_pages: int | None) -> None:
        pages, posted = web_pages(self.instrument), 0
        while (found := PAGE.search(location)) and (max_pages is None or posted < max_pages):
            page = pages[int(found.group(1)) - 1]
            if self.pending and page.number > self.pending_page:  # it was saved after all
                self.saved |= self.pending
            self.pending = {}
            html = self._request(client, "GET", location).text
            data, typed = self._answers(page.items)
            data["csrf_token"] = token(html)
            self.pending, self.pending_page = typed, page.number
            reply = self._request(client, "POST", location, data=data)
            if reply.status_code != 302:
                raise AssertionError(f"{location}: {reply.status_code}")
            self.saved |= typed
            self.pending = {}
            location, posted = reply.headers["location"], posted + 1
        if location.endswith("/check") and self.pending:  # the last page was saved after all
            self.saved |= self.pending
            self.pending = {}
        if location.endswith("/check") and max_pages is None:
            html = self._request(client, "GET", "/check").text
            reply = self._request(client, "POST", "/check", data={"csrf_token": token(html)})
            self.done = reply.headers.get("location", "").endswith("/done")

    def _answers(self, items: tuple[Item, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Posted fields and typed answers for a page; routed-out items left blank."""
        given = dict(self.saved)
        data: dict[str, Any] = {}
        typed: dict[str, Any] = {}
        for item in items:
            if item.is_question and item_applies(item, self.instrument, given):
                fields, value = answer(item, self.rng, f"{self.code}/{item.id}")
                data |= fields
                given[item.id] = typed[item.id] = value
        return data, typed


@dataclass
class LoadResult:
    """What a load run did: respondents, seconds, page latencies and every status seen."""

    respondents: list[Respondent]
    seconds: float
    errors: list[str]

    @property
    def latencies(self) -> list[float]:
        """Every request's latency in seconds."""
        return [t for r in self.respondents for t in r.latencies]

    @property
    def server_errors(self) -> int:
        """How many responses were 5xx."""
        return sum(1 for r in self.respondents for s in r.statuses if s >= 500)

    def percentile(self, q: float) -> float:
        """The q-th percentile of request latency, in ms."""
        times = sorted(self.latencies)
        return 1000 * times[min(len(times) - 1, int(q / 100 * len(times)))] if times else 0.0


def _complete(
    respondent: Respondent, urls: list[str], max_pages: int | None, until: float
) -> str | None:
    """Run one respondent to the end, coming back after connection failures; an error or None."""
    attempt = 0
    while time.monotonic() < until:
        try:
            respondent.run(urls[(respondent.seed + attempt) % len(urls)], max_pages)
            return None
        except httpx.TransportError:  # the server is down for now: try again shortly
            attempt += 1
            time.sleep(0.2)
        except AssertionError as error:
            return f"{respondent.code}: {error}"
    return f"{respondent.code}: not finished in time"


def run_load(
    respondents: list[Respondent],
    urls: list[str],
    max_pages: int | None = None,
    limit_seconds: float = 300,
) -> LoadResult:
    """Every respondent at once (one thread each), spread over `urls`; bounded in time."""
    from concurrent.futures import ThreadPoolExecutor

    until = time.monotonic() + limit_seconds
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(respondents)) as pool:
        outcomes = list(pool.map(lambda r: _complete(r, urls, max_pages, until), respondents))
    seconds = time.perf_counter() - started
    return LoadResult(respondents, seconds, [o for o in outcomes if o])


def differences(app, respondents: list[Respondent], complete: bool = True) -> list[str]:
    """Where the database differs from what the respondents sent (empty: exactly that)."""
    from sqlalchemy import func, select

    from fieldwork import answers, codes
    from fieldwork.db import db
    from fieldwork.models import Invitation, Response
    from fieldwork.models.responses import COMPLETE

    found = []
    with app.app_context():
        for r in respondents:
            invitation = db.session.scalar(
                select(Invitation).where(Invitation.code == codes.normalise(r.code))
            )
            count = db.session.scalar(
                select(func.count(Response.id)).where(Response.invitation_id == invitation.id)
            )
            if count != 1:
                found.append(f"{r.code}: {count} responses")
                continue
            response = invitation.response
            stored = answers.load_answers(db.session, r.instrument, response.id)
            if stored != r.saved and stored != r.saved | r.pending:
                found.append(f"{r.code}: stored {sorted(stored)} != sent {sorted(r.saved)}")
            if complete and (response.status != COMPLETE or not r.done):
                found.append(f"{r.code}: {response.status}, done={r.done}")
        db.session.remove()
    return found
