"""The consent statement's promise: "you can skip any question". Every question of the
three study questionnaires can be left blank; a gate question left blank routes as not
answered (the questions it opens are not asked), on the check page and in the export."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from forms.paging import web_pages
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot
from tests.fieldwork.test_survey_flow import stored

QUESTIONNAIRES = ["patient", "mental_health", "practice_staff"]


@pytest.mark.parametrize("instrument_id", QUESTIONNAIRES)
def test_no_question_is_required_where_the_consent_promises_skipping(app, instrument_id):
    inst = instrument(app, instrument_id)
    assert "skip any question" in inst.consent.statement.get("en")
    assert [item.id for item in inst.iter_questions() if item.required] == []
    # The consent page's own "take part" box stays required.
    assert [choice.id for choice in inst.consent.choices if choice.required] == ["take_part"]


@pytest.mark.parametrize("instrument_id", QUESTIONNAIRES)
def test_every_page_can_be_left_blank_and_the_answers_sent(app, client, codes, instrument_id):
    inst = instrument(app, instrument_id)
    robot = Robot(client, inst)
    robot.skip = lambda item: True
    robot.enter_code(codes[instrument_id][0])
    welcome = client.get("/welcome").get_data(as_text=True)
    assert "You can skip any question you would rather not answer." in welcome
    assert "(required)" not in welcome  # no question is marked, so none is promised
    start = robot.welcome("en")
    assert robot.run_pages(start.headers["Location"]).endswith("/check")
    assert robot.submit().headers["Location"] == "/done"
    response, _, saved = stored(app, codes[instrument_id][0])
    assert response.status == 1 and saved == {}


def test_a_blank_gate_routes_as_not_answered(app, client, codes, runner, tmp_path):
    inst = instrument(app, "patient")
    code = codes["patient"][0]
    robot = Robot(client, inst)
    robot.skip = lambda item: item.id == "used_online"
    robot.enter_code(code)
    location = robot.welcome("en").headers["Location"]
    gate_page = next(p.number for p in web_pages(inst) if inst.item("used_online") in p.items)
    while location != f"/page/{gate_page}":
        location = robot.answer_page(int(location.rsplit("/", 1)[1])).headers["Location"]
    # Ticked by mistake beside the blank gate (as with JavaScript off): not saved.
    answer = robot.answer_page(gate_page, {"used_what": ["1"]})
    assert answer.status_code == 302, "a blank gate question is accepted"
    robot.run_pages(answer.headers["Location"])
    _, _, saved = stored(app, code)
    assert "used_online" not in saved and "used_what" not in saved and "nhs_app" in saved
    check = client.get("/check").get_data(as_text=True)
    assert inst.item("used_online").text.get("en") in check
    assert inst.item("used_what").text.get("en") not in check
    assert robot.submit().headers["Location"] == "/done"
    # In the export: the gate is "not answered" (-99), what it opens "not applicable" (-98).
    out = tmp_path / "patient"
    result = runner.invoke(args=["export", "--instrument", "patient", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = pd.read_csv(io.BytesIO((out / "data.csv").read_bytes()))
    [row] = data.to_dict("records")
    assert row["used_online"] == -99
    assert row["nhs_app"] != -99
    used_what = [name for name in data.columns if name.startswith("used_what")]
    assert used_what and all(row[name] == -98 for name in used_what)
