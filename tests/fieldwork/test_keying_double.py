"""Double entry on the pages: its setting, resolving a difference, agreement per keyer.

Also keying against the printed version, and the online response a paper form replaces.
"""

from __future__ import annotations

import datetime
import re
import shutil

import pandas as pd
import pytest
from sqlalchemy import select

from fieldwork.catalogue import get_catalogue, reset_catalogue
from fieldwork.db import db
from fieldwork.keying import progress, services
from fieldwork.keying import settings as keying_settings
from fieldwork.mailings.services import PackRequest, plan_pack
from fieldwork.models import AuditEvent, Invitation, KeyingPass, Mailing, Response, User
from fieldwork.models.responses import COMPLETE, PAPER
from fieldwork.outcomes import study_settings
from fieldwork.rates.aapor import FIELDS
from fieldwork.rates.queries import Scope, completions_per_day, link_counts
from fieldwork.withdrawal import withdraw
from forms.keying import field_names
from tests.conftest import INSTRUMENTS
from tests.fieldwork.dom import summary_links
from tests.fieldwork.staff_factories import make_codes, post, respond

RETURNED = datetime.date(2026, 5, 4)
KEYED = {"aware": "1 2", "nhs_app": "1", "used_online": "1", "ease.book": "2",
         "gender": "4", "overall_exp": "1", "got_needed": "1"}  # fmt: skip


@pytest.fixture
def instruments_dir(tmp_path):
    """A private copy of the instruments, to raise a version under the app's feet."""
    folder = tmp_path / "instruments"
    shutil.copytree(INSTRUMENTS, folder)
    return folder


@pytest.fixture
def mailed(ctx):
    """A batch of two patient codes mailed as wave 1 with the questionnaire: [Mailing]."""
    _, batch = make_codes(count=2)
    plan_pack(PackRequest(batch), get_catalogue().current["patient"], today=RETURNED)
    db.session.commit()
    return list(db.session.scalars(select(Mailing).order_by(Mailing.id)))


def _keyers(*names: str, role: str = "data_entry") -> list[User]:
    users = [User(email=f"{n}@example.org", name=n, role=role, password_hash="x") for n in names]
    db.session.add_all(users)
    db.session.commit()
    return users


def _key(mailing, user, fields=KEYED):
    copy = services.find_copy(mailing.serial)
    instrument = services.instrument_for(copy)
    return services.key_pass(copy, instrument, dict(fields), user=user, returned_on=RETURNED)


def _double_entry(on: bool = True, keyers_may_resolve: bool = False) -> None:
    keying_settings.update(keying_settings.KeyingSettings(on, keyers_may_resolve))
    db.session.commit()


# The setting: a page for admins and a command, both audited ---------------------------


def test_admins_turn_double_entry_on_from_the_settings_page_and_it_is_audited(app, auth, client):
    auth.login("admin@example.org", role="admin")
    assert b"Key every returned form twice" in client.get("/staff/keying/settings").data
    saved = post(client, "/staff/keying/settings", {"double_entry": "1"})
    assert saved.status_code == 302
    assert b"Double entry is <strong>on</strong>" in client.get("/staff/keying/progress").data
    with app.app_context():
        assert study_settings().double_entry and not study_settings().keyers_may_resolve
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "keying_settings_changed")
        )
        assert event.actor == "admin@example.org"
        assert event.detail["old"]["double_entry"] is False
        assert event.detail["new"]["double_entry"] is True
        mailing = _mail_one()
        (keyer,) = _keyers("k1")
        _key(mailing, keyer)  # a first pass now waits for its second
        db.session.commit()
    refused = post(client, "/staff/keying/settings", {})
    assert refused.status_code == 400
    assert b"1 form(s) wait for a second pass" in refused.data
    with app.app_context():
        assert study_settings().double_entry


