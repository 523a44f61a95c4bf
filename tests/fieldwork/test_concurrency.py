"""Concurrent respondents on one database: no page lost, a submitted response never changes,
and a database that goes away gives a friendly "try again" page and no half-written save."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, event, func, select, update

from fieldwork import answers
from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.models import Invitation, Response
from fieldwork.outcomes import reclassify_all, study_settings, thresholds
from fieldwork.rates.fieldwork_status import update_settings
from fieldwork.withdrawal import withdraw
from forms.completeness import answered_share
from tests.conftest import BACKENDS, csrf_token
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot

LIVE_INSTRUMENTS = Path(__file__).parent / "live_instruments"


@pytest.fixture
def instruments_dir() -> Path:
    """A short two-page questionnaire keeps many respondents quick."""
    return LIVE_INSTRUMENTS


def _codes(app, count: int) -> list[str]:
    with app.app_context():
        seed(["short"], per_practice=-(-count // 3))
        db.session.commit()
        found = db.session.scalars(select(Invitation.code).order_by(Invitation.id)).all()
        db.session.remove()
    return list(found)[:count]


def _started(app, code: str):
    """A test client whose respondent has begun, and the location of the first page."""
    client = app.test_client()
    robot = Robot(client, instrument(app, "short"))
    robot.enter_code(code)
    assert robot.welcome().headers["Location"] == "/page/1"
    return client


def _page1(client, text: str, token: str | None = None):
    token = token or csrf_token(client, "/page/1")
    return client.post("/page/1", data={"used": "2", "other": text, "csrf_token": token})


def _stored(app, code: str) -> tuple[Response, dict]:
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.code == code))
        response = invitation.response
        saved = answers.load_answers(db.session, instrument(app, "short"), response.id)
        db.session.expunge(response)
        db.session.remove()
    return response, saved


def _together(*jobs) -> list:
    """Run the jobs in threads released at the same moment; their results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        barrier.wait()
        try:
            results[index] = job()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_concurrent_page_saves_are_never_lost(app):
    """Finding 1: a deferred BEGIN under WAL failed saves with "database is locked"."""
    codes = _codes(app, 8)
    clients = [_started(app, code) for code in codes]
    tokens = [csrf_token(client, "/page/1") for client in clients]

    def saves(n):
        def job():
            statuses = []
            for round_ in range(6):
                data = {"used": "2", "other": f"{n}-{round_}", "csrf_token": tokens[n]}
                statuses.append(clients[n].post("/page/1", data=data).status_code)
            return statuses

        return job

    results = _together(*(saves(n) for n in range(len(clients))))
    assert results == [[302] * 6] * len(clients)
    for n, code in enumerate(codes):
        assert _stored(app, code)[1] == {"used": 2, "other": f"{n}-5"}


def test_a_page_save_racing_the_submit_never_changes_a_submitted_response(app):
    """Finding 9: the save read "partial", the submit committed, then the save wrote."""
    codes = _codes(app, 12)
    for code in codes:
        client = _started(app, code)
        robot = Robot(client, instrument(app, "short"), {"used": 2, "other": "before"})
        assert robot.run_pages("/page/1") == "/check"
        check, page = csrf_token(client, "/check"), csrf_token(client, "/page/1")
        racing = {"used": "2", "other": "racing", "csrf_token": page}
        submit, save = _together(
            lambda c=client, t=check: c.post("/check", data={"csrf_token": t}),
            lambda c=client, d=racing: c.post("/page/1", data=d),
        )
        assert submit.status_code == save.status_code == 302
        response, saved = _stored(app, code)
        assert response.status == 1 and response.updated_at == response.submitted_at
        # The save came first (and was submitted) or was turned away to the thank-you page.
        expected = "before" if save.headers["Location"] == "/done" else "racing"
        assert saved["other"] == expected


