"""Assisted mode, instrument versions in the database, and what reaches the logs."""

from __future__ import annotations

import logging
import shutil

import pytest
from sqlalchemy import func, select

from fieldwork.catalogue import get_catalogue, reset_catalogue
from fieldwork.db import db
from fieldwork.error_pages import MaskSecrets, mask
from fieldwork.models import InstrumentVersion, Practice, Response, User
from tests.conftest import INSTRUMENTS, csrf_token
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot


def test_assisted_response_is_mode_3_and_the_device_returns_to_a_neutral_page(
    app, client, auth, codes
):
    auth.login(email="nav@example.org", role="coordinator")
    with app.app_context():
        practice = db.session.scalars(select(Practice).order_by(Practice.id)).first()
        practice_id = practice.id
        staff_id = db.session.scalar(select(User.id).where(User.email == "nav@example.org"))
    token = csrf_token(client, "/assist")
    started = client.post(
        "/assist", data={"practice": practice_id, "instrument": "patient", "csrf_token": token}
    )
    assert started.headers["Location"] == "/welcome"
    robot = Robot(client, instrument(app, "patient"))
    assert robot.run_pages(robot.welcome("en").headers["Location"]).endswith("/check")
    assert robot.submit().headers["Location"] == "/done"
    done = client.get("/done").get_data(as_text=True)
    assert "/assist/next" in done
    neutral = client.get("/assist/next").get_data(as_text=True)
    assert "Ready for the next person" in neutral
    assert "Robot answer" not in neutral
    # The survey pages no longer lead to the last response.
    assert client.get("/check").headers["Location"] == "/"
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
        assert (response.mode, response.status, response.assisted_by) == (3, 1, staff_id)
        assert response.invitation_id is None and response.resume_code is None


def test_the_assist_page_leads_back_warns_and_offers_only_what_patients_answer(
    app, client, auth, codes
):
    """Walkthrough: /assist was a dead end, offered practices only approached and the
    staff survey, and did not say that starting closes the staff pages."""
    auth.login(email="nav@example.org", role="coordinator")
    page = client.get("/assist").get_data(as_text=True)
    assert '<a class="nhsuk-back-link" href="/staff/">Back to staff pages</a>' in page
    assert 'action="/staff/sign-out"' in page and "nav@example.org" in page
    assert "nhsuk-warning-callout" in page and "closes the staff pages in this browser" in page
    with app.app_context():
        practices = db.session.scalars(select(Practice).order_by(Practice.id)).all()
        assert {p.status for p in practices} >= {"active", "recruited", "approached"}
        for practice in practices:
            offered = f'<option value="{practice.id}"' in page
            assert offered == (practice.status == "active"), practice.status
        approached = next(p.id for p in practices if p.status == "approached")
        active = next(p.id for p in practices if p.status == "active")
        titles = {i.id: i.title.get("en") for i in get_catalogue().current.values()}
    assert titles["patient"] in page and titles["mental_health"] in page
    assert titles["practice_staff"] not in page
    for practice_id, instrument_id in ((approached, "patient"), (active, "practice_staff")):
        token = csrf_token(client, "/assist")
        data = {"practice": practice_id, "instrument": instrument_id, "csrf_token": token}
        assert client.post("/assist", data=data).status_code == 400
    token = csrf_token(client, "/assist")
    data = {"practice": active, "instrument": "patient", "csrf_token": token}
    assert client.post("/assist", data=data).headers["Location"] == "/welcome"
    # Back on /assist from the neutral page: the staff pages are closed, and it says so.
    client.get("/assist/next")
    again = client.get("/assist").get_data(as_text=True)
    assert "Back to staff pages" not in again and 'href="/staff/"' not in again
    assert "staff pages are closed in this browser" in again
    assert 'action="/staff/sign-out"' in again


def test_assisted_mode_needs_a_signed_in_staff_member(client, app):
    assert client.get("/assist").status_code == 302
    assert client.get("/assist/next").status_code == 302


def test_assisted_mode_bad_post(app, client, auth):
    auth.login(email="nav@example.org", role="data_entry")
    token = csrf_token(client, "/assist")
    response = client.post("/assist", data={"practice": "x", "csrf_token": token})
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)


@pytest.fixture
def instruments_dir(tmp_path):
    """A private copy of the instruments, to change under the app's feet."""
    folder = tmp_path / "instruments"
    shutil.copytree(INSTRUMENTS, folder)
    return folder


def _start_a_response(app):
    """One partial response to mental_health v1, through the open link."""
    with app.app_context():
        practice = db.session.scalars(select(Practice)).first()
        if practice is None:
            from fieldwork.demo import seed

            seed(["mental_health"])
            db.session.commit()
            practice = db.session.scalars(select(Practice)).first()
        link = practice.open_link("mental_health")
    client = app.test_client()
    client.get(link)
    robot = Robot(client, instrument(app, "mental_health"))
    robot.answer_page(int(robot.welcome().headers["Location"].rsplit("/", 1)[1]))
    return robot


