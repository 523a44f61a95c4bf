"""Scanned returns in the app: upload, pages placed or listed, verification, export, access.

The batch is synthetic: copies of a two-page questionnaire (`short`) printed with their
serials, ticked, shuffled, one page upside down, one missing, one blank, one scanned
twice; read by the `scan_batch` job (run inline: JOBS_IMMEDIATE).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.models import AuditEvent, Invitation, Job, Mailing, Response, ScanCopy, ScanPage
from fieldwork.models.responses import PAPER
from fieldwork.outcomes import study_settings
from fieldwork.scans import storage
from forms.paper import document
from forms.paper.layout import Layout
from tests.conftest import csrf_token, record_begins
from tests.fieldwork import scan_pages as sp
from tests.fieldwork.dom import summary_links
from tests.fieldwork.staff_factories import make_codes, post

LIVE_INSTRUMENTS = Path(__file__).parent / "live_instruments"
RETURNED = datetime.date(2026, 5, 4)


@pytest.fixture
def instruments_dir() -> Path:
    """Only the two-page questionnaire: a copy is a cover and one page of questions."""
    return LIVE_INSTRUMENTS


@pytest.fixture
def serials(app):
    """Three codes mailed a copy each: their serials, in order."""
    with app.app_context():  # not held open: the test client's requests need their own
        make_codes("Y90001", instrument="short", count=3)
        found = []
        for invitation in db.session.scalars(select(Invitation).order_by(Invitation.id)):
            mailing = Mailing(invitation_id=invitation.id, batch=invitation.batch, wave=1,
                              mailed_on=RETURNED, language="en")  # fmt: skip
            db.session.add(mailing)
            db.session.flush()
            found.append(mailing.serial)
        db.session.commit()
        return found


def _short():
    return get_catalogue().current["short"]


def _ticked(serial: str, *, unsure: bool = True) -> list[np.ndarray]:
    """A copy answered: Q1 yes, Q2 2 and 3, Q3 written, Q5 book unsure (a dot), order no."""
    short = _short()
    pages, boxes = sp.copy_pages(short, serial), sp.boxes(short)
    sp.tick(pages, sp.find(boxes, "used", code=1))
    sp.tick(pages, sp.find(boxes, "what", code=2))
    sp.tick(pages, sp.find(boxes, "what", code=3))
    sp.tick(pages, sp.find(boxes, "ease", row="order", code=2))
    if unsure:
        sp.write(pages, sp.find(boxes, "other"), "Faster replies")
        sp.faint(pages, sp.find(boxes, "ease", row="book", code=1))
    else:
        sp.tick(pages, sp.find(boxes, "ease", row="book", code=1))
    return pages


def _batch_of_problems(serials) -> bytes:
    """Copy 1 whole (its question page twice), copy 2 without its cover and upside down,
    a blank page: shuffled, as a PDF."""
    first, second = _ticked(serials[0]), _ticked(serials[1])
    blank = np.full_like(first[0], 255)
    blank[1000:1040, 300:2000] = 0  # a line of something, but no page code
    pages = [second[1][::-1, ::-1].copy(), first[1], blank, first[0], first[1].copy()]
    return sp.pdf(pages)


def _upload(client, data: bytes, name="returns.pdf", returned="04/05/2026"):
    """POST a scan to the upload page (encoded in memory: the test client would spool a
    large body to a temporary file it never closes)."""
    token = csrf_token(client, "/staff/scans/")
    scan = FileStorage(io.BytesIO(data), filename=name)
    boundary, body = encode_multipart(
        MultiDict({"csrf_token": token, "returned_on": returned, "scans": scan})
    )
    return client.post(
        "/staff/scans/", data=body, content_type=f'multipart/form-data; boundary="{boundary}"'
    )


def test_an_uploaded_batch_places_every_page_or_lists_it(app, auth, client, serials):
    with app.app_context():
        data = _batch_of_problems(serials)
    auth.login("desk@example.org", role="coordinator")
    started = _upload(client, data)
    assert started.status_code == 302, started.get_data(as_text=True)
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "scan_batch"))
        assert job.state == "done", job.error
        pages = db.session.scalars(select(ScanPage).order_by(ScanPage.position)).all()
        assert [p.status for p in pages] == [
            "placed", "placed", "unidentified", "placed", "duplicate"
        ]  # fmt: skip
        assert pages[0].rotation == 180 and pages[0].serial == serials[1]
        assert "no QR code" in pages[2].problem or "page code" in pages[2].problem
        copies = {c.serial: c for c in db.session.scalars(select(ScanCopy))}
        whole, half = copies[serials[0]], copies[serials[1]]
        assert whole.missing == [] and half.missing == [1]
        assert set(whole.uncertain) == {"other", "ease.book"}  # a written answer, a dot
        sure = {name: text for name, text in whole.fields.items() if name not in whole.uncertain}
        assert sure == {"used": "1", "what": "2 3", "ease.order": "2"}  # as drawn
        assert whole.invitation.code and whole.state == "to_verify"
        assert all(p.image and storage.read_image(p)[:4] == b"\x89PNG" for p in pages)
        folder = storage.batch_folder(pages[0].batch_id)
        assert not list(folder.glob("upload-*"))  # the uploads go once read
        assert b"PNG" not in (folder / pages[0].image).read_bytes()[:64]  # encrypted at rest
    assert "Problems for a person" in page and "Pages not placed (1)" in page
    assert "Pages scanned twice (1)" in page and f"Serial {serials[1]}: page 1 of 2" in page


def test_verifying_an_uncertain_box_stores_the_persons_answer_and_exports_as_paper(
    app, auth, client, serials, runner, tmp_path
):
    with app.app_context():
        data = sp.pdf(_ticked(serials[0]))
    auth.login("desk@example.org", role="data_entry")
    assert _upload(client, data).status_code == 302
    with app.app_context():
        copy_id = db.session.scalar(select(ScanCopy.id))
    url = f"/staff/scans/copies/{copy_id}"
    page = client.get(url).get_data(as_text=True)
    first_look = page.index("Look at these first (2)")
    assert first_look < page.index('id="ease.book"') < page.index('id="used"')
    assert page.index('id="other"') < page.index('id="used"')  # uncertain ones first
    with app.app_context():
        proposed = db.session.get(ScanCopy, copy_id).fields.get("ease.book", "")
    assert f'value="{proposed}"' in page.split('id="ease.book"')[1][:200]  # to confirm
    assert "fw-scan__mark" in page and "/staff/scans/pages/" in page
    token = csrf_token(client, url)
    form = {"used": "1", "what": "2 3", "other": "Faster replies", "ease.book": "2",
            "ease.order": "2", "returned_on": "04/05/2026", "csrf_token": token}  # fmt: skip
    bad = client.post(url, data=form | {"ease.book": "7"})
    assert bad.status_code == 400 and "7 is not one of the codes" in bad.get_data(as_text=True)
    said = summary_links(bad.get_data(as_text=True))["ease.book"]
    assert said.startswith("Q") and said.endswith("): 7 is not one of the codes")
    done = client.post(url, data=form)
    assert done.status_code == 302
    with app.app_context():
        copy = db.session.get(ScanCopy, copy_id)
        response = copy.response
        assert copy.state == "confirmed" and copy.fields["ease.book"] == "2"
        assert (response.mode, response.language) == (PAPER, "en")
        assert response.submitted_at.date() == RETURNED
        assert copy.invitation.disposition == response.outcome == "complete"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scan.confirm"))
        assert event.detail["corrected"] == ["ease.book", "other"]  # names, never answers
        assert "Faster replies" not in str(event.detail)
    assert client.post(url, data=form).status_code == 400  # settled once
    out = tmp_path / "out"
    args = ["export", "--instrument", "short", "--format", "csv", "--out", str(out)]
    result = runner.invoke(args=[*args, "--status", "all"])
    assert result.exit_code == 0, result.output
    row = pd.read_csv(out / "data.csv").iloc[0]
    assert row["mode"] == 2 and row["used"] == 1 and row["ease_book"] == 2
    assert row["what_2"] == 1 and row["what_1"] == 0 and row["ease_order"] == 2


def test_the_scan_kept_with_a_response_is_for_admins_and_every_view_is_audited(
    app, auth, client, serials
):
    with app.app_context():
        data = sp.pdf(_ticked(serials[0], unsure=False))
    auth.create("boss@example.org", role="admin")
    auth.login("desk@example.org", role="data_entry")
    assert _upload(client, data).status_code == 302
    with app.app_context():
        copy = db.session.scalar(select(ScanCopy))
        copy_id, page_id = copy.id, copy.pages[-1].id
        assert copy.uncertain == []
    image = f"/staff/scans/pages/{page_id}.png"
    seen = client.get(image)
    assert seen.status_code == 200 and seen.data[:4] == b"\x89PNG"
    form = {"returned_on": "04/05/2026", "used": "1", "what": "2 3", "ease.book": "1",
            "ease.order": "2"}  # fmt: skip
    assert post(client, f"/staff/scans/copies/{copy_id}", form).status_code == 302
    assert client.get(image).status_code == 403  # now kept with the response
    auth.logout()
    auth.login("boss@example.org")
    assert client.get(image).status_code == 200
    with app.app_context():
        views = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "scan.image_view")
        ).all()
        assert [v.actor for v in views] == ["desk@example.org", "boss@example.org"]


def test_the_command_reads_a_tiff_and_confident_copies_can_be_accepted_unseen(
    app, runner, serials, tmp_path
):
    with app.app_context():
        path = tmp_path / "returns.tif"
        path.write_bytes(sp.tiff(_ticked(serials[0], unsure=False) + _ticked(serials[1])))
        study_settings().scan_auto_accept = True
        db.session.commit()
    result = runner.invoke(args=["scans", "import", str(path), "--returned", "2026-05-04"])
    assert result.exit_code == 0, result.output
    assert "4 page(s) read, 2 cop(ies) found, 1 to verify" in result.output
    with app.app_context():
        copies = {c.serial: c for c in db.session.scalars(select(ScanCopy))}
        assert copies[serials[0]].state == "accepted" and copies[serials[1]].state == "to_verify"
        response = copies[serials[0]].response
        assert response.mode == PAPER and copies[serials[0]].verified_by is None
    bad = tmp_path / "notes.txt"
    bad.write_text("not a scan")
    refused = runner.invoke(args=["scans", "import", str(bad)])
    assert refused.exit_code == 1 and "notes.txt is not a PDF or TIFF scan" in refused.output
    assert runner.invoke(args=["scans", "auto-accept", "off"]).output == "auto-accept: off\n"


def test_bad_uploads_are_refused_with_a_reason(app, auth, client, serials):
    auth.login("desk@example.org", role="coordinator")
    text = _upload(client, b"PK\x03\x04 a word file", name="returns.docx")
    assert text.status_code == 400
    assert "returns.docx is not a PDF or TIFF scan" in text.get_data(as_text=True)
    undated = _upload(client, b"%PDF-1.4", returned="yesterday")
    assert undated.status_code == 400 and "Enter the date" in undated.get_data(as_text=True)
    token = csrf_token(client, "/staff/scans/")
    nothing = client.post("/staff/scans/", data={"csrf_token": token, "returned_on": "04/05/2026"})
    assert nothing.status_code == 400 and "Choose the scanned file" in nothing.get_data(True)
    app.config["SCAN_MAX_PAGES"] = 3
    with app.app_context():
        four = sp.pdf([np.full((40, 30), 255, dtype=np.uint8)] * 4)
    many = _upload(client, four)
    assert many.status_code == 400
    assert "These files hold 4 pages; upload at most 3 at a time" in many.get_data(as_text=True)
    broken = _upload(client, b"%PDF-1.4 broken")
    assert broken.status_code == 302  # read in the background: the batch says what failed
    page = client.get(broken.headers["Location"]).get_data(as_text=True)
    assert "Files that could not be read" in page and "not a readable PDF" in page


def test_a_page_code_with_a_serial_no_copy_could_have_leaves_the_rest_of_the_batch_read(
    app, auth, client, serials
):
    forged = "9" * 40  # a sticker of its own on a returned form, or a misprint
    with app.app_context():
        data = sp.pdf(sp.copy_pages(_short(), forged) + _ticked(serials[0]))
    auth.login("desk@example.org", role="coordinator")
    assert _upload(client, data).status_code == 302
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "scan_batch"))
        assert job.state == "done", job.error
        copies = {c.serial: c for c in db.session.scalars(select(ScanCopy))}
        assert copies[serials[0]].invitation is not None  # the real copy is placed
        odd = copies[forged[:16]]
        assert odd.invitation is None and "is not a copy this study mailed" in odd.problem


def test_withdrawal_and_the_retention_purge_delete_scan_images(app, auth, client, runner, serials):
    with app.app_context():
        data = sp.pdf(_ticked(serials[0]) + _ticked(serials[1]))
    auth.login("desk@example.org", role="coordinator")
    assert _upload(client, data).status_code == 302
    with app.app_context():
        copy = db.session.scalar(select(ScanCopy).where(ScanCopy.serial == serials[0]))
        code, files = copy.invitation.code, [storage.batch_folder(p.batch_id) / p.image
                                             for p in copy.pages]  # fmt: skip
        assert all(f.exists() for f in files)
    assert runner.invoke(args=["withdraw", code, "--by", "phone"]).exit_code == 0
    with app.app_context():
        copy = db.session.scalar(select(ScanCopy).where(ScanCopy.serial == serials[0]))
        assert copy.state == "withdrawn" and copy.fields == {}
        assert all(p.image is None for p in copy.pages) and not any(f.exists() for f in files)
        kept = db.session.scalar(select(func.count()).where(ScanPage.image.is_not(None)))
        assert kept == 2
    today = datetime.date.today()
    assert runner.invoke(args=["retention", "--end", str(today - datetime.timedelta(days=9)),
                               "--days", "3"]).exit_code == 0  # fmt: skip
    listed = runner.invoke(args=["purge", "--dry-run"])
    assert "2 scanned page image(s) would delete" in listed.output
    assert "2 scanned page image(s) deleted" in runner.invoke(args=["purge"]).output
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(ScanPage.image.is_not(None))) == 0
        assert db.session.scalar(select(func.count(Response.id))) == 0


def test_the_scans_link_is_offered_only_to_those_who_may_use_it(app, auth, client):
    auth.login("all@example.org", role="coordinator")
    assert 'href="/staff/scans/"' in client.get("/staff/").get_data(as_text=True)
    auth.logout()
    auth.login("some@example.org", role="coordinator", practices="Y90002")
    assert 'href="/staff/scans/"' not in client.get("/staff/").get_data(as_text=True)
    assert client.get("/staff/scans/").status_code == 403


def test_a_restricted_coordinator_refused_scans_is_told_why_and_led_to_the_staff_home(
    app, auth, client
):
    auth.login("some@example.org", role="coordinator", practices="Y90002")
    page = client.get("/staff/scans/")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "Scanned batches hold the forms of every practice" in html
    assert "only staff who see every practice can use Scans" in html
    assert '<a href="/staff/">Go to the staff home page</a>' in html
    assert "Go to the start page" not in html and "Your account does not allow this" not in html
    # Keying progress is theirs (their practices only), and in their menu.
    assert 'href="/staff/keying/progress"' in client.get("/staff/").get_data(as_text=True)
    assert client.get("/staff/keying/progress").status_code == 200


def test_a_role_refused_a_staff_page_is_told_which_roles_it_is_for(auth, client):
    auth.login("ana@example.org", role="analyst")
    html = client.get("/staff/scans/").get_data(as_text=True)
    assert "only for these roles: Admin, Coordinator, Data entry" in html
    assert "Your role is Analyst: ask an admin if you need this page." in html
    assert '<a href="/staff/">Go to the staff home page</a>' in html


@pytest.mark.parametrize("backend", ["sqlite"])  # how SQLite transactions begin
def test_a_scan_image_view_takes_the_write_lock_at_begin_as_it_is_audited(
    app, auth, client, serials, backend, monkeypatch
):
    """A verify page asks for all its page images at once, and each view writes an audit
    event: on SQLite a GET that reads and then writes in a deferred transaction fails at
    once ("database is locked") when another request committed in between, so most of
    the images came back as errors. The view's transactions begin IMMEDIATE."""
    with app.app_context():
        data = sp.pdf(_ticked(serials[0], unsure=False))
    auth.login("desk@example.org", role="data_entry")
    assert _upload(client, data).status_code == 302
    with app.app_context():
        page_id = db.session.scalar(select(ScanPage.id).where(ScanPage.image.is_not(None)))
    begun = record_begins(monkeypatch)
    seen = client.get(f"/staff/scans/pages/{page_id}.png")
    assert seen.status_code == 200
    assert begun and set(begun) == {"BEGIN IMMEDIATE"}


