"""Staff pages pass axe-core at WCAG 2.2 AA too (desktop width, JavaScript on)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import WCAG_22_AA
from tests.fieldwork.staff_factories import make_codes

pytestmark = pytest.mark.browser

PAGES = [
    "/staff/",
    "/staff/rates/?by=practice&threshold=40",
    "/staff/rates/?by=region&by=instrument&by=mode",
    "/staff/rates/fieldwork",
    "/staff/practices/",
    "/staff/practices/Y90001",
    "/staff/practices/import",
    "/staff/codes/",
    "/staff/codes/issue",
    "/staff/codes/dispositions",
    "/staff/paper/",
    "/staff/admin/users",
    "/staff/admin/users/new",
    "/staff/admin/audit",
    "/assist",
]


def test_every_staff_page_passes_axe(app, auth, browser, live_server, access_codes):
    auth.create("admin.axe@example.org", role="admin")
    context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto("/staff/sign-in")
    page.fill("input[name=email]", "admin.axe@example.org")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")  # signed in before the next page is asked for
    axe = Axe()
    with app.app_context():
        (code,), batch = make_codes(count=1)
    # The code's page carries the withdrawal form (issue 11).
    for path in [*PAGES, f"/staff/paper/batches/{batch}", f"/staff/codes/code/{code}"]:
        response = page.goto(path)
        assert response.status == 200, path
        results = axe.run(page, options=WCAG_22_AA)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
        heading = page.locator("h1").first.inner_text()
        assert heading in page.title(), path
    context.close()