def test_a_save_that_waited_behind_new_thresholds_classifies_by_them(app):
    """A coordinator moves the thresholds (reclassifying every response) while a page save
    waits for the response's lock: the save's outcome is judged by the new thresholds."""
    code = _codes(app, 1)[0]
    client = _started(app, code)
    with app.app_context():
        study_settings()  # the settings row, so the change below locks and updates it
        db.session.commit()
    assert _page1(client, "first").status_code == 302  # 2 of 4 answered: below 80 %
    token = csrf_token(client, "/page/1")
    changed, saving = threading.Event(), {}

    def change() -> None:
        with app.app_context():
            update_settings(complete=40, partial=20, with_not_returned=False, target_rate=None)
            changed.set()
            time.sleep(1.0)  # the save starts meanwhile and waits for the response's lock
            db.session.commit()
            db.session.remove()

    def save() -> None:
        changed.wait(10)
        time.sleep(0.2)
        saving["page"] = client.post("/page/1", data={
            "used": "2", "other": "second", "csrf_token": token,
        })  # fmt: skip

    threads = [threading.Thread(target=change), threading.Thread(target=save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert saving["page"].status_code == 302
    response, saved = _stored(app, code)
    assert saved["other"] == "second"
    assert response.outcome == "complete"  # 50 % of the applicable: complete at 40 %


_ON_A_SERVER = [name for name in BACKENDS if name == "postgresql"]


class Statement(str):
    """A statement as sent (upper case, one line), and whether it ran in autocommit."""

    autocommit: bool | None


def _before_the_save(engine, change):
    """Run `change` on another connection just before the page's one-statement save
    (PostgreSQL: `outcomes.save_if_unchanged`), the first time only; log every statement.

    `change`: None, or a callable given the other connection (in a transaction
    committed after it returns).
    """
    statements: list[Statement] = []

    def hook(_conn, cursor, statement, *_args):
        flat = Statement(" ".join(statement.upper().split()))
        flat.autocommit = getattr(cursor.connection, "autocommit", None)
        first = not any(s.startswith("WITH SAVED") for s in statements)
        statements.append(flat)
        if change is not None and flat.startswith("WITH SAVED AS (UPDATE RESPONSES") and first:
            with engine.begin() as other:
                change(other)

    event.listen(engine, "before_cursor_execute", hook)
    return statements, lambda: event.remove(engine, "before_cursor_execute", hook)


def _saved_once(app):
    """(code, test client, engine): a respondent who has saved page 1 once."""
    code = _codes(app, 1)[0]
    client = _started(app, code)
    assert _page1(client, "first").status_code == 302
    with app.app_context():
        engine = db.engine
    return code, client, engine


def _response_id(app, code: str) -> int:
    return _stored(app, code)[0].id


@pytest.mark.parametrize("backend", _ON_A_SERVER)
def test_a_page_is_saved_in_one_statement_outside_a_transaction(app):
    code = _codes(app, 1)[0]
    client = _started(app, code)
    with app.app_context():
        engine = db.engine
    levels = []

    def begins(connection):
        levels.append(connection.get_execution_options().get("isolation_level"))

    token = csrf_token(client, "/page/1")
    event.listen(engine, "begin", begins)
    statements, restore = _before_the_save(engine, None)
    try:
        assert _page1(client, "first", token).status_code == 302
    finally:
        restore()
        event.remove(engine, "begin", begins)
    assert levels == ["AUTOCOMMIT"]  # no BEGIN, no COMMIT: a read, then the save
    assert len(statements) == 2 and "FOR UPDATE" not in statements[0]
    assert _stored(app, code)[1] == {"used": 2, "other": "first"}


@pytest.mark.parametrize("backend", _ON_A_SERVER)
@pytest.mark.parametrize(
    ("change", "location", "kept"),
    [
        ({"reached": None}, "/page/2", "second"),  # another tab saved: read again, locked
        ({"status": 1, "submitted_at": func.localtimestamp()}, "/done", "first"),  # submitted
    ],
)
def test_a_response_changed_after_the_unlocked_read_is_read_again_locked(
    app, change, location, kept
):
    code, client, engine = _saved_once(app)
    response_id = _response_id(app, code)
    table = Response.__table__

    def meanwhile(other):  # another request writes the response's row
        other.execute(update(table).where(table.c.id == response_id).values(**change))

    statements, restore = _before_the_save(engine, meanwhile)
    try:
        saved = _page1(client, "second")
    finally:
        restore()
    assert saved.status_code == 302 and saved.headers["Location"] == location
    first_try = statements.index(next(s for s in statements if s.startswith("WITH SAVED")))
    locked = [s for s in statements[first_try + 1 :] if "FOR UPDATE" in s]
    assert locked and not any(s.autocommit for s in locked)  # read again, in a transaction
    assert _stored(app, code)[1] == {"used": 2, "other": kept}


@pytest.mark.parametrize("backend", _ON_A_SERVER)
def test_a_save_waiting_for_a_writer_holding_the_row_sees_what_it_wrote(app):
    # The other tab's locked save holds the response's row, uncommitted, when the one
    # statement starts; it commits while the statement waits. PostgreSQL checks the row
    # version again on the row as it was left: the statement writes nothing, and the
    # save is judged again on the other tab's answers.
    code, client, engine = _saved_once(app)
    response_id = _response_id(app, code)
    responses, answer_rows = Response.__table__, answers.answer_table(instrument(app, "short"))
    threads = []

    def other_tab(_other):
        connection = engine.connect()
        transaction = connection.begin()
        mine = answer_rows.c.response_id == response_id
        connection.execute(update(answer_rows).where(mine).values(visits=7))
        connection.execute(
            update(responses).where(responses.c.id == response_id).values(answered=0)
        )

        def commit_later():
            time.sleep(0.7)
            transaction.commit()
            connection.close()

        threads.append(threading.Thread(target=commit_later))
        threads[0].start()

    statements, restore = _before_the_save(engine, other_tab)
    try:
        saved = _page1(client, "second")
    finally:
        restore()
    threads[0].join(10)
    assert saved.status_code == 302
    first_try = statements.index(next(s for s in statements if s.startswith("WITH SAVED")))
    assert any("FOR UPDATE" in s for s in statements[first_try + 1 :])
    response, answers_now = _stored(app, code)
    assert answers_now == {"used": 2, "other": "second", "visits": 7}
    assert response.answered == 3  # counted with the other tab's answer


@pytest.mark.parametrize("backend", _ON_A_SERVER)
def test_a_response_without_its_answer_row_is_saved_locked_in_a_transaction(app):
    code = _codes(app, 1)[0]
    client = _started(app, code)
    response_id = _response_id(app, code)
    with app.app_context():
        engine = db.engine
    table = answers.answer_table(instrument(app, "short"))
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.response_id == response_id))
    statements, restore = _before_the_save(engine, None)
    try:
        assert _page1(client, "first").status_code == 302
    finally:
        restore()
    writes = [s for s in statements if "FOR UPDATE" in s or s.startswith(("UPDATE", "INSERT"))]
    assert writes and not any(s.autocommit for s in writes)
    assert _stored(app, code)[1] == {"used": 2, "other": "first"}