def test_a_data_entry_account_restricted_to_some_practices_cannot_verify_a_scanned_copy(
    app, auth, client, serials
):
    """Scans are refused to accounts limited to some practices (a batch holds every
    practice's forms), and keying refuses them other practices' copies: the verify page
    of a copy did neither, showing its answers and access code and confirming it."""
    with app.app_context():
        data = sp.pdf(_ticked(serials[0], unsure=False))
    auth.login("desk@example.org", role="data_entry")
    assert _upload(client, data).status_code == 302
    with app.app_context():
        copy_id = db.session.scalar(select(ScanCopy.id))
    auth.logout()
    auth.login("other@example.org", role="data_entry", practices="Y90002")  # not Y90001
    url = f"/staff/scans/copies/{copy_id}"
    page = client.get(url)
    assert page.status_code == 403
    assert "Scanned batches hold the forms of every practice" in page.get_data(as_text=True)
    form = {"returned_on": "04/05/2026", "used": "1", "what": "2 3", "ease.book": "1",
            "ease.order": "2"}  # fmt: skip
    assert post(client, url, form).status_code == 403
    with app.app_context():
        assert db.session.get(ScanCopy, copy_id).state == "to_verify"
        assert db.session.scalar(select(func.count(Response.id))) == 0


def test_a_copy_scanned_after_its_participant_withdrew_is_not_kept(
    app, auth, client, runner, serials
):
    """A form posted before the participant phoned to withdraw arrives after: its scan
    must not be kept waiting for a person (the confirmation refuses it, so it waited
    for ever, images and read answers kept)."""
    with app.app_context():
        code = db.session.get(Mailing, int(serials[0])).invitation.code
        data = sp.pdf(_ticked(serials[0]) + _ticked(serials[1]))
    assert runner.invoke(args=["withdraw", code, "--by", "phone"]).exit_code == 0
    auth.login("desk@example.org", role="data_entry")
    started = _upload(client, data)
    assert started.status_code == 302
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        copies = {c.serial: c for c in db.session.scalars(select(ScanCopy))}
        gone, kept = copies[serials[0]], copies[serials[1]]
        assert gone.state == "withdrawn" and gone.fields == {} and gone.uncertain == []
        assert gone.pages and all(p.image is None for p in gone.pages)
        assert kept.state == "to_verify" and all(p.image for p in kept.pages)
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "scan.withdrawn_copy")
        )
        assert event.detail["scan_images"] == len(gone.pages)
        gone_id = gone.id
    assert "Withdrawn" in page
    assert f'href="/staff/scans/copies/{gone_id}"' not in page  # nothing to verify


