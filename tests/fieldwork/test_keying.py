"""Keying returned paper forms: the response, its outcome, paper states, double entry."""

from __future__ import annotations

import datetime
import json
import re
import zipfile

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.keying import services
from fieldwork.models import (
    AuditEvent,
    Invitation,
    KeyingPass,
    Mailing,
    Response,
    ScanBatch,
    ScanCopy,
    User,
)
from fieldwork.models.responses import DISPOSITIONS, PAPER
from fieldwork.outcomes import study_settings
from fieldwork.scans import services as scans
from fieldwork.withdrawal import withdraw
from forms.paper import cached_form
from forms.web_fields import question_name
from tests.conftest import csrf_token
from tests.fieldwork.dom import summary_links
from tests.fieldwork.staff_factories import make_codes

STATA = {"a": -99, "b": -98, "c": -97, "d": -96, "e": -95}  # extended missing
RETURNED = datetime.date(2026, 5, 4)
# used_online=2 routes used_what out, yet the respondent ticked 1 and 3 (paper keeps it);
# nhs_app two boxes ticked, one grid row illegible, gender_self unreadable: -96.
KEYED = {"aware": "1 2", "nhs_app": "*", "used_online": "2", "used_what": "1 3",
         "ease.book": "2", "conf.rx": "*", "gender": "4", "gender_self": "*",
         "overall_exp": "1", "got_needed": "1"}  # fmt: skip


def _mail(invitation: Invitation, language: str) -> Mailing:
    """A copy of the code mailed in `language` (batch b1, wave 1); added, not committed."""
    mailing = Mailing(
        invitation_id=invitation.id, batch="b1", wave=1, mailed_on=RETURNED, language=language
    )
    db.session.add(mailing)
    return mailing


