"""The rates dashboard fits a 1,280 px screen and a 360 px phone: no sideways scroll, axe clean."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import WCAG_22_AA
from tests.fieldwork.test_rates import seed

pytestmark = pytest.mark.browser

PAGE = "/staff/rates/?by=region&by=practice&threshold=40&instrument=all"
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 12).map(e => e.tagName + '.' + e.className)"""  # what sticks out, to say so
OVERFLOW = """() => {
  const page = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  const boxes = [...document.querySelectorAll('.nhsuk-table-container')]
    .filter(box => box.offsetParent !== null)
    .map(box => box.scrollWidth - box.clientWidth);
  return [page, ...boxes];
}"""


@pytest.mark.parametrize("width", [1280, 360])
def test_rates_page_fits_without_sideways_scrolling(
    app, auth, browser, live_server, width, tmp_path
):
    with app.app_context():
        seed(name_a="Riverside Medical Centre and Community Health Partnership", closed=False)
    auth.create("admin.rates@example.org", role="admin")
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto("/staff/sign-in")
    page.fill("input[name=email]", "admin.rates@example.org")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")  # signed in before the next page is asked for
    for path in (PAGE, "/staff/rates/fieldwork"):
        assert page.goto(path).status == 200
        overflow = page.evaluate(OVERFLOW)
        assert max(overflow) <= 0, (path, width, overflow, page.evaluate(WIDE))
        results = Axe().run(page, options=WCAG_22_AA)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
    page.goto(PAGE)
    # Every practice is there, the one with no codes too, and the progress column is seen.
    text = page.locator("table").first.inner_text()
    assert "Y90005 Quayside" in text and "Progress to target" in page.content()
    progress = page.locator("th", has_text="Progress to target").first
    if width >= 1280:
        box = progress.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
    shots = Path(os.environ.get("FIELDWORK_SCREENSHOTS", tmp_path))  # to look at them
    page.screenshot(path=str(shots / f"rates-{width}.png"), full_page=True)
    page.locator("tbody tr").first.screenshot(path=str(shots / f"rates-row-{width}.png"))
    context.close()