def test_a_coordinator_sees_which_copies_wait_for_data_entry_without_a_link_it_may_not_follow(
    app, auth, client, serials
):
    """Verifying is for data entry and admins: a coordinator's batch page said 'Verify'
    with a link that answered 403."""
    with app.app_context():
        data = sp.pdf(_ticked(serials[0], unsure=False))
    auth.login("desk@example.org", role="coordinator")
    started = _upload(client, data)
    assert started.status_code == 302
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "/staff/scans/copies/" not in page and "To verify (by data entry)" in page
    auth.logout()
    auth.login("keyer@example.org", role="data_entry")
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "/staff/scans/copies/" in page and "To verify (by data entry)" not in page


def _packed(runner, tmp_path, batch: str) -> tuple[list[np.ndarray], list[dict], str]:
    """A one-copy pack made by the command: its questionnaire's pages as printed (the
    letter left out), the box map it printed with, the copy's serial."""
    made = runner.invoke(args=["packs", batch, "-o", str(tmp_path)])
    assert made.exit_code == 0, made.output
    stem = f"Y90001-{batch}-wave1"
    with zipfile.ZipFile(tmp_path / f"{stem}.zip") as archive:
        pdf, boxmap = archive.read(f"{stem}.pdf"), archive.read(f"{stem}.boxmap.json")
        (row,) = csv.DictReader(io.StringIO(archive.read(f"{stem}.csv").decode()))
    return sp.printed_pages(pdf)[1:], json.loads(boxmap)["boxes"], row["serial"]


