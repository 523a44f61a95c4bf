"""A patient completes the survey on a phone with JavaScript off, in English and in Chinese.

Like a person: types the access code, picks a language, clicks labels and types into
fields, meets an error, changes an answer from the check page, and sends. Every page
passes axe-core at WCAG 2.2 AA, says where it is in its title, labels every field, has
the right `lang` and does not scroll sideways at 320 px.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from fieldwork import answers as store
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.i18n import language_name, t
from fieldwork.models import Invitation
from fieldwork.models.responses import COMPLETE
from forms.model import Instrument, Item
from forms.paging import item_applies, web_pages
from forms.web_fields import question_name
from tests.browser.conftest import agree_if_asked

pytestmark = pytest.mark.browser

PAGE_URL = re.compile(r"/page/(\d+)")
# Answers that open the routed questions and sections, so the walk sees them too.
CHOSEN = {"used_online": 1, "used_what": {1, 6}, "gender": 4, "interview": 2}
TYPED = {
    "en": "Booking with the NHS App",
    "zh": "用 NHS App 预约",
    "pl": "Rezerwacja w NHS App",
    "ur": "NHS App سے بکنگ",
}


def follow(link: Locator) -> None:
    """Click a link or button and wait until the page it leads to has loaded."""
    with link.page.expect_navigation():
        link.click()


class Respondent:
    """A person on a phone: clicks labels and types, remembering what they answered."""

    def __init__(self, page: Page, instrument: Instrument, lang: str, check) -> None:
        self.page, self.instrument, self.lang, self.check = page, instrument, lang, check
        self.given: dict[str, Any] = {}

    def button(self, key: str, lang: str | None = None) -> None:
        """Press a button by its words and wait for the next page."""
        follow(self.page.get_by_role("button", name=t(key, lang or self.lang)))

    def tick(self, name: str, code: int | str) -> None:
        """Click the label of the radio or checkbox for `code`."""
        field = self.page.locator(f'input[name="{name}"][value="{code}"]')
        if not field.is_checked():  # answers are kept after an error: a tick stays ticked
            self.page.locator(f'label[for="{field.get_attribute("id")}"]').click()
        expect(field).to_be_checked()

    def type_into(self, name: str, text: str) -> None:
        """Click a field's label and type."""
        field = self.page.locator(f"#{name}")
        if field.input_value() != text:
            field.clear()
            self.page.locator(f'label[for="{name}"]').click()
            self.page.keyboard.type(text)
        expect(field).to_have_value(text)

    def answer(self, item: Item) -> None:
        """Answer one question as shown, with CHOSEN answers where there are some."""
        choices = item.choices
        if item.type == "single":
            code = CHOSEN.get(item.id) or next(c for c in choices.codes if c not in choices.missing)
            self.tick(item.id, code)
            self.given[item.id] = code
        elif item.type == "multiple":
            codes = CHOSEN.get(item.id) or {
                next(c for c in choices.codes if c not in item.exclusive)
            }
            for code in sorted(codes):
                self.tick(item.id, code)
            self.given[item.id] = frozenset(codes)
        elif item.type == "grid":
            for row in item.rows:
                self.tick(f"{item.id}_{row.id}", choices.codes[0])
            self.given[item.id] = {row.id: choices.codes[0] for row in item.rows}
        elif item.type in ("text", "textarea"):
            self.type_into(item.id, TYPED[self.lang])
            self.given[item.id] = TYPED[self.lang]
        elif item.type == "integer":
            value = max(int(item.min or 0), 1)
            self.type_into(item.id, str(value))
            self.given[item.id] = value
        else:
            raise AssertionError(f"the surveys have no {item.type} items")

    def answer_page(self, number: int) -> None:
        """Answer every question on the page that applies, then Continue."""
        for item in web_pages(self.instrument)[number - 1].items:
            shown = self.page.locator(f'[name^="{item.id}"]').count() > 0
            if item.is_question and shown and item_applies(item, self.instrument, self.given):
                self.answer(item)
        self.button("continue")

    def page_number(self) -> int | None:
        """The question page shown, or None."""
        found = PAGE_URL.search(self.page.url)
        return int(found.group(1)) if found else None


