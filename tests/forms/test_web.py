"""The web form of a page: field names, prefill from stored answers, reading answers back."""

from __future__ import annotations

import datetime
import warnings
from dataclasses import replace
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from forms.model import Item
from forms.web import build_form, check_page, entered_items, read_answers, shown_items
from tests.forms.web_samples import (
    ALL,
    INSTRUMENT,
    NOTE,
    OTHER,
    USED,
    FakeExpression,
    make_instrument,
    text,
)

# Building the form ------------------------------------------------------------------


def test_field_names_follow_the_contract():
    form = build_form(ALL, INSTRUMENT, "en")
    assert [f.name for f in form] == [
        "used",
        "services",
        "conf_a",
        "conf_b",
        "other",
        "comments",
        "age",
        "weight",
        "visit-day",
        "visit-month",
        "visit-year",
    ]


def test_choices_render_without_deprecation_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        form = build_form(ALL, INSTRUMENT, "zh", answers={"used": 1})
        for name in ("used", "services", "conf_a"):
            options = list(form[name])
            assert [o.data for o in options][:2] == ["1", "2"]
            assert form[name]()  # the WTForms widget renders too
    assert [str(o.label.text) for o in form["used"]] == ["是", "否"]


def test_web_false_items_are_left_out():
    paper_only = Item("paper", "text", text("Paper only"), web=False)
    form = build_form((USED, paper_only), INSTRUMENT, "en")
    assert [f.name for f in form] == ["used"]
    assert read_answers(form, (USED, paper_only)) == {"used": None}


def test_an_item_may_be_called_like_a_form_attribute():
    items = (replace(USED, id="data"), replace(OTHER, id="meta"))
    form = build_form(items, make_instrument(*items), "en", formdata=MultiDict({"data": "2"}))
    assert form["data"].data == "2"
    assert read_answers(form, items) == {"data": 2, "meta": None}


def test_prefill_from_stored_answers():
    answers = {
        "used": 1,
        "services": frozenset({1, 2}),
        "conf": {"a": 9, "b": None},
        "other": "NHS App",
        "age": 42,
        "weight": Decimal("70.5"),
        "visit": datetime.date(2024, 3, 5),
    }
    form = build_form(ALL, INSTRUMENT, "en", answers=answers)
    assert form["used"].data == "1"
    assert form["services"].data == ["1", "2"]
    assert form["conf_a"].data == "9"
    assert form["conf_b"].data is None
    assert form["other"].data == "NHS App"
    assert form["comments"].data is None
    assert form["age"].data == "42"
    assert form["weight"].data == "70.5"
    assert (form["visit-day"].data, form["visit-month"].data, form["visit-year"].data) == (
        "5",
        "3",
        "2024",
    )
    assert read_answers(form, ALL) == {**answers, "conf": {"a": 9}, "comments": None}


def test_formdata_wins_over_stored_answers():
    form = build_form(ALL, INSTRUMENT, "en", formdata=MultiDict(), answers={"used": 1})
    assert form["used"].data is None


# Reading answers -----------------------------------------------------------------


def test_read_answers_gives_the_answers_shape():
    form = build_form(
        ALL,
        INSTRUMENT,
        "en",
        formdata=MultiDict(
            [
                ("used", "2"),
                ("services", "1"),
                ("services", "2"),
                ("conf_b", "1"),
                ("other", "  hello  "),
                ("comments", "line 1\r\nline 2"),
                ("age", " 42 "),
                ("weight", "70.25"),
                ("visit-day", "5"),
                ("visit-month", "03"),
                ("visit-year", "2024"),
            ]
        ),
    )
    assert read_answers(form, ALL) == {
        "used": 2,
        "services": frozenset({1, 2}),
        "conf": {"b": 1},
        "other": "hello",
        "comments": "line 1\nline 2",
        "age": 42,
        "weight": Decimal("70.25"),
        "visit": datetime.date(2024, 3, 5),
    }


