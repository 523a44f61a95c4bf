"""The admin's retention page (settings, dry run, past purges, the button) and the nightly
schedule that starts the purge job once the retention period is over."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldwork import retention
from fieldwork.db import db
from fieldwork.jobs.services import start_job
from fieldwork.models import AuditEvent, IdentifyingAnswer, Job
from fieldwork.models.base import utcnow
from fieldwork.outcomes import study_settings
from tests.conftest import csrf_token
from tests.fieldwork.volunteer_world import build

PAGE = "/staff/admin/retention"


@pytest.fixture
def world(app):
    build(app)


def _held(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(IdentifyingAnswer))


def _set(app, end_days_ago: int | None, days: int = 0) -> None:
    with app.app_context():
        settings = study_settings()
        settings.study_end = (
            None if end_days_ago is None else utcnow().date() - timedelta(days=end_days_ago)
        )
        settings.retention_days = days
        db.session.commit()


def test_the_page_lists_what_would_go_and_the_button_purges_audited(app, auth, world):
    auth.login("boss@example.org", role="admin")
    _set(app, 3, 30)
    page = auth.client.get(PAGE).get_data(as_text=True)
    assert "contact_name" in page and "contact_detail" in page
    assert "from 4 responses" in page and "<strong>8</strong>" in page
    assert "Purge identifying answers now" not in page  # not due yet
    token = csrf_token(auth.client, PAGE)
    early = auth.client.post(f"{PAGE}/purge", data={"csrf_token": token})
    assert early.status_code == 303 and early.headers["Location"].endswith(PAGE)
    assert _held(app) == 8
    _set(app, 40, 30)
    assert "Purge identifying answers now" in auth.client.get(PAGE).get_data(as_text=True)
    done = auth.client.post(f"{PAGE}/purge", data={"csrf_token": token})
    assert done.status_code == 303 and "/staff/jobs/" in done.headers["Location"]
    job_page = auth.client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Done</strong>" in job_page and "8 of 8 (100%)" in job_page
    assert _held(app) == 0
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("identifying_purge%"))
        ).all()
        assert [(e.action, e.actor) for e in events] == [
            ("identifying_purge_started", "boss@example.org"),
            ("identifying_purge", "boss@example.org"),
        ]
        assert events[1].detail["deleted"] == 8
    page = auth.client.get(PAGE).get_data(as_text=True)
    assert "No identifying answers are held." in page
    assert "boss@example.org</td>" in page  # the past purge, from the audit log


def test_the_settings_form_checks_and_saves_audited(app, auth):
    auth.login("boss@example.org", role="admin")
    token = csrf_token(auth.client, PAGE)
    bad = auth.client.post(PAGE, data={"csrf_token": token, "study_end": "31/03/2027",
                                       "retention_days": "-1"})  # fmt: skip
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Enter the end date as YYYY-MM-DD" in text and "whole number of days" in text
    good = auth.client.post(PAGE, data={"csrf_token": token, "study_end": "2027-03-31",
                                        "retention_days": "180"})  # fmt: skip
    assert good.status_code == 303
    with app.app_context():
        assert retention.purge_date() == datetime.date(2027, 9, 28)
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "retention_settings")
        )
        assert event.detail == {"study_end": ["", "2027-03-31"], "retention_days": [0, 180]}
    assert "28 September 2027" in auth.client.get(PAGE).get_data(as_text=True)


def test_the_nightly_decision(app, world):
    with app.app_context():
        today = utcnow().date()
        assert retention.scheduled_decision(today) == "no study end date set"
    _set(app, 3, 30)
    with app.app_context():
        assert retention.scheduled_decision(today).startswith("the retention period runs until")
        assert retention.scheduled_purge(today) is None
    assert _held(app) == 8
    _set(app, 30, 30)  # the last day kept is today
    with app.app_context():
        assert retention.scheduled_decision(today).startswith("the retention period runs until")
        assert retention.scheduled_decision(today + timedelta(days=1)) is None
        waiting = start_job("identifying_purge", {}, None)
        db.session.commit()
        tomorrow = today + timedelta(days=1)
        assert retention.scheduled_decision(tomorrow) == "a purge is already queued or running"
        db.session.delete(waiting)
        db.session.commit()
    _set(app, 31, 30)  # due today
    with app.app_context():
        job_id = retention.scheduled_purge(today)
        job = db.session.get(Job, job_id)
        assert job.state == "done" and job.created_by is None and job.params == {"scheduled": True}
    assert _held(app) == 0
    with app.app_context():
        assert retention.scheduled_decision(today + timedelta(days=2)) == (
            "no identifying answers left"
        )
        assert retention.scheduled_purge(today + timedelta(days=2)) is None


def test_the_schedule_runs_nightly_on_the_queue(app):
    huey = app.extensions["huey"]
    names = [t.name for t in huey.read_periodic(datetime.datetime(2026, 12, 1, 3, 17))]
    assert names == ["fieldwork.daily_purge"]
    assert huey.read_periodic(datetime.datetime(2026, 12, 1, 4, 17)) == []