@pytest.fixture
def world(ctx, codes):
    """A mailed patient code (serial known) and three data-entry staff."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.instrument == "patient"))
    mailing = _mail(invitation, "zh")
    users = [
        User(email=f"k{n}@example.org", name=f"k{n}", role="data_entry", password_hash="x")
        for n in (1, 2, 3)
    ]
    db.session.add_all(users)
    db.session.commit()
    return mailing, users


def _key(copy, user, fields=KEYED, **kw):
    instrument = get_catalogue().current["patient"]
    return services.key_pass(copy, instrument, dict(fields), user=user, returned_on=RETURNED, **kw)


def test_a_keyed_form_becomes_a_paper_response_with_its_outcome(world):
    mailing, (first, *_) = world
    copy = services.find_copy(f"FW1|patient|1|zh|std|2|{mailing.serial}")
    assert copy.invitation.id == mailing.invitation_id
    response = _key(copy, first)
    db.session.commit()
    assert isinstance(response, Response)
    assert (response.mode, response.language) == (PAPER, "zh")
    assert response.submitted_at.date() == RETURNED
    # The returned form is the consent: recorded as such, dated by its return.
    assert (response.consent_how, response.consent_version) == ("paper_return", "1.0")
    assert (response.consent_at.date(), response.consent_language) == (RETURNED, "zh")
    assert response.consent_extras is None  # optional consents are not asked on paper
    assert response.outcome in ("partial", "break_off", "complete")
    assert copy.invitation.disposition == response.outcome
    assert response.applicable > 0 and response.answered < response.applicable
    assert '"gender_self": -96' in response.paper_states
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "keying.pass" in actions and "keying.response" in actions
    with pytest.raises(services.KeyingError):
        _key(copy, first)  # keyed once is keyed


def test_codes_the_keyer_cannot_read_come_back_and_nothing_is_kept(world):
    mailing, (first, *_) = world
    copy = services.find_copy(mailing.serial)
    keyed = _key(copy, first, {"nhs_app": "7", "aware": "1 x"})
    assert set(keyed.problems) == {"nhs_app", "aware"}
    assert db.session.scalar(select(KeyingPass.id)) is None


def test_raw_keeps_what_routing_sets_aside_clean_gives_minus_98_and_marks_give_minus_96(
    world, runner, tmp_path
):
    mailing, (first, *_) = world
    _key(services.find_copy(mailing.serial), first)
    db.session.commit()
    formats = "csv,sav,dta,parquet,xlsx"
    for raw in (True, False):
        out = tmp_path / ("raw" if raw else "clean")
        args = ["export", "--instrument", "patient", "--full", "--format", formats]
        args += ["--out", str(out), "--status", "all"] + (["--raw"] if raw else [])
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        frames = [
            pd.read_csv(out / "data.csv"),
            pyreadstat.read_sav(out / "data.sav", user_missing=True)[0],
            pyreadstat.read_dta(out / "data.dta", user_missing=True)[0].replace(STATA),
            pd.read_parquet(out / "data.parquet"),
            pd.read_excel(out / "data.xlsx"),
        ]
        for frame in frames:
            row = frame.iloc[0]
            assert row["used_what_1"] == (1 if raw else -98)
            assert row["used_what_2"] == (0 if raw else -98)
            assert row["nhs_app"] == -96 and row["conf_rx"] == -96
            assert (
                row["ease_book"] == (2 if raw else -98) and row["help_got"] == -99
            )  # blank: not answered
            assert "gender_self" not in frame.columns  # text: in free text, not coded


def test_no_keying_over_an_online_response_without_the_audited_override(world, client):
    mailing, (first, *_) = world
    copy = services.find_copy(mailing.invitation.code)
    online = Response(
        public_id="ONLINE000001", instrument_version_id=get_catalogue().version_ids["patient"],
        practice_id=copy.invitation.practice_id, invitation_id=copy.invitation.id,
        language="en",
    )  # fmt: skip
    db.session.add(online)
    db.session.commit()
    with pytest.raises(services.AlreadyOnline):
        _key(copy, first)
    assert db.session.scalar(select(KeyingPass.id)) is None
    response = _key(copy, first, override=True)
    db.session.commit()
    assert response.mode == PAPER and copy.invitation.response.id == response.id
    override = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "keying.override"))
    assert override.detail["online_response"] == "ONLINE000001" and override.user_id == first.id


def test_double_entry_lists_one_difference_resolves_it_and_exports_once(world, runner, tmp_path):
    mailing, (first, second, third) = world
    study_settings().double_entry = True
    db.session.commit()
    copy = services.find_copy(mailing.serial)
    assert not isinstance(_key(copy, first), Response)
    with pytest.raises(services.KeyingError):  # blind second pass by someone else
        _key(copy, first)
    assert not isinstance(_key(copy, second, KEYED | {"gender": "3"}), Response)
    instrument = get_catalogue().current["patient"]
    assert services.open_differences(copy, instrument) == [("gender", "4", "3")]
    with pytest.raises(services.KeyingError):
        services.resolve(copy, instrument, {"gender": "4"}, user=first)
    response = services.resolve(copy, instrument, {"gender": "4"}, user=third)
    db.session.commit()
    assert isinstance(response, Response)
    assert sorted(db.session.scalars(select(KeyingPass.pass_no))) == [1, 2, 3]
    out = tmp_path / "out"
    args = ["export", "--instrument", "patient", "--format", "csv", "--out", str(out)]
    assert runner.invoke(args=[*args, "--status", "all"]).exit_code == 0
    data = pd.read_csv(out / "data.csv")
    assert len(data) == 1 and data.loc[0, "gender"] == 4


def test_undelivered_and_blank_returns_are_outcomes(world):
    mailing, (first, *_) = world
    copy = services.find_copy(mailing.serial)
    services.record_return(copy, "undelivered", user=first)
    db.session.commit()
    assert copy.invitation.disposition == "undelivered" and copy.invitation.response is None


def test_nothing_is_kept_for_a_code_whose_participant_withdrew(world):
    mailing, (first, second, third) = world
    study_settings().double_entry = True
    db.session.commit()
    copy = services.find_copy(mailing.serial)
    _key(copy, first)
    _key(copy, second, KEYED | {"gender": "3"})
    db.session.commit()
    withdraw(copy.invitation, "phone")  # the form comes back after a withdrawal by phone
    db.session.commit()
    instrument = get_catalogue().current["patient"]
    with pytest.raises(services.KeyingError, match="withdrawn"):
        services.resolve(copy, instrument, {"gender": "4"}, user=third)
    other = services.find_copy(mailing.serial)
    study_settings().double_entry = False
    with pytest.raises(services.KeyingError, match="withdrawn"):
        _key(other, third)
    with pytest.raises(services.KeyingError, match="withdrawn"):
        services.record_return(other, "undelivered", user=third)
    db.session.rollback()
    assert db.session.scalars(select(Response)).all() == []
    assert copy.invitation.disposition == "refusal"  # the withdrawal's outcome stands


CONTACT = {"interview": "1", "contact_name": "Jane Patient", "contact_detail": "07700 900123"}


def _keyed_twice_with_contacts(world, second_differs: dict):
    """Double entry on; the copy keyed by the first two keyers with contact details, the
    second differing by `second_differs` (so it waits for a resolution)."""
    mailing, (first, second, _) = world
    study_settings().double_entry = True
    db.session.commit()
    copy = services.find_copy(mailing.serial)
    _key(copy, first, KEYED | CONTACT)
    _key(copy, second, KEYED | CONTACT | second_differs)
    return copy


def test_a_withdrawal_blanks_the_passes_keyed_for_the_code_contact_details_and_all(world):
    _mailing, (first, second, _) = world
    copy = _keyed_twice_with_contacts(world, {"gender": "3"})  # waits for its resolution
    db.session.commit()
    withdraw(copy.invitation, "phone")
    db.session.commit()
    kept = db.session.scalars(select(KeyingPass)).all()
    assert [(row.pass_no, row.user_id, row.fields) for row in kept] == [
        (1, first.id, {}), (2, second.id, {})
    ]  # fmt: skip
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "withdrawal"))
    assert event.detail["keyed_passes"] == 2


def test_the_audit_log_never_keeps_a_resolved_contact_detail(world):
    _mailing, (_first, _second, third) = world
    copy = _keyed_twice_with_contacts(world, {"contact_detail": "07700 900128", "gender": "3"})
    instrument = get_catalogue().current["patient"]
    chosen = {"contact_detail": "07700 900123", "gender": "4"}
    assert isinstance(services.resolve(copy, instrument, chosen, user=third), Response)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "keying.resolve"))
    assert event.detail["chosen"] == ["contact_detail", "gender"]  # names, never answers
    logged = " ".join(str(e.detail) for e in db.session.scalars(select(AuditEvent)))
    assert "07700" not in logged and "Jane" not in logged


def test_the_audit_log_never_keeps_a_contact_detail_typed_over_a_scanned_copy(world):
    mailing, (first, *_) = world
    batch = ScanBatch(returned_on=RETURNED, files=[])
    db.session.add(batch)
    db.session.flush()
    copy = ScanCopy(
        batch_id=batch.id, serial=mailing.serial, instrument="patient", version=1, lang="zh",
        mailing_id=mailing.id, invitation_id=mailing.invitation_id, fields={"gender": "4"},
    )  # fmt: skip
    db.session.add(copy)
    db.session.commit()
    contact = CONTACT
    typed = KEYED | contact  # a person types what the reader cannot: the written answers
    done = scans.confirm(copy, typed, user=first, returned_on=RETURNED)
    assert isinstance(done, Response)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scan.confirm"))
    assert {"contact_detail", "gender_self"} <= set(event.detail["corrected"])
    logged = " ".join(str(e.detail) for e in db.session.scalars(select(AuditEvent)))
    assert "07700" not in logged and "Jane" not in logged


def test_the_retention_purge_drops_contact_details_keyed_from_paper(world, runner):
    mailing, (first, *_) = world
    contact = CONTACT
    copy = services.find_copy(mailing.serial)
    assert isinstance(_key(copy, first, KEYED | contact), Response)
    batch = ScanBatch(returned_on=RETURNED, files=[])
    db.session.add(batch)
    db.session.flush()
    scanned = ScanCopy(
        batch_id=batch.id, serial=mailing.serial, instrument="patient", version=1, lang="zh",
        state="confirmed", fields=KEYED | contact,
    )  # fmt: skip
    db.session.add(scanned)
    settings = study_settings()
    settings.study_end = datetime.date.today() - datetime.timedelta(days=40)
    settings.retention_days = 30
    db.session.commit()
    listed = runner.invoke(args=["purge", "--dry-run"])
    assert "contact details keyed from 2 paper form(s) would delete" in listed.output
    done = runner.invoke(args=["purge"])
    assert "contact details keyed from 2 paper form(s) deleted" in done.output, done.output
    db.session.expire_all()
    kept = db.session.scalar(select(KeyingPass)).fields
    assert "contact_name" not in kept and "contact_detail" not in kept
    assert kept["interview"] == "1" and kept["gender"] == "4"  # the other answers stay
    assert "contact_detail" not in db.session.get(ScanCopy, scanned.id).fields
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "keyed_identifying_purge")
    )
    assert event.detail == {"keying_passes": 1, "scan_copies": 1}


def test_digits_that_are_not_a_serial_find_nothing_rather_than_fail(app, codes, auth, client):
    with app.app_context():
        code = db.session.scalar(select(Invitation.code))
    auth.login("desk@example.org", role="data_entry")
    token = csrf_token(client, "/staff/keying/")
    for typed in ("²", "9" * 25, "FW1|patient|1|en|std|2|²"):  # "²".isdigit() is true
        found = client.post("/staff/keying/", data={"find": typed, "csrf_token": token})
        assert found.status_code == 400 and b"No copy has this serial" in found.data
    assert client.get(f"/staff/keying/{code}?serial=²").status_code == 200  # found by code
    assert client.get(f"/staff/keying/{code}?serial={'9' * 25}").status_code == 200
    assert client.get(f"/staff/keying/{code}?version=²").status_code == 200


def test_an_account_restricted_to_some_practices_keys_only_their_copies(app, codes, auth, client):
    with app.app_context():
        invitations = db.session.scalars(
            select(Invitation).where(Invitation.instrument == "patient")
        ).all()
        theirs = invitations[0]
        other = next(i for i in invitations if i.practice_id != theirs.practice_id)
        mailing = _mail(other, "en")
        db.session.commit()
        serial, code, own = mailing.serial, other.code, theirs.code
        practice = theirs.practice.code
    auth.login("desk@example.org", role="data_entry", practices=practice)
    token = csrf_token(client, "/staff/keying/")
    for typed in (str(serial), code):
        found = client.post("/staff/keying/", data={"find": typed, "csrf_token": token})
        assert found.status_code == 400 and b"does not cover" in found.data
    refused = client.get(f"/staff/keying/{code}?serial={serial}")
    assert refused.status_code == 403 and b"or an admin." in refused.data
    form = {**KEYED, "returned_on": "04/05/2026", "csrf_token": token}
    assert client.post(f"/staff/keying/{code}", data=form).status_code == 403
    assert client.post(f"/staff/keying/{code}/returned", data={"kind": "blank",
                       "csrf_token": token}).status_code == 403  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(KeyingPass.id)) is None
        assert db.session.get(Invitation, other.id).disposition != "blank"
    found = client.post("/staff/keying/", data={"find": own, "csrf_token": token})
    assert found.status_code == 302  # their own practice's copy is found


def test_the_pages_find_a_copy_refuse_bad_text_and_key_it(app, codes, auth, client):
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.instrument == "patient"))
        mailing = _mail(invitation, "en")
        db.session.commit()
        serial, practice = mailing.serial, invitation.practice.code
        invitation_id = invitation.id
    auth.login("desk@example.org", role="data_entry")

    token = csrf_token(client, "/staff/keying/")
    missing = client.post("/staff/keying/", data={"find": "9999999", "csrf_token": token})
    assert missing.status_code == 400 and b"No copy has this serial" in missing.data
    found = client.post("/staff/keying/", data={"find": serial, "csrf_token": token})
    target = found.headers["Location"]
    assert found.status_code == 302 and f"serial={serial}" in target
    page = client.get(target).get_data(as_text=True)
    assert "Q1</strong>" in page and "Page 2" in page
    # Routing in the words printed on the paper form, never as an expression.
    assert "Answer this if you ticked &#39;Something else&#39; at Q4" in page
    assert "Asked if" not in page and "in used_what" not in page
    bad = client.post(
        target, data={"returned_on": "04/05/2026", "nhs_app": "7", "csrf_token": token}
    )
    assert bad.status_code == 400 and b"7 is not one of the codes" in bad.data
    # The summary says which question, as numbered on the paper; the field says what.
    with app.app_context():
        patient = get_catalogue().current["patient"]
        number, question = patient.question_numbers()["nhs_app"], patient.item("nhs_app").text
    said = summary_links(bad.get_data(as_text=True))["nhs_app"]
    assert said == f"{number} ({question_name(patient.item('nhs_app'), 'en', 50)}): " + (
        "7 is not one of the codes"
    )
    assert said.startswith(f"{number} ({question.get('en')[:20]}")
    with app.app_context():
        assert db.session.scalar(select(KeyingPass.id)) is None
    good = client.post(target, data={**KEYED, "returned_on": "04/05/2026", "csrf_token": token})
    assert good.status_code == 302
    told = client.get(good.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        outcome = db.session.get(Invitation, invitation_id).disposition
    # The outcome as staff pages name it, never the stored word (break_off).
    assert f"stored as a paper response, outcome {DISPOSITIONS[outcome]}" in told
    progress = client.get("/staff/keying/progress").get_data(as_text=True)
    assert f'aria-hidden="true">Practice </span>{practice}</td>' in progress


def test_a_copy_mailed_in_chinese_is_keyed_from_its_questions_as_printed(app, codes, auth, client):
    """The keying page names the copy's language and shows its questions, answers and
    routing as printed on it (the staff layout's own `lang`, English, used to win: the
    page said "language English" for a Chinese copy, with Chinese routing lines only)."""
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.instrument == "patient"))
        mailing = _mail(invitation, "zh")
        db.session.commit()
        serial, code = mailing.serial, invitation.code
        nhs_app = get_catalogue().current["patient"].item("nhs_app")
        question, yes = nhs_app.text.get("zh"), nhs_app.choices.choices[0].label.get("zh")
    auth.login("desk@example.org", role="data_entry")
    page = client.get(f"/staff/keying/{code}?serial={serial}").get_data(as_text=True)
    assert "language Chinese (Simplified)" in page and "language English" not in page
    assert question in page and f'<span lang="zh">{yes}</span>' in page
    assert 'for="nhs_app" lang="zh"' in page


def test_a_large_print_copy_is_keyed_page_by_page_as_it_was_printed(
    app, auth, client, runner, tmp_path
):
    """Large print breaks pages elsewhere: the mailing keeps the print size, and the
    keying page groups the questions by the large-print pages (it grouped them by the
    standard print's, so 'Page 3' on the screen was not page 3 in the keyer's hand)."""
    with app.app_context():
        _codes, batch = make_codes(count=1, mode="paper")
    made = runner.invoke(args=["packs", batch, "--large-print", "-o", str(tmp_path)])
    assert made.exit_code == 0, made.output
    with app.app_context():
        mailing = db.session.scalar(select(Mailing))
        assert mailing.large_print
        serial, code = mailing.serial, mailing.invitation.code
        patient = get_catalogue().current["patient"]
        printed = {
            large: next(
                b["page"]
                for b in cached_form(patient, "en", large_print=large).boxmap.boxes
                if b["item"] == "nhs_app"
            )
            for large in (False, True)
        }
    assert printed[True] != printed[False]  # else this test shows nothing
    auth.login("desk@example.org", role="data_entry")
    page = client.get(f"/staff/keying/{code}?serial={serial}").get_data(as_text=True)
    assert "large print" in page
    before = page[: page.index('id="nhs_app"')]
    assert before.rindex(f"Page {printed[True]}<") > before.rindex("<legend")


STUDY_LINE = "Questions? Call the study team on 0161 306 6000 or e-mail study@example.org"


def _shown_on(html: str, item: str) -> int:
    """The page a keying (or verification) page shows `item` under."""
    return int(re.findall(r">Page (\d+)</legend>", html[: html.index(f'id="{item}"')])[-1])


def test_a_copy_is_keyed_and_verified_page_by_page_as_it_was_printed(
    app, auth, client, runner, tmp_path
):
    """The study's contact line on the cover pushes a Chinese large-print copy's questions
    one page on. Keying grouped the questions by the form drawn without it, while packs
    print with it; and a contact changed after printing leaves the copies in the post as
    they were printed (a copy mailed before layouts were kept goes by the form drawn now)."""
    app.config["STUDY_CONTACT"] = STUDY_LINE
    with app.app_context():
        _codes, packed = make_codes(count=1, mode="paper")
        _codes, earlier = make_codes(count=1, mode="paper")
    made = runner.invoke(
        args=["packs", packed, "--lang", "zh", "--large-print", "-o", str(tmp_path)]
    )
    assert made.exit_code == 0, made.output
    stem = f"Y90001-{packed}-wave1"
    with zipfile.ZipFile(tmp_path / f"{stem}.zip") as archive:
        boxes = json.loads(archive.read(f"{stem}.boxmap.json"))["boxes"]
    printed = next(b["page"] for b in boxes if b["item"] == "nhs_app")
    with app.app_context():
        patient = get_catalogue().current["patient"]
        drawn = cached_form(patient, "zh", large_print=True).boxmap.boxes  # no contact
        without = next(b["page"] for b in drawn if b["item"] == "nhs_app")
        mailed = db.session.scalar(select(Mailing))
        first = (mailed.invitation.code, mailed.serial)
        invitation = db.session.scalar(select(Invitation).where(Invitation.batch == earlier))
        before = _mail(invitation, "zh")
        before.large_print = True
        batch = ScanBatch(returned_on=RETURNED, files=[])
        db.session.add(batch)
        db.session.flush()
        scanned = ScanCopy(batch_id=batch.id, serial=mailed.serial, instrument="patient",
                           version=1, lang="zh", large_print=True, mailing_id=mailed.id,
                           invitation_id=mailed.invitation_id)  # fmt: skip
        db.session.add(scanned)
        db.session.commit()
        second, copy_id = (invitation.code, before.serial), scanned.id
    assert printed != without  # else this test shows nothing
    auth.login("desk@example.org", role="data_entry")

    def keyed(code_serial) -> int:
        code, serial = code_serial
        return _shown_on(
            client.get(f"/staff/keying/{code}?serial={serial}").get_data(True), "nhs_app"
        )

    def verified() -> int:
        return _shown_on(client.get(f"/staff/scans/copies/{copy_id}").get_data(True), "nhs_app")

    assert (keyed(first), keyed(second), verified()) == (printed, printed, printed)
    app.config["STUDY_CONTACT"] = ""  # the study changes its contact line
    assert (keyed(first), verified()) == (printed, printed)  # the copy in the post
    assert keyed(second) == without  # no layout kept: the form drawn now, as before


def test_a_copy_found_by_its_code_is_the_latest_questionnaire_mailed_not_a_letter_after_it(
    app, auth, client, runner, tmp_path
):
    """A reminder of a letter only follows a large-print Chinese questionnaire: the copy
    that comes back is the questionnaire's, so keying it by its access code groups its
    questions as that pack printed them (the letter's mailing has no questionnaire)."""
    app.config["STUDY_CONTACT"] = STUDY_LINE
    with app.app_context():
        (code,), batch = make_codes(count=1, mode="both")
    for args in (["--lang", "zh", "--large-print"], ["--reminder", "--letter-only"]):
        made = runner.invoke(args=["packs", batch, *args, "-o", str(tmp_path)])
        assert made.exit_code == 0, made.output
    with app.app_context():
        first, letter = db.session.scalars(select(Mailing).order_by(Mailing.wave)).all()
        assert (first.questionnaire, letter.questionnaire) == (True, False)
        boxes = json.loads(first.printed_layout.boxmap)["boxes"]
        printed = next(b["page"] for b in boxes if b["item"] == "nhs_app")
        standard = cached_form(get_catalogue().current["patient"], "en").boxmap.boxes
        assert printed != next(b["page"] for b in standard if b["item"] == "nhs_app")
        found = services.find_copy(code)
        assert found is not None and found.mailing.id == first.id
    auth.login("desk@example.org", role="data_entry")
    page = client.get(f"/staff/keying/{code}").get_data(True)
    assert "large print" in page and _shown_on(page, "nhs_app") == printed


def test_a_form_keyed_with_every_answer_empty_is_returned_blank_not_a_response(world, client):
    """Keyed field by field with nothing filled in: a refusal (AAPOR 2.11) as the "Returned
    blank" button records, no response, no reminder, and it waits for nobody."""
    from fieldwork.mailings.services import not_responded

    mailing, (first, *_) = world
    copy = services.find_copy(mailing.serial)
    result = _key(copy, first, fields={})
    db.session.commit()
    assert isinstance(result, services.ReturnedBlank)
    assert result.message == "Nothing was filled in: recorded as returned blank (a refusal)"
    invitation = db.session.get(Invitation, mailing.invitation_id)
    assert invitation.response is None and invitation.disposition == "refusal"
    assert not db.session.scalars(select(Response)).all()
    assert not not_responded(invitation)
    assert services.waiting() == 0
    with pytest.raises(services.KeyingError, match="recorded as returned blank"):
        _key(copy, first)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "keying.return"))
    assert [(e.detail["kind"], e.detail["how"]) for e in event] == [("blank", "keyed")]


