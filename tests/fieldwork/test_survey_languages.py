"""The respondent pages in the person's language (catalogues, Accept-Language, study
overrides), right to left where the script is, and the smaller things a respondent noticed."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from fieldwork import create_app
from fieldwork.cli import cli
from fieldwork.codes import RESUME_LENGTH, grouped, new_code
from fieldwork.db import db
from fieldwork.models import Practice
from forms.paging import page_applies, web_pages
from tests.conftest import _config
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot, csrf


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def backend() -> str:
    """Words do not depend on the database: SQLite only."""
    return "sqlite"


def test_start_page_follows_accept_language_then_the_link(client):
    polish = _html(client.get("/", headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"}))
    assert '<html lang="pl" dir="ltr">' in polish and "Wpisz swój kod dostępu" in polish
    taiwan = _html(client.get("/", headers={"Accept-Language": "zh-TW"}))
    assert 'lang="zh-Hant"' in taiwan and "請輸入您的存取碼" in taiwan
    urdu = _html(client.get("/?lang=ur"))
    assert '<html lang="ur" dir="rtl">' in urdu and "اپنا رسائی کوڈ درج کریں" in urdu
    assert 'dir="rtl"' in _html(client.get("/resume"))  # the link's choice holds for the visit
    assert 'hreflang="cy"' in urdu and ">Cymraeg<" in urdu


def test_wrong_codes_are_told_in_the_chosen_language(client):
    client.get("/?lang=es")
    page = client.post("/", data={"code": "AAAA-AAAA", "csrf_token": csrf(_html(client.get("/")))})
    assert page.status_code == 400
    assert "No se reconoce el código de acceso" in _html(page)


def test_code_examples_have_the_real_format(client):
    hint = re.search(r'id="code-hint">(.*?)</div>', _html(client.get("/resume"))).group(1)
    example = CODE.search(hint).group(1)
    real = grouped(new_code(RESUME_LENGTH))
    assert [len(part) for part in example.split("-")] == [len(part) for part in real.split("-")]
    assert f"{RESUME_LENGTH} letters" in hint


# A code shown to a respondent: kept on one line and left to right (`fw-code`).
CODE = re.compile(
    r'<span class="fw-code" dir="ltr" translate="no">([A-Z0-9]+(?:-[A-Z0-9]+)+)</span>'
)


def test_codes_shown_to_respondents_keep_together_and_read_left_to_right(app, client):
    """Walkthrough: on the Arabic start page the example "KX7P-4MQ2" broke at its dash."""
    start = _html(client.get("/?lang=ar"))
    assert 'dir="rtl"' in start and CODE.search(start.split('id="code-hint"')[1])
    assert CODE.search(_html(client.get("/resume")).split('id="code-hint"')[1])
    withdraw = _html(client.get("/withdraw"))
    assert 'id="code" name="code" type="text" dir="ltr"' in withdraw  # typed left to right
    # From an open link: the resume code on each page, the check page and the done page.
    with app.app_context():
        from fieldwork.demo import seed

        seed(["mental_health"])
        db.session.commit()
        practice = db.session.scalars(select(Practice).order_by(Practice.id)).first()
        link = practice.open_link("mental_health")
    client.get(link)
    robot = Robot(client, instrument(app, "mental_health"))
    location = robot.welcome().headers["Location"]
    assert CODE.search(_html(client.get(location)))
    assert robot.run_pages(location).endswith("/check")
    assert CODE.search(_html(client.get("/check")))
    robot.submit()
    assert CODE.search(_html(client.get("/done")))


NOTICE = re.compile(
    r'<div class="nhsuk-inset-text fw-language-missing" lang="([^"]+)" dir="([a-z]+)">(.*?)</div>',
    re.S,
)


def test_a_language_the_questionnaire_lacks_is_explained_in_that_language(app, client, codes):
    """Walkthrough: Polski on the start page, then the welcome page in English, unexplained."""
    client.get("/?lang=pl")
    Robot(client, instrument(app, "patient")).enter_code(codes["patient"][0])
    welcome = _html(client.get("/welcome"))
    assert '<html lang="en"' in welcome
    lang, direction, notice = NOTICE.search(welcome).groups()
    assert (lang, direction) == ("pl", "ltr")
    assert "Ten kwestionariusz nie jest dostępny w Twoim języku" in notice
    # The languages it is in, by their own names, each a link that chooses it.
    assert '<a href="/welcome?lang=en" lang="en" hreflang="en">English</a> i ' in notice
    assert 'href="/welcome?lang=zh"' in notice
    assert not NOTICE.search(_html(client.get("/welcome?lang=zh")))  # chosen: no notice
    # Arabic, and a questionnaire in English only: told right to left; nothing to choose.
    other = app.test_client()
    other.get("/?lang=ar")
    Robot(other, instrument(app, "mental_health")).enter_code(codes["mental_health"][0])
    lang, direction, notice = NOTICE.search(_html(other.get("/welcome"))).groups()
    assert (lang, direction) == ("ar", "rtl") and "هذا الاستبيان غير متوفر بلغتك" in notice
    assert '<span lang="en">English</span>' in notice and "href" not in notice


def test_no_language_notice_for_a_language_the_questionnaire_has(app, client, codes):
    client.get("/?lang=zh")
    Robot(client, instrument(app, "patient")).enter_code(codes["patient"][0])
    welcome = _html(client.get("/welcome"))
    assert '<html lang="zh"' in welcome and not NOTICE.search(welcome)
    english = app.test_client()
    Robot(english, instrument(app, "patient")).enter_code(codes["patient"][1])
    assert not NOTICE.search(_html(english.get("/welcome")))


def test_a_study_folder_overrides_a_word_and_adds_a_language(tmp_path, sqlite_template):
    folder = tmp_path / "words"
    folder.mkdir()
    (folder / "pl.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: pl\\n"\n\nmsgid "Continue"\nmsgstr "Dalej, proszę"\n',
        encoding="utf-8",
    )
    (folder / "fr.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\nmsgid "Enter your access code"\n'
        'msgstr "Saisissez votre code d\'accès"\n',
        encoding="utf-8",
    )
    path = tmp_path / "db.sqlite"
    path.write_bytes(sqlite_template.read_bytes())
    config = _config(f"sqlite:///{path}", tmp_path / "none") | {"TRANSLATIONS": str(folder)}
    client = create_app(config).test_client()
    polish = _html(client.get("/?lang=pl"))
    assert "Dalej, proszę" in polish and "Wpisz swój kod dostępu" in polish
    french = _html(client.get("/?lang=fr"))
    assert "Saisissez votre code d&#39;accès" in french and 'lang="fr"' in french
    create_app(_config(f"sqlite:///{path}", tmp_path / "none"))  # back to the shipped words


FRENCH = """\
instrument: demo
version: 1
title: {en: Demo, fr: Démo}
languages: [en, fr]
audience: staff
intro: {en: Hello, fr: Bonjour}
outro: {en: Thanks, fr: Merci}
sections:
  - id: s1
    title: {en: Start, fr: Début}
    items:
      - id: q1
        type: text
        text: {en: Why?, fr: Pourquoi ?}
