"""Routing is judged on the answers that apply, in instrument order."""

from __future__ import annotations

from forms.loader import load_text
from forms.routing import routed_answers

CHAIN = """\
instrument: chain
version: 1
title: Chain
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
      - {id: used, type: single, text: Used?, choices: yes_no}
      - id: what
        type: multiple
        text: What?
        choices: {1: Booking, 9: Other}
        show_if: "used == 1"
      - {id: other, type: text, text: Which other?, show_if: "9 in what"}
  - id: s2
    title: Two
    show_if: "used == 1"
    items:
      - {id: ease, type: single, text: Easy?, choices: yes_no}
      - {id: why, type: text, text: Why not?, show_if: "ease == 2"}
  - id: s3
    title: Three
    items:
      - {id: age, type: integer, text: Age?}
"""


def test_a_routed_out_answer_does_not_switch_on_its_dependants():
    instrument = load_text(CHAIN)
    answers = {"used": 2, "what": frozenset({9}), "other": "x", "ease": 2, "why": "y", "age": 40}
    assert routed_answers(instrument, answers) == {"used": 2, "age": 40}


def test_answers_that_apply_are_all_kept():
    instrument = load_text(CHAIN)
    answers = {"used": 1, "what": frozenset({9}), "other": "x", "ease": 2, "why": "y"}
    assert routed_answers(instrument, answers) == answers
    assert routed_answers(instrument, {**answers, "what": frozenset({1})}) == {
        "used": 1, "what": frozenset({1}), "ease": 2, "why": "y",
    }  # fmt: skip


def test_unknown_names_pass_through_and_blanks_are_dropped():
    instrument = load_text(CHAIN)
    assert routed_answers(instrument, {"elsewhere": 3, "used": None}) == {"elsewhere": 3}