def test_validate_checks_a_changed_file_against_the_responses_in_the_database(
    app, instruments_dir, monkeypatch
):
    """The app would stop serving the file (respondents see 'closed'): validate says so first."""
    _start_a_response(app)
    path = instruments_dir / "mental_health.yaml"
    path.write_text(path.read_text().replace("Online GP services", "Online GP services (typo)"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["validate", "--database", str(path)])
    assert result.exit_code == 1, result.output
    assert (
        f"{path}:1: instrument 'mental_health' version 1 already has responses with different "
        "questions; raise 'version' to 2 to change it"
    ) in result.stderr
    assert runner.invoke(args=["validate", "--no-database", str(path)]).exit_code == 0
    monkeypatch.setenv("FIELDWORK_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    assert runner.invoke(args=["validate", str(path)]).exit_code == 1  # a database is configured
    path.write_text(path.read_text().replace("version: 1", "version: 2", 1))
    result = runner.invoke(args=["validate", "--database", str(path)])
    assert result.exit_code == 0, result.output


def test_changed_questions_under_the_same_version_are_refused_once_answered(app, instruments_dir):
    path = instruments_dir / "mental_health.yaml"
    # Without responses a change is simply taken up.
    path.write_text(path.read_text().replace("Online GP services", "Online GP services (v1b)"))
    with app.app_context():
        reset_catalogue()
        assert "mental_health" in get_catalogue().current
    robot = _start_a_response(app)
    path.write_text(path.read_text().replace("(v1b)", "(v1c)"))
    with app.app_context():
        reset_catalogue()
        catalogue = get_catalogue()
        assert "mental_health" not in catalogue.current
        [problem] = [p for p in catalogue.problems if "mental_health" in p.file]
        assert "already has responses" in problem.message and "version" in problem.message
    # Raising the version is accepted; the old response stays readable under version 1.
    text = path.read_text().replace("version: 1", "version: 2", 1)
    path.write_text(text)
    with app.app_context():
        reset_catalogue()
        catalogue = get_catalogue()
        assert catalogue.current["mental_health"].version == 2
        response = db.session.scalars(select(Response)).one()
        old = catalogue.instrument_for(response.instrument_version_id)
        assert old.version == 1 and "(v1b)" in old.title.get()
    # The respondent who started under version 1 carries on under version 1.
    page = robot.client.get("/check")
    assert page.status_code == 302
    assert robot.client.get(page.headers["Location"]).status_code == 200


def test_codes_and_tokens_are_masked_in_logs(caplog):
    assert mask("GET /c/KX7P4MQ2 HTTP/1.1") == "GET /c/*** HTTP/1.1"
    assert mask('"GET /s/patient/abcDEF123 HTTP/1.1" 302') == '"GET /s/patient/*** HTTP/1.1" 302'
    assert mask("GET /s/patient/Y90001/abc-DEF_1 HTTP/1.1") == "GET /s/patient/Y90001/*** HTTP/1.1"
    logger = logging.getLogger("werkzeug.test")
    logger.addFilter(MaskSecrets())
    with caplog.at_level(logging.INFO, logger="werkzeug.test"):
        logger.info('%s - - "%s" %s', "127.0.0.1", "GET /c/kx7p-4mq2 HTTP/1.1", "302")
    assert "kx7p" not in caplog.text and "/c/***" in caplog.text


def test_database_errors_never_show_answers_or_codes(ctx):
    from sqlalchemy.exc import IntegrityError

    from fieldwork.models import Invitation

    db.session.add(Invitation(code="SECRET99", practice_id=424242, instrument="patient"))
    with pytest.raises(IntegrityError) as error:
        db.session.flush()
    db.session.rollback()
    assert "SECRET99" not in str(error.value)


def test_validate_with_a_database_only_reads_it(app, instruments_dir):
    """A new version, and a changed one, are checked but recorded only when the app loads them."""
    _start_a_response(app)

    def recorded():
        with app.app_context():
            rows = db.session.execute(
                select(
                    InstrumentVersion.instrument,
                    InstrumentVersion.version,
                    InstrumentVersion.content_hash,
                )
            ).all()
            return sorted(rows), db.session.scalar(select(func.count()).select_from(Response))

    before = recorded()
    path = instruments_dir / "mental_health.yaml"
    text = path.read_text().replace("Online GP services", "Online GP services (v2)")
    path.write_text(text.replace("version: 1", "version: 2", 1))
    result = app.test_cli_runner().invoke(args=["validate", "--database", str(path)])
    assert result.exit_code == 0, result.output
    assert recorded() == before


def test_validate_when_the_database_fails_while_read_says_so_without_a_traceback(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from fieldwork.catalogue import DatabaseHashStore

    def lost(self, instrument_id, version):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(DatabaseHashStore, "recorded_hash", lost)
    result = app.test_cli_runner().invoke(args=["validate", "--database", str(INSTRUMENTS)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Error: cannot read the app's database: " in result.stderr
    assert "server closed the connection" in result.stderr
