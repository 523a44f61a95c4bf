"""Consent before the first question: refused, nothing is kept; agreed, it is recorded."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from fieldwork.answers import answer_table
from fieldwork.db import db
from fieldwork.models import AuditEvent, IdentifyingAnswer, Invitation, Practice, Response
from fieldwork.survey.services import find_invitation
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot


def _stored(app) -> tuple[int, int, int]:
    """(responses, rows of patient answers, identifying answers)."""
    table = answer_table(instrument(app, "patient"))
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Response.id))),
            db.session.scalar(select(func.count()).select_from(table)),
            db.session.scalar(select(func.count()).select_from(IdentifyingAnswer)),
        )


def test_the_consent_page_comes_before_the_first_question(app, client, codes):
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(codes["patient"][0])
    assert client.get("/consent").headers["Location"] == "/welcome"  # no language chosen yet
    assert robot.welcome("zh", agree=False).headers["Location"] == "/consent"
    page = client.get("/consent").get_data(as_text=True)
    assert "开始之前" in page and "我已阅读有关本问卷的信息" in page  # in the chosen language
    assert 'name="consent" type="checkbox" value="take_part"' in page
    assert 'value="future_research"' in page
    assert client.get("/page/1").headers["Location"] == "/welcome"  # no way round it
    assert _stored(app) == (0, 0, 0)


def test_nothing_starts_without_the_required_consent(app, client, codes):
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(codes["patient"][0])
    robot.welcome("en", agree=False)
    refused = robot.consent(ticked=["future_research"])
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "There is a problem" in page and 'href="#consent-take_part"' in page
    assert 'value="future_research" checked' in page  # what was ticked stays ticked
    assert _stored(app) == (0, 0, 0)


def test_declining_stores_nothing_but_the_codes_outcome(app, client, codes):
    code = codes["patient"][0]
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(code)
    robot.welcome("en", agree=False)
    declined = robot.consent(ticked=[], decline=True)
    assert declined.headers["Location"] == "/consent/declined"
    page = client.get("/consent/declined").get_data(as_text=True)
    assert "You have chosen not to take part" in page
    assert _stored(app) == (0, 0, 0)
    with app.app_context():
        invitation = find_invitation(code)
        assert invitation.disposition == "refusal"  # AAPOR 2.11
        assert invitation.disposition_at is not None and invitation.response is None
        changed = AuditEvent.action == "disposition_changed"
        event = db.session.scalars(select(AuditEvent).where(changed)).one()
        assert event.detail["new"] == "refusal" and event.user_id is None
        others = select(func.count(Invitation.id)).where(Invitation.disposition.is_not(None))
        assert db.session.scalar(others) == 1
    assert client.get("/welcome").headers["Location"] == "/"  # the survey is left
    assert Robot(app.test_client(), None).enter_code(code).status_code == 410


def test_declining_an_open_link_leaves_nothing_at_all(app, client):
    with app.app_context():
        from fieldwork.demo import seed

        seed(["mental_health"], per_practice=1)
        db.session.commit()
        link = db.session.scalars(select(Practice)).first().open_link("mental_health")
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    client.get(link)
    robot = Robot(client, instrument(app, "mental_health"))
    assert robot.welcome(agree=False).headers["Location"] == "/consent"
    assert robot.consent(decline=True).headers["Location"] == "/consent/declined"
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 0
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before
        assert (
            db.session.scalar(
                select(func.count(Invitation.id)).where(Invitation.disposition.is_not(None))
            )
            == 0
        )


def test_consent_is_recorded_with_version_time_language_and_extras(app, client, codes):
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(codes["patient"][0])
    robot.welcome("zh", agree=False)
    started = robot.consent(ticked=["take_part", "future_research", "made_up"])
    assert started.headers["Location"] == "/page/1"
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert (response.consent_version, response.consent_how) == ("1.0", "online")
        assert (response.consent_language, response.language) == ("zh", "zh")
        assert response.consent_extras == "future_research"  # unknown ids are not kept
        assert response.consent_at is not None
        assert abs((response.consent_at - response.started_at).total_seconds()) < 5


def test_consent_fields_are_in_the_dataset_and_codebook(app, client, codes, runner, tmp_path):
    for number, ticked in enumerate((["take_part", "future_research"], ["take_part"])):
        robot = Robot(app.test_client(), instrument(app, "patient"))
        robot.enter_code(codes["patient"][number])
        robot.welcome("en", agree=False)
        location = robot.run_pages(robot.consent(ticked=ticked).headers["Location"])
        assert location.endswith("/check") and robot.submit().status_code == 302
    out = tmp_path / "export"
    args = ["export", "--instrument", "patient", "--format", "csv,codebook", "--out", str(out)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((out / "data.csv").read_text())))
    assert [r["consent_future_research"] for r in rows] == ["1", "0"]
    assert {r["consent_version"] for r in rows} == {"1.0"}
    assert {r["consent_how"] for r in rows} == {"online"}
    assert all(len(r["consented"]) == 7 for r in rows)  # de-identified: the month only
    header = list(rows[0])
    assert header[header.index("status") + 3 : header.index("status") + 6] == [
        "consent_version", "consent_how", "consented"
    ]  # fmt: skip
    codebook = (out / "codebook.csv").read_text()
    assert "consent_future_research" in codebook and "1 = Given; 0 = Not given" in codebook
    assert "Consent statement version agreed" in codebook
