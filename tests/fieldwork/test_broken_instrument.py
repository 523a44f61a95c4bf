"""A broken instrument file takes out only itself (finding 7: one deeply nested file broke all)."""

from __future__ import annotations

import logging
import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from fieldwork.catalogue import get_catalogue, reset_catalogue
from fieldwork.cli import cli
from fieldwork.db import db
from fieldwork.i18n import t
from fieldwork.models import Invitation, Practice
from fieldwork.models.base import utcnow
from fieldwork.models.study import open_link_token
from tests.conftest import INSTRUMENTS
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot

DEEP = "instrument: deep\nversion: 1\ntitle: " + "[" * 600 + "]" * 600 + "\n"


@pytest.fixture
def instruments_dir(tmp_path):
    """The real instruments and one file nested 600 deep."""
    folder = tmp_path / "instruments"
    shutil.copytree(INSTRUMENTS, folder)
    (folder / "deep.yaml").write_text(DEEP, encoding="utf-8")
    return folder


def test_the_other_instruments_are_still_served(app, client, codes, instruments_dir):
    with app.app_context():
        catalogue = get_catalogue()
        assert sorted(catalogue.current) == ["mental_health", "patient", "practice_staff"]
        assert [(p.file, p.line) for p in catalogue.problems] == [
            (str(instruments_dir / "deep.yaml"), 3)
        ]
    robot = Robot(client, instrument(app, "patient"))
    assert robot.enter_code(codes["patient"][0]).headers["Location"] == "/welcome"
    assert robot.welcome("en").status_code == 302


def test_validate_reports_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "deep.yaml").write_text(DEEP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "deep.yaml"])
    assert result.exit_code == 1
    assert result.stderr.startswith("deep.yaml:3: lists and mappings nest more than")
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )


def test_a_dropped_file_asks_respondents_to_try_later_not_closed(
    app, client, codes, instruments_dir, caplog
):
    """A code for a questionnaire whose file went missing on the server is not closed: the
    respondent is asked to come back (503), and the log tells staff which file."""
    (instruments_dir / "patient.yaml").unlink()
    with app.app_context():
        reset_catalogue()
    caplog.set_level(logging.ERROR, logger="fieldwork.survey.entry")
    page = Robot(client, None).enter_code(codes["patient"][0])
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and page.headers["Retry-After"] == "3600"
    assert t("not_served_body", "en") in html
    assert t("closed_closed_title", "en") not in html
    [logged] = [r.getMessage() for r in caplog.records if r.name == "fieldwork.survey.entry"]
    assert "'patient'" in logged and str(instruments_dir / "patient.yaml") in logged
    assert "missing" in logged and "restart" in logged  # what staff must do
    assert codes["patient"][0] not in logged  # never the code itself


def test_a_broken_file_names_its_problem_in_the_log(app, client, codes, instruments_dir, caplog):
    path = instruments_dir / "patient.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nnot_a_key: [\n", encoding="utf-8")
    with app.app_context():
        reset_catalogue()
    caplog.set_level(logging.ERROR, logger="fieldwork.survey.entry")
    page = Robot(client, None).enter_code(codes["patient"][0])
    assert page.status_code == 503
    [logged] = [r.getMessage() for r in caplog.records if r.name == "fieldwork.survey.entry"]
    assert f"{path}:" in logged


def test_a_really_closed_code_still_says_closed(app, client, codes, instruments_dir):
    (instruments_dir / "patient.yaml").unlink()
    with app.app_context():
        reset_catalogue()
        invitation = db.session.scalar(select(Invitation).where(Invitation.instrument == "patient"))
        invitation.withdrawn_at = utcnow()
        db.session.commit()
        code = invitation.grouped_code
    page = Robot(client, None).enter_code(code)
    assert page.status_code == 410
    assert t("closed_closed_title", "en") in page.get_data(as_text=True)


def test_an_open_link_to_a_dropped_file_asks_to_try_later(app, client, codes, instruments_dir):
    with app.app_context():
        practice = db.session.scalars(select(Practice).order_by(Practice.id)).first()
        link = f"/s/patient/{practice.code}/{open_link_token(practice.link_token, 'patient')}"
        forged = f"/s/gone/{practice.code}/{open_link_token(practice.link_token, 'patient')}"
    (instruments_dir / "patient.yaml").unlink()
    with app.app_context():
        reset_catalogue()
    assert client.get(link).status_code == 503
    assert client.get(forged).status_code == 404  # a token for another questionnaire


def test_a_started_response_carries_on_when_its_file_is_dropped(
    app, client, codes, instruments_dir
):
    """Its version's source is kept in the database, as for an older version."""
    patient = instrument(app, "patient")
    robot = Robot(client, patient)
    robot.enter_code(codes["patient"][0])
    robot.welcome("en")
    (instruments_dir / "patient.yaml").unlink()
    with app.app_context():
        reset_catalogue()
    again = Robot(app.test_client(), patient)
    assert again.enter_code(codes["patient"][0]).headers["Location"] == "/welcome"
    assert again.client.get("/page/1").status_code == 200


def test_a_file_changed_under_a_version_with_responses_asks_new_respondents_to_try_later(
    app, client, codes, instruments_dir, caplog
):
    """Changed wording without a raised version is refused: a new respondent is asked to
    come back (not told the survey closed), the log says why, and one who started goes on."""
    patient = instrument(app, "patient")
    robot = Robot(client, patient)
    robot.enter_code(codes["patient"][0])
    robot.welcome("en")  # version 1 now has a response
    path = instruments_dir / "patient.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  en: Using online services at your GP practice" in text  # a wording to change
    path.write_text(text.replace("Using online services at your GP", "Changed", 1), "utf-8")
    with app.app_context():
        reset_catalogue()
        assert "patient" not in get_catalogue().current
    caplog.set_level(logging.ERROR, logger="fieldwork.survey.entry")
    page = Robot(app.test_client(), None).enter_code(codes["patient"][1])
    assert page.status_code == 503
    [logged] = [r.getMessage() for r in caplog.records if r.name == "fieldwork.survey.entry"]
    assert "raise 'version'" in logged and "restart" in logged
    again = Robot(app.test_client(), patient)
    assert again.enter_code(codes["patient"][0]).headers["Location"] == "/welcome"
