"""Every bad post is answered with the page and an error summary, never a 500."""

from __future__ import annotations

import random

import pytest

from forms.model import Item
from forms.paging import item_applies, web_pages
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import PAGE_RE, Robot, csrf, form_fields, valid_answer

SUMMARY = "There is a problem"


def junk_posts(item: Item, valid: dict) -> list[dict]:
    """Invalid versions of one item's fields (each should be refused)."""
    name = item.id
    if item.type == "single":
        return [{name: "999"}, {name: "abc"}]
    if item.type == "multiple":
        bad = [{name: ["abc"]}, {name: ["9999"]}]
        if item.exclusive:
            other = next(c for c in item.choices.codes if c not in item.exclusive)
            bad.append({name: [str(other), str(min(item.exclusive))]})
        return bad
    if item.type == "grid":
        return [{f"{name}_{item.rows[0].id}": "77"}]
    if item.type in ("integer", "decimal"):
        bad = [{name: "abc"}, {name: "1e400"}, {name: "NaN"}]
        if item.max is not None:
            bad.append({name: str(item.max + 1)})
        if item.min is not None:
            bad.append({name: str(item.min - 1)})
        return bad
    if item.type == "date":
        return [{f"{name}-day": "31", f"{name}-month": "2", f"{name}-year": "2024"}]
    if item.type in ("text", "textarea") and item.max_length:
        return [{name: "x" * (item.max_length + 1)}]
    return []


def _post(client, number: int, data: dict):
    html = client.get(f"/page/{number}").get_data(as_text=True)
    return client.post(f"/page/{number}", data={**data, "csrf_token": csrf(html)})


@pytest.mark.parametrize("instrument_id", ["patient", "practice_staff", "mental_health"])
def test_every_bad_answer_gets_the_page_back_with_an_error_summary(
    app, client, codes, instrument_id
):
    inst = instrument(app, instrument_id)
    robot = Robot(client, inst)
    robot.enter_code(codes[instrument_id][0])
    location = robot.welcome("en").headers["Location"]
    refused = 0
    while found := PAGE_RE.search(location):
        number = int(found.group(1))
        page = web_pages(inst)[number - 1]
        html = client.get(location).get_data(as_text=True)
        valid: dict = {}
        answers = dict(robot.given)
        for item in page.items:
            if item.is_question and f'name="{item.id}' in html:
                answers[item.id] = valid_answer(item, inst, answers)
                valid.update(form_fields(item, answers[item.id]))
        for item in page.items:
            if not (f'name="{item.id}' in html and item_applies(item, inst, answers)):
                continue  # not asked on this page as answered
            for junk in junk_posts(item, valid):
                response = _post(client, number, {**valid, **junk})
                text = response.get_data(as_text=True)
                assert response.status_code == 400, (item.id, junk, response.status_code)
                assert SUMMARY in text and 'class="nhsuk-error-summary"' in text
                assert text.startswith("<!DOCTYPE html>") and "<title>Error: " in text
                refused += 1
        location = robot.answer_page(number).headers["Location"]
    assert refused > 10


def test_random_junk_never_gives_a_500(app, client, codes):
    rng = random.Random(1234)
    inst = instrument(app, "patient")
    robot = Robot(client, inst)
    robot.enter_code(codes["patient"][0])
    robot.welcome("zh")
    junk = [
        "",
        " ",
        "\x00",
        "a\x00b",
        "💥" * 300,
        "<script>alert(1)</script>",
        "-1",
        "1" * 400,
        "'; DROP TABLE responses; --",
        "１２",
        "9" * 30,
        "\u202e",
        "=cmd|' /C calc'!A0",
    ]
    for number in range(1, len(web_pages(inst)) + 1):
        page = web_pages(inst)[number - 1]
        names = []
        for item in page.items:
            names += list(form_fields(item, valid_answer(item, inst, robot.given)) or [item.id])
        for _ in range(6):
            data = {name: rng.choice(junk) for name in names}
            data["unexpected_field"] = rng.choice(junk)
            response = _post(client, number, data)
            assert response.status_code in (302, 400), (number, data, response.status_code)
        if PAGE_RE.search(client.get(f"/page/{number}").headers.get("Location", f"/page/{number}")):
            robot.answer_page(number)


def test_posts_without_a_csrf_token_are_refused_politely(app, client, codes):
    response = client.post("/", data={"code": codes["patient"][0]})
    assert response.status_code == 400
    assert "Your session has expired" in response.get_data(as_text=True)


def test_bad_welcome_and_code_posts(app, client, codes):
    robot = Robot(client, instrument(app, "patient"))
    html = client.get("/").get_data(as_text=True)
    empty = client.post("/", data={"code": "", "csrf_token": csrf(html)})
    assert empty.status_code == 400 and "Enter your access code" in empty.get_data(as_text=True)
    robot.enter_code(codes["patient"][0])
    html = client.get("/welcome").get_data(as_text=True)
    for language in (None, "fr", "\x00"):
        data = {"csrf_token": csrf(html)}
        if language is not None:
            data["language"] = language
        response = client.post("/welcome", data=data)
        assert response.status_code == 400
        assert SUMMARY in response.get_data(as_text=True)
    assert client.get("/page/999").status_code == 302
    assert client.get("/page/0").status_code == 302
    assert client.get("/nowhere").status_code == 404
