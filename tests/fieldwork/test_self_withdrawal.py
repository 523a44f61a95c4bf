"""A respondent withdraws their own answers: from the done page, or later with a code."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from fieldwork.answers import answer_table
from fieldwork.codes import grouped
from fieldwork.datasets import services
from fieldwork.datasets.filters import Request
from fieldwork.datasets.services import WITHDRAWN, Withdrawn, forget_exports, start_export
from fieldwork.db import db
from fieldwork.i18n import t
from fieldwork.jobs.runner import run_job
from fieldwork.mailings.services import ANSWERED
from fieldwork.models import AuditEvent, IdentifyingAnswer, Job, Practice, Response
from fieldwork.survey.services import find_invitation
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot, csrf
from tests.fieldwork.test_identifying import NAME, _volunteer
from tests.fieldwork.test_withdrawal import _export


def _counts(app, instrument_id: str = "patient") -> tuple[int, int, int]:
    """(responses, rows of answers, identifying answers)."""
    table = answer_table(instrument(app, instrument_id))
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Response.id))),
            db.session.scalar(select(func.count()).select_from(table)),
            db.session.scalar(select(func.count()).select_from(IdentifyingAnswer)),
        )


def _enter(client, code: str):
    """Type a code on the withdraw page."""
    html = client.get("/withdraw").get_data(as_text=True)
    return client.post("/withdraw", data={"code": code, "csrf_token": csrf(html)})


def _confirm(client):
    """Confirm on the confirmation page; returns the done page's text."""
    html = client.get("/withdraw/confirm").get_data(as_text=True)
    confirmed = client.post("/withdraw/confirm", data={"csrf_token": csrf(html)})
    assert confirmed.headers["Location"] == "/withdraw/done"
    return client.get("/withdraw/done").get_data(as_text=True)


def _recorded(app, code: str) -> AuditEvent:
    with app.app_context():
        invitation = find_invitation(code)
        assert invitation.withdrawn_by == "respondent" and invitation.disposition == "refusal"
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "withdrawal")).one()


def test_from_the_done_page_the_response_is_deleted(app, client, codes, runner, tmp_path):
    _volunteer(app, client, codes)
    assert _counts(app) == (1, 1, 2)
    done = client.get("/done").get_data(as_text=True)
    assert 'href="/withdraw/confirm"' in done and "with the access code from your letter" in done
    confirm = client.get("/withdraw/confirm").get_data(as_text=True)
    assert "Your answers and any contact details you gave will be deleted" in confirm
    assert _counts(app) == (1, 1, 2)  # looking changes nothing
    page = _confirm(client)
    assert "Your answers have been withdrawn" in page
    assert "Your answers and contact details have been deleted." in page
    assert _counts(app) == (0, 0, 0)
    event = _recorded(app, codes["patient"][0])
    assert event.detail["route"] == "respondent" and event.detail["setting"] == "delete"
    assert event.user_id is None
    data, _ = _export(runner, tmp_path, full=False)
    assert len(data.strip().splitlines()) == 1  # the header only
    assert client.get("/withdraw/confirm").headers["Location"] == "/withdraw"  # done once


def test_later_with_the_access_code_answers_can_be_kept(app, client, codes, runner, tmp_path):
    assert "keep_answers" in runner.invoke(args=["withdrawal-setting", "keep_answers"]).output
    _volunteer(app, client, codes)
    later = app.test_client()  # another day, another browser
    code = codes["patient"][0]
    assert _enter(later, code.lower().replace("-", "")).headers["Location"] == "/withdraw/confirm"
    confirm = later.get("/withdraw/confirm").get_data(as_text=True)
    assert "will be kept and used for the research" in confirm
    assert "Any contact details you gave will be deleted" in confirm
    done = _confirm(later)
    assert "The answers you had given are kept" in done
    assert t("withdrawn_no_reminders", "en") in done  # a code's letters stop
    assert _counts(app) == (1, 1, 0)
    event = _recorded(app, code)
    assert event.detail["setting"] == "keep_answers"
    data, contacts = _export(runner, tmp_path, full=True)
    assert len(data.strip().splitlines()) == 2  # the answers stay
    assert NAME not in contacts
    again = _enter(later, code)
    assert again.status_code == 400 and "already been withdrawn" in again.get_data(as_text=True)


def test_an_open_link_response_is_withdrawn_with_its_resume_code(app, client, codes):
    with app.app_context():
        link = db.session.scalars(select(Practice)).first().open_link("mental_health")
    client.get(link)
    robot = Robot(client, instrument(app, "mental_health"))
    assert robot.run_pages(robot.welcome().headers["Location"]).endswith("/check")
    assert robot.submit().status_code == 302
    with app.app_context():
        resume_code = db.session.scalar(select(Response.resume_code))
    done = client.get("/done").get_data(as_text=True)
    shown = grouped(resume_code)  # as on every page: in groups, on one line, left to right
    assert f'<span class="fw-code" dir="ltr" translate="no">{shown}</span>' in done
    assert Robot(app.test_client(), None).client.get("/resume").status_code == 200
    later = app.test_client()
    assert _enter(later, shown).headers["Location"] == "/withdraw/confirm"
    assert t("withdrawn_no_reminders", "en") not in _confirm(later)  # no letters to stop
    assert _counts(app, "mental_health") == (0, 0, 0)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "withdrawal"))
        detail = event.one().detail
        assert detail["route"] == "respondent" and "response" in detail


