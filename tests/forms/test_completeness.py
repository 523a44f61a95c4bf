"""The share of applicable questions answered, and AAPOR's complete / partial / break-off."""

from __future__ import annotations

import pytest

from forms.completeness import BREAK_OFF, COMPLETE, PARTIAL, Thresholds, answered_share
from forms.loader import load_text

SURVEY = """\
instrument: share
version: 1
title: Share
languages: [en]
audience: patient
intro: Hello
outro: Thanks
choice_lists:
  yes_no: {1: "Yes", 2: "No"}
sections:
  - id: s1
    title: One
    items:
      - {id: intro_note, type: note, text: Some words}
      - {id: used, type: single, text: Used?, choices: yes_no}
      - {id: why, type: text, text: Why?, show_if: "used == 1"}
      - id: what
        type: multiple
        text: What?
        choices: {1: Booking, 9: Other}
      - id: conf
        type: grid
        text: How confident?
        choices: yes_no
        rows: {a: Booking, b: Repeat}
  - id: s2
    title: Two
    show_if: "used == 2"
    items:
      - {id: age, type: integer, text: Age?}
      - {id: paper_only, type: text, text: Anything else?, web: false}
"""


@pytest.fixture(scope="module")
def survey():
    return load_text(SURVEY, "share.yaml")


def test_nothing_answered_counts_every_question_that_applies(survey):
    # used, what and the grid apply; why and section two are routed out by nothing said.
    assert answered_share(survey, {}) == (0, 3)


def test_routing_adds_and_removes_questions(survey):
    assert answered_share(survey, {"used": 1, "why": "x"}) == (2, 4)
    # Section two applies; its paper-only item counts on paper only.
    assert answered_share(survey, {"used": 2, "age": 40}) == (2, 4)
    assert answered_share(survey, {"used": 2, "age": 40}, web=False) == (2, 5)
    # An answer kept for an item now routed out is neither answered nor applicable.
    assert answered_share(survey, {"used": 2, "why": "kept"}) == (1, 4)


def test_a_grid_is_one_question_answered_by_any_row(survey):
    # The states of forms.routing.item_states: one per question, a grid included.
    assert answered_share(survey, {"used": 2, "conf": {"a": 1}}) == (2, 4)
    assert answered_share(survey, {"used": 2, "conf": {"a": 1, "b": 2}, "age": 3}) == (3, 4)


@pytest.mark.parametrize(
    ("answered", "applicable", "outcome"),
    [(8, 10, COMPLETE), (10, 10, COMPLETE), (7, 10, PARTIAL), (5, 10, PARTIAL),
     (4, 10, BREAK_OFF), (0, 10, BREAK_OFF), (0, 0, BREAK_OFF)],
)  # fmt: skip
def test_aapor_default_thresholds(answered, applicable, outcome):
    assert Thresholds().outcome(answered, applicable) == outcome


def test_thresholds_set_per_study():
    strict = Thresholds(complete=100, partial=30)
    assert [strict.outcome(n, 10) for n in (10, 9, 3, 2)] == [
        COMPLETE, PARTIAL, PARTIAL, BREAK_OFF,
    ]  # fmt: skip
