"""Personalised packs and reminder waves: right codes, serials, QR codes and mailing records."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pikepdf
import zxingcpp
from PIL import Image
from sqlalchemy import select, update

from fieldwork.catalogue import get_catalogue
from fieldwork.cli import cli
from fieldwork.consent import decline
from fieldwork.db import db
from fieldwork.keying import services as keying
from fieldwork.mailings.jobs import pack_practices
from fieldwork.mailings.services import PackPlan, PackRequest, merge_csv, responses_by_wave
from fieldwork.models import Invitation, Mailing, PrintedLayout, User
from fieldwork.rates.report import build_report
from fieldwork.rates.selection import Selection
from forms.paper.boxes import BoxMap
from forms.paper.qr import PagePayload
from tests.fieldwork.conftest import instrument
from tests.fieldwork.staff_factories import make_codes, respond


def _pack(runner, tmp_path, *args):
    result = runner.invoke(cli, args=["packs", *args, "-o", str(tmp_path)])
    return result


def _files(tmp_path, name):
    with zipfile.ZipFile(tmp_path / name) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _pdf_pages_text(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return out.stdout.decode().split("\f")[:-1]


def _qr(pdf: bytes, page: int, tmp_path) -> list[str]:
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    stem = tmp_path / f"qr{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            str(path),
            str(stem),
        ],
        check=True,
    )
    return [c.text for c in zxingcpp.read_barcodes(Image.open(f"{stem}.png"))]


def test_a_pack_carries_each_code_and_serial_and_records_wave_one(app, runner, tmp_path):
    with app.app_context():
        _codes, batch = make_codes(count=2, mode="both")
    result = _pack(runner, tmp_path, batch)
    assert result.exit_code == 0, result.output
    assert "wave 1, 2 copies" in result.output
    files = _files(tmp_path, f"Y90001-{batch}-wave1.zip")
    stem = f"Y90001-{batch}-wave1"
    rows = list(csv.DictReader(io.StringIO(files[f"{stem}.csv"].decode())))
    with app.app_context():
        mailings = db.session.scalars(select(Mailing).order_by(Mailing.id)).all()
        assert [(m.wave, m.mailed_on, m.batch) for m in mailings] == [(1, date.today(), batch)] * 2
        serials = {m.invitation.code: m.serial for m in mailings}
    assert [(r["code"].replace("-", ""), r["serial"]) for r in rows] == sorted(serials.items())
    pages = _pdf_pages_text(files[f"{stem}.pdf"], tmp_path)
    per_copy = int(rows[1]["first_page"]) - 1
    assert len(pages) == 2 * per_copy
    for row in rows:
        first = int(row["first_page"]) - 1
        copy = pages[first : first + per_copy]
        assert row["code"] in copy[0] and "Practice Y90001" in copy[0]
        assert all(row["serial"] in page for page in copy), "serial on every page"
    # The letter's QR code links to the code; every questionnaire page's code has the serial.
    first = rows[0]
    assert _qr(files[f"{stem}.pdf"], 1, tmp_path) == [
        f"http://127.0.0.1:5000/c/{first['code'].replace('-', '')}"
    ]
    payloads = [PagePayload.decode(t) for t in _qr(files[f"{stem}.pdf"], 3, tmp_path)]
    assert payloads == [PagePayload("patient", 1, "en", 2, first["serial"])]
    assert f"{stem}.boxmap.json" in files
    (tmp_path / "fonts.pdf").write_bytes(files[f"{stem}.pdf"])
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "fonts.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    kept = Path(app.config["BOXMAPS"]) / "patient" / "v1" / "en-std.json"
    assert kept.read_bytes() == files[f"{stem}.boxmap.json"]


def test_a_pack_keeps_the_layout_it_printed_once_for_every_pack_printed_alike(
    app, runner, tmp_path
):
    with app.app_context():
        _codes, first = make_codes(count=2, mode="both")
        _codes, second = make_codes(count=1, mode="both")
        _codes, letters = make_codes(count=1, mode="both")
    for batch, *args in ((first,), (second,), (second, "--reminder"), (letters, "--letter-only")):
        assert _pack(runner, tmp_path, batch, *args).exit_code == 0
    files = _files(tmp_path, f"Y90001-{first}-wave1.zip")
    printed = json.loads(files[f"Y90001-{first}-wave1.boxmap.json"])
    with app.app_context():
        (layout,) = db.session.scalars(select(PrintedLayout)).all()  # one layout, shared
        by_batch = {
            (m.batch, m.wave): m.printed_layout_id
            for m in db.session.scalars(select(Mailing).order_by(Mailing.id))
        }
        assert by_batch == {
            (first, 1): layout.id, (second, 1): layout.id, (second, 2): layout.id,
            (letters, 1): None,  # a letter only: no questionnaire, no layout
        }  # fmt: skip
        kept = BoxMap.from_json(layout.boxmap)
        assert kept.boxes == printed["boxes"] and len(layout.boxmap) < len(json.dumps(printed))
        assert (layout.instrument, layout.version, layout.language, layout.large_print) == (
            "patient", 1, "en", False,
        )  # fmt: skip
        pages = int(_rows(files, f"Y90001-{first}-wave1")[1]["first_page"]) - 2  # less a letter
        assert layout.pages == pages


def _rows(files, stem):
    return list(csv.DictReader(io.StringIO(files[f"{stem}.csv"].decode())))


def test_the_mail_merge_csv_neutralises_a_practice_name_a_spreadsheet_would_run():
    name = '=HYPERLINK("https://example.com/x","Open")'
    plan = PackPlan(PackRequest("b1"), 1, "en", "Y90001", name, ((1, "0000001", "ABCD2345"),))
    rows = list(csv.DictReader(io.StringIO(merge_csv(plan, 3))))
    assert rows[0]["practice_name"] == "'" + name
    assert (rows[0]["code"], rows[0]["first_page"], rows[0]["wave"]) == ("ABCD-2345", "1", "1")


def test_a_reminder_goes_to_exactly_the_codes_that_have_not_responded(app, runner, tmp_path):
    with app.app_context():
        codes, batch = make_codes(count=4, mode="both")
    assert _pack(runner, tmp_path, batch, "--letter-only").exit_code == 0
    with app.app_context():
        respond(codes[0])
        refused = db.session.scalar(select(Invitation).where(Invitation.code == codes[1]))
        refused.disposition = "refusal"
        respond(codes[2], submit=False)  # begun online but not sent: still reminded
        db.session.commit()
    result = _pack(runner, tmp_path, batch, "--reminder")
    assert result.exit_code == 0, result.output
    files = _files(tmp_path, f"Y90001-{batch}-wave2.zip")
    rows = list(csv.DictReader(io.StringIO(files[f"Y90001-{batch}-wave2.csv"].decode())))
    assert sorted(r["code"].replace("-", "") for r in rows) == sorted(codes[2:])
    assert {r["wave"] for r in rows} == {"2"}
    letters = _pdf_pages_text(files[f"Y90001-{batch}-wave2.pdf"], tmp_path)
    text = "".join(letters)
    assert all(f"{c[:4]}-{c[4:]}" not in text for c in codes[:2])
    assert "If you have already replied" in letters[0]
    with app.app_context():
        waves = db.session.execute(
            select(Mailing.wave, Mailing.questionnaire).order_by(Mailing.id)
        ).all()
    assert waves == [(1, False)] * 4 + [(2, True)] * 2
    with app.app_context():
        respond(codes[3])  # answers after the reminder
        assert responses_by_wave(batch) == {1: 1, 2: 1}
        found = build_report(Selection(instrument="patient"), frozenset()).by_wave
        rows = {row.labels["wave"]: row.counts for row in found}
    # a code counts in the latest wave mailed by the day its outcome came (by date only)
    assert list(rows) == ["First mailing", "Reminder 1"]
    first, reminder = rows["First mailing"], rows["Reminder 1"]
    with app.app_context():  # days since mailing: the paper packs' own mailed date
        posted = date(2026, 1, 5)
        db.session.execute(update(Mailing).values(mailed_on=posted))
        by_practice = build_report(Selection(by=("practice",), instrument="patient"), frozenset())
        assert [row.mailed for row in by_practice.rows if row.practice_id] == [date.today()]
        db.session.execute(update(Invitation).values(issued_at=datetime(2025, 12, 1, 9)))
        by_practice = build_report(Selection(by=("practice",), instrument="patient"), frozenset())
        assert [row.mailed for row in by_practice.rows if row.practice_id] == [posted]
    assert (first.issued, first.started, first.refusal) == (2, 1, 1)
    assert (reminder.issued, reminder.started) == (2, 2)


def test_pack_mistakes_are_messages(app, runner, tmp_path):
    with app.app_context():
        _, batch = make_codes(count=1)
    assert "no first mailing" in _pack(runner, tmp_path, batch, "--reminder").output
    (tmp_path / "a-file").write_text("not a folder")
    unwritable = _pack(runner, tmp_path / "a-file" / "packs", batch)
    assert unwritable.exit_code == 1 and "cannot write" in unwritable.output
    with app.app_context():
        assert db.session.scalar(select(Mailing.id)) is None  # not recorded as mailed
    assert "no batch 'nope'" in _pack(runner, tmp_path, "nope").output
    assert _pack(runner, tmp_path, batch, "--letter-only").exit_code == 0
    again = _pack(runner, tmp_path, batch)
    assert again.exit_code == 1 and "make a reminder (wave 2)" in again.output
    assert (
        "has no language 'ar'"
        in _pack(runner, tmp_path, batch, "--reminder", "--lang", "ar").output
    )
    with app.app_context():
        assert db.session.scalar(select(Mailing.wave).order_by(Mailing.wave.desc())) == 1


def test_a_packs_document_properties_name_the_questionnaire_and_the_study(app, runner, tmp_path):
    """Opened in a PDF reader, a pack says what it is: not "untitled" by "anonymous"."""
    with app.app_context():
        _codes, batch = make_codes(count=1, mode="paper")
        study = app.config["STUDY_NAME"]
    assert _pack(runner, tmp_path, batch).exit_code == 0
    stem = f"Y90001-{batch}-wave1"
    pdf = pikepdf.Pdf.open(io.BytesIO(_files(tmp_path, f"{stem}.zip")[f"{stem}.pdf"]))
    info = {str(k): str(v) for k, v in pdf.docinfo.items()}
    assert info == {"/Title": instrument(app, "patient").title.get("en"), "/Author": study,
                    "/Creator": "Fieldwork"}  # fmt: skip


def test_the_letter_says_whom_to_ask_and_where_the_privacy_notice_is(app, runner, tmp_path):
    """With no study contact configured, the letter gives the questionnaire's own."""
    patient = instrument(app, "patient")
    assert not app.config["STUDY_CONTACT"] and patient.contact_email and patient.privacy_notice
    with app.app_context():
        _codes, batch = make_codes(count=1, mode="paper")
    assert _pack(runner, tmp_path, batch).exit_code == 0
    stem = f"Y90001-{batch}-wave1"
    letter = _pdf_pages_text(_files(tmp_path, f"{stem}.zip")[f"{stem}.pdf"], tmp_path)[0]
    assert f"Questions about the study: {patient.contact_email}" in letter
    assert f"Privacy notice: {patient.privacy_notice}" in " ".join(letter.split())