def _mail_one() -> Mailing:
    invitation = db.session.scalar(select(Invitation).where(Invitation.instrument == "patient"))
    if invitation is None:
        make_codes(count=1)
        invitation = db.session.scalar(select(Invitation))
    mailing = Mailing(invitation_id=invitation.id, batch="b1", wave=1, mailed_on=RETURNED,
                      language="en")  # fmt: skip
    db.session.add(mailing)
    db.session.commit()
    return mailing


def test_the_keying_settings_command_shows_and_sets_them_audited(app, runner):
    shown = runner.invoke(args=["keying-settings"])
    assert shown.exit_code == 0 and "double entry: off" in shown.output
    on = runner.invoke(args=["keying-settings", "--double-entry", "--keyers-may-resolve"])
    assert on.exit_code == 0, on.output
    assert "double entry: on; differences resolved by: keyers too" in on.output
    with app.app_context():
        assert study_settings().double_entry and study_settings().keyers_may_resolve
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "keying_settings_changed")
        ).all()
        assert [e.client for e in events] == ["cli"]
    again = runner.invoke(args=["keying-settings", "--double-entry"])
    with app.app_context():  # nothing changed, nothing audited
        assert db.session.query(AuditEvent).filter_by(action="keying_settings_changed").count() == 1
    assert again.exit_code == 0


# Resolving a difference on the page ------------------------------------------------------


def _key_on_page(auth, client, email: str, mailing_serial: str, code: str, fields: dict):
    auth.login(email)
    target = f"/staff/keying/{code}?serial={mailing_serial}"
    result = post(client, target, {**fields, "returned_on": "04/05/2026"})
    assert result.status_code == 302, result.get_data(as_text=True)[:2000]
    auth.logout()


def test_the_resolver_sees_both_values_side_by_side_and_the_choice_is_stored_once(
    app, auth, client, runner, tmp_path
):
    for name in ("k1", "k2", "k3"):
        auth.create(f"{name}@example.org", role="data_entry")
    with app.app_context():
        _double_entry()
        mailing = _mail_one()
        serial, code = mailing.serial, mailing.invitation.code
    _key_on_page(auth, client, "k1@example.org", serial, code, KEYED)
    _key_on_page(auth, client, "k2@example.org", serial, code, KEYED | {"gender": "3"})
    resolve = f"/staff/keying/{code}/resolve"

    auth.login("k1@example.org")  # a keyer of a pass may not resolve it
    page = client.get(resolve).get_data(as_text=True)
    assert "someone else resolves its differences" in page and 'name="gender"' not in page
    refused = post(client, resolve, {"gender": "4"})
    assert refused.status_code == 400 and b"resolved by someone else" in refused.data
    auth.logout()

    auth.login("k3@example.org")
    progress_page = client.get("/staff/keying/progress").get_data(as_text=True)
    assert f'href="/staff/keying/{code}/resolve"' in progress_page
    page = client.get(resolve).get_data(as_text=True)
    body = page.split("<tbody", 1)[1]
    rows = re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", body, re.S)
    assert len(rows) == 1  # one difference: gender, first pass 4, second pass 3
    cells = re.findall(r"</span>([^<]*)</td>", rows[0])  # first pass, second pass
    assert "best describes your gender?" in rows[0]
    assert cells == ["4 I describe myself in another way", "3 Non-binary"]
    bad = post(client, resolve, {"gender": "8"})
    assert bad.status_code == 400 and b"8 is not one of the codes" in bad.data
    said = summary_links(bad.get_data(as_text=True))["gender"]
    assert re.fullmatch(r"Q\d+ \(.*gender.*\): 8 is not one of the codes", said)
    done = post(client, resolve, {"gender": "3"})  # the paper says 3
    assert done.status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.mode == PAPER and response.invitation.code == code
        passes = db.session.scalars(select(KeyingPass).order_by(KeyingPass.id)).all()
        assert [p.pass_no for p in passes] == [1, 2, 3]
        assert passes[2].fields["gender"] == "3" and passes[2].fields["aware"] == "1 2"
        resolved = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "keying.resolve")
        )
        assert resolved.actor == "k3@example.org" and resolved.detail["chosen"] == ["gender"]
    again = client.get(resolve).get_data(as_text=True)
    assert "no differences to resolve" in again
    out = tmp_path / "out"
    args = ["export", "--instrument", "patient", "--format", "csv", "--out", str(out)]
    assert runner.invoke(args=[*args, "--status", "all"]).exit_code == 0
    data = pd.read_csv(out / "data.csv")
    assert len(data) == 1 and data.loc[0, "gender"] == 3 and data.loc[0, "mode"] == PAPER


