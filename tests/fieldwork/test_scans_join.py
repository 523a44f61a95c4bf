"""A copy whose pages arrive in different scan batches (a sheet misfed and rescanned the
next day, a page posted on its own) is one copy: a later page joins the copy an earlier
batch made while it waits for a person; a page of a copy already confirmed is listed as a
problem, never used to change stored answers; a page scanned twice stays a problem.

The questionnaire is `short`: page 1 a cover (no boxes), page 2 every question.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from sqlalchemy import func, select, text

from fieldwork.answers import load_answers
from fieldwork.db import db
from fieldwork.jobs.runner import run_job
from fieldwork.models import AuditEvent, Job, Response, ScanBatch, ScanCopy, ScanPage, User
from fieldwork.scans import display, placing, services
from tests.conftest import BACKENDS
from tests.fieldwork import scan_pages as sp
from tests.fieldwork.staff_factories import post
from tests.fieldwork.test_scans import RETURNED, _short, _ticked, instruments_dir, serials

__all__ = ["instruments_dir", "serials"]  # fixtures used by the tests here

LATER = RETURNED + datetime.timedelta(days=1)
ANSWERS = {"used": "1", "what": "2 3", "other": "Faster replies", "ease.book": "2",
           "ease.order": "2"}  # fmt: skip


def _read(pages, returned=RETURNED) -> int:
    """Upload the pages as one PDF and read the batch (the `scan_batch` job); its id."""
    batch = services.start_batch([("returns.pdf", sp.pdf(pages))], returned, None)
    db.session.commit()
    batch_id, job_id = batch.id, batch.job_id
    run_job(job_id)
    job = db.session.get(Job, job_id)
    assert job.state == "done", job.error
    return batch_id


def _keyer() -> User:
    user = User(email="keyer@example.org", name="keyer", role="data_entry", password_hash="x")
    db.session.add(user)
    db.session.commit()
    return user


def _copies(serial: str) -> list[ScanCopy]:
    return list(db.session.scalars(select(ScanCopy).where(ScanCopy.serial == serial)))


def _page(batch_id: int, position: int = 1) -> ScanPage:
    return db.session.scalar(select(ScanPage).filter_by(batch_id=batch_id, position=position))


def test_a_page_in_a_later_batch_joins_its_unconfirmed_copy_and_is_stored_once(app, serials):
    with app.app_context():
        first = _ticked(serials[0])
        other = _ticked(serials[1])
        early = _read([first[0], *other])  # the question page misfed
        [copy] = _copies(serials[0])
        assert copy.missing == [2] and copy.fields == {}
        late = _read([first[1]], LATER)  # rescanned the next day
        page = _page(late)
        [copy] = _copies(serials[0])  # one copy of the serial, the earlier batch's
        assert copy.batch_id == early and page.copy_id == copy.id and page.status == "placed"
        assert db.session.get(ScanBatch, late).copies == []
        assert copy.missing == [] and set(copy.uncertain) == {"other", "ease.book"}
        sure = {name: text for name, text in copy.fields.items() if name not in copy.uncertain}
        assert sure == {"used": "1", "what": "2 3", "ease.order": "2"}  # from the late page
        assert {m["field"] for m in copy.marks} == {"other", "ease.book"}
        assert [p.page_no for p in copy.pages] == [1, 2]
        early_view = display.batch_view(db.session.get(ScanBatch, early))
        assert copy not in early_view.missing  # no longer 'pages missing'
        late_view = display.batch_view(db.session.get(ScanBatch, late))
        assert late_view.joined == [page] and late_view.problems == 0
        response = services.confirm(copy, dict(ANSWERS), user=_keyer(), returned_on=RETURNED)
        assert isinstance(response, Response)
        db.session.commit()
        answers = load_answers(db.session, _short(), response.id)
        assert answers == {"used": 1, "what": frozenset({2, 3}), "other": "Faster replies",
                           "ease": {"book": 2, "order": 2}}  # fmt: skip
        invitation = copy.invitation_id
        count = select(func.count(Response.id)).where(Response.invitation_id == invitation)
        assert db.session.scalar(count) == 1


def test_a_page_of_a_copy_already_confirmed_is_a_problem_and_changes_nothing(
    app, auth, client, serials
):
    with app.app_context():
        first = _ticked(serials[0])
        _read([first[0]])
        [copy] = _copies(serials[0])
        typed = {"used": "2"}  # keyed from the paper
        response = services.confirm(copy, typed, user=_keyer(), returned_on=RETURNED)
        db.session.commit()
        response_id = response.id
        stored = load_answers(db.session, _short(), response_id)
        assert stored == {"used": 2}
        late = _read([first[1]], LATER)
        page = _page(late)
        [copy] = _copies(serials[0])  # no second copy to confirm
        assert page.status == "unused" and page.copy_id == copy.id and page.image
        assert f"serial {serials[0]} was already confirmed on" in page.problem
        assert "this page was not used" in page.problem
        assert copy.state == "confirmed" and copy.fields == {"used": "2"}
        assert load_answers(db.session, _short(), response_id) == stored
        view = display.batch_view(db.session.get(ScanBatch, late))
        assert view.unused == [page] and view.problems == 1
        problem, page_id = page.problem, page.id
    auth.login("desk@example.org", role="coordinator")
    shown = client.get(f"/staff/scans/batches/{late}").get_data(as_text=True)
    assert "Pages of copies already settled (1)" in shown and problem in shown
    assert f"/staff/scans/pages/{page_id}.png" in shown  # the page is kept, to look at
    assert "Not used: its copy was settled before" in shown


def test_a_page_not_used_is_not_counted_as_a_page_of_its_copy_from_that_batch(
    app, auth, client, serials
):
    """The earlier batch's copy does not say it has pages from a batch whose only page of it
    came after it was confirmed, and was not used."""
    with app.app_context():
        first = _ticked(serials[0])
        early = _read([first[0]])
        [copy] = _copies(serials[0])
        copy_id = copy.id
        services.confirm(copy, {"used": "2"}, user=_keyer(), returned_on=RETURNED)
        db.session.commit()
        late = _read([first[1]], LATER)
        assert _page(late).status == "unused"
        view = display.batch_view(db.session.get(ScanBatch, early))
        assert view.other_batches == {copy_id: []}
    auth.login("desk@example.org", role="coordinator")
    shown = client.get(f"/staff/scans/batches/{early}").get_data(as_text=True)
    assert "with pages from batch" not in shown and "1 of 2" in shown


def test_a_page_scanned_again_in_a_later_batch_stays_a_duplicate(app, serials):
    with app.app_context():
        first = _ticked(serials[0])
        _read(first)
        [copy] = _copies(serials[0])
        fields = dict(copy.fields)
        again = _ticked(serials[0], unsure=False)  # a different reading of page 2
        late = _read([again[1]], LATER)
        page = _page(late)
        [copy] = _copies(serials[0])
        assert page.status == "duplicate" and page.copy_id == copy.id
        assert f"page 2 of serial {serials[0]} scanned again" in page.problem
        assert copy.fields == fields and [p.page_no for p in copy.pages] == [1, 2, 2]
        assert display.batch_view(db.session.get(ScanBatch, late)).duplicates == [page]


def test_reading_a_later_batch_again_joins_its_pages_once(app, serials):
    with app.app_context():
        first = _ticked(serials[0])
        _read([first[0]])
        late = _read([first[1]], LATER)
        job = db.session.scalar(select(Job).where(Job.id == db.session.get(ScanBatch, late).job_id))
        # The job read again (interrupted after placing, say): uploads kept for it.
        batch = db.session.get(ScanBatch, late)
        batch.files = [services.storage.keep_upload(batch, "returns.pdf", sp.pdf([first[1]]))]
        job.state, job_id = "interrupted", job.id
        db.session.commit()
        run_job(job_id)
        assert db.session.get(Job, job_id).state == "done"
        [copy] = _copies(serials[0])
        assert [p.page_no for p in copy.pages] == [1, 2]
        assert [p.status for p in copy.pages] == ["placed", "placed"]
        assert copy.missing == [] and copy.fields["used"] == "1"
        assert db.session.scalar(select(func.count(ScanPage.id))) == 2


def test_reading_the_earlier_batch_again_keeps_the_joined_page(app, serials):
    """The copy holding a later batch's page is not lost when its own batch is read again."""
    with app.app_context():
        first = _ticked(serials[0])
        early = _read([first[0]])
        _read([first[1]], LATER)
        batch = db.session.get(ScanBatch, early)
        batch.files = [services.storage.keep_upload(batch, "returns.pdf", sp.pdf([first[0]]))]
        job = db.session.get(Job, batch.job_id)
        job.state, job_id = "interrupted", job.id
        db.session.commit()
        run_job(job_id)
        assert db.session.get(Job, job_id).state == "done"
        [copy] = _copies(serials[0])
        assert sorted(p.page_no for p in copy.pages) == [1, 2] and copy.missing == []
        assert copy.fields["used"] == "1"


