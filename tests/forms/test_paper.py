"""Paper forms: every item type prints, text in order, fonts embedded, box map matches drawing."""

from __future__ import annotations

import io
import re
import subprocess
import textwrap
from pathlib import Path

import pdfplumber
import pytest
import zxingcpp
from PIL import Image
from reportlab.pdfbase.pdfmetrics import stringWidth

from forms.i18n import CATALOGUE_DIR
from forms.loader import load_instrument, load_text
from forms.model import ITEM_TYPES
from forms.paper import UnsupportedLanguage, cached_form, render_form
from forms.paper.boxes import BoxMap
from forms.paper.flowables import ANSWER_BUILDERS
from forms.paper.fonts import REFUSED, _base, covered, fallback_font, fonts_for, string_width
from forms.paper.layout import FOOTER_HEIGHT, Layout
from forms.paper.letter import (
    OPT_OUT_BLANK,
    OPT_OUT_ONLINE,
    LetterText,
    _render,
    opt_out_words,
    render_letter,
)
from forms.paper.pack import Copy, build_pack
from forms.paper.qr import PagePayload
from forms.paper.routing_words import FilterWords, go_to
from forms.paper.words import words
from forms.paper_routing import derive_paper_routing, paper_items
from forms.words import DECLINE
from tests.conftest import INSTRUMENTS
from tests.forms.authoring import HEAD

EVERY_TYPE = HEAD + textwrap.dedent("""\
    sections:
      - id: all
        title: Every type
        items:
          - {id: n1, type: note, text: A note to read.}
          - {id: s1, type: single, text: Pick one, choices: {1: "Yes", 2: "No"}}
          - id: m1
            type: multiple
            text: Pick some
            choices: {1: Red, 2: Blue}
            show_if: "s1 == 1"
          - id: g1
            type: grid
            text: Rate each
            choices: {1: Good, 2: Bad}
            rows: {r1: Food, r2: Rooms}
          - {id: t1, type: text, text: Your name}
          - {id: ta1, type: textarea, text: Tell us more, lines: 5}
          - {id: i1, type: integer, text: Your age, min: 16, max: 120, unit: years}
          - {id: d1, type: decimal, text: Your height, max: 2.5, unit: metres}
          - {id: dt1, type: date, text: Date of visit}
          - {id: hidden, type: text, text: Online only, paper: false}
""")


def test_the_paper_table_covers_every_item_type():
    assert set(ANSWER_BUILDERS) == set(ITEM_TYPES)


@pytest.fixture(scope="module")
def every_type(tmp_path_factory):
    instrument = load_text(EVERY_TYPE, "demo.yaml")
    form = render_form(instrument)
    path = tmp_path_factory.mktemp("paper") / "every.pdf"
    path.write_bytes(form.pdf)
    return instrument, form, path


def _text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def _in_order(text: str, expected: list[str]) -> None:
    position = 0
    for wanted in expected:
        found = text.find(re.sub(r"\s+", "", wanted), position)
        assert found >= 0, f"{wanted!r} not found after position {position}"
        position = found + 1


def test_every_type_prints_with_its_boxes(every_type):
    _instrument, form, path = every_type
    text = _text(path)
    _in_order(
        text,
        ["Q1", "Pick one", "Yes", "No", "Go to Q3", "Q2", "Pick some", "Q3", "Rate each", "Food"],
    )
    assert "Online only" not in text
    kinds = {(b["item"], b["kind"]) for b in form.boxmap.boxes}
    assert ("s1", "tick") in kinds and ("g1", "cell") in kinds and ("ta1", "write_in") in kinds
    assert sum(1 for b in form.boxmap.boxes if b["item"] == "i1") == 3  # 120: three digits
    assert [b.get("part") for b in form.boxmap.boxes if b["item"] == "dt1"] == ["day"] * 2 + [
        "month"
    ] * 2 + ["year"] * 4
    assert not any(b["item"] == "hidden" for b in form.boxmap.boxes)


