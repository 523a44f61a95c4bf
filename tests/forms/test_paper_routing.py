"""Paper routing derived from show_if: jumps beside boxes, filter lines where no jump fits."""

from __future__ import annotations

import textwrap

from forms.loader import load_instrument, load_text
from forms.paper_routing import END, derive_paper_routing
from tests.conftest import INSTRUMENTS
from tests.forms.authoring import HEAD

BODY = """\
choice_lists:
  yn: {1: "Yes", 2: "No", 9: "Don't know"}
sections:
  - id: one
    title: One
    items:
      - {id: a, type: single, text: Used it?, choices: yn}
      - {id: b, type: multiple, text: Which?, show_if: "a == 1", choices: {1: Web, 2: App, 3: X}}
      - {id: c, type: text, text: What other?, show_if: "3 in b"}
      - {id: d, type: integer, text: How many times?, show_if: "a == 1"}
      - {id: e, type: single, text: Again?, choices: yn}
      - {id: f, type: text, text: Why not?, show_if: "e == 2"}
      - {id: g, type: text, text: Why?, show_if: "a == 1 and e == 1"}
  - id: two
    title: Two
    show_if: "a == 1"
    items:
      - {id: h, type: single, text: Easy?, choices: yn}
      - {id: i, type: text, text: Last, show_if: "h == 1"}
"""


def _routing():
    instrument = load_text(HEAD + textwrap.dedent(BODY), "demo.yaml")
    return instrument, derive_paper_routing(instrument)


def test_a_jump_skips_every_item_ruled_out_by_the_answer_alone():
    _, routing = _routing()
    # "No" and "Don't know" at a pass over b, c (which depends on b) and d, to e.
    assert routing.jumps[("a", 2)] == "e"
    assert routing.jumps[("a", 9)] == "e"
    assert ("a", 1) not in routing.jumps


def test_a_jump_to_the_end_and_answers_that_go_on_have_none():
    _, routing = _routing()
    assert routing.jumps[("h", 2)] == END
    assert routing.jumps[("e", 1)] == "g"  # f is skipped; g has its own rule
    assert ("e", 2) not in routing.jumps


def test_filter_lines_only_where_no_jump_expresses_the_rule():
    _, routing = _routing()
    assert set(routing.filters) == {"c", "g"}
    assert str(routing.filters["c"]) == "3 in b"
    # The section's rule cannot be a jump from a (e intervenes): one line under its heading.
    assert {k: str(v) for k, v in routing.section_filters.items()} == {"two": "a == 1"}


def test_items_not_printed_are_neither_jumped_to_nor_filtered():
    body = BODY.replace(
        "{id: e, type: single, text: Again?, choices: yn}",
        "{id: e, type: single, text: Again?, choices: yn, paper: false}",
    )
    instrument = load_text(HEAD + textwrap.dedent(body), "demo.yaml")
    routing = derive_paper_routing(instrument)
    assert routing.jumps[("a", 2)] == "f"
    assert all(item != "e" for item, _ in routing.jumps)


def test_patient_questionnaire_routing():
    instrument = load_instrument(INSTRUMENTS / "patient.yaml")
    numbers = instrument.question_numbers()
    routing = derive_paper_routing(instrument)
    jumps = {(numbers[i], c): numbers.get(t, "end") for (i, c), t in routing.jumps.items()}
    assert jumps[("Q3", 2)] == "Q6" and jumps[("Q3", 98)] == "Q6"
    assert ("Q3", 1) not in jumps
    assert jumps[("Q42", 2)] == "end"
    assert {numbers[i] for i in routing.filters} == {"Q5", "Q27"}
