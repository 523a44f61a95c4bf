"""Browser tests: the app on a live server, driven by Debian's Chromium through Playwright.

Never downloads a browser: Playwright launches /usr/bin/chromium with the flags of
`../shared/TOOLCHAIN.md`. Browser tests run on SQLite only: what the browser sees does
not depend on the backend, which the test-client tests cover on both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from fieldwork import routing_filter
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.models import Invitation

CHROMIUM = Path("/usr/bin/chromium")
ASSETS = Path(__file__).resolve().parents[2] / "fieldwork" / "static" / "nhsuk" / "fieldwork.css"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Assertions wait as long as actions do (see _phone_page): a busy CI machine, not a bug.
expect.set_options(timeout=15_000)

PHONE = {"width": 360, "height": 740}
NARROWEST = 320
WCAG_22_AA = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    }
}

# With JavaScript off a page's timers never fire, and axe-core waits on zero-delay ones:
# run those as microtasks. Its only longer timeouts guard frames and preloads that never
# hang on our pages, so they are dropped rather than fired early.
TIMERS_WITHOUT_SCRIPTS = """() => {
  window.setTimeout = (callback, delay, ...args) => {
    if (!(delay > 1)) Promise.resolve().then(() => callback(...args));
    return 0;
  };
  window.clearTimeout = () => {};
}"""

UNLABELLED_FIELDS = """() => [...document.querySelectorAll(
  'input:not([type=hidden]), textarea, select')].filter(field => field.labels.length === 0)
  .map(field => field.outerHTML)"""

MAIN_HEADING = """() => {
  const heading = document.querySelector('h1').cloneNode(true);
  heading.querySelectorAll('.nhsuk-caption-l').forEach(caption => caption.remove());
  return heading.textContent.replace(/\\s+/g, ' ').trim();
}"""


def agree_if_asked(page: Page, check=None, lang: str = "en") -> None:
    """On the consent page (instruments with a consent block): `check` it, tick
    "I agree to take part" by its label, and start."""
    if not page.url.endswith("/consent"):
        return
    if check is not None:
        check(page, lang)
    page.locator('label[for="consent-take_part"]').click()
    with page.expect_navigation():
        page.locator('button[name="agree"]').click()


@pytest.fixture
def backend() -> str:
    """SQLite only (overrides the root fixture that runs every test on each backend)."""
    return "sqlite"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run make system-test-packages")
    if not ASSETS.exists():
        pytest.fail("NHS.UK assets are not built: run bin/build-assets")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served on a free local port in a thread; yields its base URL."""
    if "routing_attributes" not in app.jinja_env.filters:
        routing_filter.init_app(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def access_codes(app) -> dict[str, list[str]]:
    """The demo study's access codes, grouped as printed: {instrument: [code, ...]}."""
    with app.app_context():
        seed(sorted(get_catalogue().current), per_practice=1)
        db.session.commit()
        found: dict[str, list[str]] = {}
        for invitation in db.session.scalars(select(Invitation).order_by(Invitation.id)):
            found.setdefault(invitation.instrument, []).append(invitation.grouped_code)
        return found


def _phone_page(browser: Browser, base_url: str, javascript: bool) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url, viewport=PHONE, java_script_enabled=javascript, locale="en-GB"
    )
    # Generous: a page that starts or saves a response waits its turn for the database,
    # and CI runs two workers beside live-server load tests on two cores.
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server) -> Iterator[Page]:
    """A phone-sized page with JavaScript off, on the live server."""
    yield from _phone_page(browser, live_server, javascript=False)


@pytest.fixture
def phone_with_js(browser, live_server) -> Iterator[Page]:
    """A phone-sized page with JavaScript on, on the live server."""
    yield from _phone_page(browser, live_server, javascript=True)


class PageChecks:
    """What every page must pass: axe-core at WCAG 2.2 AA, lang, title, labels, 320 px."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.titles: list[str] = []

    def __call__(self, page: Page, lang: str) -> str:
        """Check the page now shown; returns its title."""
        scripts_off = not page.evaluate("() => document.body.classList.contains('js-enabled')")
        if scripts_off:
            page.evaluate(TIMERS_WITHOUT_SCRIPTS)
        results = self.axe.run(page, options=WCAG_22_AA)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
        assert page.evaluate("() => document.documentElement.lang") == lang, page.url
        title, heading = page.title(), page.evaluate(MAIN_HEADING)
        assert heading and heading in title, f"title {title!r} does not say {heading!r}"
        assert page.evaluate(UNLABELLED_FIELDS) == [], page.url
        page.set_viewport_size({"width": NARROWEST, "height": PHONE["height"]})
        width = page.evaluate("() => document.documentElement.scrollWidth")
        page.set_viewport_size(PHONE)
        assert width <= NARROWEST, f"{page.url} scrolls sideways at {NARROWEST} px: {width}"
        self.titles.append(title)
        return title


@pytest.fixture
def check_page() -> PageChecks:
    """Run the checks every page must pass (axe-core, lang, title, labels, 320 px)."""
    return PageChecks()