def test_a_page_read_before_readings_were_kept_keeps_what_was_proposed_for_it(app, serials):
    """A copy read before pages kept their box readings: a page joining it fills its
    missing page, and what was proposed for the questions of its old pages stands."""
    with app.app_context():
        first = _ticked(serials[0])
        _read([first[1]])  # the questions, read 'before the upgrade'
        [copy] = _copies(serials[0])
        for page in copy.pages:
            page.readings = None
        before = (dict(copy.fields), list(copy.uncertain), list(copy.marks))
        assert copy.missing == [1] and before[0]["used"] == "1"
        db.session.commit()
        _read([first[0]], LATER)  # the cover
        [copy] = _copies(serials[0])
        assert copy.missing == [] and [p.page_no for p in copy.pages] == [1, 2]
        assert (copy.fields, copy.uncertain, copy.marks) == before


@pytest.mark.parametrize("backend", [name for name in BACKENDS if name == "postgresql"])
def test_two_batch_jobs_at_once_make_one_copy_of_a_serial(app, serials, monkeypatch):
    """A worker per batch: the first job's new copy is not yet committed when the second
    job would place its page of the same serial. Placing takes turns (an advisory lock on
    PostgreSQL), so the second job sees the first's copy and joins it."""
    with app.app_context():
        first = _ticked(serials[0])
        jobs = []
        for pages, day in (([first[0]], RETURNED), ([first[1]], LATER)):
            batch = services.start_batch([("returns.pdf", sp.pdf(pages))], day, None)
            db.session.commit()
            jobs.append(batch.job_id)
        db.session.remove()
    placed, release = threading.Event(), threading.Event()
    real = placing.auto_accept

    def paused(copies, returned_on):  # the first job holds its placing open
        if not placed.is_set():
            placed.set()
            assert release.wait(120)
        return real(copies, returned_on)

    monkeypatch.setattr(placing, "auto_accept", paused)

    def run(job_id: int) -> None:
        with app.app_context():
            run_job(job_id)

    threads = [threading.Thread(target=run, args=(job_id,)) for job_id in jobs]
    threads[0].start()
    assert placed.wait(120)
    threads[1].start()
    with app.app_context():  # the second job waits its turn
        waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        for _ in range(600):
            if db.session.scalar(waiting):
                break
            db.session.rollback()
            threading.Event().wait(0.1)
        db.session.rollback()
    release.set()
    for thread in threads:
        thread.join(120)
    with app.app_context():
        assert [db.session.get(Job, j).state for j in jobs] == ["done", "done"]
        [copy] = _copies(serials[0])
        assert sorted(p.page_no for p in copy.pages) == [1, 2] and copy.missing == []


