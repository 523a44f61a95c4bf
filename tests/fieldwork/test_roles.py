"""Every route, with every role and anonymously, against an explicit table of statuses.

A route missing from the table fails the test: new routes must be classified here.
Each request starts from a pristine signed-in session (the cookie is copied into a fresh
client), so no request's side effects (survey state) change another's result; signing out
ends the session on the server, so it is tried last.
Objects in URLs belong to practice Y90001; the restricted coordinator has Y90002 only.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.invitations.services import issue_codes
from fieldwork.models import Invitation, Job, Practice, ScanBatch, ScanCopy, ScanPage, User
from fieldwork.models.study import open_link_token
from fieldwork.volunteers.services import reference
from tests.conftest import CSRF_RE
from tests.fieldwork.volunteer_world import CONFIDENT, volunteer
from tests.fieldwork.volunteer_world import add as add_volunteer

ROLES = ("anonymous", "admin", "coordinator", "restricted", "data_entry", "analyst", "recruiter")
L = "login"  # redirected to the sign-in page
GO = "redirect"  # redirected elsewhere (respondent pages without a survey under way)

# (endpoint, method): statuses for anonymous, admin, coordinator, restricted coordinator,
# data entry, analyst, recruiter. Posts carry a valid CSRF token and no other fields.
EXPECTED: dict[tuple[str, str], tuple] = {
    # sign-in and the staff home
    ("auth.home", "GET"): (L, 200, 200, 200, 200, 200, 200),
    ("auth.sign_in", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("auth.sign_in", "POST"): (400, 400, 400, 400, 400, 400, 400),
    ("auth.sign_out", "POST"): (L, L, L, L, L, L, L),
    # access codes: coordinators and admins only; restricted ones only their practices
    ("invitations.index", "GET"): (L, 200, 200, 200, 403, 403, 403),
    ("invitations.issue", "GET"): (L, 200, 200, 200, 403, 403, 403),
    ("invitations.issue", "POST"): (L, 400, 400, 400, 403, 403, 403),
    ("invitations.batch", "GET"): (L, 200, 200, 404, 403, 403, 403),
    ("invitations.batch_csv", "GET"): (L, 200, 200, 404, 403, 403, 403),
    ("invitations.listing", "GET"): (L, 200, 200, 404, 403, 403, 403),
    ("invitations.code", "GET"): (L, 200, 200, 404, 403, 403, 403),
    ("invitations.code", "POST"): (L, 400, 400, 404, 403, 403, 403),
    ("invitations.withdraw_code", "POST"): (L, 303, 303, 404, 403, 403, 403),
    ("invitations.bulk", "GET"): (L, 200, 200, 200, 403, 403, 403),
    ("invitations.bulk", "POST"): (L, 400, 400, 400, 403, 403, 403),
    # practices: analysts may look; adding is for admins and unrestricted coordinators
    ("practices.index", "GET"): (L, 200, 200, 200, 403, 200, 403),
    ("practices.show", "GET"): (L, 200, 200, 404, 403, 200, 403),
    ("practices.add", "GET"): (L, 200, 200, 403, 403, 403, 403),
    ("practices.add", "POST"): (L, 400, 400, 403, 403, 403, 403),
    ("practices.edit", "GET"): (L, 200, 200, 404, 403, 403, 403),
    ("practices.edit", "POST"): (L, 400, 400, 404, 403, 403, 403),
    ("practices.import_csv", "GET"): (L, 200, 200, 200, 403, 403, 403),
    ("practices.import_csv", "POST"): (L, 400, 400, 400, 403, 403, 403),
    ("practices.import_template", "GET"): (L, 200, 200, 200, 403, 403, 403),
    ("practices.regions", "GET"): (L, 200, 200, 200, 403, 200, 403),
    ("practices.regions", "POST"): (L, 400, 400, 403, 403, 403, 403),
    ("practices.rename", "POST"): (L, 400, 400, 403, 403, 403, 403),
    # paper: questionnaires for coordinators and data entry; packs for coordinators
    ("paper.index", "GET"): (L, 200, 200, 200, 200, 403, 403),
    ("paper.questionnaire_pdf", "GET"): (L, 200, 200, 200, 200, 403, 403),
    ("paper.boxmap", "GET"): (L, 200, 200, 200, 200, 403, 403),
    ("paper.batch", "GET"): (L, 200, 200, 404, 403, 403, 403),
    ("paper.batch", "POST"): (L, 400, 400, 404, 403, 403, 403),
    # keying returned paper forms: data entry and admins; progress for coordinators too
    ("keying.index", "GET"): (L, 200, 403, 403, 200, 403, 403),
    ("keying.index", "POST"): (L, 400, 403, 403, 400, 403, 403),
    ("keying.form", "GET"): (L, 200, 403, 403, 200, 403, 403),
    ("keying.form", "POST"): (L, 400, 403, 403, 400, 403, 403),
    ("keying.returned", "POST"): (L, GO, 403, 403, GO, 403, 403),
    ("keying.resolve", "GET"): (L, 200, 403, 403, 200, 403, 403),
    ("keying.resolve", "POST"): (L, 400, 403, 403, 400, 403, 403),
    ("keying.progress_view", "GET"): (L, 200, 200, 200, 200, 403, 403),
    ("keying.settings_view", "GET"): (L, 200, 403, 403, 403, 403, 403),
    ("keying.settings_view", "POST"): (L, GO, 403, 403, 403, 403, 403),
    # scanned returns: upload and batches for coordinators (not restricted) and data entry;
    # verifying a copy is keying (data entry and admins); the study setting for admins
    ("scans.index", "GET"): (L, 200, 200, 403, 200, 403, 403),
    ("scans.index", "POST"): (L, 400, 400, 403, 400, 403, 403),
    ("scans.settings", "POST"): (L, GO, 403, 403, 403, 403, 403),
    ("scans.batch", "GET"): (L, 200, 200, 403, 200, 403, 403),
    ("scans.page_image", "GET"): (L, 200, 200, 403, 200, 403, 403),
    ("scans.copy", "GET"): (L, 200, 403, 403, 200, 403, 403),
    ("scans.copy", "POST"): (L, 400, 403, 403, 400, 403, 403),
    # response rates: analysts, coordinators, admins
    ("rates.dashboard", "GET"): (L, 200, 200, 200, 403, 200, 403),
    ("rates.download", "GET"): (L, 200, 200, 200, 403, 200, 403),
    # rate settings and closing fieldwork: coordinators close their practices; admins the rest
    ("rates.fieldwork", "GET"): (L, 200, 200, 200, 403, 403, 403),
    ("rates.save_settings", "POST"): (L, 400, 403, 403, 403, 403, 403),
    ("rates.close_study", "POST"): (L, 400, 403, 403, 403, 403, 403),
    ("rates.close_one_practice", "POST"): (L, 400, 400, 400, 403, 403, 403),
    # staff accounts and the audit log: admins only
    ("users.list_users", "GET"): (L, 200, 403, 403, 403, 403, 403),
    ("users.add_user", "GET"): (L, 200, 403, 403, 403, 403, 403),
    ("users.add_user", "POST"): (L, 400, 403, 403, 403, 403, 403),
    ("users.edit_user", "GET"): (L, 200, 403, 403, 403, 403, 403),
    ("users.edit_user", "POST"): (L, 400, 403, 403, 403, 403, 403),
    ("users.reset_password", "POST"): (L, 400, 403, 403, 403, 403, 403),
    ("users.set_user_active", "POST"): (L, 400, 403, 403, 403, 403, 403),
    ("users.audit", "GET"): (L, 200, 403, 403, 403, 403, 403),
    ("users.audit_csv", "GET"): (L, 200, 403, 403, 403, 403, 403),
    # assisted mode: staff who help patients (data entry, coordinators, admins)
    ("survey.assist", "GET"): (L, 200, 200, 200, 200, 403, 403),
    ("survey.assist", "POST"): (L, 400, 400, 400, 400, 403, 403),
    ("survey.assist_next", "GET"): (L, 200, 200, 200, 200, 403, 403),
    # respondent pages: public, the same for everyone
    ("survey.start", "GET"): (200,) * 7,
    ("survey.start", "POST"): (400,) * 7,
    ("survey.code_link", "GET"): (GO,) * 7,
    ("survey.open_link", "GET"): (GO,) * 7,
    ("survey.resume", "GET"): (200,) * 7,
    ("survey.resume", "POST"): (400,) * 7,
    ("survey.welcome", "GET"): (GO,) * 7,
    ("survey.welcome", "POST"): (GO,) * 7,
    ("survey.page", "GET"): (GO,) * 7,
    ("survey.page", "POST"): (GO,) * 7,
    ("survey.check", "GET"): (GO,) * 7,
    ("survey.check", "POST"): (GO,) * 7,
    ("survey.done", "GET"): (GO,) * 7,
    ("survey.consent", "GET"): (GO,) * 7,
    ("survey.consent", "POST"): (GO,) * 7,
    ("survey.declined", "GET"): (GO,) * 7,
    # withdrawing one's answers: a public code page, then confirm (needs a code first)
    ("survey.withdraw_code", "GET"): (200,) * 7,
    ("survey.withdraw_code", "POST"): (400,) * 7,
    ("survey.withdraw_this", "POST"): (GO,) * 7,  # "I do not want to take part": none begun
    ("survey.withdraw_confirm", "GET"): (GO,) * 7,
    ("survey.withdraw_confirm", "POST"): (GO,) * 7,
    ("survey.withdraw_done", "GET"): (GO,) * 7,
    ("static", "GET"): (200,) * 7,
    # coded datasets: analysts, coordinators (their practices), admins
    ("datasets.index", "GET"): (L, 200, 200, 200, 403, 200, 403),
    ("datasets.start", "POST"): (L, 400, 400, 400, 403, 400, 403),
    # a background job: only its maker (here another analyst) and admins see it
    ("jobs.show", "GET"): (L, 200, 404, 404, 404, 404, 404),
    ("jobs.status", "GET"): (L, 200, 404, 404, 404, 404, 404),
    ("jobs.download", "GET"): (L, 200, 404, 404, 404, 404, 404),
    ("jobs.restart", "POST"): (L, GO, 404, 404, 404, 404, 404),
    # interview volunteers and their contact details: recruiters and admins only
    ("volunteers.index", "GET"): (L, 200, 403, 403, 403, 403, 200),
    ("volunteers.listing", "GET"): (L, 200, 403, 403, 403, 403, 200),
    # (a post without a status changes nothing: the volunteer's progress stays as it was)
    ("volunteers.progress", "POST"): (L, 303, 403, 403, 403, 403, 303),
    ("volunteers.targets", "GET"): (L, 200, 403, 403, 403, 403, 200),
    ("volunteers.targets", "POST"): (L, 303, 403, 403, 403, 403, 303),
    # retention of identifying data and the purge: admins only (not due here: no purge)
    ("users.retention_page", "GET"): (L, 200, 403, 403, 403, 403, 403),
    ("users.retention_settings", "POST"): (L, 400, 403, 403, 403, 403, 403),
    ("users.start_purge", "POST"): (L, 303, 403, 403, 403, 403, 403),
}


def _rules(app) -> dict[tuple[str, str], object]:
    return {
        (rule.endpoint, method): rule
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    }


@pytest.fixture
def world(app, auth):
    """The demo study, a batch of codes, a user to manage, and URL values for each rule."""
    auth.create("target@example.org", role="analyst")
    with app.app_context():
        seed(sorted(get_catalogue().current))
        practice = db.session.scalar(select(Practice).where(Practice.code == "Y90001"))
        batch = issue_codes(practice, "patient", 2)
        db.session.commit()
        code = db.session.scalar(
            select(Invitation.code).where(Invitation.batch == batch.id).order_by(Invitation.code)
        )
        job_id = _finished_job(app, "target@example.org")
        add_volunteer("Y90001", 1, volunteer(1, 2, 1, CONFIDENT))
        db.session.commit()
        scan = _scan(app, batch.id, code)
        return {
            **scan,
            "batch_id": batch.id,
            "code": code,
            "practice_code": "Y90001",
            "instrument": "patient",
            "instrument_id": "patient",
            "token": open_link_token(practice.link_token, "patient"),
            "region_id": practice.region_id,
            "user_id": db.session.scalar(select(User.id).where(User.email == "target@example.org")),
            "number": 1,
            "filename": "nhsuk/fieldwork.css",
            "job_id": job_id,
            "public_id": "V0001",
            "ref": reference("V0001", app.config["SECRET_KEY"]),
        }


def _finished_job(app, maker: str) -> int:
    """A finished job with its file, made by `maker`."""
    folder = Path(app.config["JOB_FILES"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.txt").write_text("done")
    user_id = db.session.scalar(select(User.id).where(User.email == maker))
    job = Job(kind="dataset", state="done", created_by=user_id, result_name="result.txt")
    job.result_path, job.result_bytes = str(folder / "result.txt"), 4
    db.session.add(job)
    db.session.commit()
    return job.id


def _scan(app, batch: str, code: str) -> dict:
    """A read scan batch: one page with its image, one copy waiting to be verified."""
    from fieldwork.scans.storage import keep_image

    invitation = db.session.scalar(select(Invitation).where(Invitation.code == code))
    scans = ScanBatch(returned_on=datetime.date(2026, 5, 4), files=[], problems=[])
    db.session.add(scans)
    db.session.flush()
    copy = ScanCopy(batch_id=scans.id, serial="0000001", instrument="patient", version=1,
                    lang="en", invitation_id=invitation.id, pages_expected=18)  # fmt: skip
    db.session.add(copy)
    db.session.flush()
    page = ScanPage(batch_id=scans.id, position=1, file_name="a.pdf", file_page=1,
                    status="placed", page_no=1, serial="0000001", copy_id=copy.id,
                    image=keep_image(scans.id, 1, b"\x89PNG not really"))  # fmt: skip
    db.session.add(page)
    db.session.commit()
    return {"scan_batch_id": scans.id, "page_id": page.id, "copy_id": copy.id}


def _values(endpoint: str, rule, world: dict) -> dict:
    values = {name: world[name] for name in rule.arguments}
    if endpoint.startswith("practices.") and "code" in values:
        values["code"] = "Y90001"
    if endpoint.startswith("scans.") and "batch_id" in values:
        values["batch_id"] = world["scan_batch_id"]
    return values


def _signed_in(app, auth, role: str) -> tuple[str | None, str]:
    """The session cookie and CSRF token of a fresh sign-in as `role`."""
    if role != "anonymous":
        practices = "Y90002" if role == "restricted" else ""
        actual = "coordinator" if role == "restricted" else role
        response = auth.login(f"{role}.walker@example.org", role=actual, practices=practices)
        assert response.status_code == 302, f"{role} could not sign in"
    page = auth.client.get("/staff/sign-in").get_data(as_text=True)
    cookie = auth.client.get_cookie("session")
    return (cookie.value if cookie else None), CSRF_RE.search(page).group(1)


def _outcome(response) -> object:
    if response.status_code == 302:
        target = response.headers["Location"]
        return L if "/staff/sign-in" in target else GO
    return response.status_code


def test_every_route_is_classified(app):
    routes = set(_rules(app))
    assert sorted(routes - set(EXPECTED)) == [], "classify these routes in EXPECTED"
    assert sorted(set(EXPECTED) - routes) == [], "these routes no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_with_every_role(app, auth, world, role):
    cookie, token = _signed_in(app, auth, role)
    column = ROLES.index(role)
    wrong = []
    # Signing out ends the session on the server for every copy of the cookie: go last.
    last = ("auth.sign_out", "POST")
    for (endpoint, method), rule in sorted(
        _rules(app).items(), key=lambda kv: (kv[0] == last, kv[0])
    ):
        if (endpoint, method) not in EXPECTED:
            continue  # reported by test_every_route_is_classified
        client = app.test_client()
        if cookie:
            client.set_cookie("session", cookie)
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **_values(endpoint, rule, world))
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        got, expected = _outcome(response), EXPECTED[(endpoint, method)][column]
        response.close()  # static files are streamed from an open file
        if got != expected:
            wrong.append(f"{method} {url} ({endpoint}): expected {expected}, got {got}")
    assert wrong == [], f"as {role}:\n" + "\n".join(wrong)
