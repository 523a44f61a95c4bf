"""How often staff sign-in may be tried, without handing strangers a lock-out.

Every attempt is counted before the password is checked (fieldwork/throttle.py), against:
- this client and this account together: 5 per 15 minutes, and 10 per day, so the
  wait grows from 15 minutes to the rest of the day for a client that keeps guessing;
- this client, whatever the account: 20 per 15 minutes;
- this account from browsers that have never signed in to it: 50 per hour. A browser
  that signed in to the account before carries a signed "known device" cookie and is
  exempt, so a stranger's wrong passwords can never lock the owner out of their own
  browser; at worst the stranger slows sign-in from new browsers.
A right password gives its own attempt back but never wipes earlier failures.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from fieldwork import throttle

DEVICE_COOKIE = "fieldwork_device"
DEVICE_DAYS = 180
PAIR, PAIR_DAY = (5, 15 * 60), (10, 24 * 60 * 60)
CLIENT, ACCOUNT = (20, 15 * 60), (50, 60 * 60)


def _client() -> str:
    return request.remote_addr or "unknown"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="fieldwork-known-device")


def _tag(email: str) -> str:
    """A short keyed hash of the address, so the cookie does not show it."""
    return hashlib.sha256(f"{current_app.secret_key}:{email}".encode()).hexdigest()[:20]


def _known_device(email: str) -> bool:
    """Whether this browser has signed in to the account before."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    try:
        emails = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400) if raw else []
    except BadSignature:
        return False
    return isinstance(emails, list) and _tag(email) in emails


def _budgets(email: str) -> list[tuple[str, tuple[int, int]]]:
    budgets = [
        (throttle.key("signin-pair", _client(), email), PAIR),
        (throttle.key("signin-pair-day", _client(), email), PAIR_DAY),
        (throttle.key("signin-client", _client()), CLIENT),
    ]
    if not _known_device(email):
        budgets.append((throttle.key("signin-account", email), ACCOUNT))
    return budgets


def take(email: str) -> tuple[datetime | None, list[str]]:
    """Count a sign-in attempt: (when to try again if refused, the keys counted)."""
    taken: list[str] = []
    for name, (limit, window) in _budgets(email):
        until = throttle.take(name, limit, window)
        if until:
            for earlier in taken:
                throttle.give_back(earlier)
            return until, []
        taken.append(name)
    return None, taken


def give_back(taken: list[str]) -> None:
    """A successful sign-in does not count as a guess."""
    for name in taken:
        throttle.give_back(name)


def remember_device(response: Response, email: str) -> None:
    """Mark this browser as one that signed in to the account (kept for DEVICE_DAYS)."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    try:
        emails = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400) if raw else []
    except BadSignature:
        emails = []
    emails = emails if isinstance(emails, list) else []
    wanted = _tag(email)
    emails = [*[e for e in emails if e != wanted][-9:], wanted]
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(emails),
        max_age=DEVICE_DAYS * 86400,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
