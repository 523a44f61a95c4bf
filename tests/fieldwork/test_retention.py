"""Retention: `fieldwork purge` deletes identifying answers after the period; codes stop."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from fieldwork.db import db
from fieldwork.jobs.queue import dispatch
from fieldwork.jobs.services import start_job
from fieldwork.models import AuditEvent, IdentifyingAnswer, Job, Response
from fieldwork.models.base import utcnow
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot
from tests.fieldwork.test_identifying import _volunteer


def _identifying(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(IdentifyingAnswer))


def _set(runner, end, days: int):
    result = runner.invoke(args=["retention", "--end", end.isoformat(), "--days", str(days)])
    assert result.exit_code == 0, result.output
    return result.output


def test_purge_waits_for_the_period_then_lists_and_deletes(app, client, codes, runner):
    _volunteer(app, client, codes)
    assert "no study end date" in runner.invoke(args=["purge", "--dry-run"]).output
    today = utcnow().date()
    _set(runner, today - timedelta(days=5), 30)
    early = runner.invoke(args=["purge"])
    assert early.exit_code == 1 and "retention period runs until" in early.output
    assert _identifying(app) == 2
    _set(runner, today - timedelta(days=40), 30)
    listed = runner.invoke(args=["purge", "--dry-run"])
    assert listed.exit_code == 0, listed.output
    assert "contact_name: 1 answer(s) would delete" in listed.output
    assert "2 identifying answer(s) would delete" in listed.output and _identifying(app) == 2
    done = runner.invoke(args=["purge"])
    assert "2 identifying answer(s) deleted" in done.output and _identifying(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 1  # answers stay
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "identifying_purge")
        )
        assert event.detail["deleted"] == 2


def test_the_purge_runs_as_a_job_and_codes_stop_when_the_study_ends(app, client, codes, runner):
    _volunteer(app, client, codes)
    _set(runner, utcnow().date() - timedelta(days=2), 0)
    with app.app_context():
        job = start_job("identifying_purge", {}, None)
        db.session.commit()
        dispatch(job.id)
        job = db.session.get(Job, job.id)
        db.session.refresh(job)
        assert job.state == "done", job.error
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "identifying_purge")
        )
        assert event.detail["deleted"] == 2 and event.actor == ""
    assert _identifying(app) == 0
    robot = Robot(app.test_client(), instrument(app, "patient"))
    assert robot.enter_code(codes["patient"][1]).status_code == 410