def test_box_map_matches_the_drawn_rectangles(every_type):
    _, form, path = every_type
    with pdfplumber.open(path) as pdf:
        drawn = {
            n: [(r["x0"], r["y0"], r["width"], r["height"]) for r in page.rects]
            for n, page in enumerate(pdf.pages, 1)
        }
    for box in form.boxmap.boxes:
        assert any(
            abs(x - box["x"]) < 0.5
            and abs(y - box["y"]) < 0.5
            and abs(w - box["w"]) < 0.5
            and abs(h - box["h"]) < 0.5
            for x, y, w, h in drawn[box["page"]]
        ), box
    assert len(form.boxmap.boxes) == 2 + 2 + 4 + 1 + 1 + 3 + 2 + 8


def test_a_box_map_is_kept_as_compact_json_and_read_back_the_same(every_type):
    _, form, _path = every_type
    compact = form.boxmap.to_json(compact=True)
    assert "\n" not in compact and '": ' not in compact  # no spaces between items
    assert len(compact) < len(form.boxmap.to_json())
    assert BoxMap.from_json(compact) == form.boxmap
    assert BoxMap.from_json(form.boxmap.to_json()) == form.boxmap  # the pack's file too


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"instrument": "demo"}', '{"instrument": "d", "version": "one", "lang": "en", '
     '"large_print": false, "boxes": [], "units": "pt, origin bottom left of an A4 page"}',
     '{"instrument": "d", "version": 1, "lang": "en", "large_print": false, "boxes": [], '
     '"units": "mm"}'],
)  # fmt: skip
def test_text_that_is_not_a_box_map_is_refused(text):
    with pytest.raises(ValueError):
        BoxMap.from_json(text)


