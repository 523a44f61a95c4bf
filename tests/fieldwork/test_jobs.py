"""Background jobs: state and progress in the database, huey immediate, SQLite and Redis."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

import pytest

from fieldwork import create_app
from fieldwork.db import db, sqlite_transactions
from fieldwork.jobs import queue
from fieldwork.jobs.registry import ABOUT_PRACTICES, KINDS
from fieldwork.jobs.services import start_job
from fieldwork.models import Job, User
from fieldwork.models.base import utcnow
from tests.conftest import csrf_token, record_begins


@pytest.fixture(autouse=True)
def _kinds(monkeypatch):
    monkeypatch.setitem(KINDS, "count", "tests.fieldwork.jobkinds:count")
    monkeypatch.setitem(KINDS, "boom", "tests.fieldwork.jobkinds:boom")
    monkeypatch.setitem(KINDS, "reader", "tests.fieldwork.jobkinds:reader")


def _start(kind, params, user=None) -> int:
    job_id = start_job(kind, params, user).id
    db.session.commit()
    queue.dispatch(job_id)
    return job_id


def test_an_immediate_job_records_progress_and_its_file(app, auth, client):
    user_id = auth.create(role="analyst", email="a@example.org")
    auth.login("a@example.org")
    with app.app_context():
        job_id = _start("count", {"n": 5}, db.session.get(User, user_id))
        job = db.session.get(Job, job_id)
        assert (job.state, job.done, job.total, job.result_name) == ("done", 5, 5, "count.txt")
        assert job.result_bytes == len("0\n1\n2\n3\n4\n") and job.attempts == 1
    page = client.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert "Download count.txt" in page and "data-job-refresh" not in page
    assert client.get(f"/staff/jobs/{job_id}.json").json["percent"] == 100
    with client.get(f"/staff/jobs/{job_id}/download") as download:
        assert download.status_code == 200 and download.data == b"0\n1\n2\n3\n4\n"


def test_a_job_started_by_a_post_reads_without_locking_out_its_progress(app, monkeypatch):
    """On SQLite a job's reads must not hold the write lock its progress and heartbeat need."""
    from fieldwork.jobs import runner

    monkeypatch.setattr(runner, "PROGRESS_SECONDS", 0.0)
    monkeypatch.setattr(runner, "HEARTBEAT_SECONDS", 0.02)
    with app.test_request_context("/staff/datasets/", method="POST"):
        job_id = _start("reader", {"n": 6})
        db.session.rollback()
        job = db.session.get(Job, job_id)
        assert (job.state, job.done, job.error) == ("done", 6, None)
        assert job.heartbeat_at is not None and job.heartbeat_at >= job.started_at


def test_only_the_maker_or_an_admin_sees_a_job(app, auth, client):
    auth.create(role="analyst", email="other@example.org")
    with app.app_context():
        job_id = _start("count", {"n": 1})
    auth.login("other@example.org")
    assert client.get(f"/staff/jobs/{job_id}").status_code == 404
    assert client.get(f"/staff/jobs/{job_id}/download").status_code == 404


def test_a_scan_batch_job_is_watched_by_the_whole_unrestricted_data_entry_team(
    app, auth, client, monkeypatch
):
    monkeypatch.setitem(KINDS, "scan_batch", "tests.fieldwork.jobkinds:count")
    maker_id = auth.create(role="coordinator", email="up@example.org")
    auth.create(role="data_entry", email="keyer@example.org")
    auth.create(role="coordinator", email="one@example.org", practices="P1")
    auth.create(role="analyst", email="analyst@example.org")
    with app.app_context():
        job_id = _start("scan_batch", {"n": 1}, db.session.get(User, maker_id))
    seen = {}
    for email in ("keyer@example.org", "one@example.org", "analyst@example.org"):
        auth.login(email)
        seen[email] = client.get(f"/staff/jobs/{job_id}.json").status_code
        auth.logout()
    assert seen == {"keyer@example.org": 200, "one@example.org": 404, "analyst@example.org": 404}


def test_a_failed_job_says_why_and_can_be_restarted(app, auth, client):
    auth.login(role="admin")
    with app.app_context():
        job_id = _start("boom", {})
        job = db.session.get(Job, job_id)
        assert job.state == "failed" and "ValueError: no good" in job.error
    page = client.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert "This job failed: ValueError: no good" in page and "Start it again" in page
    client.post(
        f"/staff/jobs/{job_id}/restart",
        data={"csrf_token": csrf_token(client, f"/staff/jobs/{job_id}")},
    )
    with app.app_context():
        assert db.session.get(Job, job_id).attempts == 2


