"""Identifying answers: apart from the answer tables, encrypted at rest, keys rotated."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import MetaData, Table, delete, inspect, select, text, update

from fieldwork import identifying
from fieldwork.answers import load_answers, table_name
from fieldwork.db import db
from fieldwork.models import IdentifyingAnswer, Response
from forms.paging import web_pages
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot

NAME = "Ada Quillfeather-Zyx"
PHONE = "07700 900123"


def _volunteer(app, client, codes) -> None:
    """A patient who offers an interview and leaves a name and phone number."""
    patient = instrument(app, "patient")
    robot = Robot(client, patient, {"interview": 1, "contact_name": NAME, "contact_detail": PHONE})
    robot.enter_code(codes["patient"][0])
    location = robot.run_pages(robot.welcome("en").headers["Location"])
    assert location.endswith("/check"), location
    assert robot.given.get("contact_name") == NAME  # the contact page was shown and answered
    page = client.get("/check").get_data(as_text=True)
    assert NAME in page and PHONE in page  # the respondent checks their own answers
    assert robot.submit().status_code == 302


def _dump(app) -> str:
    """Every row of every table, as text (what a database dump would show)."""
    with app.app_context():
        found = []
        metadata = MetaData()
        metadata.reflect(db.engine)
        for table in metadata.sorted_tables:
            found.append(repr(db.session.execute(select(table)).all()))
        return "\n".join(found)


def test_identifying_answers_are_apart_and_unreadable_in_a_dump(app, client, codes):
    _volunteer(app, client, codes)
    patient = instrument(app, "patient")
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns(table_name("patient", 1))}
        assert "interview" in columns
        assert not {"contact_name", "contact_detail"} & columns
        response = db.session.scalar(select(Response))
        tokens = db.session.scalars(select(IdentifyingAnswer.token)).all()
        assert len(tokens) == 2
        assert load_answers(db.session, patient, response.id)["contact_name"] == NAME
    dump = _dump(app)
    assert "Quillfeather" not in dump and "900123" not in dump
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        raw = Path(url.removeprefix("sqlite:///")).read_bytes()
        assert b"Quillfeather" not in raw and b"900123" not in raw
    assert [i.id for i in identifying.identifying_items(patient)] == [
        "contact_name", "contact_detail"
    ]  # fmt: skip
    assert any(item.identifying for page in web_pages(patient) for item in page.items)


def test_a_full_export_carries_contacts_only_in_contacts_csv(app, client, codes, runner, tmp_path):
    _volunteer(app, client, codes)
    out = tmp_path / "full"
    args = ["export", "--instrument", "patient", "--full", "--format", "csv,contacts"]
    result = runner.invoke(args=[*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    contacts = (out / "contacts.csv").read_text()
    assert NAME in contacts and PHONE in contacts
    assert "Quillfeather" not in (out / "data.csv").read_text()
    plain = tmp_path / "coded"
    args = ["export", "--instrument", "patient", "--format", "csv", "--out", str(plain)]
    assert runner.invoke(args=args).exit_code == 0
    assert "Quillfeather" not in (plain / "data.csv").read_text()


def test_only_the_key_opens_them(app, client, codes):
    _volunteer(app, client, codes)
    with app.app_context():
        token = db.session.scalars(select(IdentifyingAnswer.token)).first()
        other = identifying.cipher(Fernet.generate_key().decode())
        with pytest.raises(InvalidToken):
            other.decrypt(token)
        assert NAME.encode() in identifying.cipher().decrypt(token)


def test_rotating_keys_re_encrypts_and_keeps_them_readable(app, client, codes, runner, tmp_path):
    _volunteer(app, client, codes)
    key_file = tmp_path / "identifying_key"
    key_file.write_text(app.config["IDENTIFYING_KEY"] + "\n")
    app.config["IDENTIFYING_KEY_FILE"] = str(key_file)
    old_key = app.config["IDENTIFYING_KEY"]
    with app.app_context():
        before = set(db.session.scalars(select(IdentifyingAnswer.token)))
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "2 identifying answer(s) re-encrypted" in result.output
    new_key = key_file.read_text().strip()
    assert new_key != old_key and app.config["IDENTIFYING_KEY"] == new_key
    patient = instrument(app, "patient")
    with app.app_context():
        after = set(db.session.scalars(select(IdentifyingAnswer.token)))
        assert not before & after
        response = db.session.scalar(select(Response))
        assert load_answers(db.session, patient, response.id)["contact_detail"] == PHONE
        old = identifying.cipher(old_key)
        assert all(_fails(old, token) for token in after)  # the old key alone no longer opens
        actions = db.session.scalars(text("SELECT action FROM audit_events")).all()
        assert "keys_rotate" in actions


def _fails(fernet, token: bytes) -> bool:
    try:
        fernet.decrypt(token)
    except InvalidToken:
        return True
    return False


def test_the_default_key_is_made_once_and_kept_private(tmp_path):
    from fieldwork.config import _identifying_keys

    first = _identifying_keys(tmp_path)
    assert _identifying_keys(tmp_path) == first
    assert (tmp_path / "identifying_key").stat().st_mode & 0o077 == 0
    assert identifying.cipher(first).decrypt(identifying.cipher(first).encrypt(b"x")) == b"x"


def test_seal_moves_plaintext_columns_of_an_older_table(app, client, codes, runner):
    _volunteer(app, client, codes)
    name = table_name("patient", 1)
    with app.app_context():  # as an older version stored them: plain columns
        db.session.execute(delete(IdentifyingAnswer))
        db.session.execute(text(f'ALTER TABLE "{name}" ADD COLUMN contact_name TEXT'))
        old = Table(name, MetaData(), autoload_with=db.session.connection())
        db.session.execute(update(old).values(contact_name="Old Plainname"))
        db.session.commit()
    result = runner.invoke(args=["keys", "seal"])
    assert result.exit_code == 0, result.output
    assert "1 plaintext identifying answer(s) encrypted" in result.output
    patient = instrument(app, "patient")
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns(name)}
        assert "contact_name" not in columns and "interview" in columns
        response = db.session.scalar(select(Response))
        assert load_answers(db.session, patient, response.id)["contact_name"] == "Old Plainname"
    assert "Plainname" not in _dump(app)
    again = runner.invoke(args=["keys", "seal"])
    assert "0 plaintext" in again.output
