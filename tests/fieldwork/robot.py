"""A respondent robot: completes any instrument through the test client, page by page.

It reads each page's HTML for the fields actually rendered, answers them from the
instrument's own definitions (valid values that satisfy min/max and constraints), or
from overrides a test gives, and follows the app's redirects like a browser would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from forms.model import Instrument, Item
from forms.paging import web_pages
from forms.routing import routed_answers

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGE_RE = re.compile(r"/page/(\d+)")


def csrf(html: str) -> str:
    """The CSRF token in a page."""
    found = CSRF_RE.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


def _fits(item: Item, value: Any, instrument: Instrument, given: Mapping[str, Any]) -> bool:
    if item.min is not None and value < item.min:
        return False
    if item.max is not None and value > item.max:
        return False
    if item.constraint is None:
        return True
    answers = {**given, item.id: value}
    return item.constraint.test(answers, missing=instrument.missing_codes, this=item.id)


def valid_answer(item: Item, instrument: Instrument, given: Mapping[str, Any] = {}) -> Any:
    """A plausible valid answer to any item, in the Answers shape."""
    choices = item.choices
    if item.type == "single":
        return next(c for c in choices.codes if c not in choices.missing)
    if item.type == "multiple":
        return frozenset({next(c for c in choices.codes if c not in item.exclusive)})
    if item.type == "grid":
        return {row.id: choices.codes[0] for row in item.rows}
    if item.type in ("integer", "decimal"):
        low = item.min if item.min is not None else 0
        high = item.max if item.max is not None else 100
        for candidate in (low + 1, low, high, (low + high) // 2, 1, 0):
            value = Decimal(str(candidate)) if item.type == "decimal" else int(candidate)
            if _fits(item, value, instrument, given):
                return value
        raise AssertionError(f"no valid value found for {item.id}")
    if item.type == "date":
        return date(2024, 3, 15)
    if item.type in ("text", "textarea"):
        return "Robot answer"[: item.max_length or 100]
    return None


def form_fields(item: Item, value: Any) -> dict[str, Any]:
    """The posted form fields for one answer (field names per the contract)."""
    if value is None:
        return {}
    if item.type == "multiple":
        return {item.id: [str(code) for code in sorted(value)]}
    if item.type == "grid":
        return {f"{item.id}_{row}": str(code) for row, code in value.items()}
    if item.type == "date":
        return {
            f"{item.id}-day": str(value.day),
            f"{item.id}-month": str(value.month),
            f"{item.id}-year": str(value.year),
        }
    return {item.id: str(value)}


class Robot:
    """Drive one respondent through the survey with a Flask test client."""

    def __init__(self, client, instrument: Instrument, answers: Mapping[str, Any] | None = None):
        self.client, self.instrument = client, instrument
        self.overrides = dict(answers or {})
        self.given: dict[str, Any] = {}
        self.visited: list[int] = []
        self.skip: Callable[[Item], bool] = lambda item: False

    def enter_code(self, code: str):
        """Type the access code on the start page."""
        html = self.client.get("/").get_data(as_text=True)
        return self.client.post("/", data={"code": code, "csrf_token": csrf(html)})

    def welcome(self, language: str | None = None, agree: bool = True):
        """Choose a language (if asked) and start, agreeing to the consent statement (if
        the instrument has one and `agree`); returns the last response."""
        html = self.client.get("/welcome").get_data(as_text=True)
        data = {"csrf_token": csrf(html)}
        if language:
            data["language"] = language
        answer = self.client.post("/welcome", data=data)
        if agree and answer.headers.get("Location") == "/consent":
            return self.consent()
        return answer

    def consent(self, ticked: list[str] | None = None, decline: bool = False):
        """Post the consent page: the required boxes (or those given) ticked, or declined."""
        html = self.client.get("/consent").get_data(as_text=True)
        statement = self.instrument.consent
        if ticked is None:
            ticked = [choice.id for choice in statement.choices if choice.required]
        data: dict[str, Any] = {"csrf_token": csrf(html), "consent": ticked}
        data["decline" if decline else "agree"] = "1"
        return self.client.post("/consent", data=data)

    def answer_page(self, number: int, extra: Mapping[str, Any] | None = None):
        """Fill in and post one page; returns the response to the POST."""
        response = self.client.get(f"/page/{number}")
        html = response.get_data(as_text=True)
        page = web_pages(self.instrument)[number - 1]
        data: dict[str, Any] = {"csrf_token": csrf(html)}
        for item in page.items:
            if not item.is_question or self.skip(item) or not _rendered(item, html):
                continue
            value = self.overrides.get(item.id) or valid_answer(item, self.instrument, self.given)
            if value is not None:
                self.given[item.id] = value
            data.update(form_fields(item, value))
        data.update(extra or {})
        # Typed into an item routed out (on this page, or by a chain): not saved (set aside).
        self.given = routed_answers(self.instrument, self.given)
        self.visited.append(number)
        return self.client.post(f"/page/{number}", data=data)

    def run_pages(self, start_location: str, limit: int = 60) -> str:
        """Answer pages from a redirect location until the check page; returns its location."""
        location = start_location
        for _ in range(limit):
            found = PAGE_RE.search(location)
            if not found:
                return location
            response = self.answer_page(int(found.group(1)))
            assert response.status_code == 302, _errors(response)
            location = response.headers["Location"]
        raise AssertionError("survey did not end")

    def submit(self):
        """Post the check-your-answers page."""
        html = self.client.get("/check").get_data(as_text=True)
        return self.client.post("/check", data={"csrf_token": csrf(html)})


def _rendered(item: Item, html: str) -> bool:
    name = f"{item.id}_{item.rows[0].id}" if item.type == "grid" else item.id
    if item.type == "date":
        name = f"{item.id}-day"
    return f'name="{name}"' in html


def _errors(response) -> str:
    html = response.get_data(as_text=True)
    summary = re.findall(r'<a href="#[^"]+">([^<]+)</a>', html)
    return f"status {response.status_code}: {summary[:5]}"
