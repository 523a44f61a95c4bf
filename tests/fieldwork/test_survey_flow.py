"""Completing the three instruments end to end through the test client, on every backend."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from fieldwork import answers as store
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.i18n import t
from fieldwork.models import Invitation, Response
from forms.paging import web_pages
from forms.routing import items_applying
from forms.web_fields import question_name
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot, form_fields


def stored(app, code):
    """(response, answers) stored for an access code."""
    with app.app_context():
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.code == code.replace("-", ""))
        )
        response = invitation.response
        inst = get_catalogue().instrument_for(response.instrument_version_id)
        saved = store.load_answers(db.session, inst, response.id)
        db.session.expunge_all()
        return response, invitation, saved


def complete(client, app, instrument_id, code, language=None, answers=None):
    """Run a whole survey; returns the robot."""
    robot = Robot(client, instrument(app, instrument_id), answers)
    assert robot.enter_code(code).headers["Location"] == "/welcome"
    start = robot.welcome(language)
    assert start.status_code == 302
    assert robot.run_pages(start.headers["Location"]).endswith("/check")
    done = robot.submit()
    assert done.headers["Location"] == "/done"
    return robot


@pytest.mark.parametrize(
    ("instrument_id", "language"),
    [("patient", "en"), ("patient", "zh"), ("practice_staff", None), ("mental_health", None)],
)
def test_complete_each_instrument(app, client, codes, instrument_id, language):
    code = codes[instrument_id][0]
    robot = complete(client, app, instrument_id, code, language)
    page = client.get("/done")
    assert page.status_code == 200
    response, invitation, saved = stored(app, code)
    assert response.status == 1 and response.submitted_at is not None
    assert response.language == (language or "en")
    assert invitation.disposition == "complete"
    assert saved == robot.given
    if language == "zh":
        assert 'lang="zh"' in page.get_data(as_text=True)
        assert "谢谢" in page.get_data(as_text=True)


def test_routing_followed_and_broken(app, client, codes):
    """Saying No to using online services skips the experience section; Yes shows it."""
    inst = instrument(app, "patient")
    pages = web_pages(inst)
    experience = {p.number for p in pages if p.section.id == "sec_experience"}
    assert experience
    no = complete(client, app, "patient", codes["patient"][0], "en", {"used_online": 2})
    assert experience.isdisjoint(no.visited)
    other = app.test_client()
    yes = complete(other, app, "patient", codes["patient"][1], "en", {"used_online": 1})
    assert experience <= set(yes.visited)


def test_resume_after_stopping_halfway(app, client, codes):
    inst = instrument(app, "mental_health")
    code = codes["mental_health"][0]
    robot = Robot(client, inst)
    robot.enter_code(code)
    first = robot.welcome().headers["Location"]
    second = robot.answer_page(int(first.rsplit("/", 1)[1])).headers["Location"]
    robot.answer_page(int(second.rsplit("/", 1)[1]))
    _, _, saved_before = stored(app, code)
    # A new browser: the code brings the respondent back to where they stopped.
    again = Robot(app.test_client(), inst)
    again.enter_code(code.lower().replace("-", ""))
    welcome = again.client.get("/welcome").get_data(as_text=True)
    assert "Continue where you left off" in welcome
    resumed = again.welcome().headers["Location"]
    assert resumed == "/page/3"
    _, _, saved_after = stored(app, code)
    assert saved_after == saved_before == robot.given
    assert again.run_pages(resumed).endswith("/check")


def test_double_submit_and_double_start_make_one_response(app, client, codes):
    code = codes["practice_staff"][0]
    robot = Robot(client, instrument(app, "practice_staff"))
    robot.enter_code(code)
    html = client.get("/welcome").get_data(as_text=True)
    from tests.fieldwork.robot import csrf

    token = csrf(html)
    assert client.post("/welcome", data={"csrf_token": token}).headers["Location"] == "/consent"
    agreed = {"csrf_token": token, "consent": "take_part", "agree": "1"}
    first = client.post("/consent", data=agreed)
    second = client.post("/consent", data=agreed)
    assert first.headers["Location"] == second.headers["Location"] == "/page/1"
    robot.run_pages(first.headers["Location"])
    check = client.get("/check").get_data(as_text=True)
    token = csrf(check)
    assert client.post("/check", data={"csrf_token": token}).headers["Location"] == "/done"
    assert client.post("/check", data={"csrf_token": token}).headers["Location"] == "/done"
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Response.id))) == 1


def test_submitted_response_cannot_be_changed(app, client, codes):
    code = codes["mental_health"][1]
    complete(client, app, "mental_health", code)
    _, _, before = stored(app, code)
    # The same browser posts an old page again: nothing changes.
    again = Robot(client, instrument(app, "mental_health"), {"used_online": 2})
    assert again.client.get("/page/1").status_code == 302
    # The code itself is used up.
    fresh = Robot(app.test_client(), instrument(app, "mental_health"))
    page = fresh.enter_code(code)
    assert page.status_code == 410
    assert "already been used" in page.get_data(as_text=True)
    _, _, after = stored(app, code)
    assert after == before


def _then_turned_off(robot: Robot, code: str) -> tuple[int, list, dict, str]:
    """Enter `code`, answer every page through the section asked of online users (the
    filter `used_online` answered Yes), then go back to the filter and answer No: (filter
    page, that section's pages, its answers given, where the save led)."""
    inst = robot.instrument
    robot.enter_code(code)
    location = robot.welcome("en").headers["Location"]
    filter_page = next(
        p.number for p in web_pages(inst) if "used_online" in [i.id for i in p.items]
    )
    experience = [p for p in web_pages(inst) if p.section.id == "sec_experience"]
    while int(location.rsplit("/", 1)[1]) <= experience[-1].number:
        location = robot.answer_page(int(location.rsplit("/", 1)[1])).headers["Location"]
    kept = {i.id: robot.given[i.id] for p in experience for i in p.items if i.id in robot.given}
    assert kept
    robot.overrides["used_online"] = 2
    after = robot.answer_page(filter_page).headers["Location"]
    return filter_page, experience, kept, after


def test_going_back_and_changing_a_filter_keeps_later_answers(app, client, codes):
    inst = instrument(app, "patient")
    code = codes["patient"][2]
    robot = Robot(client, inst, {"used_online": 1})
    _, experience, kept, after = _then_turned_off(robot, code)  # the filter now No
    assert int(after.rsplit("/", 1)[1]) not in {p.number for p in experience}
    check = client.get("/check").get_data(as_text=True)
    first_experience_item = experience[0].items[0]
    assert first_experience_item.text.get("en") not in check
    _, _, saved = stored(app, code)
    assert saved["used_online"] == 2
    assert {k: saved[k] for k in kept} == kept  # typed answers are not lost


def test_answers_set_aside_by_a_changed_filter_come_back_when_it_is_changed_back(
    app, client, codes
):
    """The notice says 'set aside', not 'not kept': an answer saved earlier and turned off
    by a changed filter stays stored, and applies again (shown, and on the check page)
    once the filter is changed back."""
    inst = instrument(app, "patient")
    code = codes["patient"][4]
    robot = Robot(client, inst, {"used_online": 1})
    filter_page, experience, kept, after = _then_turned_off(robot, code)
    item = next(i for p in experience for i in p.items if i.id in kept)
    said = t("not_kept", "en", question=question_name(item, "en"))
    assert str(escape(said)) in client.get(after).get_data(as_text=True)
    assert "set aside" in said and "not kept" not in said
    robot.overrides["used_online"] = 1  # changed back
    robot.answer_page(filter_page)
    _, _, saved = stored(app, code)
    assert {k: saved[k] for k in kept} == kept
    applies = items_applying(inst, saved, "web")
    assert all(applies[k] for k in kept)  # they apply again, as they were given
    shown = client.get(f"/page/{experience[0].number}")
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    ticked_input = r'name="([^"]+)"\s+type="(?:radio|checkbox)" value="([^"]*)" checked'
    checked = set(re.findall(ticked_input, html))
    ticked = [i for i in experience[0].items if i.id in kept and i.type in {"single", "grid"}]
    assert ticked  # the page shows them ticked again, as given
    for shown_item in ticked:
        for name, value in form_fields(shown_item, kept[shown_item.id]).items():
            assert (name, str(value)) in checked, (name, value)


def test_answers_turned_off_by_a_changed_filter_are_named_on_the_next_page(app, client, codes):
    inst = instrument(app, "patient")
    robot = Robot(client, inst, {"used_online": 1})
    filter_page, experience, kept, after = _then_turned_off(robot, codes["patient"][3])
    answered = [i for p in experience for i in p.items if i.is_question and i.id in kept]
    shown = client.get(after).get_data(as_text=True)
    assert experience[0].number != filter_page  # saved on another page than the filter
    assert shown.count("fw-not-kept") >= len(answered) > 0
    for item in answered:
        said = t("not_kept", "en", question=question_name(item, "en"))
        assert str(escape(said)) in shown
    again = client.get(after).get_data(as_text=True)
    assert "fw-not-kept" not in again  # said once
    # Saving the filter page again, unchanged, turns no earlier answer off again.
    robot.answer_page(filter_page)
    resaved = client.get(after).get_data(as_text=True)
    for item in answered:
        said = t("not_kept", "en", question=question_name(item, "en"))
        assert str(escape(said)) not in resaved


@pytest.mark.parametrize("typed", ["3", "three"])
def test_typed_into_a_question_routed_out_on_the_same_post_is_said_set_aside(
    app, client, codes, typed
):
    """With JavaScript off every question is on the page: a number, or text that is not
    one, typed into a question this post's answers route out is not saved, and the
    respondent is told it was set aside."""
    inst = instrument(app, "mental_health")
    robot = Robot(client, inst)
    robot.enter_code(codes["mental_health"][0])
    assert robot.welcome("en").headers["Location"] == "/page/1"
    routed = inst.item("gp_online_n")
    assert routed in web_pages(inst)[0].items and routed.show_if.source == "gp_contacts > 0"
    saved = robot.answer_page(1, {"gp_contacts": "0", "gp_online_n": typed})
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    said = t("not_kept", "en", question=question_name(routed, "en"))
    assert str(escape(said)) in shown
    _, _, stored_answers = stored(app, codes["mental_health"][0])
    assert stored_answers["gp_contacts"] == 0 and "gp_online_n" not in stored_answers


def test_wrong_codes_are_limited_per_client(app, client, codes):
    robot = Robot(client, instrument(app, "patient"))
    for _ in range(app.config["CODE_ATTEMPTS"]):
        page = robot.enter_code("AAAA-AAAA")
        assert page.status_code == 400
        assert "Access code not recognised" in page.get_data(as_text=True)
    blocked = robot.enter_code(codes["patient"][0])
    assert blocked.status_code == 429
    assert "please wait" in blocked.get_data(as_text=True)
    # Another client is not affected.
    other_client = app.test_client()
    other_client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    other = Robot(other_client, robot.instrument)
    assert other.enter_code(codes["patient"][0]).status_code == 302


def test_open_link_gives_a_resume_code(app, client, codes):
    from fieldwork.models import Practice

    with app.app_context():
        practice = db.session.scalars(select(Practice)).first()
        link, staff_link = practice.open_link("patient"), practice.open_link("practice_staff")
        code, token = practice.code, practice.link_token
    inst = instrument(app, "patient")
    assert link.startswith(f"/s/patient/{code}/") and token not in link
    assert client.get(link).headers["Location"] == "/welcome"
    robot = Robot(client, inst)
    first = robot.welcome("zh").headers["Location"]
    page = client.get(first).get_data(as_text=True)
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
        resume_code = response.resume_code
        assert response.invitation_id is None and response.language == "zh"
    assert resume_code and len(resume_code) == 10
    assert f"{resume_code[:5]}-{resume_code[5:]}" in page  # shown grouped, like access codes
    robot.answer_page(int(first.rsplit("/", 1)[1]))
    # Later, in another browser, with the resume code.
    other = app.test_client()
    html = other.get("/resume").get_data(as_text=True)
    from tests.fieldwork.robot import csrf

    back = other.post("/resume", data={"code": resume_code.lower(), "csrf_token": csrf(html)})
    assert back.headers["Location"] == "/welcome"
    again = Robot(other, inst)
    assert again.run_pages(again.welcome().headers["Location"]).endswith("/check")
    assert again.submit().headers["Location"] == "/done"
    patient_token = link.rsplit("/", 1)[1]
    assert client.get(f"/s/nonexistent/{code}/{patient_token}").status_code == 404
    assert client.get(f"/s/patient/{code}/not-a-token").status_code == 404
    assert client.get(f"/s/patient/{code}/%C3%A9").status_code == 404  # not ASCII: no 500
    assert client.get(f"/s/patient/{token}").status_code == 404  # the secret is no link
    # One questionnaire's link opens no other: not the staff survey with the patients' token.
    fresh = app.test_client()
    assert fresh.get(f"/s/practice_staff/{code}/{patient_token}").status_code == 404
    assert fresh.get(staff_link).headers["Location"] == "/welcome"


def test_no_code_or_answer_in_urls_after_the_first_redirect(app, client, codes):
    code = codes["patient"][0]
    robot = Robot(client, instrument(app, "patient"))
    first = client.get(f"/c/{code}")
    assert first.headers["Location"] == "/welcome"
    location = robot.welcome("en").headers["Location"]
    assert code.replace("-", "") not in location and code not in location
    assert "?" not in location