def test_wrong_codes_on_the_withdraw_page_are_throttled_with_code_entry(app, client, codes):
    limit = app.config["CODE_ATTEMPTS"]
    statuses = [_enter(client, "AAAA-AAAA").status_code for _ in range(limit)]
    assert statuses == [400] * limit
    page = _enter(client, "AAAA-AAAA")
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)
    assert _enter(client, codes["patient"][0]).status_code == 429  # even a right one waits
    html = client.get("/").get_data(as_text=True)  # one budget with the start page
    assert (
        client.post("/", data={"code": codes["patient"][0], "csrf_token": csrf(html)}).status_code
        == 429
    )
    empty = _enter(app.test_client(), " ")
    assert empty.status_code == 400 and "Enter your access code or resume code" in empty.get_data(
        as_text=True
    )


def test_no_confirmation_without_a_code(app, client):
    assert client.get("/withdraw/confirm").headers["Location"] == "/withdraw"
    assert client.get("/withdraw/done").headers["Location"] == "/withdraw"
    html = client.get("/withdraw").get_data(as_text=True)
    posted = client.post("/withdraw/confirm", data={"csrf_token": csrf(html)})
    assert posted.headers["Location"] == "/withdraw"


def _exported(app, instrument_id: str, **filters) -> int:
    """A finished de-identified export of the instrument (a job, as the page starts one)."""
    with app.app_context():
        request = Request(instrument_id, formats=["csv"], **{"status": "all", **filters})
        job_id = start_export(request, None).id
        db.session.commit()
        run_job(job_id)
        job = db.session.get(Job, job_id)
        assert job.state == "done" and Path(job.result_path).is_file(), job.error
        return job.id


def test_a_withdrawal_removes_the_files_of_exports_already_made(app, client, codes):
    """An export made before a withdrawal holds the answers taken back: its file goes (the
    job says why); exports of other questionnaires stay."""
    _volunteer(app, client, codes)
    patient, other = _exported(app, "patient"), _exported(app, "mental_health")
    with app.app_context():
        path = Path(db.session.get(Job, patient).result_path)
        with zipfile.ZipFile(path) as bundle:
            assert bundle.read("data.csv").count(b"\n") == 2  # the header and this response
    client.get("/done")  # the done page offers "Withdraw my answers"
    _confirm(client)
    assert not path.exists() and not path.parent.exists()
    with app.app_context():
        job, kept = db.session.get(Job, patient), db.session.get(Job, other)
        assert (job.state, job.result_path, job.result_name) == ("done", None, None)
        assert job.message == WITHDRAWN
        assert kept.result_path and Path(kept.result_path).is_file()
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "withdrawal")
        ).one()
        assert (event.detail["instrument"], event.detail["export_files"]) == ("patient", 1)


def test_an_export_running_when_a_participant_withdraws_fails_and_keeps_no_file(
    app, client, codes, monkeypatch
):
    """A withdrawal committed while an export runs (after its read began): the export's
    file is not kept, and the job says to start it again."""
    _volunteer(app, client, codes)
    zipping = services.zip_bundle

    def withdrawal_meanwhile(bundle, path):
        size = zipping(bundle, path)
        with app.app_context(), db.engine.begin() as connection:
            detail = {"instrument": "patient", "route": "phone", "had_response": True}
            connection.execute(insert(AuditEvent).values(action="withdrawal", detail=detail))
        return size

    monkeypatch.setattr(services, "zip_bundle", withdrawal_meanwhile)
    with app.app_context():
        job_id = start_export(Request("patient", formats=["csv"], status="all"), None).id
        db.session.commit()
        run_job(job_id)
        job = db.session.get(Job, job_id)
        assert job.state == "failed" and "withdrew while this export was made" in job.message
        assert job.result_path is None
        assert not (Path(app.config["JOB_FILES"]) / f"dataset-{job.id}").exists()