def test_a_form_with_only_two_boxes_ticked_is_not_blank(world):
    mailing, (first, *_) = world
    copy = services.find_copy(mailing.serial)
    result = _key(copy, first, fields={"nhs_app": "*"})
    assert isinstance(result, Response) and result.outcome == "break_off"


def test_the_keying_page_says_before_keying_that_a_code_already_has_a_paper_response(
    app, codes, auth, client
):
    """A copy already made into a paper response (keyed, or scanned and confirmed) was shown
    as an empty form to key, and refused only once every answer had been typed, as 'already
    keyed' even when it was scanned; the page now says so first."""
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.instrument == "patient"))
        mailing = _mail(invitation, "en")
        db.session.commit()
        serial, code = mailing.serial, invitation.code
    auth.login("desk@example.org", role="data_entry")
    target = f"/staff/keying/{code}?serial={serial}"
    assert "Not to be keyed now" not in client.get(target).get_data(as_text=True)
    token = csrf_token(client, target)
    good = client.post(target, data={**KEYED, "returned_on": "04/05/2026", "csrf_token": token})
    assert good.status_code == 302
    said = "<strong>Not to be keyed now:</strong> " + (
        "This code already has a paper response (keyed, or scanned and confirmed)."
    )
    assert said in client.get(target).get_data(as_text=True)
    again = client.post(target, data={**KEYED, "returned_on": "04/05/2026", "csrf_token": token})
    assert again.status_code == 400
    assert "This code already has a paper response" in again.get_data(as_text=True)
