"""Without JavaScript: routed questions say when to answer them, identifying questions are
never asked of those they do not apply to, dropped answers are owned up to; and on the
mental-health survey, help is one tap away on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fieldwork.catalogue import get_catalogue
from fieldwork.i18n import t
from tests.browser.conftest import agree_if_asked
from tests.browser.test_languages import SHOTS
from tests.browser.test_patient_no_js import Respondent, stored

pytestmark = pytest.mark.browser

SIGNPOSTED_AFTER = """id => document.getElementById(id).closest('.nhsuk-form-group')
  .nextElementSibling.classList.contains('fw-sensitive')"""


def _enter(person: Respondent, code: str) -> None:
    page = person.page
    page.goto("/")
    person.type_into("code", code)
    person.button("continue", "en")
    if page.locator('input[name="language"]').count():
        person.tick("language", "en")
    person.button("start_now", "en")
    agree_if_asked(page)


def test_no_means_no_contact_questions_and_dropped_answers_are_told(
    app, phone, access_codes, check_page
):
    code = access_codes["patient"][0]
    with app.app_context():
        instrument = get_catalogue().current["patient"]
    person = Respondent(phone, instrument, "en", check_page)
    _enter(person, code)
    person.answer_page(1)  # notes only
    # "No" to online use, but the routed question (same page) is answered anyway
    condition = phone.locator("#used_what-condition")
    expect(condition).to_have_text(re.compile(r"^Answer this if you answered 'Yes' to '"))
    person.tick("used_online", 2)
    person.tick("used_what", 1)
    person.button("continue")
    notice = phone.locator(".fw-not-kept")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("has been set aside")
    expect(notice).to_contain_text("Which of these have you done online")
    check_page(phone, "en")
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "answer-set-aside.png"), full_page=True)
    person.given["used_online"] = 2
    person.given["interview"] = 2
    seen = []
    while (number := person.page_number()) is not None:
        assert phone.locator('[name="contact_name"], [name="contact_detail"]').count() == 0
        seen.append(number)
        person.answer_page(number)
        assert len(seen) <= 20
    expect(phone).to_have_url(re.compile(r"/check$"))
    _, answers = stored(app, code)
    assert "used_what" not in answers and answers["interview"] == 2
    assert "contact_name" not in answers and "contact_detail" not in answers


def test_help_now_on_every_page_of_the_mental_health_survey(app, phone, access_codes, check_page):
    code = access_codes["mental_health"][0]
    with app.app_context():
        instrument = get_catalogue().current["mental_health"]
    person = Respondent(phone, instrument, "en", check_page)
    phone.goto("/")
    person.type_into("code", code)
    person.button("continue")
    welcome = phone.locator("main")
    expect(welcome.get_by_role("heading", name=t("signposting_title", "en"))).to_have_count(1)

    def has_help() -> None:
        block = phone.locator(".fw-help-now")
        expect(block).to_have_count(1)
        expect(block.get_by_role("heading", name=t("help_now", "en"))).to_have_count(1)
        for href in ("tel:111", "tel:116123", "tel:999", "https://111.nhs.uk"):
            expect(block.locator(f'a[href="{href}"]')).to_have_count(1)
            box = block.locator(f'a[href="{href}"]').bounding_box()  # comfortable to tap
            assert box["width"] >= 24 and box["height"] >= 24, (href, box)
        assert block.bounding_box()["y"] < 400, "the help block is below the fold"

    has_help()
    check_page(phone, "en")
    person.button("start_now")
    agree_if_asked(phone, check_page)
    seen = 0
    while (number := person.page_number()) is not None:
        has_help()
        check_page(phone, "en")
        if number == 1:  # a sensitive question has its own signposting right after it
            SHOTS.mkdir(parents=True, exist_ok=True)
            phone.screenshot(path=str(SHOTS / "mental-health-page-1.png"), full_page=True)
            expect(phone.locator(".fw-sensitive")).to_contain_text("116 123")
            assert phone.evaluate(SIGNPOSTED_AFTER, "mh_now")
        person.answer_page(number)
        seen += 1
        assert seen <= 20
    has_help()
    person.button("submit")
    expect(phone).to_have_url(re.compile(r"/done$"))
    has_help()
    footer = phone.locator("footer")
    expect(footer.locator('a[href="mailto:digital.facilitation@example.org"]')).to_have_count(1)
    expect(footer.get_by_role("link", name=t("privacy", "en"))).to_have_count(1)