def test_a_withdrawal_leaves_the_exports_that_cannot_hold_the_response(app, client, codes):
    """Only exports that may hold the response lose their file: not one made before it
    existed, nor one of another practice or of partial responses only (else anyone with an
    open link could answer, withdraw and empty every export of the questionnaire)."""
    before = _exported(app, "patient")
    _volunteer(app, client, codes)
    other = _exported(app, "patient", practices=["Y90002"])
    partial = _exported(app, "patient", status="partial")
    holding = _exported(app, "patient", status="complete")
    with app.app_context():  # minutes apart, as they would be (a minute's leeway is allowed)
        response = db.session.scalars(select(Response)).one()
        response.submitted_at = db.session.get(Job, partial).started_at - timedelta(minutes=10)
        response.started_at = response.submitted_at - timedelta(minutes=10)
        db.session.get(Job, before).started_at = response.started_at - timedelta(minutes=10)
        db.session.commit()
    client.get("/done")
    _confirm(client)
    with app.app_context():
        jobs = {i: db.session.get(Job, i) for i in (before, other, partial, holding)}
        assert [jobs[i].result_path is not None for i in (before, other, partial)] == [True] * 3
        assert all(Path(jobs[i].result_path).is_file() for i in (before, other, partial))
        assert jobs[holding].result_path is None and jobs[holding].message == WITHDRAWN


def test_a_withdrawal_that_rolls_back_deletes_no_file(app, client, codes):
    _volunteer(app, client, codes)
    job_id = _exported(app, "patient")
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
        forget_exports(Withdrawn.of(response))
        path = Path(db.session.get(Job, job_id).result_path or "")
        db.session.rollback()
        job = db.session.get(Job, job_id)
        assert job.result_path and Path(job.result_path).is_file()
        forget_exports(Withdrawn.of(db.session.scalars(select(Response)).one()))
        db.session.commit()
        assert not Path(job.result_path or path).exists() or job.result_path is None
        assert not (Path(app.config["JOB_FILES"]) / f"dataset-{job_id}").exists()


def test_a_response_begun_online_can_say_no_from_the_welcome_page(app, client, codes):
    """The letters tell a code that does not want to take part to choose 'I do not want to
    take part' online; one that already began (and so skips the consent page) finds it on
    the welcome page, and saying no there is a withdrawal: a refusal, not reminded."""
    code = codes["patient"][0]
    fresh = Robot(app.test_client(), instrument(app, "patient"))
    fresh.enter_code(codes["patient"][1])
    welcome = fresh.client.get("/welcome").get_data(as_text=True)
    assert 'action="/withdraw/this"' not in welcome  # not begun: the consent page asks
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(code)
    robot.welcome("en")
    robot.answer_page(1)
    again = Robot(app.test_client(), instrument(app, "patient"))
    again.enter_code(code)
    welcome = again.client.get("/welcome").get_data(as_text=True)
    assert 'action="/withdraw/this"' in welcome and t("consent_decline", "en") in welcome
    said = again.client.post("/withdraw/this", data={"csrf_token": csrf(welcome)})
    assert said.headers["Location"] == "/withdraw/confirm"
    confirm = again.client.get("/withdraw/confirm").get_data(as_text=True)
    assert 'href="/welcome"' in confirm  # Back returns to where they were
    assert _counts(app)[0] == 1  # nothing happens before they confirm
    _confirm(again.client)
    event = _recorded(app, code)
    assert event.detail["route"] == "respondent"
    with app.app_context():
        assert find_invitation(code).disposition in ANSWERED  # no reminder for it
    nobody = app.test_client().post("/withdraw/this", data={})
    assert nobody.status_code in (302, 400)  # no entry (or no CSRF token): nothing withdrawn


def test_saying_no_on_the_welcome_page_after_finishing_another_goes_back_to_welcome(
    app, client, codes
):
    """A browser that finished one code's response and then says no on the welcome page of
    another code's begun response: Back returns to that welcome page, not the first code's
    thank-you page (its 'finished' mark is stale); a code typed later goes back to /withdraw."""
    _volunteer(app, client, codes)
    assert client.get("/done").status_code == 200  # finished: the browser is marked so
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(codes["patient"][1])
    robot.welcome("en")
    robot.answer_page(1)
    robot.enter_code(codes["patient"][1])
    welcome = client.get("/welcome").get_data(as_text=True)
    client.post("/withdraw/this", data={"csrf_token": csrf(welcome)})
    confirm = client.get("/withdraw/confirm").get_data(as_text=True)
    assert 'href="/welcome"' in confirm and 'href="/done"' not in confirm
    _enter(client, codes["patient"][2])
    confirm = client.get("/withdraw/confirm").get_data(as_text=True)
    assert 'href="/withdraw"' in confirm and 'href="/welcome"' not in confirm


def test_a_new_code_entered_forgets_a_withdrawal_offered_for_the_last(app, client, codes):
    """Saying no on the welcome page, then Back, then the next person's code typed on the
    same device (a practice's): the confirmation no longer withdraws the first code."""
    first = codes["patient"][0]
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(first)
    robot.welcome("en")
    robot.answer_page(1)
    robot.enter_code(first)
    welcome = client.get("/welcome").get_data(as_text=True)
    client.post("/withdraw/this", data={"csrf_token": csrf(welcome)})
    assert client.get("/withdraw/confirm").status_code == 200  # then Back, and walks away
    robot.enter_code(codes["patient"][1])  # the next person
    assert client.get("/withdraw/confirm").headers["Location"] == "/withdraw"
    with app.app_context():
        assert find_invitation(first).withdrawn_at is None
