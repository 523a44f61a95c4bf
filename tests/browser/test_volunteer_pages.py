"""The recruiter's volunteer pages and the admin's retention page on a phone: a volunteer's
progress recorded with the keyboard-free form, filters, targets, the purge; axe clean."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from fieldwork.db import db
from fieldwork.models.base import utcnow
from fieldwork.outcomes import study_settings
from fieldwork.volunteers.services import reference
from tests.fieldwork.volunteer_world import build

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("FIELDWORK_SCREENSHOTS")  # a folder to keep the 360 px screenshots in


def _sign_in(page, email):
    page.set_default_timeout(20_000)  # the list page judges and decrypts: slower on a busy machine
    page.goto("/staff/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")


def _card(app, public_id: str) -> str:
    """The id of a volunteer's card (named by a reference, never the response's id)."""
    return f"v-{reference(public_id, app.config['SECRET_KEY'])}"


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_recruiter_filters_records_progress_and_sets_targets(app, auth, phone, check_page):
    build(app)
    auth.create("rita@example.org", role="recruiter")
    _sign_in(phone, "rita@example.org")
    phone.goto("/staff/volunteers/patient")
    check_page(phone, "en")
    assert phone.locator("section.nhsuk-card").count() == 4
    v1, v2 = _card(app, "V0001"), _card(app, "V0002")
    assert "Person 1 Quillon" in phone.locator(f"#{v1}").inner_text()
    _shot(phone, "volunteers")
    phone.select_option("#practice", "Y90001")
    phone.select_option("select[name='a.age_band']", "7")
    phone.click("text=Show these volunteers")
    # the click only starts the navigation: wait for the filtered page, not the old one
    phone.wait_for_url("**age_band=7**")
    expect(phone.locator("section.nhsuk-card")).to_have_count(1)
    phone.select_option(f"#status-{v2[2:]}", "interviewed")
    phone.fill(f"#note-{v2[2:]}", "Interviewed on 3 June")
    phone.click(f"#{v2} button[type=submit]")
    expect(phone.locator("[role=status]").first).to_contain_text(
        f"Progress saved for volunteer {v2[2:]}"
    )
    assert "practice=Y90001" in phone.url and phone.url.endswith(f"#{v2}")
    assert "Interviewed (" in phone.locator(f"#{v2}").inner_text()
    check_page(phone, "en")
    phone.click("text=Change the targets")
    phone.wait_for_url("**/targets")
    check_page(phone, "en")
    phone.fill("#t--Y90001", "2")
    phone.fill("input[name='t-age_band-7']", "many")
    phone.click("text=Save targets")
    expect(phone.locator(".nhsuk-error-summary")).to_be_visible()
    check_page(phone, "en")
    _shot(phone, "targets_error")
    phone.fill("input[name='t-age_band-7']", "1")
    phone.click("text=Save targets")
    expect(phone.locator("[role=status]").first).to_contain_text("target(s) changed")
    row = phone.locator("table >> tr", has_text="Riverside").first.inner_text()
    assert " ".join(row.split()) == "Riverside Medical Centre (Y90001) 3 0 1 / 2 (1 still wanted)"
    _shot(phone, "volunteers_after")


def test_an_admin_sees_the_dry_run_and_purges(app, auth, phone, check_page):
    build(app)
    with app.app_context():
        settings = study_settings()
        settings.study_end, settings.retention_days = utcnow().date() - timedelta(days=9), 7
        db.session.commit()
    auth.create("boss@example.org", role="admin")
    _sign_in(phone, "boss@example.org")
    phone.goto("/staff/admin/retention")
    check_page(phone, "en")
    assert "contact_detail" in phone.locator("table").first.inner_text()
    _shot(phone, "retention")
    phone.click("text=Purge identifying answers now")
    phone.wait_for_url("**/staff/jobs/*")
    assert "Done" in phone.locator("[data-job-state]").inner_text()
    phone.goto("/staff/admin/retention")
    assert "No identifying answers are held." in phone.content()
    check_page(phone, "en")
    _shot(phone, "retention_after")
    phone.goto("/staff/volunteers/patient")
    assert "Quillon" not in phone.content()
    assert "none held" in phone.locator(f"#{_card(app, 'V0001')}").inner_text()