def test_a_pack_job_is_about_its_batchs_practice(app):
    with app.app_context():
        _codes, batch = make_codes(practice_code="Y90002", count=1, mode="paper")
        assert pack_practices({"batch": batch, "reminder": False, "questionnaire": True,
                               "lang": "en", "large_print": False}) == ["Y90002"]  # fmt: skip


def test_a_packs_qr_code_opens_the_survey_in_the_letters_language(app, runner, tmp_path):
    with app.app_context():
        _codes, batch = make_codes(count=1)
    result = _pack(runner, tmp_path, batch, "--lang", "zh", "--letter-only")  # web codes
    assert result.exit_code == 0, result.output
    stem = f"Y90001-{batch}-wave1"
    rows = list(
        csv.DictReader(io.StringIO(_files(tmp_path, f"{stem}.zip")[f"{stem}.csv"].decode()))
    )
    code = rows[0]["code"].replace("-", "")
    link = f"http://127.0.0.1:5000/c/{code}?lang=zh"
    assert _qr(_files(tmp_path, f"{stem}.zip")[f"{stem}.pdf"], 1, tmp_path) == [link]
    client = app.test_client()  # a phone with an English browser
    entered = client.get(
        link.removeprefix("http://127.0.0.1:5000"), headers={"Accept-Language": "en"}
    )
    assert entered.status_code == 302 and entered.headers["Location"] == "/welcome"
    welcome = client.get("/welcome", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh"' in welcome


def test_a_paper_only_codes_letter_offers_no_web_address_and_needs_the_questionnaire(
    app, runner, tmp_path
):
    """Paper-only codes cannot answer online (the start page refuses them): their letter
    has no QR code and no web address, and asks for the questionnaire back."""
    with app.app_context():
        _codes, batch = make_codes(count=1, mode="paper")
    refused = _pack(runner, tmp_path, batch, "--letter-only")
    assert refused.exit_code != 0 and "paper only" in refused.output
    assert _pack(runner, tmp_path, batch).exit_code == 0
    stem = f"Y90001-{batch}-wave1"
    pdf = _files(tmp_path, f"{stem}.zip")[f"{stem}.pdf"]
    letter = " ".join(_pdf_pages_text(pdf, tmp_path)[0].split())
    assert "Please return this questionnaire in the envelope provided" in letter
    assert "To answer online" not in letter and "127.0.0.1" not in letter
    assert _qr(pdf, 1, tmp_path) == []  # no QR code on the letter


def test_a_staff_surveys_letter_does_not_greet_a_patient(app, runner, tmp_path):
    """The letter follows the questionnaire's audience: no "Dear Patient" to practice staff."""
    with app.app_context():
        _codes, batch = make_codes(instrument="practice_staff", count=1, mode="both")
    result = _pack(runner, tmp_path, batch)
    assert result.exit_code == 0, result.output
    stem = f"Y90001-{batch}-wave1"
    letter = _pdf_pages_text(_files(tmp_path, f"{stem}.zip")[f"{stem}.pdf"], tmp_path)[0]
    assert "is taking part in" in letter and "Dear Patient" not in letter


def test_a_code_that_said_no_as_its_letter_says_is_not_reminded(app, runner, tmp_path):
    """The letters' way to say no holds: a questionnaire sent back blank (recorded as
    returned blank, or keyed with nothing filled in) and 'I do not want to take part'
    online each leave the code out of the next reminder wave."""
    with app.app_context():
        codes, batch = make_codes(count=4, mode="both")
    assert _pack(runner, tmp_path, batch).exit_code == 0
    with app.app_context():
        keyer = User(email="k@example.org", name="k", role="data_entry", password_hash="x")
        db.session.add(keyer)
        blank, keyed_blank = (keying.find_copy(code) for code in codes[:2])
        keying.record_return(blank, "blank", user=keyer)
        patient = get_catalogue().current["patient"]
        made = keying.key_pass(keyed_blank, patient, {}, user=keyer, returned_on=date(2026, 5, 4))
        assert isinstance(made, keying.ReturnedBlank)  # as returned blank: no response
        assert keyed_blank.invitation.response is None
        assert decline(db.session.scalar(select(Invitation).where(Invitation.code == codes[2])))
        db.session.commit()
        outcomes = db.session.scalars(
            select(Invitation.disposition).where(Invitation.code.in_(codes)).order_by(Invitation.id)
        ).all()
    assert outcomes[0] == outcomes[1] == outcomes[2] == "refusal"
    result = _pack(runner, tmp_path, batch, "--reminder", "--letter-only")
    assert result.exit_code == 0, result.output
    files = _files(tmp_path, f"Y90001-{batch}-wave2.zip")
    rows = list(csv.DictReader(io.StringIO(files[f"Y90001-{batch}-wave2.csv"].decode())))
    assert [r["code"].replace("-", "") for r in rows] == [codes[3]]
    letter = " ".join(_pdf_pages_text(files[f"Y90001-{batch}-wave2.pdf"], tmp_path)[0].split())
    assert "choose 'I do not want to take part'. We will not remind you." in letter
