"""Question pages rendered from skeletons are exactly the pages the template renders."""

from __future__ import annotations

import re

import pytest

from fieldwork.db import db
from fieldwork.models import Practice
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot

_NONCE = re.compile(r'nonce="[^"]+"')
_CSRF = re.compile(r'name="csrf_token" value="[^"]+"')


def _normal(html: str) -> str:
    """The page without what differs on every request (CSP nonce, CSRF token)."""
    return _CSRF.sub('name="csrf_token" value="…"', _NONCE.sub('nonce="…"', html))


class ComparingClient:
    """A test client that fetches every question page both ways and compares them."""

    def __init__(self, app, client):
        self.app, self.client, self.compared = app, client, 0

    def get(self, url: str, **kw):
        if "/page/" not in url:
            return self.client.get(url, **kw)
        with self.client.session_transaction() as session:
            notice = session.get("not_kept")  # said once: said again for the second GET
        self.app.config["PAGE_SKELETONS"] = False
        plain = self.client.get(url, **kw)
        if notice:
            with self.client.session_transaction() as session:
                session["not_kept"] = notice
        self.app.config["PAGE_SKELETONS"] = True
        fast = self.client.get(url, **kw)
        assert fast.status_code == plain.status_code
        assert _normal(fast.get_data(as_text=True)) == _normal(plain.get_data(as_text=True))
        self.compared += plain.status_code == 200
        if not notice:
            fast_again = self.client.get(url, **kw)  # from the cached skeleton
            again = fast_again.get_data(as_text=True)
            assert _normal(again) == _normal(fast.get_data(as_text=True))
        return fast

    def post(self, url: str, **kw):
        return self.client.post(url, **kw)


@pytest.mark.parametrize(
    ("instrument_id", "language", "overrides"),
    [
        ("patient", "en", {}),
        ("patient", "zh", {"used_online": 2}),
        ("practice_staff", None, {}),
        ("mental_health", None, {}),
    ],
)
def test_every_page_same_both_ways(app, client, codes, instrument_id, language, overrides):
    inst = instrument(app, instrument_id)
    comparing = ComparingClient(app, client)
    robot = Robot(comparing, inst, overrides)
    robot.enter_code(codes[instrument_id][0])
    start = robot.welcome(language)
    assert robot.run_pages(start.headers["Location"]).endswith("/check")
    assert comparing.compared >= len(robot.visited)
    # Back on every page, with the saved answers shown, also when returning to the check.
    for number in robot.visited:
        comparing.get(f"/page/{number}")
        comparing.get(f"/page/{number}?return=check")
    assert comparing.compared >= 3 * len(robot.visited)
    # Skeletons hold structure only: no typed answer is kept in the worker's memory.
    typed = [value for value in robot.given.values() if isinstance(value, str) and len(value) > 3]
    skeletons = app.extensions["fieldwork.page_skeletons"].values()
    text = "".join(part for skeleton in skeletons for part in skeleton.parts[::2])
    assert skeletons and all(value not in text for value in typed)


def test_practice_phone_filled_in(app, codes):
    """Each respondent's page shows their own practice's phone, from one skeleton."""
    inst = instrument(app, "mental_health")
    assert inst.signposting
    with app.app_context():
        for n, practice in enumerate(db.session.query(Practice).order_by(Practice.id)):
            practice.phone = f"0113 496 000{n}"
        db.session.commit()
    pages = []
    for code in (codes["mental_health"][0], codes["mental_health"][3]):
        robot = Robot(app.test_client(), inst)
        robot.enter_code(code)
        first = robot.welcome().headers["Location"]
        pages.append(robot.client.get(first).get_data(as_text=True))
    phones = [re.findall(r'href="tel:(0113496000\d)"', page) for page in pages]
    assert [len(found) for found in phones] == [1, 1]
    assert phones[0] != phones[1]
    app.config["PAGE_SKELETONS"] = False
    plain = Robot(app.test_client(), inst)
    plain.enter_code(codes["mental_health"][0])
    first = plain.welcome().headers["Location"]
    assert _normal(plain.client.get(first).get_data(as_text=True)) == _normal(pages[0])


def test_resume_code_filled_in(app, codes):
    """An open link's respondent sees their own resume code, grouped, as the template shows it."""
    inst = instrument(app, "mental_health")
    with app.app_context():
        link = db.session.query(Practice).order_by(Practice.id).first().open_link("mental_health")
    shown = []
    for skeletons in (True, True, False):
        app.config["PAGE_SKELETONS"] = skeletons
        comparing = ComparingClient(app, app.test_client())
        comparing.client.get(link)
        robot = Robot(comparing, inst)
        first = robot.welcome().headers["Location"]
        html = comparing.client.get(first).get_data(as_text=True)
        found = re.findall(
            r'use the resume code <span class="fw-code" dir="ltr" translate="no">'
            r"([A-Z0-9]+-[A-Z0-9]+)</span>",
            html,
        )
        assert len(found) == 1, html
        shown.append(found[0])
        robot.answer_page(int(first.rsplit("/", 1)[1]))  # compared both ways
    assert len(set(shown)) == 3
