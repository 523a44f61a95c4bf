"""The "If you need help now" block: the respondent's practice phone, when it has one."""

from __future__ import annotations

from sqlalchemy import select

from fieldwork.db import db
from fieldwork.models import Invitation, Practice
from tests.fieldwork.conftest import instrument
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
