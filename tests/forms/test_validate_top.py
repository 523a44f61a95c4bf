"""Top-level checks: keys, id, version, audience, languages and texts."""

from __future__ import annotations

import textwrap

from forms.loader import load_text
from tests.forms.authoring import problems_of

SECTIONS = """\
sections:
  - id: s1
    title: {en: Start}
    items:
      - {id: q1, type: text, text: {en: Name?}}
"""


def problems(text: str) -> list[str]:
    """The problems of an inline instrument file, as `FILE:LINE: message` strings."""
    return problems_of(text)


def test_a_valid_file_has_no_problems():
    text = """\
        instrument: demo
        version: 1
        title: Demo
        languages: [en]
        audience: patient
        intro: Hello
        outro: Thanks
        """
    assert problems(textwrap.dedent(text) + SECTIONS) == []


def test_unknown_top_level_key_suggests_the_close_one():
    text = """\
        instrument: demo
        version: 1
        titel: Demo
        languages: [en]
        audience: patient
        intro: Hello
        outro: Thanks
        """
    assert problems(textwrap.dedent(text) + SECTIONS) == [
        "demo.yaml:1: the instrument has no 'title'",
        "demo.yaml:3: the instrument has unknown key 'titel'; did you mean 'title'?",
    ]


def test_unknown_key_without_a_close_match_lists_the_allowed_ones():
    text = """\
        instrument: demo
        version: 1
        title: Demo
        languages: [en]
        audience: patient
        intro: Hello
        outro: Thanks
        colour: blue
        """
    [problem] = problems(textwrap.dedent(text) + SECTIONS)
    assert problem.startswith("demo.yaml:8: the instrument has unknown key 'colour' (allowed: ")
    assert "signposting" in problem


def test_missing_required_keys_are_each_reported():
    assert problems("instrument: demo\n" + SECTIONS) == [
        "demo.yaml:1: the instrument has no 'audience'",
        "demo.yaml:1: the instrument has no 'intro'",
        "demo.yaml:1: the instrument has no 'languages'",
        "demo.yaml:1: the instrument has no 'outro'",
        "demo.yaml:1: the instrument has no 'title'",
        "demo.yaml:1: the instrument has no 'version'",
    ]


def test_missing_sections():
    text = header()
    assert problems(text) == ["demo.yaml:1: the instrument has no sections"]
    assert problems(text + "sections: []\n") == ["demo.yaml:8: the instrument has no sections"]
    assert problems(text + "sections: {a: 1}\n") == [
        "demo.yaml:8: 'sections' must be a list of sections, each starting with '- id:', "
        "not a mapping"
    ]


def header(**changes: str) -> str:
    """The header of a one-language file, with some lines replaced."""
    lines = {
        "instrument": "demo",
        "version": "1",
        "title": "Demo",
        "languages": "[en]",
        "audience": "patient",
        "intro": "Hello",
        "outro": "Thanks",
    }
    lines.update(changes)
    return "".join(f"{key}: {value}\n" for key, value in lines.items())


def test_instrument_id_must_be_short_lowercase():
    assert problems(header(instrument="Patient-Survey") + SECTIONS) == [
        "demo.yaml:1: instrument id 'Patient-Survey' is not valid: it must start with a "
        "lowercase letter and hold at most 24 lowercase letters, digits and _"
    ]
    assert problems(header(instrument="a" * 25) + SECTIONS)
    assert problems(header(instrument="a" * 24) + SECTIONS) == []


def test_version_must_be_a_positive_whole_number():
    for bad, shown in (("two", "'two'"), ("0", "0"), ("1.5", "1.5"), ("true", "true")):
        assert problems(header(version=bad) + SECTIONS) == [
            f"demo.yaml:2: 'version' must be a positive whole number such as 1, not {shown}"
        ]


def test_audience_is_patient_or_staff():
    assert problems(header(audience="patients") + SECTIONS) == [
        "demo.yaml:5: 'audience' must be patient or staff, not 'patients'; did you mean 'patient'?"
    ]


def test_languages_must_be_codes_listed_once():
    assert problems(header(languages="[en, en]") + SECTIONS) == [
        "demo.yaml:4: language 'en' is listed twice in 'languages'"
    ]
    assert problems(header(languages="[English]") + SECTIONS) == [
        "demo.yaml:4: language 'English' is not a language code such as en or zh"
    ]
    assert problems(header(languages="[]") + SECTIONS) == [
        "demo.yaml:4: 'languages' must be a list of language codes such as [en, zh], not a list"
    ]


