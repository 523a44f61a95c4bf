"""Interim and final rates, closing fieldwork, study settings; outcomes from page saves.

Figures are the hand computation in test_rates.py ("During fieldwork ...").
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.models import AuditEvent, Invitation, Practice
from fieldwork.outcomes import refresh_outcome
from fieldwork.rates import waves
from fieldwork.rates.fieldwork_status import (
    SettingsError,
    close_practice,
    load_fieldwork,
    reopen_practice,
    set_study_closed,
    update_settings,
)
from forms.completeness import Thresholds, answered_share
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot
from tests.fieldwork.staff_factories import post, respond
from tests.fieldwork.test_rates import (
    PRACTICE_A,
    STUDY,
    counts_of,
    report,
    rows_by,
    seed,
)
from tests.fieldwork.test_survey_flow import stored

INTERIM = {"RR1": 16 / 31, "RR2": 21 / 31, "COOP1": 16 / 27, "REF1": 5 / 31}


def _practice(code: str) -> Practice:
    return db.session.scalar(select(Practice).where(Practice.code == code))


@pytest.fixture
def open_study(ctx):
    """The scenario with fieldwork still open."""
    seed(closed=False)
    return ctx


def test_interim_rates_leave_not_yet_returned_out(open_study):
    total = report().total
    c = total.counts
    assert (c.not_returned, c.contacts_lost, c.issued) == (20, 1, 55)
    assert total.rates == INTERIM
    assert not load_fieldwork().study_closed


def test_interim_rates_may_keep_not_yet_returned_in(open_study):
    update_settings(complete=80, partial=50, with_not_returned=True, target_rate=None)
    db.session.commit()
    total = report().total
    assert (total.counts.not_returned, total.counts.contacts_lost) == (20, 1)
    assert total.rates == STUDY  # D = 31 + 20 = 51, as after the close


def test_closing_a_practice_makes_its_no_replies_non_contacts(open_study):
    assert close_practice(_practice("Y90001")) is True
    assert close_practice(_practice("Y90001")) is False
    db.session.commit()
    result = report(["practice"])
    rows = rows_by(result, "practice")
    assert rows["Y90001"].closed and rows["Y90001"].rates == PRACTICE_A
    assert rows["Y90001"].counts.not_returned == 0
    b = rows["Y90002"]
    assert (b.counts.not_returned, b.counts.contacts_lost, b.rates["RR2"]) == (5, 1, 4 / 7)
    assert (result.total.counts.not_returned, result.total.counts.contacts_lost) == (10, 11)
    assert result.total.rates["RR2"] == 21 / 41
    # The same figures without a practice breakdown (computed per practice underneath).
    assert report(["instrument"]).total.rates["RR1"] == 16 / 41
    assert reopen_practice(_practice("Y90001")) is True
    db.session.commit()
    assert report().total.rates == INTERIM


def test_closing_the_study_gives_the_final_rates(open_study):
    assert set_study_closed(True) is True
    db.session.commit()
    final = report().total
    assert counts_of(final) == (55, 23, 16, 5, 5, 21, 1, 3, 5, 55) and final.rates == STUDY
    assert final.counts.not_returned == 0
    set_study_closed(False)
    db.session.commit()
    assert report().total.rates == INTERIM
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["study_fieldwork_closed", "study_fieldwork_reopened"]


def test_new_thresholds_reclassify_every_counted_response(open_study):
    # E's shares 0, 5, 6, 9, 10 of 12; at 70 % / 40 %: 9 and 10 complete, 5 and 6 partial.
    update_settings(complete=70, partial=40, with_not_returned=False, target_rate=40)
    db.session.commit()
    e = rows_by(report(["practice"], region_id=2), "practice")["Y90004"].counts
    assert (e.complete, e.partial, e.break_off) == (2, 2, 1)
    outcomes = db.session.scalars(
        select(Invitation.disposition).where(Invitation.practice_id == _practice("Y90004").id)
    ).all()
    assert sorted(filter(None, outcomes)) == ["break_off", "complete", "complete"] + ["partial"] * 2
    # Hand-set outcomes (and codes with no response) are left alone.
    assert rows_by(report(["practice"]), "practice")["Y90001"].counts.refusal == 3
    with pytest.raises(SettingsError):
        update_settings(complete=40, partial=70, with_not_returned=False, target_rate=None)


def test_days_since_mailing_come_from_the_batch_date(open_study):
    rows = rows_by(report(["practice"]), "practice")
    assert rows["Y90001"].mailed is not None and rows["Y90005"].mailed is None


def test_settings_page_and_closing_through_the_pages(app, client, auth):
    with app.app_context():
        seed(closed=False)
    auth.login(role="coordinator", practices="Y90001")
    page = client.get("/staff/rates/fieldwork")
    assert page.status_code == 200 and "An administrator can change these." in page.text
    assert post(client, "/staff/rates/fieldwork/settings", {"complete": "90"}).status_code == 403
    wrong = post(
        client, "/staff/rates/fieldwork/practice", {"practice": "Y90002", "action": "close"}
    )
    assert wrong.status_code == 400 and "Enter the code of one of your practices" in wrong.text
    done = post(
        client, "/staff/rates/fieldwork/practice", {"practice": "y90001", "action": "close"}
    )
    assert done.status_code == 302
    dashboard = client.get("/staff/rates/?by=practice&instrument=all").text
    assert "(closed)" in dashboard and "Interim rates: fieldwork is open." in dashboard
    assert "practice whose fieldwork is closed" in dashboard
    auth.logout()
    auth.login(email="admin@example.org", role="admin")
    bad = post(client, "/staff/rates/fieldwork/settings", {"complete": "50", "partial": "60"})
    assert bad.status_code == 400 and "no higher than the complete one" in bad.text
    odd = post(client, "/staff/rates/fieldwork/settings", {"complete": "²", "partial": "5"})
    assert odd.status_code == 400 and "Enter a whole number from 0 to 100" in odd.text
    saved = post(
        client,
        "/staff/rates/fieldwork/settings",
        {"complete": "80", "partial": "50", "target_rate": "45", "with_not_returned": "1"},
    )
    assert saved.status_code == 302
    dashboard = client.get("/staff/rates/?by=practice&instrument=all").text
    assert "include them in" in dashboard and "RR2 below the 45% threshold" in dashboard
    assert post(client, "/staff/rates/fieldwork/study", {"action": "close"}).status_code == 302
    assert "Final rates." in client.get("/staff/rates/").text


def test_saving_pages_updates_the_outcome_from_the_answer_store(app, client, codes):
    code = codes["patient"][0]
    robot = Robot(client, instrument(app, "patient"))
    robot.enter_code(code)
    assert robot.welcome("en").status_code == 302
    response, invitation, saved = stored(app, code)
    assert (response.answered, response.outcome, invitation.disposition) == (
        0, "break_off", "break_off",
    )  # fmt: skip
    number = 1
    while not robot.given:  # pages until one with an answer (page 1 may only inform)
        assert robot.answer_page(number).status_code == 302
        number += 1
    response, invitation, saved = stored(app, code)
    share = answered_share(robot.instrument, saved)
    assert share == (response.answered, response.applicable) and response.answered > 0
    assert invitation.disposition == Thresholds().outcome(*share) == response.outcome


def test_a_hand_set_outcome_is_not_moved_by_keying_or_saves(app, codes):
    """refresh_outcome (what page saves and paper keying call) leaves a hand-set outcome."""
    with app.app_context():
        response = respond(codes["patient"][1].replace("-", ""), submit=False)
        response.invitation.disposition = "other"
        inst = get_catalogue().instrument_for(response.instrument_version_id)
        assert refresh_outcome(response, inst) == "break_off"
        assert (response.outcome, response.invitation.disposition) == ("break_off", "other")


def test_waves_hook_counts_codes_by_wave_when_waves_exist(app, client, auth, monkeypatch):
    """No waves yet: nothing shown. With a wave column plugged in (here the mode stands
    in for it), the report and the page count codes by wave with the same rules."""
    with app.app_context():
        seed()
        assert report().by_wave == []
    monkeypatch.setattr(waves, "WAVE", Invitation.mode)
    with app.app_context():
        found = {row.labels["wave"]: row for row in report(instrument="patient").by_wave}
    assert list(found) == ["both", "paper", "web"]
    assert found["web"].rates == {"RR1": 7 / 22, "RR2": 11 / 22, "COOP1": 7 / 15, "REF1": 4 / 22}
    auth.login(role="analyst")
    assert "Responses by wave" in client.get("/staff/rates/?instrument=patient").text
