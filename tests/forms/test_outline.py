"""The numbered plain-text outline printed by `fieldwork show`."""

from __future__ import annotations

from forms.describe import InstrumentDescriber, answer_if, describe
from forms.loader import load_instrument, load_text
from forms.outline import render_outline
from tests.conftest import INSTRUMENTS

SOURCE = """\
instrument: demo
version: 3
title: {en: Online services, zh: 在线服务}
languages: [en, zh]
audience: patient
intro: {en: Hello, zh: 你好}
outro: {en: Thanks, zh: 谢谢}
choice_lists:
  yes_no:
    1: {en: "Yes", zh: 是}
    2: {en: "No", zh: 否}
    9: {en: Don't know, zh: 不知道}
    missing: [9]
sections:
  - id: use
    title: {en: Your use, zh: 您的使用}
    items:
      - id: pause
        type: note
        text: {en: "**Please** read this.", zh: 请阅读。}
        paper: false
      - id: used_online
        type: single
        text: {en: Have you used online services?, zh: 您用过在线服务吗？}
        help: {en: For example the NHS App., zh: 例如 NHS App。}
        choices: yes_no
        required: true
      - id: services
        type: multiple
        text: {en: Which?, zh: 哪些？}
        choices: {1: {en: Booking, zh: 预约}, 99: {en: None, zh: 没有}}
        exclusive: [99]
        show_if: "used_online == 1"
  - id: about
    title: {en: About you, zh: 关于您}
    show_if: "used_online == 1"
    items:
      - id: ease
        type: grid
        text: {en: How easy was it?, zh: 容易吗？}
        choices: yes_no
        rows: {book: {en: Booking, zh: 预约}, rx: {en: Prescriptions, zh: 处方}}
      - id: age
        type: integer
        text: {en: How old are you?, zh: 您几岁？}
        min: 16
        max: 120
        unit: {en: years, zh: 岁}
        constraint: ". >= 18"
        constraint_message: {en: Adults only, zh: 仅限成人}
scores:
  - id: both_easy
    label: {en: Both easy, zh: 都容易}
    expr: "count(ease.book, ease.rx)"
    valid_if: "answered(ease.book)"
"""


def test_outline_in_the_default_language():
    instrument = load_text(SOURCE)
    lines = render_outline(instrument).splitlines()
    assert lines[0] == "demo v3: Online services"
    assert lines[1] == (
        "audience patient; languages en, zh (shown: en); 4 questions in 2 sections; "
        f"hash {instrument.content_hash[:12]}"
    )
    assert lines[3:] == [
        "Section 1. Your use  [use]",
        "  Note  pause: note, web only",
        "        Please read this.",
        "  Q1    used_online: single, required",
        "        Have you used online services?",
        "        Help: For example the NHS App.",
        "        1 = Yes, 2 = No, 9 = Don't know (missing)",
        "  Q2    services: multiple",
        "        Which?",
        "        Answer this if you answered 'Yes' to Q1",
        "        1 = Booking, 99 = None (exclusive)",
        "",
        "Section 2. About you  [about]",
        "  Answer this section if Q1 is 'Yes'",
        "  Q3    ease: grid",
        "        How easy was it?",
        "        row book: Booking",
        "        row rx: Prescriptions",
        "        1 = Yes, 2 = No, 9 = Don't know (missing)",
        "  Q4    age: integer, 16 to 120 years",
        "        How old are you?",
        "        Must hold: the answer is 18 or more (Adults only)",
        "",
        "Scores (computed for export, never asked)",
        "  both_easy",
        "        Both easy",
        "        = the number answered of Q3 (Booking) and Q3 (Prescriptions)",
        "        Missing unless Q3 (Booking) is answered",
    ]


def test_outline_in_another_language():
    outline = render_outline(load_text(SOURCE), "zh")
    assert "demo v3: 在线服务" in outline
    assert "        您用过在线服务吗？" in outline
    assert "        1 = 是, 2 = 否, 9 = 不知道 (missing)" in outline
    assert "        如果您在Q1回答了'是'，请回答此题" in outline.splitlines()


def test_long_choice_lists_take_one_line_each_and_long_texts_wrap():
    long_label = "A very long answer option " * 3
    source = SOURCE.replace("{en: Booking, zh: 预约}, 99", f"{{en: {long_label}, zh: 预约}}, 99")
    source = source.replace("Which?", "Which " + "of these services " * 8 + "?")
    lines = render_outline(load_text(source)).splitlines()
    assert f"        1 = {long_label.strip()}" in lines
    assert "        99 = None (exclusive)" in lines
    assert all(len(line) <= 100 for line in lines)


WELSH = """\
instrument: demo
version: 1
title: {en: Services, cy: Gwasanaethau}
languages: [en, cy]
audience: patient
intro: {en: Hello, cy: Helo}
outro: {en: Thanks, cy: Diolch}
sections:
  - id: use
    title: {en: Your use, cy: Eich defnydd}
    items:
      - id: used
        type: single
        text: {en: Used online services?, cy: Wedi defnyddio gwasanaethau ar-lein?}
        choices: {1: {en: "Yes", cy: "Do"}, 2: {en: "No", cy: "Naddo"}}
      - {id: age, type: integer, text: {en: How old are you?, cy: Faint yw eich oed?}}
      - id: why
        type: text
        text: {en: Why?, cy: Pam?}
        show_if: "used == 1"
      - id: more
        type: text
        text: {en: Tell us more, cy: Dywedwch fwy}
        show_if: "used == 2 or age >= 65"
  - id: about
    title: {en: About you, cy: Amdanoch chi}
    show_if: "used == 1 and age < 30"
    items:
      - {id: name, type: text, text: {en: Name, cy: Enw}}
"""


def test_routing_reads_in_the_outlines_language_as_the_web_page_words_it():
    """The routing line is the web page's (`answer_if`), from the language's catalogue:
    the outline printed Welsh questions under English routing words."""
    instrument = load_text(WELSH)
    lines = render_outline(instrument, "cy").splitlines()
    describer = InstrumentDescriber(instrument, "cy")
    why, more = instrument.item("why"), instrument.item("more")
    assert answer_if(why.show_if, describer, "cy") in [line.strip() for line in lines]
    assert "        Atebwch hwn os gwnaethoch ateb 'Do' i Q1" in lines
    assert "        Atebwch hwn os mae Q1 yn 'Naddo' neu mae Q2 yn 65 neu fwy" in lines
    assert (
        answer_if(more.show_if, describer, "cy")
        == lines[lines.index("        Dywedwch fwy") + 1].strip()
    )
    assert "  Atebwch yr adran hon os mae Q1 yn 'Do' a mae Q2 yn llai na 30" in lines
    english = ("Answer this", "Asked if", " and ", " or ", " is ")
    routing = [line for line in lines if "Atebwch" in line]
    assert len(routing) == 3 and not any(word in line for line in routing for word in english)


def test_scores_and_their_conditions_read_in_the_outlines_language():
    """Score formulas and `Missing unless` lines were English phrases ('the mean of', 'at
    least 3 of … are answered', 'is', 'and') around Chinese labels, though the catalogues
    translate those phrases as they do the routing lines."""
    instrument = load_instrument(INSTRUMENTS / "patient.yaml")
    outline = render_outline(instrument, "zh")
    for english in ("the mean of", "are answered", " is '", "otherwise"):
        assert english not in outline, english
    describer = InstrumentDescriber(instrument, "zh")
    unspaced = "".join(outline.split())  # wrapped lines
    for score in instrument.scores:
        assert "".join(f"= {describe(score.expr, describer, 'zh')}".split()) in unspaced
