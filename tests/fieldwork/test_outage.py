"""The database going away for a moment: a friendly page in the respondent's language."""

from __future__ import annotations

from sqlalchemy import event

from fieldwork.db import db
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot
from tests.fieldwork.staff_factories import make_codes


def test_an_unreachable_database_gives_try_again_in_the_respondents_language(app, client, codes):
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(codes["patient"][0])
    assert robot.welcome("zh").status_code == 302
    with app.app_context():
        engine = db.engine
    dbapi = engine.dialect.loaded_dbapi

    def refuse(*_args):
        raise dbapi.OperationalError("connection refused")

    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        page = client.get("/page/1")
        english = app.test_client().get("/c/ABCD2345", headers={"Accept-Language": "en-GB"})
    finally:
        event.remove(engine, "do_connect", refuse)
    assert page.status_code == 503
    assert "抱歉，请稍后再试" in page.get_data(as_text=True)
    assert english.status_code == 503
    assert "Sorry, please try again" in english.get_data(as_text=True)
    assert client.get("/page/1").status_code == 200  # the database is back: carry on


def test_a_signed_in_staff_member_gets_try_again_when_a_write_fails(app, auth, client):
    """The try-again page is drawn after the session is dropped, when a failed commit
    has expired what it had loaded: the staff navigation must not reach for the signed-in
    user then (it crashed: DetachedInstanceError, a bare 500 instead of the 503)."""
    with app.app_context():
        _codes, batch = make_codes("Y90001")
        engine = db.engine
    auth.login("desk@example.org", role="coordinator")
    dbapi = engine.dialect.loaded_dbapi

    def refuse(_conn, _cursor, statement, *_args):
        if statement.lstrip().startswith("INSERT INTO audit_events"):
            raise dbapi.OperationalError("database is locked")

    event.listen(engine, "before_cursor_execute", refuse)
    try:  # the download is audited: its commit fails
        page = client.get(f"/staff/codes/batches/{batch}/mail-merge.csv")
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    assert page.status_code == 503
    assert "Sorry, please try again" in page.get_data(as_text=True)
    assert client.get("/staff/").status_code == 200  # the database is back: still signed in
