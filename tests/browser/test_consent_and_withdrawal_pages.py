"""The consent page and the withdraw pages on a phone, with JavaScript off and on.

Every page passes axe-core at WCAG 2.2 AA and the other page checks (title, lang,
labels, no sideways scrolling at 320 px); screenshots at 360 px go to SHOTS.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from fieldwork.db import db
from fieldwork.i18n import t
from fieldwork.models import Response
from tests.browser.test_languages import SHOTS
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot

pytestmark = pytest.mark.browser


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _to_consent(page: Page, code: str, lang: str) -> None:
    page.context.set_default_timeout(15_000)  # starting a response saves its first row
    page.goto("/")
    page.locator("#code").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name=t("continue", "en")).click()
    page.locator(f'label[for="{"language" if lang == "en" else "language-" + lang}"]').click()
    with page.expect_navigation():
        page.get_by_role("button", name=t("start_now", "en")).click()
    expect(page).to_have_url(re.compile(r"/consent$"))


def _responses(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Response.id)))


def test_the_consent_page_refuses_to_start_unticked_and_declining_keeps_nothing(
    app, phone, access_codes, check_page
):
    _to_consent(phone, access_codes["patient"][0], "zh")
    check_page(phone, "zh")
    _shot(phone, "consent-zh")
    with phone.expect_navigation():
        phone.locator('button[name="agree"]').click()  # nothing ticked
    summary = phone.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    assert summary.locator("a").get_attribute("href") == "#consent-take_part"
    assert check_page(phone, "zh").startswith(t("error_title_prefix", "zh"))
    _shot(phone, "consent-error-zh")
    with phone.expect_navigation():
        phone.get_by_role("button", name=t("consent_decline", "zh")).click()
    expect(phone).to_have_url(re.compile(r"/consent/declined$"))
    check_page(phone, "zh")
    _shot(phone, "consent-declined-zh")
    assert _responses(app) == 0


def test_agreeing_with_javascript_on_starts_the_survey(
    app, phone_with_js, access_codes, check_page
):
    page = phone_with_js
    _to_consent(page, access_codes["patient"][0], "en")
    check_page(page, "en")
    _shot(page, "consent-en")
    page.locator('label[for="consent-take_part"]').click()
    page.locator('label[for="consent-future_research"]').click()
    with page.expect_navigation():
        page.get_by_role("button", name=t("start_now", "en")).click()
    expect(page).to_have_url(re.compile(r"/page/1$"))
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert (response.consent_how, response.consent_extras) == ("online", "future_research")


def test_withdrawing_from_the_done_page(app, phone, live_server, access_codes, check_page):
    client = app.test_client()
    robot = Robot(client, instrument(app, "mental_health"))
    robot.enter_code(access_codes["mental_health"][0])
    assert robot.run_pages(robot.welcome().headers["Location"]).endswith("/check")
    assert robot.submit().headers["Location"] == "/done"
    cookie = client.get_cookie("session")
    phone.context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server}])
    phone.goto("/done")
    check_page(phone, "en")
    _shot(phone, "done-with-withdraw")
    with phone.expect_navigation():
        phone.get_by_role("link", name=t("withdraw_title", "en")).last.click()
    expect(phone).to_have_url(re.compile(r"/withdraw/confirm$"))
    check_page(phone, "en")
    _shot(phone, "withdraw-confirm-delete")
    with phone.expect_navigation():
        phone.get_by_role("button", name=t("withdraw_button", "en")).click()
    expect(phone).to_have_url(re.compile(r"/withdraw/done$"))
    check_page(phone, "en")
    _shot(phone, "withdraw-done-delete")
    assert _responses(app) == 0


def test_withdrawing_later_with_a_code(app, phone, runner, access_codes, check_page):
    runner.invoke(args=["withdrawal-setting", "keep_answers"])
    code = access_codes["patient"][0]
    robot = Robot(app.test_client(), instrument(app, "patient"))
    robot.enter_code(code)
    robot.welcome("en")  # agreed and started: one page saved is enough
    robot.answer_page(1)
    phone.goto("/")
    with phone.expect_navigation():
        phone.get_by_role("link", name=t("withdraw_title", "en")).click()
    check_page(phone, "en")
    _shot(phone, "withdraw-code")
    phone.locator("#code").fill("ZZZZ-ZZZZ")
    with phone.expect_navigation():
        phone.get_by_role("button", name=t("continue", "en")).click()
    assert check_page(phone, "en").startswith(t("error_title_prefix", "en"))
    expect(phone.locator("#code-error")).to_contain_text(t("withdraw_unknown", "en"))
    _shot(phone, "withdraw-code-error")
    phone.locator("#code").fill(code.lower())
    with phone.expect_navigation():
        phone.get_by_role("button", name=t("continue", "en")).click()
    expect(phone).to_have_url(re.compile(r"/withdraw/confirm$"))
    check_page(phone, "en")
    expect(phone.locator("main")).to_contain_text(t("withdraw_effect_keep_answers", "en"))
    _shot(phone, "withdraw-confirm-keep")
    with phone.expect_navigation():
        phone.get_by_role("button", name=t("withdraw_button", "en")).click()
    check_page(phone, "en")
    expect(phone.locator("main")).to_contain_text(t("withdrawn_keep_answers", "en"))
    with app.app_context():
        assert db.session.scalar(select(Response.withdrawn_at)) is not None
