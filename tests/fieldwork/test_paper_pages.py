"""Paper pages: questionnaire downloads, and packs made as background jobs from a batch."""

from __future__ import annotations

import io
import json
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
