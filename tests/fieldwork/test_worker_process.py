"""A separate `fieldwork worker` process runs an export from the SQLite queue (SQLite only:
the queue and the worker process do not depend on the app's database backend)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from fieldwork.db import db, sqlite_transactions
from fieldwork.models import Job
from tests.fieldwork.datasets_world import build, write_instruments


@pytest.fixture
def backend() -> str:
    """SQLite only (overrides the root fixture that runs every test on each backend)."""
    return "sqlite"


@pytest.fixture
def instruments_dir(tmp_path):
    return write_instruments(tmp_path / "instruments")


@pytest.fixture
def world(app):
    build(app)
    return app


def _read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_separate_worker_process_runs_the_export(world, tmp_path):
    """`fieldwork worker` in its own process picks the job off the SQLite queue."""
    import os
    import subprocess
    import sys
    import time

    from fieldwork.datasets.filters import Request
    from fieldwork.datasets.services import start_export
    from fieldwork.jobs import queue

    queue_file = tmp_path / "queue.sqlite"
    world.config.update(JOBS_IMMEDIATE=False, JOBS_QUEUE_FILE=str(queue_file))
    queue.init_app(world)  # the app now queues on the file the worker reads
    env = {
        **os.environ,
        "FIELDWORK_DATABASE_URL": world.config["SQLALCHEMY_DATABASE_URI"],
        "FIELDWORK_INSTRUMENTS": world.config["INSTRUMENTS"],
        "FIELDWORK_JOBS_QUEUE_FILE": str(queue_file),
        "FIELDWORK_JOB_FILES": world.config["JOB_FILES"],
        "FIELDWORK_SECRET_KEY": "test",
    }
    fieldwork = os.path.join(os.path.dirname(sys.executable), "fieldwork")
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([fieldwork, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        with world.app_context():
            job_id = start_export(Request("clinic", formats=["csv"]), None).id
            db.session.commit()
            queue.dispatch(job_id)
            deadline = time.monotonic() + 30
            with sqlite_transactions("deferred"):  # looks that never hold the write lock
                while time.monotonic() < deadline:
                    db.session.rollback()
                    job = db.session.get(Job, job_id)
                    if job.finished:
                        break
                    time.sleep(0.2)
            assert (job.state, job.done, job.result_name) == (
                "done", 5, f"clinic-deidentified-{job_id}.zip",
            )  # fmt: skip
            files = _read_zip(Path(job.result_path).read_bytes())
            assert pd.read_csv(io.BytesIO(files["data.csv"]))["response_id"][0] == "P0001"
    finally:
        worker.terminate()
        worker.wait(timeout=15)
        log.close()
