"""Keying fields: one per item type, lenient, and the marks they keep."""

from __future__ import annotations

import datetime
import textwrap

from exports.dataset import Dataset, Options
from forms.keying import (
    KEYERS,
    differences,
    field_question,
    paper_pages,
    prefill,
    problem_summary,
    read_pass,
)
from forms.loader import load_text
from forms.model import ITEM_TYPES
from forms.stored import STATES, item_columns
from tests.exports.samples import record, versions
from tests.forms.authoring import HEAD


def test_every_item_type_has_a_keying_field():
    assert set(KEYERS) == set(ITEM_TYPES)


def test_blanks_are_no_answer_and_routing_and_required_are_not_enforced():
    v1, _ = versions()
    keyed = read_pass(v1, {"used": "2", "what": "1 2", "age": "", "born": "02/01/1980"})
    assert keyed.answers == {
        "used": 2,
        "what": frozenset({1, 2}),
        "born": datetime.date(1980, 1, 2),
    }
    assert keyed.marks == {} and keyed.problems == {}


def test_star_is_invalid_on_paper_for_every_type_and_bad_text_is_a_problem():
    v1, _ = versions()
    data = {"used": "*", "what": "-96", "rate.book": "*", "age": "*", "born": "*", "why": "*"}
    keyed = read_pass(v1, data)
    assert keyed.marks == {"used": -96, "what": -96, "rate.book": -96, "age": -96,
                           "born": -96, "why": -96}  # fmt: skip
    assert keyed.answers == {}
    bad = read_pass(v1, {"used": "3", "what": "1 x", "age": "4.5", "born": "31/02/2020"})
    assert set(bad.problems) == {"used", "what", "age", "born"}


def test_keyed_text_round_trips_and_passes_compare_field_by_field():
    v1, _ = versions()
    data = {"used": "1", "what": "1 2", "rate.pay": "2", "age": "*", "born": "02/01/1980"}
    keyed = read_pass(v1, data)
    shown = prefill(v1, keyed.answers, keyed.marks)
    assert read_pass(v1, shown) == keyed
    assert differences(v1, data, data | {"rate.pay": "1", "age": " * "}) == ["rate.pay"]


def test_marks_kept_in_states_are_minus_96_in_the_coded_dataset_raw_and_clean():
    v1, _ = versions()
    keyed = read_pass(v1, {"used": "2", "what": "1", "rate.book": "*", "age": "*"})
    columns = {}
    for item in v1.iter_questions():
        columns.update(item_columns(item, keyed.answers.get(item.id)))
    rec = record(1, _mode=2, **columns, **{STATES: keyed.marks})
    for clean in (True, False):
        coded = Dataset([v1], Options(clean=clean)).code([rec]).to_pylist()[0]
        assert coded["rate_book"] == -96 and coded["age"] == -96
        assert coded["what_1"] == (-98 if clean else 1)
        assert coded["rate_pay"] == -99
    assert isinstance(read_pass(v1, {"age": "12"}).answers["age"], int)


def test_questions_group_by_the_printed_page_of_their_first_box():
    v1, _ = versions()
    boxes = [{"item": "used", "page": 2}, {"item": "what", "page": 2}, {"item": "what", "page": 3},
             {"item": "rate", "page": 3}, {"item": "born", "page": 4}]  # fmt: skip
    pages = [(page, [item.id for item in items]) for page, items in paper_pages(v1, boxes)]
    assert pages == [(2, ["used", "what"]), (3, ["rate", "age"]), (4, ["born", "why", "phone"])]


KEYED_PAGE = HEAD + textwrap.dedent("""\
    sections:
      - id: all
        title: Visits
        items:
          - {id: intro, type: note, text: About your visits.}
          - {id: used, type: single, text: Did you visit?, choices: {1: "Yes", 2: "No"}}
          - id: rate
            type: grid
            text: How easy was it to **book** each kind of appointment with the practice?
            choices: {1: Easy, 2: Hard}
            rows: {phone: By phone, web: Online}
          - {id: age, type: integer, text: Your age}
          - {id: web_only, type: text, text: Online only, paper: false}
""")


def test_the_error_summary_names_each_problem_by_its_question_as_printed():
    """A keyer finds the question on the paper by its number; the field's own message,
    shown beside the question, stays short."""
    instrument = load_text(KEYED_PAGE, "demo.yaml")
    keyed = read_pass(instrument, {"used": "3", "rate.web": "7", "age": "abc"})
    problems = {"returned_on": "Enter the date the form came back", **keyed.problems}
    assert problem_summary(instrument, problems, "en") == {
        "returned_on": "Enter the date the form came back",
        "used": "Q1 (Did you visit?): 3 is not one of the codes",
        "rate.web": "Q2 Online (How easy was it to book each kind of appointment…): "
        "7 is not one of the codes",
        "age": "Q3 (Your age): abc is not a number",
    }
    assert keyed.problems["age"] == "abc is not a number"
    assert field_question(instrument, "web_only", "en") is None  # not on the paper
    assert field_question(instrument, "rate", "en") is None  # a grid is keyed row by row
    assert field_question(instrument, "main-form", "en") is None
