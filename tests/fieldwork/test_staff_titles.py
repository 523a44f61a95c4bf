"""Staff pages name questionnaires by title; the access-codes page lists the demo's codes."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.models import Invitation, Practice

STAFF_TITLE = "Helping patients use online services - survey of GP practice staff"


def test_codes_page_lists_codes_issued_without_a_batch(app, client, auth):
    with app.app_context():
        seed(sorted(get_catalogue().current))  # demo codes are made without a batch
        db.session.commit()
        assert db.session.scalar(select(func.count(Invitation.id))) > 0
    auth.login(role="coordinator")
    page = client.get("/staff/codes/").text
    assert "No codes have been issued yet" not in page
    assert "(no batch)" in page and STAFF_TITLE in page
    assert ">practice_staff<" not in page  # the title, not the id


def test_practice_page_shows_titles_and_open_links_in_text_colour(app, client, auth):
    with app.app_context():
        seed(sorted(get_catalogue().current))
        db.session.commit()
        practice_id = db.session.scalar(select(Invitation.practice_id).limit(1))
        practice = db.session.get(Practice, practice_id).code
    auth.login(role="coordinator")
    page = client.get(f"/staff/practices/{practice}").text
    assert STAFF_TITLE in page
    assert '<span class="fw-url">' in page and "<code>" not in page.split("Open links")[-1]


def test_the_staff_menu_marks_only_the_place_the_page_is_under(client, auth):
    auth.login("boss@example.org", role="admin")  # admins have both Keying links
    for path, place in (("/staff/keying/progress", "Keying progress"), ("/staff/keying/", "Keying"),
                        ("/staff/", "Staff home")):  # fmt: skip
        page = client.get(path).text
        current = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', page)
        assert current == [place], (path, current)