def test_two_tabs_saving_two_pages_at_once_keep_every_answer_and_true_counts(app):
    # Answers appear and disappear on both pages; at the end the response's counts and
    # outcome are those of its stored answers (no save judged on answers it did not see).
    code = _codes(app, 1)[0]
    one = _started(app, code)
    assert _page1(one, "x").status_code == 302
    two = app.test_client()
    two.set_cookie("session", one.get_cookie("session").value)
    tokens = csrf_token(one, "/page/1"), csrf_token(two, "/page/2")
    rounds = 25

    def page(client, url, field, token):
        def job():
            statuses = []
            for n in range(rounds):
                value = "" if n % 3 else f"{n}" if field == "visits" else f"a{n}"
                data = {field: value, "csrf_token": token}
                if field == "other":
                    data["used"] = "2"
                statuses.append(client.post(url, data=data).status_code)
            return statuses

        return job

    first, second = _together(
        page(one, "/page/1", "other", tokens[0]), page(two, "/page/2", "visits", tokens[1])
    )
    assert first == second == [302] * rounds
    response, stored = _stored(app, code)
    assert stored == {"used": 2, "other": "a24", "visits": 24}
    with app.app_context():
        done, applicable = answered_share(instrument(app, "short"), stored, web=True)
        limits = thresholds()
        db.session.remove()
    assert (response.answered, response.applicable) == (done, applicable)
    assert response.outcome == limits.outcome(done, applicable)


@pytest.mark.parametrize("backend", _ON_A_SERVER)
def test_a_save_by_the_old_thresholds_is_put_right_by_the_reclassification(app):
    # The coordinator's transaction has changed the thresholds, uncommitted, when the one
    # statement runs (by the old ones); its reclassification after it puts it right.
    code = _codes(app, 1)[0]
    client = _started(app, code)
    with app.app_context():
        study_settings()
        db.session.commit()
        engine = db.engine
    assert _page1(client, "first").status_code == 302
    assert _stored(app, code)[0].outcome == "partial"
    ready, threads = threading.Event(), []

    def coordinator():
        with app.app_context():
            settings = study_settings()
            settings.complete_percent, settings.partial_percent = 40, 20
            db.session.flush()
            ready.set()
            time.sleep(0.7)  # the save runs meanwhile, by the thresholds it can see
            reclassify_all()
            db.session.commit()
            db.session.remove()

    def start(_other):
        threads.append(threading.Thread(target=coordinator))
        threads[0].start()
        ready.wait(10)

    _, restore = _before_the_save(engine, start)
    try:
        assert _page1(client, "second").status_code == 302
    finally:
        restore()
    threads[0].join(10)
    response, stored = _stored(app, code)
    assert stored["other"] == "second" and response.outcome == "complete"


