"""Keying a returned paper form with the keyboard alone, and axe on the keying pages."""

from __future__ import annotations

import datetime
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from fieldwork.db import db
from fieldwork.keying import services
from fieldwork.models import Invitation, Mailing, User
from fieldwork.models.responses import PAPER
from fieldwork.outcomes import study_settings
from tests.browser.conftest import PHONE, WCAG_22_AA

pytestmark = pytest.mark.browser

# What the paper says, by field; every other field is left blank (as on paper).
PAPER_ANSWERS = {
    "aware": "1 2", "nhs_app": "1", "used_online": "1", "used_what": "1 3", "proxy_use": "2",
    "ease.book": "2", "ease.rx": "*", "got_needed": "1", "overall_exp": "2", "help_got": "2",
    "help_offered": "2", "help_asked": "2", "help_want": "2", "devices": "1 2",
    "internet": "1", "conf.app": "1", "conf.book": "2", "pref_appt": "1", "pref_rx": "2",
    "pref_advice": "3", "harder_offline": "2", "barriers": "97", "age_band": "5",
    "gender": "2", "ethnic": "11", "main_lang": "1", "ltc_any": "2", "helped_fill": "2",
    "comments": "Fine", "interview": "2",
}  # fmt: skip


def _tab_to(page, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_a_form_keyed_by_keyboard_alone_becomes_a_paper_response(
    app, auth, browser, live_server, access_codes
):
    auth.create("keyer@example.org", role="data_entry")
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.instrument == "patient"))
        mailing = Mailing(invitation_id=invitation.id, batch="b1", wave=1,
                          mailed_on=datetime.date(2026, 5, 1), language="en")  # fmt: skip
        db.session.add(mailing)
        db.session.commit()
        serial, code = mailing.serial, invitation.code
    context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto("/staff/sign-in")
    page.fill("input[name=email]", "keyer@example.org")
    page.fill("input[name=password]", "correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/")
    axe = Axe()
    page.goto("/staff/keying/")
    assert axe.run(page, options=WCAG_22_AA).violations_count == 0
    started = time.monotonic()
    _tab_to(page, "find")
    page.keyboard.type(f"FW1|patient|1|en|std|1|{serial}")  # as a handheld scanner types it
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/keying/{code}*")
    _tab_to(page, "returned_on")
    page.keyboard.press("Control+A")
    page.keyboard.type("04/05/2026")
    page.keyboard.press("Tab")
    names = page.eval_on_selector_all("#main-form input[type=text]", "e => e.map(x => x.id)")
    for name in names[1:]:
        assert page.evaluate("document.activeElement.id") == name
        page.keyboard.type(PAPER_ANSWERS.get(name, ""))
        page.keyboard.press("Tab")
    page.screenshot(path="/tmp/issue13_form.png")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/keying/")
    seconds = time.monotonic() - started
    print(f"\nkeying one patient form by keyboard: {seconds:.1f} s, {len(names)} fields")
    assert "stored as a paper response" in page.content()
    with app.app_context():
        invitation = db.session.get(Invitation, invitation.id)
        assert invitation.response.mode == PAPER
        assert invitation.response.outcome in ("complete", "partial")
        assert invitation.response.paper_states == '{"ease.rx": -96}'
    for path in (
        f"/staff/keying/{code}",
        "/staff/keying/progress",
        f"/staff/keying/{code}/resolve",
    ):
        assert page.goto(path).status == 200, path
        results = axe.run(page, options=WCAG_22_AA)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
        assert page.locator("h1").first.inner_text() in page.title()
    page.screenshot(path="/tmp/issue13_keying.png", full_page=False)
    context.close()


def test_the_settings_resolve_and_keying_pages_at_360_px(
    app, auth, browser, live_server, access_codes
):
    """Admins: double entry switched on by keyboard; a difference resolved on a phone width."""
    auth.create("lead.admin@example.org", role="admin")
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.instrument == "patient"))
        mailing = Mailing(invitation_id=invitation.id, batch="b1", wave=1,
                          mailed_on=datetime.date(2026, 5, 1), language="en")  # fmt: skip
        keyers = [
            User(email=f"k{n}@example.org", name=f"k{n}", role="data_entry", password_hash="x")
            for n in (1, 2)
        ]
        db.session.add_all([mailing, *keyers])
        db.session.commit()
        code, serial = invitation.code, mailing.serial
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    page.goto("/staff/sign-in")
    page.fill("input[name=email]", "lead.admin@example.org")
    page.fill("input[name=password]", "correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/")
    axe = Axe()
    page.goto("/staff/keying/settings")
    assert axe.run(page, options=WCAG_22_AA).violations_count == 0
    _tab_to(page, "double_entry")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the second box, then the button
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Keying settings saved." in page.content()
    page.screenshot(path="/tmp/issue13b_settings_360.png", full_page=True)
    with app.app_context():
        assert study_settings().double_entry
        copy = services.find_copy(serial)
        instrument = services.instrument_for(copy)
        first, second = db.session.scalars(select(User).where(User.role == "data_entry")).all()
        for user, gender in ((first, "4"), (second, "3")):
            services.key_pass(
                copy, instrument, {**PAPER_ANSWERS, "gender": gender}, user=user,
                returned_on=datetime.date(2026, 5, 4),
            )  # fmt: skip
        db.session.commit()
    for path, shot in (
        (f"/staff/keying/{code}/resolve", "/tmp/issue13b_resolve_360.png"),
        (f"/staff/keying/{code}?serial={serial}", "/tmp/issue13b_keying_360.png"),
        ("/staff/keying/progress", "/tmp/issue13b_progress_360.png"),
    ):
        assert page.goto(path).status == 200, path
        results = axe.run(page, options=WCAG_22_AA)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
        page.screenshot(path=shot, full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways ({width} px)"
    page.goto(f"/staff/keying/{code}/resolve")
    _tab_to(page, "gender")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/keying/progress")
    assert "stored as a paper response" in page.content()
    with app.app_context():
        assert db.session.get(Invitation, invitation.id).response.mode == PAPER
    context.close()