def test_a_running_job_whose_worker_died_is_interrupted_and_restarts(app, auth, client):
    auth.login(role="admin")
    with app.app_context():
        job = Job(
            kind="count",
            params={"n": 3},
            state="running",
            heartbeat_at=utcnow() - timedelta(minutes=5),
        )
        fresh = Job(kind="count", params={"n": 3}, state="running", heartbeat_at=utcnow())
        db.session.add_all([job, fresh])
        db.session.commit()
        job_id, fresh_id = job.id, fresh.id
    page = client.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert "Interrupted" in page and "The worker stopped before this job finished" in page
    with app.app_context():
        assert db.session.get(Job, fresh_id).state == "running"
    token = csrf_token(client, f"/staff/jobs/{job_id}")
    assert (
        client.post(f"/staff/jobs/{job_id}/restart", data={"csrf_token": token}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(Job, job_id).state == "done"


def test_an_unfinished_job_page_offers_a_refresh(app, auth, client):
    auth.login(role="admin")
    with app.app_context():
        job = Job(
            kind="count", params={"n": 3}, state="running", heartbeat_at=utcnow(), done=1, total=4
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    page = client.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert 'value="25"' in page and "1 of 4 (25%)" in page
    assert f'<a href="/staff/jobs/{job_id}" data-job-refresh>Refresh' in page


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_real_consumer_runs_queued_jobs(storage, tmp_path, sqlite_template):
    if storage == "redis" and not _redis_up():
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    import shutil

    from tests.conftest import INSTRUMENTS, _config

    path = tmp_path / "app.sqlite"
    shutil.copy(sqlite_template, path)
    config = _config(f"sqlite:///{path}", INSTRUMENTS)
    config.update(
        JOBS_IMMEDIATE=False,
        JOB_FILES=str(tmp_path / "files"),
        JOBS_QUEUE_NAME=f"fieldwork-test-{os.getpid()}",
        JOBS_QUEUE_FILE=str(tmp_path / "queue.sqlite"),
    )
    if storage == "redis":
        config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    app = create_app(config)
    huey = app.extensions["huey"]
    huey.flush()
    consumer = huey.create_consumer(workers=1, periodic=False)
    consumer.start()
    try:
        with app.app_context():
            job_id = _start("count", {"n": 50})
            deadline = time.monotonic() + 20
            # Polling reads must not hold SQLite's write lock between looks (the worker needs it).
            with sqlite_transactions("deferred"):
                while time.monotonic() < deadline:
                    db.session.rollback()  # a new snapshot each time round
                    job = db.session.get(Job, job_id)
                    if job.finished:
                        break
                    time.sleep(0.1)
            assert (job.state, job.done, job.result_name) == ("done", 50, "count.txt")
    finally:
        consumer.stop(graceful=True)
        huey.flush()
        with app.app_context():
            db.engine.dispose()


def test_the_worker_loads_the_instruments_before_it_takes_jobs(app, runner, monkeypatch):
    app.config["JOBS_IMMEDIATE"] = False
    seen = []

    class Consumer:
        def run(self):
            seen.append("fieldwork.catalogue" in app.extensions)

    with app.app_context():
        huey = app.extensions["huey"]
        app.extensions.pop("fieldwork.catalogue", None)
        monkeypatch.setattr(huey, "create_consumer", lambda **options: Consumer())
    from fieldwork.commands import jobs

    monkeypatch.setattr(jobs, "load_libraries", lambda: seen.append("writers' libraries"))
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 0, result.output
    assert seen == ["writers' libraries", True]


def test_a_job_about_practices_is_hidden_from_users_restricted_to_others(
    app, auth, client, monkeypatch
):
    """A pack holds a practice's access codes: a coordinator restricted (since) to other
    practices no longer sees it, even one they made; their own practices' they still do."""
    monkeypatch.setitem(KINDS, "paper_pack", "tests.fieldwork.jobkinds:count")
    monkeypatch.setitem(ABOUT_PRACTICES, "paper_pack", "tests.fieldwork.jobkinds:about")
    maker_id = auth.create(role="coordinator", email="moved@example.org", practices="P2")
    with app.app_context():
        maker = db.session.get(User, maker_id)
        theirs = _start("paper_pack", {"n": 1, "practices": ["P2"]}, maker)
        before = _start("paper_pack", {"n": 1, "practices": ["P1"]}, maker)
    auth.login("moved@example.org")
    assert client.get(f"/staff/jobs/{theirs}.json").status_code == 200
    assert client.get(f"/staff/jobs/{before}.json").status_code == 404
    assert client.get(f"/staff/jobs/{before}/download").status_code == 404


def test_a_job_page_has_a_human_title_plain_states_and_a_way_back(app, auth, client):
    auth.login(role="admin")
    with app.app_context():
        waiting = Job(kind="paper_pack", params={"batch": "20260601-b1"}, message="")
        export = Job(kind="dataset", params={"request": {"instrument": "patient"}}, state="done")
        db.session.add_all([waiting, export])
        db.session.commit()
        waiting_id, export_id = waiting.id, export.id
    page = client.get(f"/staff/jobs/{waiting_id}").get_data(as_text=True)
    assert "<h1>Paper pack</h1>" in page and "paper_pack" not in page
    assert "<strong data-job-state>Waiting to start</strong><span data-job-count></span>" in page
    assert "Queued" not in page
    assert '<a href="/staff/paper/batches/20260601-b1">Back to this batch' in page
    assert client.get(f"/staff/jobs/{waiting_id}.json").json["state_name"] == "Waiting to start"
    done = client.get(f"/staff/jobs/{export_id}").get_data(as_text=True)
    assert "<h1>Dataset export</h1>" in done
    assert '<a href="/staff/datasets/">Back to datasets' in done


@pytest.mark.parametrize("backend", ["sqlite"])  # how SQLite transactions begin
def test_a_download_is_audited_in_a_transaction_that_takes_the_write_lock_at_begin(
    app, auth, client, backend, monkeypatch
):
    """On SQLite a GET that reads and then writes (the audit event) in a deferred
    transaction fails at once when another connection commits in between (a worker's
    progress): the download begins IMMEDIATE, waiting its turn instead."""
    user_id = auth.create(role="analyst", email="a@example.org")
    auth.login("a@example.org")
    with app.app_context():
        job_id = _start("count", {"n": 2}, db.session.get(User, user_id))
    begun = record_begins(monkeypatch)
    with client.get(f"/staff/jobs/{job_id}/download") as download:
        assert download.status_code == 200
    assert begun and set(begun) == {"BEGIN IMMEDIATE"}