def _answer(pages: list[np.ndarray], boxes: list[dict]) -> None:
    """Q1 yes, Q2 2 and 3, the grid's rows 1 and 2: every box read with confidence."""
    for item, key in (("used", {"code": 1}), ("what", {"code": 2}), ("what", {"code": 3}),
                      ("ease", {"row": "book", "code": 1}),
                      ("ease", {"row": "order", "code": 2})):  # fmt: skip
        sp.tick(pages, sp.find(boxes, item, **key))


ANSWERED = {"used": "1", "what": "2 3", "ease.book": "1", "ease.order": "2"}


def _upgrade_moves_the_boxes(monkeypatch) -> None:
    """What an upgrade that sets the type a little larger does: every box moves. Forms
    are drawn anew from now on (the cache of drawn forms starts empty, and is put back)."""
    monkeypatch.setattr(Layout, "body_size", property(lambda self: 13.0))
    monkeypatch.setattr(document, "_CACHE", OrderedDict())


def _import(runner, tmp_path, pages: list[np.ndarray]) -> None:
    path = tmp_path / "returns.tif"
    path.write_bytes(sp.tiff(pages))
    result = runner.invoke(args=["scans", "import", str(path), "--returned", "2026-05-04"])
    assert result.exit_code == 0, result.output


def test_a_copy_is_read_against_the_layout_it_was_printed_with(app, runner, tmp_path, monkeypatch):
    """The pack keeps where its boxes were printed: a copy still in the post when the
    layout changes is read there, not where today's form would put them."""
    with app.app_context():
        _codes, batch = make_codes(instrument="short", count=1, mode="paper")
    pages, printed, serial = _packed(runner, tmp_path, batch)
    _answer(pages, printed)
    _upgrade_moves_the_boxes(monkeypatch)
    with app.app_context():
        drawn = sp.boxes(_short())
    book = {"row": "book", "code": 1}
    assert sp.find(drawn, "ease", **book)["y"] != sp.find(printed, "ease", **book)["y"]
    _import(runner, tmp_path, pages)
    with app.app_context():
        copy = db.session.scalar(select(ScanCopy))
        assert (copy.serial, copy.missing, copy.problem) == (serial, [], "")
        assert copy.fields == ANSWERED and copy.uncertain == []