def start(person: Respondent, code: str) -> None:
    """Start page: type the code in lower case with its dash; welcome page: pick a language."""
    page, lang = person.page, person.lang
    page.goto("/")
    person.check(page, "en")
    person.type_into("code", code.lower())
    person.button("continue", "en")
    expect(page).to_have_url(re.compile(r"/welcome$"))
    if lang != "en":
        person.check(page, "en")
        follow(page.get_by_role("link", name=language_name(lang)))
    person.check(page, lang)
    person.tick("language", lang)
    person.button("start_now")
    expect(page).to_have_url(re.compile(r"/consent$"))
    agree_if_asked(page, person.check, lang)


def meet_an_error(person: Respondent, number: int) -> None:
    """Tick an answer together with one that excludes the others ("None of these"): the
    summary names the question and links to it; the page's other answers are kept."""
    page, lang = person.page, person.lang
    item = person.instrument.item("aware")
    person.answer(person.instrument.item("nhs_app"))
    other = next(c for c in item.choices.codes if c not in item.exclusive)
    only = min(item.exclusive)
    person.tick(item.id, other)
    person.tick(item.id, only)
    person.button("continue")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    assert summary.get_attribute("tabindex") == "-1"
    summary.focus()
    assert page.evaluate("() => document.activeElement.classList.contains('nhsuk-error-summary')")
    assert person.check(page, lang).startswith(t("error_title_prefix", lang))
    links = summary.locator("a")
    assert links.count() == 1
    assert links.first.get_attribute("href") == f"#{item.id}"
    assert question_name(item, lang) in links.first.inner_text()
    expect(page.locator(f"#{item.id}-error")).to_be_visible()
    links.first.click()
    assert page.url.endswith(f"#{item.id}")
    expect(page.locator(f"#{item.id}")).to_be_in_viewport()
    kept = person.given["nhs_app"]
    expect(page.locator(f'input[name="nhs_app"][value="{kept}"]')).to_be_checked()
    exclusive = page.locator(f'input[name="{item.id}"][value="{only}"]')
    page.locator(f'label[for="{exclusive.get_attribute("id")}"]').click()
    expect(exclusive).not_to_be_checked()


def change_one_answer(person: Respondent) -> None:
    """From the check page, change one answer (one Change link per section) and come back."""
    page, lang = person.page, person.lang
    item = person.instrument.item("nhs_app")
    section = next(s for s in person.instrument.sections if item in s.items)
    block = page.locator(".fw-check-section").filter(
        has=page.get_by_role("heading", name=section.title.get(lang), exact=True)
    )
    assert block.locator('a[href*="return=check"]').count() == 1
    follow(block.locator('a[href*="return=check"]'))
    assert person.page_number() is not None
    person.check(page, lang)
    other = next(c for c in item.choices.codes if c != person.given["nhs_app"])
    person.tick("nhs_app", other)
    person.given["nhs_app"] = other
    person.button("continue")
    expect(page).to_have_url(re.compile(r"/check$"))
    expect(page.locator("main")).to_contain_text(item.choices.label(other, lang))


def stored(app, code: str):
    """(response, answers) stored for an access code."""
    with app.app_context():
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.code == code.replace("-", ""))
        )
        response = invitation.response
        instrument = get_catalogue().instrument_for(response.instrument_version_id)
        answers = store.load_answers(db.session, instrument, response.id)
        db.session.expunge_all()
        return response, answers


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_patient_completes_the_survey_without_javascript(
    app, phone, access_codes, check_page, lang
):
    code = access_codes["patient"][0 if lang == "en" else 1]
    with app.app_context():
        instrument = get_catalogue().current["patient"]
    person = Respondent(phone, instrument, lang, check_page)
    start(person, code)
    pages_seen: list[int] = []
    titles: list[str] = []
    errors_met = False
    while (number := person.page_number()) is not None:
        titles.append(check_page(phone, lang))
        pages_seen.append(number)
        if not errors_met and instrument.item("aware") in web_pages(instrument)[number - 1].items:
            meet_an_error(person, number)
            errors_met = True
        person.answer_page(number)
        assert len(pages_seen) <= len(web_pages(instrument)), "the survey did not end"

    assert errors_met
    assert pages_seen == sorted(set(pages_seen))
    assert len(set(titles)) == len(titles), "two question pages have the same title"
    expect(phone).to_have_url(re.compile(r"/check$"))
    check_page(phone, lang)
    change_one_answer(person)
    check_page(phone, lang)
    person.button("submit")
    expect(phone).to_have_url(re.compile(r"/done$"))
    assert check_page(phone, lang).startswith(t("done_title", lang))

    response, answers = stored(app, code)
    assert response.status == COMPLETE and response.submitted_at is not None
    assert response.language == lang
    assert answers == person.given
