"""Respondents in Polish and Urdu (the shipped catalogues), with JavaScript off.

The patient survey is served from a test copy that adds Polish and Urdu to its languages;
its questionnaire texts are stand-ins (the Chinese ones), since only the platform's own
words are under test: no page may show an English word of the platform. Urdu pages are
right to left, with radios on the right of their labels (a screenshot is saved).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from fieldwork.catalogue import get_catalogue
from fieldwork.i18n import t
from forms import i18n
from tests.browser.conftest import PHONE, agree_if_asked
from tests.browser.test_patient_no_js import Respondent, follow, stored
from tests.conftest import INSTRUMENTS

pytestmark = pytest.mark.browser

ADDED = ("pl", "ur")
SHOTS = Path(os.environ.get("FIELDWORK_SCREENSHOTS", "/tmp/fieldwork-screenshots"))
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _with_languages(value: Any) -> Any:
    """Every {en, zh} text given Polish and Urdu stand-ins (the Chinese text)."""
    if isinstance(value, dict):
        if set(value) == {"en", "zh"}:
            return {**value, **dict.fromkeys(ADDED, value["zh"])}
        return {key: _with_languages(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_languages(item) for item in value]
    return value


@pytest.fixture
def instruments_dir(tmp_path) -> Path:
    """The patient survey in English, Chinese, Polish and Urdu."""
    folder = tmp_path / "instruments"
    folder.mkdir()
    data = _with_languages(yaml.safe_load((INSTRUMENTS / "patient.yaml").read_text()))
    data["languages"] = ["en", "zh", *ADDED]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    (folder / "patient.yaml").write_text(text, encoding="utf-8")
    shutil.copy(INSTRUMENTS / "mental_health.yaml", folder)
    return folder


def english_words(lang: str) -> list[re.Pattern]:
    """Every English fragment of the platform's words that `lang` says otherwise."""
    patterns = []
    for msgid in i18n.template_ids():
        for english in [msgid] if isinstance(msgid, str) else msgid:
            translated = i18n.text(lang, msgid if isinstance(msgid, str) else tuple(msgid))
            for fragment in _PLACEHOLDER.split(english):
                fragment = fragment.strip(" .:,?'()")
                if sum(ch.isalpha() for ch in fragment) >= 3 and fragment not in translated:
                    patterns.append(re.compile(rf"(?<![A-Za-z]){re.escape(fragment)}(?![A-Za-z])"))
    return patterns


def no_english(page: Page, patterns: list[re.Pattern]) -> None:
    """The page (text, hidden text and title) holds none of the English platform words."""
    shown = page.evaluate("() => document.body.innerText") + "\n" + page.title()
    found = sorted({p.pattern for p in patterns if p.search(shown)})
    assert found == [], f"{page.url} shows English platform words: {found}"


def radios_on_the_right(page: Page) -> bool:
    """Whether the first radio of the page sits right of its label's text."""
    box = page.locator(".nhsuk-radios__input").first.bounding_box()
    label = page.locator(".nhsuk-radios__label").first.bounding_box()
    return box["x"] + box["width"] / 2 > label["x"] + label["width"] / 2


def _context_page(browser: Browser, live_server: str, lang: str) -> Page:
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, java_script_enabled=False, locale=lang
    )
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.mark.parametrize("lang", ADDED)
def test_patient_survey_in_polish_and_urdu(
    app, browser, live_server, access_codes, check_page, lang
):
    code = access_codes["patient"][0]
    with app.app_context():
        instrument = get_catalogue().current["patient"]
    page = _context_page(browser, live_server, lang)
    english = english_words(lang)
    direction = "rtl" if lang == "ur" else "ltr"

    def checked(axe: bool = True) -> None:
        if axe:
            check_page(page, lang)
        no_english(page, english)
        assert page.evaluate("() => document.documentElement.dir") == direction

    person = Respondent(page, instrument, lang, check_page)
    page.goto("/")  # the browser's Accept-Language chooses the start page's language
    checked()
    person.type_into("code", code.lower())
    person.button("continue")
    expect(page).to_have_url(re.compile(r"/welcome$"))
    checked()
    person.tick("language", lang)
    person.button("start_now")
    agree_if_asked(page, check_page if lang == "pl" else None, lang)
    seen = 0
    while (number := person.page_number()) is not None:
        # Polish runs axe on every page; Urdu (the same markup, mirrored) on the pages
        # whose kinds of field differ, to keep the suite quick: notes, choices, grids, text
        checked(axe=lang == "pl" or number in (1, 2, 3, 12))
        if lang == "ur" and number == 2:
            assert radios_on_the_right(page)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "urdu-page-2.png"), full_page=True)
        person.answer_page(number)
        seen += 1
        assert seen <= 20, "the survey did not end"
    expect(page).to_have_url(re.compile(r"/check$"))
    checked()
    person.button("submit")
    expect(page).to_have_url(re.compile(r"/done$"))
    checked()
    response, answers = stored(app, code)
    assert response.language == lang and answers == person.given

    page.goto("/")  # the same code again: the used-code page, in the same language
    person.type_into("code", code)
    person.button("continue")
    checked()
    assert page.get_by_role("heading", level=1).inner_text() == t("closed_used_title", lang)
    expect(page.locator('main a[href="mailto:digital.facilitation@example.org"]')).to_be_visible()
    page.context.close()


def test_start_page_language_link_and_english_pages_ltr(app, phone, live_server, check_page):
    phone.goto("/")
    assert phone.evaluate("() => document.documentElement.dir") == "ltr"
    follow(phone.get_by_role("link", name="polski"))
    check_page(phone, "pl")
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "start-page-polish.png"), full_page=True)
    assert phone.get_by_role("heading", level=1).inner_text() == t("start_title", "pl")
    follow(phone.get_by_role("link", name="اردو"))
    check_page(phone, "ur")
    assert phone.evaluate("() => document.documentElement.dir") == "rtl"
    phone.goto("/resume")  # the choice holds for the visit
    check_page(phone, "ur")
    hint = phone.locator("#code-hint").inner_text()
    assert re.search(r"[A-Z0-9]+-[A-Z0-9]+", hint), hint
    # The example code is on one line, left to right, on a right-to-left page at 360 px.
    phone.set_viewport_size({"width": 360, "height": 800})
    phone.goto("/?lang=ar")
    example = phone.locator("#code-hint .fw-code")
    assert example.evaluate("e => e.getClientRects().length") == 1
    assert example.evaluate("e => getComputedStyle(e).direction") == "ltr"
    phone.screenshot(path=str(SHOTS / "start-page-arabic-360.png"), full_page=True)