def test_a_copy_mailed_before_layouts_were_kept_is_read_against_the_form_drawn_now(
    app, runner, tmp_path, serials, monkeypatch
):
    """A mailing with no layout kept (made before they were) reads as it always did."""
    _upgrade_moves_the_boxes(monkeypatch)
    with app.app_context():
        short = _short()
        pages, drawn = sp.copy_pages(short, serials[0]), sp.boxes(short)
    _answer(pages, drawn)
    _import(runner, tmp_path, pages)
    with app.app_context():
        copy = db.session.scalar(select(ScanCopy))
        assert (copy.serial, copy.missing, copy.problem) == (serials[0], [], "")
        assert copy.fields == ANSWERED and copy.uncertain == []


@pytest.mark.parametrize(
    "version, serial",
    [(2**31, "1"), (2**63, "0000001"), (2**70, "01"), (-(2**70), "1"), (1, "9" * 40), (1, "")],
)
def test_a_page_code_with_numbers_no_database_holds_names_no_form(app, serials, version, serial):
    """A misprinted or forged page code: a version too big for an integer column is not a
    form of this study (SQLite refused the look-up, failing the whole batch's reading)."""
    from fieldwork.scans.reading import FormLookup
    from forms.paper.qr import PagePayload

    with app.app_context():
        forms = FormLookup()
        found = forms(PagePayload("short", version, "en", 1, serial))
        assert (found is None) == (version != 1)


