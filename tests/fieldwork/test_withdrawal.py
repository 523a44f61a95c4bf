"""Withdrawal in both study settings: what goes, what stays, and later exports."""

from __future__ import annotations

from sqlalchemy import func, select

from fieldwork.answers import answer_table
from fieldwork.db import db
from fieldwork.models import AuditEvent, IdentifyingAnswer, Invitation, Response
from fieldwork.survey.services import find_invitation
from fieldwork.withdrawal import Withdrawal
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot
from tests.fieldwork.staff_factories import post
from tests.fieldwork.test_identifying import NAME, _volunteer


def _counts(app) -> tuple[int, int, int]:
    """(responses, rows of patient answers, identifying answers)."""
    table = answer_table(instrument(app, "patient"))
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Response.id))),
            db.session.scalar(select(func.count()).select_from(table)),
            db.session.scalar(select(func.count()).select_from(IdentifyingAnswer)),
        )


def _withdraw(runner, code: str):
    result = runner.invoke(args=["withdraw", code, "--by", "phone"])
    assert result.exit_code == 0, result.output
    return result.output


def _export(runner, tmp_path, full: bool) -> tuple[str, str]:
    out = tmp_path / ("full" if full else "coded")
    args = ["export", "--instrument", "patient", "--format", "csv,contacts" if full else "csv"]
    result = runner.invoke(args=[*args, *(["--full"] if full else []), "--out", str(out)])
    assert result.exit_code == 0, result.output
    contacts = (out / "contacts.csv").read_text() if full else ""
    return (out / "data.csv").read_text(), contacts


def _the_code_is_closed_and_recorded(app, client, code: str) -> None:
    with app.app_context():
        invitation = find_invitation(code)
        assert invitation.disposition == "refusal" and invitation.withdrawn_by == "phone"
        assert invitation.withdrawn_at is not None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "withdrawal"))
        assert event.detail["route"] == "phone"
    robot = Robot(client, instrument(app, "patient"))
    assert robot.enter_code(code).status_code == 410  # the code no longer opens


def test_withdrawal_deletes_the_response_and_its_contacts(app, client, codes, runner, tmp_path):
    _volunteer(app, client, codes)
    code = codes["patient"][0]
    assert _counts(app) == (1, 1, 2)
    assert "the response and its contact details were deleted" in _withdraw(runner, code)
    assert _counts(app) == (0, 0, 0)
    _the_code_is_closed_and_recorded(app, app.test_client(), code)
    data, _ = _export(runner, tmp_path, full=False)
    assert len(data.strip().splitlines()) == 1  # the header only
    again = runner.invoke(args=["withdraw", code, "--by", "letter"])
    assert again.exit_code == 1 and "already withdrawn" in again.output


def test_withdrawal_can_keep_answers_and_delete_contacts(app, client, codes, runner, tmp_path):
    assert "keep_answers" in runner.invoke(args=["withdrawal-setting", "keep_answers"]).output
    _volunteer(app, client, codes)
    code = codes["patient"][0]
    assert "answers are kept and its contact details were deleted" in _withdraw(runner, code)
    assert _counts(app) == (1, 1, 0)
    _the_code_is_closed_and_recorded(app, app.test_client(), code)
    with app.app_context():
        assert db.session.scalar(select(Response.withdrawn_at)) is not None
        assert db.session.scalar(select(Invitation.id).where(Invitation.withdrawn_at.is_(None)))
    data, contacts = _export(runner, tmp_path, full=True)
    assert len(data.strip().splitlines()) == 2  # the answers stay
    assert NAME not in contacts and len(contacts.strip().splitlines()) <= 1


def test_unknown_codes_are_refused(app, codes, runner):
    result = runner.invoke(args=["withdraw", "ZZZZ-ZZZZ", "--by", "phone"])
    assert result.exit_code == 1 and "no access code" in result.output


def test_a_coordinator_records_a_withdrawal_by_letter(app, client, codes, auth):
    _volunteer(app, client, codes)
    code = codes["patient"][0]
    auth.login(role="coordinator")
    page = client.get(f"/staff/codes/code/{code}").get_data(as_text=True)
    assert "Record withdrawal" in page
    assert "In this study a withdrawal deletes the participant&#39;s response" in page
    refused = post(client, f"/staff/codes/code/{code}/withdraw", {"route": "pigeon"})
    assert refused.status_code == 303 and _counts(app) == (1, 1, 2)
    done = post(client, f"/staff/codes/code/{code}/withdraw", {"route": "letter"})
    assert done.status_code == 303 and _counts(app) == (0, 0, 0)
    page = client.get(f"/staff/codes/code/{code}").get_data(as_text=True)
    assert "Withdrawn on" in page and "(by letter)" in page and "Record withdrawal" not in page
    assert "None kept: the participant withdrew" in page and "Not started" not in page
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "withdrawal"))
        assert event.detail["route"] == "letter"
        assert event.user_id is not None  # who recorded it


def test_the_message_says_what_a_withdrawal_did(app, codes, runner):
    """No response: it says so, not that one was deleted; a dataset made before: removed,
    and the copies downloaded are the team's to delete."""
    said = _withdraw(runner, codes["patient"][1]).split(":", 1)[1]
    assert said.strip() == "no response had been started"  # not "the response … deleted"
    done = Withdrawal("delete", True, scan_images=19, keyed_passes=1, export_files=2)
    assert done.described() == (
        "the response and its contact details were deleted; 19 scanned page images deleted;"
        " the text keyed from 1 paper pass blanked; 2 datasets made earlier removed from the"
        " server (copies already downloaded are the study team's to delete)"
    )
