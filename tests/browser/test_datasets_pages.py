"""The analysts' datasets pages in a browser: count, export, watch, download; axe clean."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from fieldwork.db import db
from fieldwork.models import Job
from fieldwork.models.base import utcnow
from tests.browser.conftest import WCAG_22_AA
from tests.fieldwork.datasets_world import build, write_instruments

pytestmark = pytest.mark.browser


@pytest.fixture
def instruments_dir(tmp_path):
    return write_instruments(tmp_path / "instruments")


def _sign_in(page, email):
    page.goto("/staff/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")  # signed in before the next page is asked for


def _axe_clean(page, axe, what):
    results = axe.run(page, options=WCAG_22_AA)
    assert results.violations_count == 0, f"{what}\n{results.generate_report()}"


def test_an_analyst_counts_exports_and_downloads(app, auth, browser, live_server, tmp_path):
    build(app)
    auth.create("analyst.axe@example.org", role="analyst")
    context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    _sign_in(page, "analyst.axe@example.org")
    axe = Axe()
    page.goto("/staff/datasets/")
    assert page.title().startswith("Coded datasets")
    _axe_clean(page, axe, "datasets page")
    page.select_option("#instrument", "clinic")
    page.click("button[value=count]")
    expect(page.locator("[role=status]")).to_contain_text("5 responses match")
    _axe_clean(page, axe, "datasets page with a count")
    page.click("button[value=start]")
    page.wait_for_selector("text=Download clinic-deidentified-")
    _axe_clean(page, axe, "finished job page")
    page.screenshot(path=str(tmp_path / "job.png"), full_page=True)
    with page.expect_download() as info:
        page.click("text=Download clinic-deidentified-")
    assert info.value.suggested_filename.endswith(".zip")
    page.goto("/staff/datasets/")
    assert "analyst.axe@example.org" in page.locator("table").inner_text()
    _axe_clean(page, axe, "datasets page with an earlier export")
    page.click("button[value=start]")  # no questionnaire chosen
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()  # waits for the new page
    _axe_clean(page, axe, "datasets page with an error")
    context.close()


def test_a_running_job_without_javascript_at_360px(app, auth, browser, live_server, check_page):
    user_id = auth.create("admin.axe@example.org", role="admin")
    with app.app_context():
        job = Job(kind="dataset", state="running", heartbeat_at=utcnow(), done=40, total=100,
                  created_by=user_id, message="Exporting")  # fmt: skip
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    context = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    _sign_in(page, "admin.axe@example.org")
    page.goto(f"/staff/jobs/{job_id}")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # no timed refresh
    assert page.locator("progress").get_attribute("value") == "40"
    assert "40 of 100 (40%)" in page.locator("[role=status]").inner_text()
    title = check_page(page, "en")  # axe, title, labels, no sideways scroll
    assert "Dataset export (job 1)" in title
    with app.app_context():
        db.session.get(Job, job_id).done = 70
        db.session.commit()
    page.click("text=Refresh to see the latest progress")
    expect(page.locator("progress")).to_have_attribute("value", "70")  # the new page, not the old
    context.close()


def test_the_progress_script_polls_and_reloads_when_done(app, auth, browser, live_server):
    user_id = auth.create("admin.js@example.org", role="admin")
    with app.app_context():
        job = Job(kind="dataset", state="running", heartbeat_at=utcnow(), done=1, total=4,
                  created_by=user_id)  # fmt: skip
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    # Playwright's wait_for_function evaluates text, which the app's CSP rightly forbids.
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    _sign_in(page, "admin.js@example.org")
    page.goto(f"/staff/jobs/{job_id}")
    with app.app_context():
        db.session.get(Job, job_id).done = 3
        db.session.commit()
    page.wait_for_function("document.querySelector('progress').value == 75")
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.state, job.done = "failed", 4
        job.message = "Stopped"
        db.session.commit()
    page.wait_for_selector("text=Start it again")
    context.close()