def test_the_command_says_which_pages_joined_a_copy_of_an_earlier_batch(
    app, runner, serials, tmp_path
):
    with app.app_context():
        first = _ticked(serials[0])
        (tmp_path / "cover.pdf").write_bytes(sp.pdf([first[0]]))
        (tmp_path / "rest.pdf").write_bytes(sp.pdf([first[1]]))
    early = runner.invoke(args=["scans", "import", str(tmp_path / "cover.pdf")])
    assert f"serial {serials[0]}: page(s) 2 missing" in early.output
    late = runner.invoke(args=["scans", "import", str(tmp_path / "rest.pdf")])
    assert late.exit_code == 0, late.output
    assert "1 page(s) read, 0 cop(ies) found, 0 to verify" in late.output
    assert f"page 1 (rest.pdf p. 1): joined to serial {serials[0]} in batch 1" in late.output


@pytest.mark.parametrize("backend", [name for name in BACKENDS if name == "postgresql"])
def test_a_page_joining_while_the_verify_page_is_drawn_is_not_confirmed_unseen(
    app, auth, client, serials, monkeypatch
):
    """At READ COMMITTED each statement of the verify page's GET sees what was committed
    before it: a later batch's job placing a page after the copy's answers were read but
    before the pages shown were counted must not let the old answers be confirmed."""
    with app.app_context():
        first = _ticked(serials[0])
        _read([first[0]])
        copy_id = db.session.scalar(select(ScanCopy.id))
        batch = services.start_batch([("returns.pdf", sp.pdf([first[1]]))], LATER, None)
        db.session.commit()
        job_id = batch.job_id
    real = display.copy_view

    def joining(*args, **kwargs):  # the later batch is placed while the page is drawn
        def run() -> None:
            with app.app_context():
                run_job(job_id)

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(120)
        return real(*args, **kwargs)

    auth.login("keyer@example.org", role="data_entry")
    monkeypatch.setattr(display, "copy_view", joining)
    opened = client.get(f"/staff/scans/copies/{copy_id}").get_data(as_text=True)
    monkeypatch.setattr(display, "copy_view", real)
    with app.app_context():
        assert db.session.get(Job, job_id).state == "done"
        assert db.session.get(ScanCopy, copy_id).missing == []  # page 2 joined
    assert 'value="1"' not in opened.split('id="used"')[1][:200]  # drawn before it joined
    seen = opened.split('name="scan_pages_seen" value="')[1].split('"')[0]
    form = {"returned_on": "04/05/2026", "scan_pages_seen": seen}  # the answers as shown
    stale = post(client, f"/staff/scans/copies/{copy_id}", form)
    assert stale.status_code == 400 and "joined it while you were verifying" in stale.get_data(True)
    with app.app_context():
        assert db.session.get(ScanCopy, copy_id).state == "to_verify"
        assert db.session.scalar(select(func.count(Response.id))) == 0


