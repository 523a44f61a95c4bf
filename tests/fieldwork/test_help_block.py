"""The "If you need help now" block: the respondent's practice phone, when it has one."""

from __future__ import annotations

from sqlalchemy import select

from fieldwork.db import db
from fieldwork.models import Invitation, Practice
from forms.paging import web_pages
from tests.fieldwork.conftest import instrument
from tests.fieldwork.dom import parse
from tests.fieldwork.robot import Robot


def _set_phone(app, code: str, phone: str | None) -> None:
    with app.app_context():
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.code == code.replace("-", "").replace(" ", ""))
        )
        db.session.get(Practice, invitation.practice_id).phone = phone
        db.session.commit()


def test_help_block_calls_the_practice_on_its_phone(app, client, codes):
    code = codes["mental_health"][0]
    _set_phone(app, code, "0161 496 0000")
    robot = Robot(client, instrument(app, "mental_health"))
    robot.enter_code(code)
    welcome = client.get("/welcome").get_data(as_text=True)
    assert 'Call your GP practice on <a href="tel:01614960000">0161 496 0000</a>' in welcome
    assert "Contact your GP practice" not in welcome
    location = robot.welcome("en").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert 'href="tel:01614960000"' in page
    assert '<a href="tel:116123">116 123</a>' in page


def test_help_block_without_a_practice_phone(app, client, codes):
    code = codes["mental_health"][1]
    _set_phone(app, code, None)
    robot = Robot(client, instrument(app, "mental_health"))
    robot.enter_code(code)
    welcome = client.get("/welcome").get_data(as_text=True)
    assert "Contact your GP practice" in welcome and "Call your GP practice" not in welcome
    # The instrument's own signposting text has its numbers linked too.
    assert welcome.count('href="tel:116123"') >= 2


def test_on_a_page_with_an_error_the_summary_comes_first_then_the_h1_then_the_help(
    app, client, codes
):
    """NHS pattern: back link, error summary, H1; the help block's H2 after the H1, and
    the summary names the question a number is wrong in."""
    inst = instrument(app, "mental_health")
    robot = Robot(client, inst)
    robot.enter_code(codes["mental_health"][0])
    location = robot.welcome("en").headers["Location"]
    number = next(p.number for p in web_pages(inst) if inst.item("gp_online_n") in p.items)
    while location != f"/page/{number}":
        location = robot.answer_page(int(location.rsplit("/", 1)[1])).headers["Location"]
    answer = robot.answer_page(number, {"gp_contacts": "3", "gp_online_n": "x"})
    assert answer.status_code == 400
    main = parse(answer.get_data(as_text=True)).find("main")
    blocks = [node for node in main.find("div", class_="nhsuk-grid-column-two-thirds").children]
    assert "nhsuk-error-summary" in blocks[0].classes
    assert [block.tag for block in blocks[1:4]] == ["h1", "progress", "aside"]
    assert blocks[3].find("h2").text == "If you need help now"
    headings = [n for n in main.find_all() if n.tag in ("h1", "h2")]
    assert [n.tag for n in headings[:2]] == ["h2", "h1"]  # the summary's heading, the H1
    assert headings[0].text == "There is a problem"
    [link] = main.find("div", class_="nhsuk-error-summary").find_all("a")
    assert link.attrs["href"] == "#gp_online_n"
    question = "Of these contacts, about how many were made online?"
    assert link.text == f"'{question}': Enter a whole number"