def test_a_single_language_may_be_written_without_brackets():
    assert problems(header(languages="en") + SECTIONS) == []


BILINGUAL = """\
instrument: demo
version: 1
title: {en: Demo, zh: 演示}
languages: [en, zh]
audience: staff
intro: {en: Hello, zh: 你好}
outro: {en: Thanks, zh: 谢谢}
sections:
  - id: s1
    title: {en: Start, zh: 开始}
    items:
      - id: q1
        type: text
        text: {en: Name?, zh: 名字？}
"""


def test_bilingual_file_is_valid():
    assert problems(BILINGUAL) == []


def test_every_text_needs_every_language():
    text = BILINGUAL.replace("text: {en: Name?, zh: 名字？}", "text: {en: Name?}")
    assert problems(text) == ["demo.yaml:14: item 'q1': 'text' has no 'zh' translation"]


def test_a_missing_translation_in_block_style_points_at_the_mapping():
    text = BILINGUAL.replace(
        "text: {en: Name?, zh: 名字？}", "text:\n          en: Name?\n          fr: Nom ?"
    )
    assert problems(text) == [
        "demo.yaml:15: item 'q1': 'text' has no 'zh' translation",
        "demo.yaml:16: item 'q1': 'text' uses language 'fr', which is not in 'languages' (en, zh)",
    ]


def test_a_plain_string_is_only_for_one_language():
    text = BILINGUAL.replace("outro: {en: Thanks, zh: 谢谢}", "outro: Thanks")
    assert problems(text) == [
        "demo.yaml:7: 'outro' is a plain text, but the instrument has 2 languages; give one "
        'text per language, e.g. {en: "…", zh: "…"}'
    ]


def test_an_empty_translation_is_reported():
    text = BILINGUAL.replace("intro: {en: Hello, zh: 你好}", "intro: {en: Hello, zh: ''}")
    assert problems(text) == ["demo.yaml:6: 'intro' for 'zh' must be a non-empty text, not ''"]


def test_an_unquoted_comma_in_a_flow_text_is_explained():
    text = BILINGUAL.replace(
        "text: {en: Name?, zh: 名字？}", "text: {en: Your name, please, zh: 名字}"
    )
    assert problems(text) == [
        "demo.yaml:14: item 'q1': 'text' has 'please' where a language should be: in {…} flow "
        'style a text holding a comma must be quoted, e.g. {en: "Your name, please"}'
    ]


def test_texts_are_markdown_light():
    assert problems(header(intro="'<b>Hello</b>'") + SECTIONS) == [
        "demo.yaml:6: 'intro' holds the HTML tag '<b>'; texts may only use **bold** and line breaks"
    ]
    assert problems(header(intro="'**Hello'") + SECTIONS) == [
        "demo.yaml:6: 'intro' has an unclosed '**' (bold is written **like this**)"
    ]
    assert problems(header(intro="'**Hello** there'") + SECTIONS) == []


def test_numbers_in_texts_keep_their_spelling():
    instrument = load_text(header(title="10:30", intro="1.50") + SECTIONS)
    assert instrument.title.get() == "10:30"
    assert instrument.intro.get() == "1.50"


def test_the_file_must_be_a_mapping():
    assert problems("- a\n- b\n") == [
        "demo.yaml:1: the file must be a mapping of keys such as 'instrument:', 'version:' and "
        "'sections:', not a list"
    ]


def test_empty_values_are_reported_once():
    text = header(title="") + "sections:\n  - id:\n    title: S\n    items:\n"
    text += "      - {id: q1, type: , text: T}\n      - {id: q2, type: text, text: }\n"
    assert problems(text) == [
        "demo.yaml:3: 'title' is empty",
        "demo.yaml:9: section 1: 'id' is empty",
        "demo.yaml:12: item 'q1': 'type' is empty",
        "demo.yaml:13: item 'q2': 'text' is empty",
    ]


def test_languages_written_nearly_right_say_how_to_write_them():
    assert problems(header(languages="[en, CY]") + SECTIONS) == [
        "demo.yaml:4: language 'CY' is not a language code such as en or zh; write 'cy'"
    ]
    assert problems(header(languages="en, cy") + SECTIONS) == [
        "demo.yaml:4: 'languages' must be a list of language codes such as [en, zh], "
        "not 'en, cy'; write [en, cy]"
    ]
