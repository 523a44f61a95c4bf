"""The consent block: read into the instrument, and every mistake reported with its line."""

from __future__ import annotations

import textwrap

from forms.loader import load_text
from tests.forms.authoring import HEAD, problems_after, problems_of

SECTIONS = """\
sections:
  - id: s1
    title: Start
    items:
      - {id: q1, type: single, text: Well?, choices: {1: "Yes", 2: "No"}}
"""


def problems(body: str) -> list[str]:
    """Problems of HEAD + a consent block (from line 8) + one section."""
    return problems_after(HEAD, textwrap.dedent(body) + SECTIONS, dedent=False)


def test_a_consent_block_is_read_with_its_choices():
    text = (
        HEAD
        + textwrap.dedent("""\
        consent:
          version: 1.2
          statement: |
            Please read this.

            Taking part is voluntary.
          choices:
            - id: take_part
              text: I agree to take part
              required: true
            - id: interview
              text: I agree to be contacted about an interview
        """)
        + SECTIONS
    )
    consent = load_text(text, "demo.yaml").consent
    assert consent.version == "1.2"  # as written, not the float 1.2 printed back
    assert consent.statement.get("en").startswith("Please read this.")
    assert [(c.id, c.required) for c in consent.choices] == [
        ("take_part", True),
        ("interview", False),
    ]
    assert [c.id for c in consent.extras] == ["interview"]
    assert consent.choices[1].text.get() == "I agree to be contacted about an interview"


def test_an_instrument_without_consent_has_none():
    assert load_text(HEAD + SECTIONS, "demo.yaml").consent is None


def test_every_language_is_needed_in_the_statement_and_choices():
    head = HEAD.replace("languages: [en]", "languages: [en, cy]").replace(
        "title: Demo\n", "title: {en: Demo, cy: Demo}\n"
    )
    head = head.replace("intro: Hello", "intro: {en: Hello, cy: Helo}")
    head = head.replace("outro: Thanks", "outro: {en: Thanks, cy: Diolch}")
    body = """\
        consent:
          version: 1
          statement: {en: Please read this.}
          choices:
            - id: take_part
              text: I agree
              required: true
        sections:
          - id: s1
            title: {en: Start, cy: Dechrau}
            items:
              - {id: q1, type: text, text: {en: Name?, cy: Enw?}}
        """
    assert problems_after(head, body) == [
        "demo.yaml:10: the consent block: 'statement' has no 'cy' translation",
        "demo.yaml:13: consent choice 'take_part': 'text' is a plain text, but the instrument "
        'has 2 languages; give one text per language, e.g. {en: "…", cy: "…"}',
    ]


def test_missing_keys_and_an_unknown_key():
    assert problems("""\
        consent:
          statment: Please read this.
          choices:
            - {id: take_part, text: I agree, required: true}
        """) == [
        "demo.yaml:9: the consent block has no 'statement'",
        "demo.yaml:9: the consent block has no 'version'",
        "demo.yaml:9: the consent block has unknown key 'statment'; did you mean 'statement'?",
    ]


def test_a_consent_block_that_is_not_a_mapping():
    assert problems("consent: I agree\n") == [
        "demo.yaml:8: 'consent' must be a mapping with 'version', 'statement' and 'choices' "
        "(see the format docs), not 'I agree'"
    ]


def test_a_bad_version():
    assert problems("""\
        consent:
          version: one point two!
          statement: Please read this.
          choices:
            - {id: take_part, text: I agree, required: true}
        """) == [
        "demo.yaml:9: the consent block: 'version' must be a version such as 1 or \"1.2\" "
        "(letters, digits, . - _), not 'one point two!'"
    ]


def test_choices_need_a_required_one():
    assert problems("""\
        consent:
          version: 1
          statement: Please read this.
          choices:
            - {id: interview, text: You may contact me}
        """) == [
        "demo.yaml:12: the consent block has no required choice; mark the one that means "
        "taking part (such as 'I agree to take part') with 'required: true'"
    ]


def test_bad_choices_are_each_reported():
    assert problems("""\
        consent:
          version: 1
          statement: Please read this.
          choices:
            - {id: take_part, text: I agree, required: true}
            - {id: Take Part, text: Again}
            - {id: take_part, text: Twice}
            - {text: No id}
            - {id: a_very_long_consent_choice_id, text: Long}
            - {id: extra, text: Extra, required: maybe}
            - just text
            - {id: how, text: How}
        """) == [
        "demo.yaml:13: consent choice id 'Take Part' is not valid: ids start with a lowercase "
        "letter and hold only lowercase letters, digits and _; e.g. 'take_part'",
        "demo.yaml:14: consent choice id 'take_part' is used twice (first on line 12)",
        "demo.yaml:15: consent choice 4 has no 'id'",
        "demo.yaml:16: consent choice 'a_very_long_consent_choice_id': the id has 29 "
        "characters, but at most 24 fit the export variable 'consent_{id}' (32 at most)",
        "demo.yaml:17: consent choice 'extra': 'required' must be true or false, not 'maybe'",
        "demo.yaml:18: consent choice 7 must be a mapping with id and text, not 'just text'",
        "demo.yaml:19: consent choice 'how': the id would give the export variable "
        "'consent_how', which holds the statement's version or how consent was given; "
        "rename it",
    ]


def test_an_empty_choice_list():
    assert problems("""\
        consent:
          version: 1
          statement: Please read this.
          choices: []
        """) == ["demo.yaml:11: the consent block has no choices"]


def test_item_variables_may_not_take_the_consent_names():
    body = """\
        sections:
          - id: s1
            title: Start
            items:
              - {id: consent_interview, type: text, text: Contact?}
              - {id: consented, type: text, text: When?}
        """
    assert problems_after(HEAD, body) == [
        "demo.yaml:12: item 'consent_interview' gives export variable 'consent_interview'; "
        "names beginning 'consent_' are reserved for the consent block's variables; rename it",
        "demo.yaml:13: item 'consented' gives export variable 'consented', which is reserved "
        "for the time consent was given; rename it",
    ]


def test_the_shipped_instruments_ask_for_consent():
    from tests.conftest import INSTRUMENTS

    for name in ("patient", "mental_health", "practice_staff"):
        text = (INSTRUMENTS / f"{name}.yaml").read_text(encoding="utf-8")
        instrument = load_text(text, f"{name}.yaml")
        consent = instrument.consent
        assert consent is not None and consent.version == "1.0"
        assert [c.id for c in consent.choices if c.required] == ["take_part"]
        for lang in instrument.languages:
            assert consent.statement.get(lang) and all(c.text.get(lang) for c in consent.choices)
    assert problems_of(HEAD + SECTIONS) == []