def test_a_keyer_resolves_their_own_form_only_when_an_admin_allowed_it(ctx):
    first, second = _keyers("k1", "k2")
    _double_entry()
    mailing = _mail_one()
    _key(mailing, first)
    _key(mailing, second, KEYED | {"nhs_app": "2"})
    copy = services.find_copy(mailing.serial)
    instrument = services.instrument_for(copy)
    assert not services.may_resolve(copy, first)
    with pytest.raises(services.KeyingError):
        services.resolve(copy, instrument, {"nhs_app": "1"}, user=first)
    _double_entry(keyers_may_resolve=True)
    response = services.resolve(copy, instrument, {"nhs_app": "1"}, user=first)
    db.session.commit()
    assert isinstance(response, Response) and response.mode == PAPER


# Agreement between passes, per keyer -----------------------------------------------------


def test_agreement_per_keyer_is_the_share_of_fields_both_passes_keyed_alike(app, auth, client):
    with app.app_context():
        first, second, third = _keyers("k1", "k2", "k3")
        _double_entry()
        _, batch = make_codes(count=2)
        plan_pack(PackRequest(batch), get_catalogue().current["patient"], today=RETURNED)
        db.session.commit()
        one, two = db.session.scalars(select(Mailing).order_by(Mailing.id)).all()
        fields = len(field_names(get_catalogue().current["patient"]))
        assert fields == 52  # every keying field of the patient questionnaire
        _key(one, first)
        _key(one, second, KEYED | {"gender": "3", "comments": "Fine"})  # 2 of 52 differ
        _key(two, first)
        _key(two, third)  # all 52 alike
        db.session.commit()
        found = {email: (n, round(share, 6)) for email, n, share in progress.agreement()}
        assert found == {
            "k1@example.org": (104, round(102 / 104, 6)),
            "k2@example.org": (52, round(50 / 52, 6)),
            "k3@example.org": (52, 1.0),
        }
    auth.login("lead@example.org", role="coordinator")
    page = client.get("/staff/keying/progress").get_data(as_text=True)
    for email, compared, share in (("k1", 104, "98.1%"), ("k2", 52, "96.2%"), ("k3", 52, "100.0%")):
        row = re.search(rf">{email}@example.org</td>(.*?)</tr>", page, re.S).group(1)
        assert f">{compared}<" in row and f">{share}<" in row


# Keying against the printed version ------------------------------------------------------


def _raise_version(instruments_dir) -> None:
    """Version 2 of the patient questionnaire: a fifth gender code, the question reworded."""
    path = instruments_dir / "patient.yaml"
    text = path.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1)
    text = text.replace(
        '    4: {en: "I describe myself in another way", zh: "我用其他方式描述自己"}\n',
        '    4: {en: "I describe myself in another way", zh: "我用其他方式描述自己"}\n'
        '    5: {en: "Another answer", zh: "另一个答案"}\n',
    )
    text = text.replace("Which of these best describes your gender?", "Your gender (v2)?")
    path.write_text(text, encoding="utf-8")
    reset_catalogue()
    assert get_catalogue().current["patient"].version == 2


