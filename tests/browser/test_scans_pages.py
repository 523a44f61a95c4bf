"""Scanned returns in a browser at 360 px: upload, the batch's problems, verifying a copy.

Axe (WCAG 2.2 AA), titles, labels and no sideways scrolling at 320 px on each page; the
upload and the batch page without JavaScript (the job runs inline here, JOBS_IMMEDIATE;
a batch still being read shows the job's progress and a refresh link).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.jobs.services import start_job
from fieldwork.models import Invitation, Mailing, ScanBatch, ScanCopy
from fieldwork.models.responses import PAPER
from tests.fieldwork import scan_pages as sp
from tests.fieldwork.staff_factories import make_codes

pytestmark = pytest.mark.browser

LIVE_INSTRUMENTS = Path(__file__).resolve().parents[1] / "fieldwork" / "live_instruments"
SHOTS = Path("/tmp/issue14b-shots")


@pytest.fixture
def instruments_dir() -> Path:
    """Only the two-page questionnaire."""
    return LIVE_INSTRUMENTS


def _scans(app, tmp_path) -> tuple[Path, str]:
    """A PDF of two copies (one without its cover) and a blank page; the first serial."""
    with app.app_context():
        make_codes("Y90001", instrument="short", count=2)
        serials = []
        for invitation in db.session.scalars(select(Invitation).order_by(Invitation.id)):
            mailing = Mailing(invitation_id=invitation.id, batch=invitation.batch, wave=1,
                              mailed_on=datetime.date(2026, 5, 1), language="en")  # fmt: skip
            db.session.add(mailing)
            db.session.flush()
            serials.append(mailing.serial)
        db.session.commit()
        short = get_catalogue().current["short"]
        boxes = sp.boxes(short)
        first, second = sp.copy_pages(short, serials[0]), sp.copy_pages(short, serials[1])
        for pages in (first, second):
            sp.tick(pages, sp.find(boxes, "used", code=1))
            sp.tick(pages, sp.find(boxes, "what", code=3))
            sp.tick(pages, sp.find(boxes, "ease", row="order", code=1))
        sp.faint(first, sp.find(boxes, "ease", row="book", code=2))
        sp.write(first, sp.find(boxes, "other"), "Quicker")
        blank = np.full_like(first[0], 255)
        path = tmp_path / "returns.pdf"
        path.write_bytes(sp.pdf([first[1], second[1], blank, first[0]]))
    return path, serials[0]


def _sign_in(page, email: str) -> None:
    page.goto("/staff/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")


def test_upload_batch_and_verification_pages(app, auth, browser, live_server, check_page, tmp_path):
    scans, serial = _scans(app, tmp_path)
    SHOTS.mkdir(exist_ok=True)
    auth.create("desk@example.org", role="data_entry")
    context = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    _sign_in(page, "desk@example.org")
    page.goto("/staff/scans/")
    check_page(page, "en")
    page.click("button[type=submit]:has-text('Upload and read')")  # nothing chosen
    assert "Choose the scanned file" in page.locator(".nhsuk-error-summary").inner_text()
    check_page(page, "en")
    page.set_input_files("#scans", str(scans))
    page.screenshot(path=str(SHOTS / "upload.png"), full_page=True)
    page.click("button[type=submit]:has-text('Upload and read')")
    page.wait_for_url("**/staff/scans/batches/*")
    assert "Pages not placed (1)" in page.content() and "Copies with pages missing (1)" in (
        page.content()
    )
    check_page(page, "en")
    page.screenshot(path=str(SHOTS / "batch.png"), full_page=True)

    page.click(f"text=Verify serial {serial}")
    page.wait_for_url("**/staff/scans/copies/*")
    check_page(page, "en")
    first = page.locator(".fw-scan-flag input").first
    assert first.get_attribute("id") in ("other", "ease.book")
    image = page.locator("svg.fw-scan image").first.get_attribute("href")
    reply = page.request.get(image)
    assert reply.status == 200 and reply.headers["content-type"] == "image/png"
    page.screenshot(path=str(SHOTS / "verify.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "verify-top.png"))
    page.fill("#other", "Quicker")
    page.fill("#ease\\.book", "2")
    page.click("button:has-text('Confirm these answers')")
    page.wait_for_url("**/staff/scans/batches/*")
    assert f"Serial {serial} confirmed" in page.locator("[role=status]").first.inner_text()
    with app.app_context():
        copy = db.session.scalar(select(ScanCopy).where(ScanCopy.serial == serial))
        assert copy.response.mode == PAPER and copy.fields["ease.book"] == "2"

    with app.app_context():  # a batch still being read: progress and a refresh link
        job = start_job("scan_batch", {"batch_id": 0}, None)
        waiting = ScanBatch(returned_on=datetime.date(2026, 5, 4), files=[], job_id=job.id)
        db.session.add(waiting)
        db.session.commit()
        waiting_id = waiting.id
    page.goto(f"/staff/scans/batches/{waiting_id}")
    assert page.locator("progress").count() == 1
    assert page.locator("text=Refresh to see the latest progress").count() == 1
    check_page(page, "en")
    context.close()