def test_a_save_moves_the_codes_outcome_only_when_it_differs(app):
    code = _codes(app, 1)[0]
    client = _started(app, code)
    with app.app_context():
        engine = db.engine

    def code_outcome(set_to: str | None = None) -> str:
        with engine.begin() as connection:
            table = Invitation.__table__
            if set_to is not None:
                changed = update(table).where(table.c.code == code).values(disposition=set_to)
                connection.execute(changed)
            found = select(table.c.disposition).where(table.c.code == code)
            return connection.execute(found).scalar_one()

    assert _page1(client, "first").status_code == 302
    assert code_outcome() == _stored(app, code)[0].outcome == "partial"  # 2 of 4 answered
    token = csrf_token(client, "/page/1")
    statements, restore = _before_the_save(engine, None)
    try:
        assert _page1(client, "again", token).status_code == 302
    finally:
        restore()
    if engine.dialect.name == "sqlite":  # (PostgreSQL moves it inside the save's statement)
        assert not any(s.startswith("UPDATE INVITATIONS") for s in statements)
    assert code_outcome("break_off") == "break_off"  # not what its response's outcome is
    assert _page1(client, "once more").status_code == 302
    assert code_outcome() == "partial"  # the save put it right


@pytest.mark.parametrize("deleted", [False, True])
def test_a_withdrawn_response_takes_nothing_more_from_the_browser_still_on_it(app, deleted):
    code = _codes(app, 1)[0]
    client = _started(app, code)
    assert _page1(client, "before").status_code == 302
    token = csrf_token(client, "/page/1")
    with app.app_context():
        study_settings().withdrawal = "delete" if deleted else "keep_answers"
        invitation = db.session.scalar(select(Invitation).where(Invitation.code == code))
        withdraw(invitation, "phone")
        db.session.commit()
        db.session.remove()
    after = client.post("/page/1", data={"used": "2", "other": "after", "csrf_token": token})
    assert after.status_code == 302 and after.headers["Location"] == "/"
    assert client.get("/welcome").headers["Location"] == "/"  # the browser starts again
    with app.app_context():
        rows = db.session.scalars(select(Response)).all()
        db.session.remove()
    if deleted:
        assert rows == []
    else:
        assert _stored(app, code)[1]["other"] == "before"


@pytest.mark.parametrize("backend", _ON_A_SERVER)
@pytest.mark.parametrize("setting", ["delete", "keep_answers"])
def test_a_withdrawal_locks_the_response_before_writing_anything(app, setting):
    # As a page save does: a withdrawal that wrote the code's row first, racing a save
    # that locked the response and then wrote the code's row, deadlocked one of them.
    code, _, _ = _saved_once(app)
    with app.app_context():
        study_settings().withdrawal = setting
        db.session.commit()
        statements, restore = _before_the_save(db.engine, None)
        try:
            invitation = db.session.scalar(select(Invitation).where(Invitation.code == code))
            withdraw(invitation, "phone")
            db.session.commit()
        finally:
            restore()
            db.session.remove()
    first = next(n for n, s in enumerate(statements) if s.startswith(("UPDATE", "DELETE")))
    locks = [n for n, s in enumerate(statements) if "FROM RESPONSES" in s and "FOR UPDATE" in s]
    assert locks and locks[0] < first


def _fail_statements(engine, writing: str):
    """Make the database go away at the first statement that contains `writing` (on
    PostgreSQL the response's row is written inside a WITH)."""
    dbapi = engine.dialect.loaded_dbapi

    def fail(_conn, _cursor, statement, *_args):
        if writing in " ".join(statement.upper().split()):
            raise dbapi.OperationalError("the database went away")

    event.listen(engine, "before_cursor_execute", fail)
    return lambda: event.remove(engine, "before_cursor_execute", fail)


def test_a_database_outage_mid_save_gives_try_again_and_keeps_nothing_half_written(app):
    code, client, engine = _saved_once(app)
    before = _stored(app, code)
    # The answers UPDATE runs, then the database goes before the response row is written.
    restore = _fail_statements(engine, "UPDATE RESPONSES")
    try:
        failed = _page1(client, "lost")
    finally:
        restore()
    html = failed.get_data(as_text=True)
    assert failed.status_code == 503 and failed.headers["Retry-After"]
    assert "Sorry, please try again" in html and "Traceback" not in html
    after = _stored(app, code)
    assert after[1] == before[1] == {"used": 2, "other": "first"}
    assert after[0].reached == before[0].reached and after[0].updated_at == before[0].updated_at
    assert _page1(client, "again").status_code == 302  # back: the save works again
    assert _stored(app, code)[1]["other"] == "again"