def test_read_answers_empty_page_is_all_none():
    form = build_form(ALL, INSTRUMENT, "en", formdata=MultiDict({"other": "   "}))
    assert read_answers(form, ALL) == dict.fromkeys(
        ["used", "services", "conf", "other", "comments", "age", "weight", "visit"]
    )


@pytest.mark.parametrize(
    ("pairs", "item_id"),
    [
        ([("used", "3")], "used"),  # not a code of the item
        ([("used", "yes")], "used"),
        ([("services", "1"), ("services", "7")], "services"),
        ([("conf_a", "4")], "conf"),
        ([("age", "42.5")], "age"),
        ([("age", "forty")], "age"),
        ([("weight", "1,5")], "weight"),
        ([("weight", "NaN")], "weight"),
        ([("weight", "Infinity")], "weight"),
        ([("visit-day", "31"), ("visit-month", "2"), ("visit-year", "2024")], "visit"),
        ([("visit-day", "1"), ("visit-month", "2"), ("visit-year", "24")], "visit"),
        ([("visit-day", "1"), ("visit-year", "2024")], "visit"),
        ([("visit-day", "x"), ("visit-month", "2"), ("visit-year", "2024")], "visit"),
    ],
)
def test_unparseable_input_reads_as_none(pairs, item_id):
    form = build_form(ALL, INSTRUMENT, "en", formdata=MultiDict(pairs))
    assert read_answers(form, ALL)[item_id] is None


@pytest.mark.parametrize(
    ("pairs", "item_id"),
    [
        ([("used", "3")], "used"),
        ([("services", "7")], "services"),
        ([("conf_b", "4")], "conf"),
        ([("age", "forty")], "age"),
        ([("weight", "1,5")], "weight"),
        ([("visit-year", "2024")], "visit"),
        ([("other", "hello")], "other"),
        ([("age", "42")], "age"),
    ],
)
def test_input_that_is_no_answer_still_counts_as_entered(pairs, item_id):
    """The page said which answers were set aside only for those it could read; text that
    is not a number, typed into a question that does not apply, was dropped unsaid."""
    form = build_form(ALL, INSTRUMENT, "en", formdata=MultiDict(pairs))
    assert entered_items(form, ALL) == {item_id}


def test_nothing_entered_on_a_blank_page():
    blank = [("other", "   "), ("age", ""), ("visit-day", ""), ("visit-month", "")]
    form = build_form(ALL, INSTRUMENT, "en", formdata=MultiDict(blank))
    assert entered_items(form, ALL) == set()


def test_full_width_digits_and_signs_are_numbers():
    pairs = [("age", "４２"), ("weight", "+.5"), ("visit-day", "０１")]
    pairs += [("visit-month", "1"), ("visit-year", "２０２４")]
    form = build_form(ALL, INSTRUMENT, "en", formdata=MultiDict(pairs))
    values = read_answers(form, ALL)
    assert (values["age"], values["weight"]) == (42, Decimal("0.5"))
    assert values["visit"] == datetime.date(2024, 1, 1)


def test_text_with_a_nul_character_is_refused_with_a_message_not_stripped():
    form = build_form(ALL, INSTRUMENT, "en", formdata=MultiDict({"other": "a\x00b"}))
    assert read_answers(form, ALL)["other"] == "a\x00b"
    assert not check_page(form, ALL, INSTRUMENT, "en", {})
    assert form["other"].errors == ["Remove the invisible control characters from your answer"]


def test_shown_items():
    shows = FakeExpression(lambda answers, this: answers.get("used") == 1)
    routed = replace(OTHER, show_if=shows)
    routed_note = replace(NOTE, show_if=shows)
    items = (NOTE, USED, routed, routed_note)
    assert shown_items(items, INSTRUMENT, {"used": 2}) == [NOTE, USED]
    assert shown_items(items, INSTRUMENT, {"used": 1}) == list(items)