def test_a_late_page_of_a_confirmed_copy_whose_participant_withdrew_is_not_kept(
    app, runner, serials
):
    """Withdrawal keeps a confirmed copy's state and deletes its images; a page of it
    scanned after is the withdrawn participant's too: its image is deleted at once."""
    with app.app_context():
        first = _ticked(serials[0])
        _read([first[0]])
        [copy] = _copies(serials[0])
        services.confirm(copy, {"used": "2"}, user=_keyer(), returned_on=RETURNED)
        db.session.commit()
        code = copy.invitation.code
    assert runner.invoke(args=["withdraw", code, "--by", "phone"]).exit_code == 0
    with app.app_context():
        [copy] = _copies(serials[0])
        assert copy.state == "confirmed" and all(p.image is None for p in copy.pages)
        copy_id = copy.id
        late = _read([first[1]], LATER)
        page = _page(late)
        assert page.status == "unused" and page.copy_id == copy_id
        assert page.image is None and page.readings is None
        assert page.problem == placing.WITHDRAWN_PROBLEM
        assert not list(services.storage.batch_folder(late).glob("page-*"))
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "scan.withdrawn_pages")
        )
        invitation_id = db.session.get(ScanCopy, copy_id).invitation_id
        assert event.detail == {"copy": copy_id, "invitation": invitation_id,
                                "pages": [page.id], "scan_images": 1}  # fmt: skip


def test_the_verify_page_of_a_joined_copy_names_the_batch_its_late_pages_came_from(
    app, auth, client, serials
):
    with app.app_context():
        first = _ticked(serials[0])
        early = _read([first[0]])
        late = _read([first[1]], LATER)
        [copy] = _copies(serials[0])
        copy_id = copy.id
    auth.login("keys@example.org", role="data_entry")
    shown = client.get(f"/staff/scans/copies/{copy_id}").get_data(as_text=True)
    link = '<a href="/staff/scans/batches/{0}">{0}</a>'.format
    assert f"batch {link(early)}; page 2 from batch {link(late)}." in shown
