"""The `volunteers:` declaration: checked with FILE:LINE, applied to one response's answers."""

from __future__ import annotations

import textwrap

from forms.loader import load_text
from forms.volunteers import items_read, levels, volunteer_profile
from tests.forms.authoring import HEAD, problems_after

# Lines 8-25: a body with a choice item, a grid, a number, a text and an identifying item.
BODY = """\
sections:
  - id: s1
    title: Start
    items:
      - {id: age, type: single, text: Age?, choices: {1: Young, 2: Old, 9: Rather not}}
      - id: conf
        type: grid
        text: Confident?
        rows: {app: The app, web: The website}
        choices: {1: "Yes", 2: "No"}
      - {id: visits, type: integer, text: Visits?}
      - {id: note, type: text, text: Anything else?}
      - {id: talk, type: single, text: Interview?, choices: {1: "Yes", 2: "No"}}
      - {id: phone, type: text, text: Phone?, identifying: true, show_if: "talk == 1"}
scores:
  - id: ease
    label: Ease
    expr: "sum(conf.app, conf.web)"
"""


def _load(block: str):
    return load_text(HEAD + BODY + textwrap.dedent(block), "demo.yaml")


def _problems(block: str) -> list[str]:
    return problems_after(HEAD + BODY, block)


def test_a_declaration_gives_levels_and_profiles():
    instrument = _load("""\
        volunteers:
          agree: "talk == 1"
          attributes:
            - age
            - conf.app
            - {id: ease, bands: [3], label: Ease online}
            - {id: visits, bands: [1, 5]}
        """)
    attributes = instrument.volunteers.attributes
    assert [a.id for a in attributes] == ["age", "conf.app", "ease", "visits"]
    assert attributes[2].label == "Ease online" and attributes[0].label == "Age"
    assert levels(attributes[0]) == [("1", "Young"), ("2", "Old"), ("9", "Rather not")]
    assert levels(attributes[3]) == [("b0", "under 1"), ("b1", "1 to under 5"), ("b2", "5 or more")]
    answers = {"age": 2, "conf": {"app": 1, "web": 2}, "visits": 5, "talk": 1, "phone": "0770"}
    agreed, profile = volunteer_profile(instrument, answers)
    assert agreed and profile == {"age": "2", "conf.app": "1", "ease": "b1", "visits": "b2"}
    agreed, profile = volunteer_profile(instrument, {"talk": 2, "conf": {"app": 2, "web": 2}})
    assert not agreed and profile == {"age": None, "conf.app": "2", "ease": "b1", "visits": None}


def test_without_a_declaration_nobody_volunteers():
    instrument = _load("")
    assert instrument.volunteers is None
    assert volunteer_profile(instrument, {"talk": 1}) == (False, {})


def test_declaring_volunteers_leaves_the_version_hash_alone():
    plain = _load("")
    declared = _load('volunteers: {agree: "talk == 1", attributes: [age]}\n')
    assert plain.content_hash == declared.content_hash


def test_every_problem_is_reported_with_its_line():
    found = _problems("""\
        volunteers:
          agree: "tlak == 1"
          attributes:
            - agee
            - phone
            - note
            - visits
            - ease
            - {id: age, bands: [2]}
            - conf
            - conf.tv
            - {id: visits, bands: [5, 1]}
            - age
            - age
          colour: blue
        """)
    assert found == [
        "demo.yaml:27: agree of volunteers refers to unknown item 'tlak'; did you mean 'talk'?",
        "demo.yaml:29: volunteers: attribute 'agee' is not an item or score; did you mean 'age'?",
        "demo.yaml:30: volunteers: attribute 'phone' is identifying: contact details cannot be "
        "a sampling attribute",
        "demo.yaml:31: volunteers: attribute 'note' is a text item: use a single-choice item, "
        "a grid row, a number with bands, or a score with bands",
        "demo.yaml:32: volunteers: attribute 'visits' is a number: give its bands, e.g. "
        "{id: visits, bands: [2, 3]}",
        "demo.yaml:33: volunteers: attribute 'ease' is a score (a number): give its bands, "
        "e.g. {id: ease, bands: [2, 3]}",
        "demo.yaml:34: volunteers: attribute 'age' has choices: 'bands' are only for numbers",
        "demo.yaml:35: volunteers: attribute 'conf': grid 'conf' needs a row, e.g. 'conf.app'",
        "demo.yaml:36: volunteers: attribute 'conf.tv': grid 'conf' has no row 'tv'",
        "demo.yaml:37: volunteers attribute 'visits': 'bands' must be a list of rising numbers "
        "where bands start, e.g. [2, 3], not a list",
        "demo.yaml:39: volunteers: attribute 'age' is listed twice (first on line 38)",
        "demo.yaml:40: volunteers has unknown key 'colour' (allowed: agree, attributes)",
    ]


def test_a_volunteers_block_of_the_wrong_shape_is_explained():
    assert _problems("volunteers: [talk]\n") == [
        "demo.yaml:26: 'volunteers' must be a mapping with 'agree:' and 'attributes:', not a list"
    ]
    assert _problems("volunteers: {attributes: age}\n") == [
        "demo.yaml:26: volunteers has no 'agree'",
        "demo.yaml:26: volunteers: 'attributes' must be a list of item or score ids, "
        "e.g. [age_band, gender], not 'age'",
    ]


def test_the_items_read_follow_scores_and_routing():
    text = HEAD + textwrap.dedent("""\
        sections:
          - id: s1
            title: Start
            items:
              - {id: used, type: single, text: Used?, choices: {1: "Yes", 2: "No"}}
              - {id: other, type: integer, text: Other?}
              - {id: ease, type: integer, text: Ease?, show_if: "used == 1"}
          - id: s2
            title: End
            show_if: "other > 1"
            items:
              - {id: talk, type: single, text: Interview?, choices: {1: "Yes", 2: "No"}}
              - {id: age, type: integer, text: Age?}
        scores:
          - {id: easy, label: Easy, expr: "ease * 2"}
        volunteers:
          agree: "talk == 1"
          attributes: [{id: easy, bands: [4]}]
        """)
    instrument = load_text(text, "demo.yaml")
    declared = instrument.volunteers
    assert [i.id for i in items_read(instrument, declared, attributes=False)] == ["other", "talk"]
    assert [i.id for i in items_read(instrument, declared)] == ["used", "other", "ease", "talk"]
    answers = {"used": 1, "other": 2, "ease": 3, "talk": 1}
    assert volunteer_profile(instrument, answers) == (True, {"easy": "b1"})
    # Routed out, the answers kept do not count: no section, so no agreement; no ease score.
    assert volunteer_profile(instrument, {**answers, "other": 0, "used": 2}) == (
        False, {"easy": None}
    )  # fmt: skip


def test_agreement_cannot_read_identifying_answers():
    assert _problems('volunteers: {agree: "answered(phone)"}\n') == [
        "demo.yaml:26: agree of volunteers uses identifying item 'phone', which is stored apart "
        "and encrypted; ask a question such as 'interview' and use it instead"
    ]