def test_every_page_has_a_readable_qr_code_and_page_x_of_y(every_type, tmp_path):
    _instrument, form, path = every_type
    subprocess.run(
        ["pdftoppm", "-r", "150", "-gray", "-png", str(path), str(tmp_path / "p")], check=True
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == form.pages
    for number, png in enumerate(pages, 1):
        codes = zxingcpp.read_barcodes(Image.open(png))
        assert [PagePayload.decode(c.text) for c in codes] == [PagePayload("demo", 1, "en", number)]
    assert f"Page{form.pages}of{form.pages}" in _text(path)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_patient_questionnaire_prints_every_question_choice_and_routing_in_order(lang, tmp_path):
    instrument = load_instrument(INSTRUMENTS / "patient.yaml")
    form = render_form(instrument, lang)
    path = tmp_path / "patient.pdf"
    path.write_bytes(form.pdf)
    numbers, routing, translate = (
        instrument.question_numbers(),
        derive_paper_routing(instrument),
        words(lang),
    )
    filters, expected, sections_seen = FilterWords(instrument, lang, translate), [], set()
    for item in paper_items(instrument):
        section = instrument.section_of(item.id)
        if section.id in routing.section_filters and section.id not in sections_seen:
            expected.append(filters.line(routing.section_filters[section.id], section=True))
        sections_seen.add(section.id)
        if item.id in routing.filters:
            expected.append(filters.line(routing.filters[item.id]))
        if item.is_question:
            expected += [numbers[item.id], item.text.get(lang)[:30]]
        for row in item.rows[:1]:
            expected.append(row.text.get(lang))
        for choice in item.choices.choices if item.choices and item.type != "grid" else ():
            expected.append(choice.label.get(lang))
            if (item.id, choice.code) in routing.jumps:
                expected.append(
                    go_to(routing.jumps[(item.id, choice.code)], dict(numbers), translate)
                )
    _in_order(_text(path), expected)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(line.split()[-5] == "yes" for line in rows), fonts


def test_large_print_is_16_point_or_more():
    instrument = load_text(EVERY_TYPE, "demo.yaml")
    form = render_form(instrument, large_print=True)
    with pdfplumber.open(io.BytesIO(form.pdf)) as pdf:
        body = [c for page in pdf.pages for c in page.chars if c["y0"] > FOOTER_HEIGHT]
    assert body and min(c["size"] for c in body) >= 15.99
    ticks = [b for b in form.boxmap.boxes if b["kind"] == "tick"]
    assert ticks[0]["w"] >= 19  # 7 mm boxes


ARABIC = """\
instrument: ar_demo
version: 1
title: {en: Demo, ar: "تجربة"}
languages: [en, ar]
audience: patient
intro: {en: Hello, ar: "مرحبا"}
outro: {en: Thanks, ar: "شكرا"}
sections:
  - id: s
    title: {en: S, ar: "ق"}
    items:
      - {id: q, type: text, text: {en: Q, ar: "س"}}
"""


def test_scripts_that_need_shaping_are_refused():
    instrument = load_text(ARABIC, "ar.yaml")
    with pytest.raises(UnsupportedLanguage, match="Arabic"):
        render_form(instrument, "ar")
    assert render_form(instrument, "en").pages == 2


def test_cached_form_renders_once_per_instrument_language_and_options():
    instrument = load_text(EVERY_TYPE, "demo.yaml")
    first = cached_form(instrument)
    assert cached_form(instrument) is first
    assert cached_form(instrument, large_print=True) is not first
    reloaded = load_text(EVERY_TYPE, "demo.yaml")  # a reloaded file is a new object
    assert cached_form(reloaded) is not first and cached_form(reloaded).pdf == first.pdf


SHIPPED = sorted(
    ["en"]
    + [p.name for p in CATALOGUE_DIR.iterdir() if p.is_dir() and _base(p.name) not in REFUSED]
)


@pytest.mark.parametrize("enclosed", [True, False], ids=["enclosed", "letter-only"])
@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large"])
@pytest.mark.parametrize("lang", SHIPPED)
def test_the_longest_letter_fits_one_page_in_every_printable_language(lang, large_print, enclosed):
    """A reminder with the questionnaire enclosed (or a letter only, whose way to say no
    is the longer one), long names, the study contact and the privacy notice: one page
    with its code, QR code and serial slots on it, Latin never in a font without it. Large
    print needs the paragraphs closer together for such names (English, Welsh, Polish…),
    and gets them; the rest keep the usual spacing."""
    text = LetterText(
        practice="The Riverside Medical Centre and Branch Surgery at Eastfield Health Campus"
        " (Y90001)",
        study="Digital facilitation in general practice: how practices help patients use"
        " online services",
        questionnaire="Patient survey",
        url="https://fieldwork.example.org",
        contact="digital-facilitation-study@example.org · 0117 496 0000",
        privacy="https://fieldwork.example.org/privacy",
        reminder=True,
        enclosed=enclosed,
    )
    letter = render_letter(text, lang, large_print)
    with pdfplumber.open(io.BytesIO(letter.pdf)) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        assert text.privacy in page.extract_text().replace("\n", "")
        assert opt_out_words(text) is not None  # the way to say no is on the page
        latin = [c for c in page.chars if c["text"].isascii() and c["text"].isalpha()]
        assert latin and not any("Lohit" in c["fontname"] for c in latin)  # never tofu
    assert set(letter.slots) == {"code", "qr", "serial"}
    for x, y, width, height in letter.slots.values():
        assert x >= 0 and x + width <= page.width and y >= 0 and y + height <= page.height
    usual = _render(text, lang, Layout(lang, large_print), 1.0)
    if usual is not None:  # the usual spacing wherever it fits
        assert letter.pdf == usual.pdf
    if lang == "en" and large_print and enclosed:  # only closer together does it fit
        assert usual is None


def test_latin_in_a_script_font_without_it_is_set_in_the_fallback_font():
    bengali = fonts_for("bn").regular
    plain = fallback_font()
    assert covered("প্রিয় রোগী, 0117", bengali) == "প্রিয় রোগী, 0117"  # nothing to change
    assert covered("Hello <b>there</b> &amp; more", fonts_for("en").regular) == (
        "Hello <b>there</b> &amp; more"
    )
    marked = covered("আমরা <b>Digital practice</b>-এ অংশ &amp; Y90001", bengali)
    assert marked == (
        f'আমরা <b><font face="{plain}">Digital practice</font></b>'
        f' -এ অংশ &amp; <font face="{plain}">Y90001</font>'
    )  # a space where the fonts meet inside a word: reportlab shapes a word in one font
    # Widths are measured as printed (a grid's headers decide between table and stacked).
    assert string_width("Sometimes", bengali, 12) == stringWidth("Sometimes", plain, 12)
    assert string_width("Sometimes", bengali, 12) != stringWidth("Sometimes", bengali, 12)
    # A word's leading bracket or quote goes with its first letter: no "( Y90001)".
    assert covered("রোগী (Y90001)", bengali) == f'রোগী <font face="{plain}">(Y90001)</font>'
    assert covered('আমরা "NHS" অ্যাপ', bengali) == f'আমরা <font face="{plain}">"NHS" </font>অ্যাপ'


@pytest.mark.parametrize("lang", ["bn", "gu", "pa"])
def test_a_pack_letter_in_a_shaped_script_prints_its_access_code_and_serial(lang):
    text = LetterText(practice="Riverside (Y90001)", study="Digital facilitation",
                      questionnaire="Patient survey", url="https://fw.example.org")  # fmt: skip
    copies = [Copy("1234567", "ABCD-EFGH-JK", "https://fw.example.org/c/ABCDEFGHJK")]
    pdf = build_pack(render_letter(text, lang), None, copies, fonts_for(lang).regular)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        chars = document.pages[0].chars
    code = [c for c in chars if c["text"] in "ABCDEFGHJK" and c["size"] > 14]
    assert "".join(c["text"] for c in code) == "ABCDEFGHJK"
    assert all("DejaVuSans" in c["fontname"] for c in code)
    serial = "".join(c["text"] for c in chars if c["size"] == 10 and c["text"].isdigit())
    assert serial == "1234567"
    label = [c["text"] for c in chars if c["size"] == 10 and not c["text"].isdigit()]
    assert label and not any(c.isascii() and c.isalpha() for c in label)  # in the letter's language


def test_an_escaped_character_beside_latin_stays_in_the_latin_run():
    """`A&amp;E` in a Bengali sentence (an NHS term kept in English): the `&` is in both
    fonts, so it stays with the Latin around it, not a run of its own between spaces."""
    bengali = fonts_for("bn").regular
    plain = fallback_font()
    marked = covered("অথবা A&amp;E-তে যান", bengali)
    assert "A &amp;" not in marked and "&amp; " not in marked
    assert marked.startswith("অথবা ") and marked.endswith(" তে যান")
    assert marked.count(f'<font face="{plain}">') == marked.count("<font ")  # all Latin
    assert "A&amp;E-" in marked.replace("</font>", "").replace(f'<font face="{plain}">', "")


BENGALI = """\
instrument: bn_demo
version: 1
title: {en: Demo, bn: "ডেমো"}
languages: [en, bn]
audience: patient
intro: {en: Hello, bn: "নমস্কার"}
outro: {en: Thanks, bn: "ধন্যবাদ"}
sections:
  - id: s
    title: {en: S, bn: "প্রশ্ন"}
    items:
      - id: used
        type: single
        text: {en: Used it?, bn: "ব্যবহার করেছেন?"}
        choices: {1: {en: "Yes", bn: "হ্যাঁ"}, 2: {en: "No", bn: "না"}}
      - {id: how, type: text, text: {en: How?, bn: "কীভাবে?"}, show_if: "used == 1"}
      - {id: age, type: text, text: {en: Age, bn: "বয়স"}}
"""


def test_a_bengali_answer_with_its_go_to_arrow_prints():
    """The arrow of a jump is not in Lohit: after a Bengali label and its no-break spaces
    it starts a word of its own (one word in two fonts cannot be shaped, and failed)."""
    instrument = load_text(BENGALI, "bn_demo.yaml")
    form = render_form(instrument, "bn")
    with pdfplumber.open(io.BytesIO(form.pdf)) as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    arrows = [c for c in chars if c["text"] == "→"]
    assert arrows and all("DejaVuSans" in c["fontname"] for c in arrows)
    marked = covered("না&nbsp;&nbsp;<b>→</b>", fonts_for("bn").regular)
    assert marked == f'না\xa0\xa0<b> <font face="{fallback_font()}">→</font></b>'  # a space


DATE_PARTS = ("day", "month", "year")


def _date_form(lang: str) -> str:
    head = HEAD.replace("languages: [en]", f"languages: [{lang}]")
    return head + textwrap.dedent("""\
        sections:
          - id: s
            title: Dates
            items:
              - {id: when, type: date, text: When?}
    """)


@pytest.mark.parametrize(
    ("lang", "large_print"), [("en", False), ("en", True), ("cy", False), ("pl", False)]
)
def test_date_part_labels_print_whole_under_their_own_boxes(lang, large_print):
    form = render_form(load_text(_date_form(lang), "demo.yaml"), large_print=large_print)
    with pdfplumber.open(io.BytesIO(form.pdf)) as pdf:
        page = pdf.pages[-1]
        printed = [(w["text"], w["x0"], w["x1"]) for w in page.extract_words()]
        width = page.width
    boxes = [b for b in form.boxmap.boxes if b["item"] == "when"]
    starts = {part: min(b["x"] for b in boxes if b["part"] == part) for part in DATE_PARTS}
    ends = {"day": starts["month"], "month": starts["year"], "year": width}
    t = words(lang)
    for part, msgid in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        label = t(msgid)
        found = [(x0, x1) for text, x0, x1 in printed if text == label]
        assert found, f"{label!r} is not printed whole (words: {[p[0] for p in printed]})"
        x0, x1 = found[0]
        assert starts[part] - 0.5 <= x0 and x1 <= ends[part], (label, x0, x1, starts, ends)


def test_a_letter_greets_patients_only():
    """A letter to practice staff does not say "Dear Patient" (it greets no one)."""
    said = {}
    for audience in ("patient", "staff"):
        text = LetterText(practice="Riverside (Y90001)", study="Digital facilitation",
                          questionnaire="Survey", url="https://example.org",
                          audience=audience)  # fmt: skip
        with pdfplumber.open(io.BytesIO(render_letter(text, "en").pdf)) as pdf:
            said[audience] = pdf.pages[0].extract_text()
    assert "Dear Patient" in said["patient"] and "Dear Patient" not in said["staff"]
    assert "is taking part in Digital facilitation" in said["staff"].replace("\n", " ")


def _letter_words(text: LetterText, lang: str) -> str:
    with pdfplumber.open(io.BytesIO(render_letter(text, lang).pdf)) as pdf:
        return " ".join(pdf.pages[0].extract_text().split())


@pytest.mark.parametrize(
    ("enclosed", "online", "declinable", "said"),
    [
        (True, True, True, OPT_OUT_BLANK),  # questionnaire and online: the shorter way
        (True, False, True, OPT_OUT_BLANK),  # paper only
        (False, True, True, OPT_OUT_ONLINE),  # a reminder letter without a questionnaire
        (False, True, False, None),  # no consent page online: no button to point to
    ],
    ids=["enclosed-online", "paper-only", "letter-only", "letter-only-no-consent-page"],
)
def test_a_letter_says_how_to_say_no_and_stop_the_reminders(enclosed, online, declinable, said):
    """After "Taking part is voluntary", one sentence by what the letter offers: send the
    questionnaire back blank, or choose the consent page's button online."""
    text = LetterText(practice="Riverside (Y90001)", study="Digital facilitation",
                      questionnaire="Survey", url="https://example.org", reminder=True,
                      enclosed=enclosed, online=online,
                      declinable_online=declinable)  # fmt: skip
    printed = _letter_words(text, "en")
    blank = "send back the questionnaire blank and we will not remind you."
    button = "choose 'I do not want to take part'. We will not remind you."
    assert (blank in printed) == (said == OPT_OUT_BLANK)
    assert (button in printed) == (said == OPT_OUT_ONLINE)
    voluntary = "The research team never sees your name or address."
    if said is not None:  # right after the voluntary line
        assert printed.index(voluntary) < printed.index("If you do not want to take part")
        assert "If you do not want to take part" in printed.split(voluntary)[1][:40]


def test_the_letter_quotes_the_button_in_the_buttons_own_words():
    """The words quoted are the consent page's button as translated (one catalogue word)."""
    text = LetterText(practice="Riverside (Y90001)", study="Digital facilitation",
                      questionnaire="Survey", url="https://example.org",
                      enclosed=False)  # fmt: skip
    t = words("cy")
    button = t(DECLINE)
    assert button == "Nid wyf am gymryd rhan"
    said = t(OPT_OUT_ONLINE, decline=button)
    assert f"'{button}'" in said and "{" not in said
    assert " ".join(said.split()) in _letter_words(text, "cy")
    for lang in SHIPPED:  # every language quotes its own button, not a retyped one
        assert words(lang)(DECLINE) in words(lang)(OPT_OUT_ONLINE, decline=words(lang)(DECLINE))