def _coded_page(text: str) -> np.ndarray:
    """The short form's first page printed with any page code text (a forged or misprinted
    code), as a scanner sees it."""
    from reportlab.pdfgen.canvas import Canvas

    from forms.paper import cached_form
    from forms.paper.layout import PAGE_HEIGHT, PAGE_WIDTH, QR_SIZE, QR_X, QR_Y
    from forms.paper.qr import draw_qr

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    draw_qr(canvas, text, QR_X, QR_Y, QR_SIZE)
    canvas.showPage()
    canvas.save()
    printed = sp.printed_pages(cached_form(_short(), "en", qr=False).pdf)[0]
    return np.minimum(printed, sp.printed_pages(buffer.getvalue())[0])


def test_a_batch_with_a_page_code_numbering_beyond_the_database_is_still_read(
    app, runner, tmp_path, serials
):
    """Pages whose code names a version or page number no integer column holds are listed
    as not placed; the rest of the batch is read (it failed as a whole: an overflow)."""
    with app.app_context():
        good = _ticked(serials[0], unsure=False)
        forged = [_coded_page(f"FW1|short|{2**40}|en|std|1|{serials[1]}"),
                  _coded_page(f"FW1|short|1|en|std|{2**40}|{serials[1]}"),
                  _coded_page(f"FW1|nothing|1|en|std|{2**70}|1")]  # fmt: skip
    _import(runner, tmp_path, [*good, *forged])
    with app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job.state == "done", job.message
        (copy,) = db.session.scalars(select(ScanCopy)).all()
        assert (copy.serial, copy.missing) == (serials[0], [])
        unplaced = db.session.scalars(
            select(ScanPage).where(ScanPage.copy_id.is_(None)).order_by(ScanPage.position)
        ).all()
        assert [p.page_no for p in unplaced] == [1, None, None]  # none beyond a column
        assert [p.problem.split(" ")[0] for p in unplaced] == ["unknown", "page", "unknown"]