"""


def test_validate_warns_for_a_language_without_catalogue(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(FRENCH, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)], env={})
    assert result.exit_code == 0, result.output
    assert "warning: language 'fr' has no catalogue" in result.stderr
    assert "'Continue'" in result.stderr and "more" in result.stderr
    polish = FRENCH.replace("fr", "pl")
    path.write_text(polish, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)], env={})
    assert result.exit_code == 0 and "warning" not in result.stderr


def test_identifying_questions_have_their_own_page(app):
    patient = instrument(app, "patient")
    pages = web_pages(patient)
    contact = next(p for p in pages if any(i.identifying for i in p.items))
    assert all(item.identifying for item in contact.items)
    assert not page_applies(contact, patient, {"interview": 2})
    assert not page_applies(contact, patient, {})
    assert page_applies(contact, patient, {"interview": 1})


def test_page_count_does_not_jump_and_check_has_one_change_link_per_section(app, client, codes):
    patient = instrument(app, "patient")
    robot = Robot(client, patient)
    robot.enter_code(codes["patient"][0])
    first = robot.welcome("en").headers["Location"]
    total = len(web_pages(patient))
    assert f"Question page 1 of {total}" in _html(client.get(first))
    robot.answer_page(1)
    robot.answer_page(2, {"used_online": 2})
    assert f"Question page 3 of {total}" in _html(client.get("/page/3"))
    robot.run_pages("/page/3")
    check = _html(client.get("/check"))
    sections = check.count('class="fw-check-section"')
    assert sections >= 5 and check.count("return=check") == sections


def test_help_block_only_on_instruments_with_signposting(app, client, codes):
    robot = Robot(client, instrument(app, "mental_health"))
    robot.enter_code(codes["mental_health"][0])
    welcome = _html(client.get("/welcome"))
    assert welcome.count("If you need help now") == 1 and 'href="tel:116123"' in welcome
    assert welcome.count(">If you need support<") == 1  # one heading, not repeated in bold
    assert "You can skip any question" in welcome
    assert 'href="https://example.org/digital-facilitation/privacy"' in welcome
    other = Robot(client, instrument(app, "practice_staff"))
    other.enter_code(codes["practice_staff"][0])
    assert "If you need help now" not in _html(client.get("/welcome"))


def test_yes_to_an_interview_asks_for_contact_on_a_page_of_its_own(app, client, codes):
    patient = instrument(app, "patient")
    robot = Robot(client, patient)
    robot.enter_code(codes["patient"][0])
    location = robot.welcome("en").headers["Location"]
    pages = web_pages(patient)
    interview = next(p.number for p in pages if "interview" in [i.id for i in p.items])
    while location != f"/page/{interview}":
        number = int(location.rsplit("/", 1)[1])
        location = robot.answer_page(number).headers["Location"]
    assert 'name="contact_name"' not in _html(client.get(location))
    following = robot.answer_page(interview, {"interview": 1}).headers["Location"]
    page = _html(client.get(following))
    assert 'name="contact_name"' in page and 'name="interview"' not in page


SHIPPED = ["ar", "bn", "cy", "es", "gu", "it", "pa", "pl", "pt", "ro", "ur", "zh", "zh_Hant"]


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_catalogue_says_an_answer_that_stopped_applying_was_set_aside(lang):
    """The notice tells the truth: an answer that no longer applies is set aside (a saved
    one stays stored, comes back if the earlier answer is changed back, and a raw dataset
    keeps it), so no catalogue may still carry the old 'was not kept' wording, leave the
    new one fuzzy or empty, or lose its {question}."""
    from babel.messages.pofile import read_po

    from fieldwork.i18n import WORDS, t
    from forms import i18n

    msgid = WORDS["not_kept"]
    english = t("not_kept", "en", question="Q")
    assert english == (
        "Your answer to 'Q' has been set aside, because that question does not apply to you."
    )
    po = i18n.CATALOGUE_DIR / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    entry = catalogue.get(msgid)
    assert entry is not None and entry.string and not entry.fuzzy, lang
    assert entry.string.count("{question}") == 1, lang
    assert not any("was not kept" in str(m.id) for m in catalogue if m.id), lang
    said = t("not_kept", lang, question="QUESTION_NAME")
    assert "QUESTION_NAME" in said and said != english.replace("'Q'", "'QUESTION_NAME'")
