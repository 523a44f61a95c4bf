"""Paper pages: questionnaire downloads, and packs made as background jobs from a batch."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path

from sqlalchemy import select

from fieldwork.db import db
from fieldwork.models import Job, Mailing
from forms.paper.boxes import BoxMap
from tests.conftest import csrf_token
from tests.fieldwork.staff_factories import make_codes, respond


def test_coordinators_print_every_questionnaire_in_every_language(app, auth, client):
    auth.login(role="coordinator")
    page = client.get("/staff/paper/").get_data(as_text=True)
    assert "/staff/paper/patient.pdf?lang=zh" in page and "large_print=1" in page
    pdf = client.get("/staff/paper/patient.pdf?lang=zh&large_print=1")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert (
        pdf.data.startswith(b"%PDF")
        and "patient-v1-zh-large.pdf" in pdf.headers["Content-Disposition"]
    )
    boxes = json.loads(client.get("/staff/paper/patient.boxmap.json?lang=en").data)
    assert (boxes["instrument"], boxes["lang"]) == ("patient", "en") and boxes["boxes"]
    assert client.get("/staff/paper/patient.pdf?lang=xx").status_code == 404
    assert client.get("/staff/paper/nothing.pdf").status_code == 404


def test_the_box_map_download_is_of_the_questionnaire_as_downloaded(app, auth, client):
    """With a study contact line the cover of a Chinese large-print form runs onto a second
    page: the box map offered beside the PDF must be drawn with it too."""
    app.config["STUDY_CONTACT"] = "Questions? Call the study team on 0161 306 6000"
    auth.login(role="coordinator")
    query = "lang=zh&large_print=1"
    assert client.get(f"/staff/paper/patient.pdf?{query}").status_code == 200
    kept = Path(app.config["BOXMAPS"]) / "patient" / "v1" / "zh-large.json"  # the PDF's
    offered = json.loads(client.get(f"/staff/paper/patient.boxmap.json?{query}").data)
    assert offered["boxes"] == json.loads(kept.read_text())["boxes"]


def test_a_pack_is_made_as_a_job_and_a_reminder_follows(app, auth, client):
    auth.login(role="coordinator")
    with app.app_context():
        codes, batch = make_codes(count=3, mode="paper")
    url = f"/staff/paper/batches/{batch}"
    assert "Make the first pack" in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    started = client.post(url, data={"csrf_token": token, "lang": "en", "questionnaire": "1"})
    assert started.status_code == 302 and "/staff/jobs/" in started.headers["Location"]
    with app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert (job.kind, job.state, job.done, job.total) == ("paper_pack", "done", 3, 3)
        assert db.session.scalar(select(db.func.count()).select_from(Mailing)) == 3
        job_id = job.id
    with client.get(f"/staff/jobs/{job_id}/download") as download:
        archive = zipfile.ZipFile(io.BytesIO(download.data))
        names = archive.namelist()
        printed = json.loads(archive.read(next(n for n in names if n.endswith(".json"))))
    assert sorted(n.rsplit(".", 1)[-1] for n in names) == ["csv", "json", "pdf"]
    with app.app_context():  # the job kept the layout its copies were printed with
        layouts = {m.printed_layout for m in db.session.scalars(select(Mailing))}
        (layout,) = layouts
        assert layout is not None and BoxMap.from_json(layout.boxmap).boxes == printed["boxes"]
    page = client.get(url).get_data(as_text=True)
    assert "Make reminder wave 2" in page and "(first mailing)" in page
    with app.app_context():
        for code in codes:
            respond(code)
    token = csrf_token(client, url)
    refused = client.post(url, data={"csrf_token": token, "lang": "en"})
    assert refused.status_code == 400
    assert "no reminder is needed" in refused.get_data(as_text=True)


def test_a_language_that_cannot_be_printed_is_a_form_error(app, auth, client):
    auth.login(role="coordinator")
    with app.app_context():
        _, batch = make_codes(count=1)
    url = f"/staff/paper/batches/{batch}"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "lang": "ar"})
    assert response.status_code == 400 and "Choose a language" in response.get_data(as_text=True)


def test_a_pack_that_cannot_be_drawn_leaves_its_codes_unmailed(app, auth, client, monkeypatch):
    from fieldwork.mailings import jobs

    def broken(*args, **kwargs):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(jobs, "render_pack", broken)
    auth.login(role="coordinator")
    with app.app_context():
        _, batch = make_codes(count=2)
    url = f"/staff/paper/batches/{batch}"
    client.post(url, data={"csrf_token": csrf_token(client, url), "lang": "en"})
    with app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job.state == "failed" and "printer on fire" in job.message
        assert db.session.scalar(select(db.func.count()).select_from(Mailing)) == 0
    assert "Make the first pack" in client.get(url).get_data(as_text=True)


def test_a_pack_job_keeps_its_layout_when_another_pack_records_it_meanwhile(app, auth, client):
    """Two packs of the same form drawn at once: the other records the layout between this
    job's look for it and its insert. The job keeps the row the other made. (On SQLite a
    job reads in deferred transactions: a write after another's commit was refused as
    "database is locked", and the drawn pack thrown away.)"""
    from sqlalchemy import event, insert
    from sqlalchemy.exc import DBAPIError

    from fieldwork.catalogue import get_catalogue
    from fieldwork.models import PrintedLayout
    from fieldwork.printed_layouts import content_hash
    from forms.paper import cached_form

    auth.login(role="coordinator")
    with app.app_context():
        _, batch = make_codes(count=2, mode="paper")
        patient = get_catalogue().current["patient"]
        form = cached_form(patient, "en", large_print=False, contact="", qr=False)
        digest, engine = content_hash(form), db.engine
    row = dict(content_hash=digest, instrument="patient", version=patient.version,
               language="en", large_print=False, pages=form.pages,
               boxmap=form.boxmap.to_json(compact=True))  # fmt: skip
    other: dict = {}

    def record_it() -> None:  # another pack, on a connection of its own
        try:
            with engine.begin() as connection:
                connection.execute(insert(PrintedLayout.__table__).values(**row))
            other["done"] = True
        except DBAPIError as error:  # it came second: this job recorded the layout first
            other["error"] = error

    def meanwhile(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if "FROM printed_layouts" in statement and "thread" not in other:
            other["thread"] = threading.Thread(target=record_it)
            other["thread"].start()
            other["thread"].join(timeout=2)  # SQLite: it waits while this job writes

    event.listen(engine, "after_cursor_execute", meanwhile)
    try:
        url = f"/staff/paper/batches/{batch}"
        client.post(url, data={"csrf_token": csrf_token(client, url), "lang": "en",
                               "questionnaire": "1"})  # fmt: skip
    finally:
        event.remove(engine, "after_cursor_execute", meanwhile)
        if "thread" in other:
            other["thread"].join()
    assert "thread" in other  # else the race was not run
    with app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert (job.state, job.message) == ("done", "Finished")
        (layout,) = db.session.scalars(select(PrintedLayout)).all()
        assert layout.content_hash == digest
        kept = {m.printed_layout_id for m in db.session.scalars(select(Mailing))}
        assert kept == {layout.id}


def test_a_pack_whose_layout_cannot_be_kept_leaves_no_zip_behind(app, auth, client, monkeypatch):
    from fieldwork.mailings import jobs

    def broken(*args, **kwargs):
        raise RuntimeError("disk of layouts on fire")

    monkeypatch.setattr(jobs, "keep_printed_layout", broken)
    auth.login(role="coordinator")
    with app.app_context():
        _, batch = make_codes(count=2, mode="paper")
    url = f"/staff/paper/batches/{batch}"
    client.post(url, data={"csrf_token": csrf_token(client, url), "lang": "en",
                           "questionnaire": "1"})  # fmt: skip
    with app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert (job.state, job.message) == ("failed", "RuntimeError: disk of layouts on fire")
        assert db.session.scalar(select(db.func.count()).select_from(Mailing)) == 0
    folder = Path(app.config["JOB_FILES"])
    assert not (folder.exists() and list(folder.glob("job-*")))  # no codes left on disk