def test_a_page_scanned_in_a_later_batch_is_shown_joined_to_its_copy_with_a_link_to_verify_it(
    app, auth, client, serials
):
    """A sheet misfed and rescanned the next day: the later batch made a one-page copy of
    its own, and the earlier one listed its copy with a page missing for ever."""
    with app.app_context():
        first = _ticked(serials[0])
        early_scan, late_scan = sp.pdf([first[0]]), sp.pdf([first[1]])
    auth.login("keyer@example.org", role="data_entry")
    early = _upload(client, early_scan).headers["Location"]
    assert f"Serial {serials[0]}: page 2 of 2 not scanned yet" in client.get(early).get_data(True)
    with app.app_context():
        copy_url = f"/staff/scans/copies/{db.session.scalar(select(ScanCopy.id))}"
    opened = client.get(copy_url).get_data(as_text=True)  # a person starts verifying
    # page 2's questions wait under page 2 (nothing to look at on a scan), not flagged
    assert "its page was not scanned" not in opened and "Look at these first" not in opened
    assert "Page 2 was not scanned: type its answers from the paper form" in opened
    assert opened.count('id="used"') == 1
    seen = opened.split('name="scan_pages_seen" value="')[1].split('"')[0]
    late = _upload(client, late_scan, returned="05/05/2026").headers["Location"]
    form = {"returned_on": "04/05/2026", "scan_pages_seen": seen}  # page 2's answers unseen
    stale = post(client, copy_url, form)
    assert stale.status_code == 400 and "joined it while you were verifying" in stale.get_data(True)
    assert 'value="1"' in stale.get_data(True).split('id="used"')[1][:200]  # read now
    page = client.get(late).get_data(as_text=True)
    with app.app_context():
        [copy] = db.session.scalars(select(ScanCopy)).all()  # one copy of the serial
        early_id, copy_id = copy.batch_id, copy.id
        assert copy.missing == [] and copy.fields["used"] == "1" and copy.state == "to_verify"
    assert early.endswith(f"/batches/{early_id}") and not late.endswith(f"/batches/{early_id}")
    joined = f'joined to serial {serials[0]} in <a href="/staff/scans/batches/{early_id}">batch'
    assert "Pages joined to copies of earlier batches (1)" in page and joined in page
    assert f'href="/staff/scans/copies/{copy_id}"' in page
    assert "No copy of its own" in page and "<h2>Problems for a person</h2>" not in page
    before = client.get(early).get_data(as_text=True)
    assert "Copies with pages missing" not in before and "2 of 2 (with pages from batch" in before
    verify = client.get(f"/staff/scans/copies/{copy_id}").get_data(as_text=True)
    assert verify.count("/staff/scans/pages/") >= 1  # the joined page's image beside it
    auth.logout()
    auth.login("desk@example.org", role="coordinator")
    page = client.get(late).get_data(as_text=True)
    assert joined in page and "/staff/scans/copies/" not in page  # verifying is data entry's