def test_a_copy_is_keyed_against_the_version_printed_on_it(
    app, ctx, auth, client, instruments_dir, mailed
):
    (keyer,) = _keyers("k1")
    printed = get_catalogue().version_ids["patient"]
    assert {m.instrument_version_id for m in mailed} == {printed}
    _raise_version(instruments_dir)
    later = get_catalogue().version_ids["patient"]
    _, batch = make_codes(count=1)
    plan_pack(PackRequest(batch), get_catalogue().current["patient"], today=RETURNED)
    db.session.commit()
    new_copy = db.session.scalars(select(Mailing).order_by(Mailing.id.desc())).first()
    assert new_copy.instrument_version_id == later != printed

    old = mailed[0]
    refused = _key(old, keyer, KEYED | {"gender": "5"})  # 5 was not printed on version 1
    assert refused.problems == {"gender": "5 is not one of the codes"}
    response = _key(old, keyer)
    db.session.commit()
    assert response.instrument_version_id == printed and response.status == COMPLETE
    assert _key(new_copy, keyer, KEYED | {"gender": "5"}).instrument_version_id == later
    db.session.commit()
    auth.login("desk@example.org", role="data_entry")
    page = client.get(f"/staff/keying/{mailed[1].invitation.code}?serial={mailed[1].serial}")
    text = page.get_data(as_text=True)
    assert "version 1" in text and "describes your gender" in text and "(v2)" not in text


# The online response a keyed paper form replaces -----------------------------------------


def test_an_online_response_replaced_by_the_paper_form_is_kept_but_counted_nowhere(
    ctx, runner, tmp_path, mailed
):
    (keyer,) = _keyers("k1")
    mailing = mailed[0]
    online = respond(mailing.invitation.code)  # completed online, then the paper came back
    assert completions_per_day(Scope(instrument="patient"), 3650)
    copy = services.find_copy(mailing.serial)
    paper = services.key_pass(
        copy, services.instrument_for(copy), KEYED, user=keyer, returned_on=RETURNED,
        override=True,
    )  # fmt: skip
    db.session.commit()
    db.session.refresh(online)
    assert online.invitation_id is None and online.superseded_by_id == paper.id
    assert copy.invitation.response.id == paper.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "keying.override"))
    assert event.detail == {
        "code": copy.invitation.code,
        "online_response": online.public_id,
        "paper_response": paper.public_id,
    }
    cells, _ = link_counts(Scope(instrument="patient"), True, True)
    started = FIELDS.index("started")
    assert sum(vector[started] for _, vector in cells) == 0  # not an open-link response
    per_day = completions_per_day(Scope(instrument="patient"), 3650)
    assert sum(per_day.values()) == 1  # the paper response alone
    out = tmp_path / "out"
    args = ["export", "--instrument", "patient", "--format", "csv", "--out", str(out)]
    assert runner.invoke(args=[*args, "--status", "all"]).exit_code == 0
    data = pd.read_csv(out / "data.csv")
    assert len(data) == 1 and data.loc[0, "mode"] == PAPER  # the paper response alone
    # A withdrawal takes both of the person's responses.
    study_settings().withdrawal = "delete"
    withdraw(copy.invitation, "phone")
    db.session.commit()
    assert db.session.scalars(select(Response)).all() == []


def test_a_copy_mailed_before_versions_were_kept_is_keyed_by_its_scanned_page_code(
    app, auth, client, instruments_dir
):
    with app.app_context():
        mailing = _mail_one()  # no version recorded, as for packs made before
        assert mailing.instrument_version_id is None
        printed = get_catalogue().version_ids["patient"]
        _raise_version(instruments_dir)
        serial, code = mailing.serial, mailing.invitation.code
    auth.login("desk@example.org", role="data_entry")
    found = post(client, "/staff/keying/", {"find": f"FW1|patient|1|en|std|2|{serial}"})
    target = found.headers["Location"]
    assert found.status_code == 302 and "version=1" in target and f"/keying/{code}" in target
    page = client.get(target).get_data(as_text=True)
    assert "version 1" in page and "describes your gender" in page
    refused = post(client, target, {**KEYED, "gender": "5", "returned_on": "04/05/2026"})
    assert refused.status_code == 400 and b"5 is not one of the codes" in refused.data
    assert post(client, target, {**KEYED, "returned_on": "04/05/2026"}).status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.instrument_version_id == printed
        assert db.session.get(Mailing, mailing.id).instrument_version_id == printed
