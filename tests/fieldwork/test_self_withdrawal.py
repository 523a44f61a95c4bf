"""A respondent withdraws their own answers: from the done page, or later with a code."""

from __future__ import annotations

from sqlalchemy import func, select

from fieldwork.answers import answer_table
from fieldwork.codes import grouped
from fieldwork.db import db
from fieldwork.models import AuditEvent, IdentifyingAnswer, Practice, Response
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
    assert "The answers you had given are kept" in _confirm(later)
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
        token = db.session.scalars(select(Practice.link_token)).first()
    client.get(f"/s/mental_health/{token}")
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
    _confirm(later)
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
