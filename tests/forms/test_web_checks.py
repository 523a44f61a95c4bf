"""Checking a page: required answers, numbers, lengths, dates, exclusive codes, constraints,
routing, messages in Chinese, and the error summary."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest
from werkzeug.datastructures import MultiDict

from forms.model import Item
from forms.web import build_form, check_page, error_summary
from tests.forms.web_samples import (
    AGE,
    ALL,
    GRID,
    OTHER,
    SERVICES_ITEM,
    USED,
    VISIT,
    WEIGHT,
    FakeExpression,
    errors,
    make_instrument,
    post,
    text,
)


def required(*items: Item) -> tuple[Item, ...]:
    return tuple(replace(item, required=True) for item in items)


def test_required_messages_per_type():
    form, valid = post(required(*ALL), [])
    assert not valid
    assert errors(form) == {
        "used": ["Select your answer to 'Have you used online services?'"],
        "services": ["Select at least one answer to 'Which?'"],
        "conf_a": ["Select an answer for 'I can book online'"],
        "conf_b": ["Select an answer for 'I trust the app'"],
        "other": ["Enter your answer to 'Anything else?'"],
        "comments": ["Enter your answer to 'Comments'"],
        "age": ["Enter a number for 'How old are you?'"],
        "weight": ["Enter a number for 'Weight'"],
        "visit-day": ["Enter a date for 'When did you last visit?'"],
    }


def test_optional_empty_page_is_valid():
    form, valid = post(ALL, [])
    assert valid
    assert error_summary(form) == []


def test_a_valid_page_passes():
    pairs = [("used", "1"), ("services", "99"), ("conf_a", "1"), ("conf_b", "9")]
    pairs += [("other", "ok"), ("comments", "x"), ("age", "16"), ("weight", "0.1")]
    pairs += [("visit-day", "29"), ("visit-month", "2"), ("visit-year", "2024")]
    assert post(required(*ALL), pairs)[1]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("15", "Enter a number between 16 and 120"),
        ("121", "Enter a number between 16 and 120"),
        ("abc", "Enter a whole number"),
        ("16.5", "Enter a whole number"),
    ],
)
def test_integer_parse_and_range(value, message):
    form, valid = post((AGE,), [("age", value)])
    assert not valid
    assert errors(form) == {"age": [message]}


def test_decimal_range_compares_exactly_and_words_limits_plainly():
    assert post((WEIGHT,), [("weight", "0.1")])[1]  # 0.1 is not below 0.1 (no float rounding)
    form, _ = post((WEIGHT,), [("weight", "0.05")])
    assert errors(form) == {"weight": ["Enter a number between 0.1 and 300"]}
    only_min = replace(AGE, max=None)
    only_max = replace(AGE, min=None)
    assert errors(post((only_min,), [("age", "3")])[0]) == {
        "age": ["Enter a number that is 16 or more"]
    }
    assert errors(post((only_max,), [("age", "300")])[0]) == {
        "age": ["Enter a number that is 120 or less"]
    }


def test_max_length_counts_the_trimmed_text():
    assert post((OTHER,), [("other", "  0123456789  ")])[1]
    form, valid = post((OTHER,), [("other", "01234567890")])
    assert not valid
    assert errors(form) == {"other": ["Your answer must be 10 characters or fewer"]}


def test_exclusive_code_with_another_is_invalid():
    form, valid = post((SERVICES_ITEM,), [("services", "1"), ("services", "99")])
    assert not valid
    assert errors(form) == {"services": ["'None of these' cannot be selected with other answers"]}
    assert post((SERVICES_ITEM,), [("services", "99")])[1]


def test_multiple_min_and_max_ticks():
    item = replace(SERVICES_ITEM, min=2, max=2, exclusive=frozenset())
    assert errors(post((item,), [("services", "1")])[0]) == {
        "services": ["Select at least 2 answers"]
    }
    three = [("services", "1"), ("services", "2"), ("services", "99")]
    assert errors(post((item,), three)[0]) == {"services": ["Select no more than 2 answers"]}


def test_unknown_codes_are_reported():
    form, valid = post(
        (USED, SERVICES_ITEM, GRID), [("used", "7"), ("services", "5"), ("conf_b", "3")]
    )
    assert not valid
    assert errors(form) == {
        "used": ["Select one of the answers shown"],
        "services": ["Select one of the answers shown"],
        "conf_b": ["Select one of the answers shown"],
    }


@pytest.mark.parametrize(
    ("day", "month", "year", "field", "message", "flagged"),
    [
        ("", "3", "2024", "visit-day", "The date must include a day", {"visit-day"}),
        (
            "1",
            "",
            "",
            "visit-month",
            "The date must include a month and year",
            {"visit-month", "visit-year"},
        ),
        ("1", "3", "24", "visit-year", "The year must include 4 numbers", {"visit-year"}),
        (
            "30",
            "2",
            "2024",
            "visit-day",
            "Enter a real date",
            {"visit-day", "visit-month", "visit-year"},
        ),
        (
            "1",
            "March",
            "2024",
            "visit-day",
            "Enter a real date",
            {"visit-day", "visit-month", "visit-year"},
        ),
    ],
)
def test_date_checks(day, month, year, field, message, flagged):
    pairs = [("visit-day", day), ("visit-month", month), ("visit-year", year)]
    form, valid = post((VISIT,), pairs)
    assert not valid
    assert errors(form) == {field: [message]}
    assert {f.name for f in form if f.flags.invalid} == flagged


def test_constraint_with_its_message_and_the_default():
    older = FakeExpression(
        lambda answers, this: answers[this] >= answers["age"], "visit_age >= age"
    )
    item = Item("visit_age", "integer", text("Age at visit"), constraint=older)
    worded = replace(item, constraint_message=text("Must be at least your age", "不能小于您的年龄"))
    before = {"age": 40}
    assert post((item,), [("visit_age", "41")], before=before)[1]
    assert older.calls[-1]["this"] == "visit_age"
    assert older.calls[-1]["answers"] == {"age": 40, "visit_age": 41}
    assert errors(post((item,), [("visit_age", "39")], before=before)[0]) == {
        "visit_age": ["Check your answer"]
    }
    assert errors(post((worded,), [("visit_age", "39")], "zh", before)[0]) == {
        "visit_age": ["不能小于您的年龄"]
    }


def test_constraint_is_not_tested_without_a_value_or_after_a_type_error():
    never = FakeExpression(lambda answers, this: False)
    item = Item("n", "integer", text("N"), constraint=never)
    assert post((item,), [])[1]
    assert errors(post((item,), [("n", "x")])[0]) == {"n": ["Enter a whole number"]}
    assert never.calls == []


def test_constraint_on_a_date_flags_every_part():
    past = FakeExpression(lambda answers, this: answers[this] < datetime.date(2000, 1, 1))
    item = replace(VISIT, constraint=past)
    form, valid = post((item,), [("visit-day", "1"), ("visit-month", "1"), ("visit-year", "2020")])
    assert not valid
    assert errors(form) == {"visit-day": ["Check your answer"]}
    assert all(f.flags.invalid for f in form)


def test_routing_hides_items_from_validation():
    shows = FakeExpression(lambda answers, this: answers.get("used") == 1, "used == 1")
    routed = replace(SERVICES_ITEM, required=True, show_if=shows)
    items = (replace(USED, required=True), routed)
    assert post(items, [("used", "2")])[1]  # routed past on this page's own answer
    form, valid = post(items, [("used", "1")])
    assert not valid
    assert errors(form) == {"services": ["Select at least one answer to 'Which?'"]}
    # routed by an earlier page's answer
    assert post((routed,), [], before={"used": 2})[1]
    assert not post((routed,), [], before={"used": 1})[1]


def test_routing_gets_the_missing_codes():
    shows = FakeExpression(lambda answers, this: True)
    item = replace(GRID, show_if=shows)
    post((item,), [])
    assert shows.calls[-1]["missing"] == {
        "conf": frozenset({9}),
        "conf.a": frozenset({9}),
        "conf.b": frozenset({9}),
    }


def test_chinese_messages_and_english_fallback():
    items = required(USED, AGE, SERVICES_ITEM)
    form, _ = post(items, [("age", "5"), ("services", "1"), ("services", "99")], "zh")
    assert errors(form) == {
        "used": ["请选择您对“Have you used online services?”的回答"],
        "age": ["请输入 16 到 120 之间的数字"],
        "services": ["“以上都不是”不能与其他答案同时选择"],
    }
    form, _ = post(items, [], "fr")
    assert errors(form)["used"] == ["Select your answer to 'Have you used online services?'"]


def test_error_summary_in_page_order_with_anchors():
    items = required(USED, GRID, VISIT)
    form, _ = post(items, [("conf_a", "1"), ("visit-day", "1"), ("visit-year", "2024")])
    assert error_summary(form) == [
        ("used", "Select your answer to 'Have you used online services?'"),
        ("conf_b", "'How much do you agree?': Select an answer for 'I trust the app'"),
        ("visit-month", "'When did you last visit?': The date must include a month"),
    ]
    # Beside the question, where it is plain which question is meant, the message is short.
    assert errors(form)["visit-month"] == ["The date must include a month"]


def test_every_summary_message_names_its_question():
    """Two number questions on a page: "Enter a whole number" alone would not say which."""
    years = Item("years", "integer", text("Years in general practice"), min=0, max=60)
    here = Item("here", "integer", text("Years at this practice"), min=0, max=60)
    items = (SERVICES_ITEM, GRID, OTHER, years, here, AGE, WEIGHT, VISIT)
    pairs = [("services", "1"), ("services", "99"), ("conf_a", "7"), ("other", "x" * 11)]
    pairs += [("years", "abc"), ("here", "2.5"), ("age", "5"), ("weight", "1" * 12)]
    pairs += [("visit-day", "31"), ("visit-month", "2"), ("visit-year", "2024")]
    form, valid = post(items, pairs)
    assert not valid
    assert error_summary(form) == [
        ("services", "'Which?': 'None of these' cannot be selected with other answers"),
        ("conf_a", "'How much do you agree?': Select one of the answers shown"),
        ("other", "'Anything else?': Your answer must be 10 characters or fewer"),
        ("years", "'Years in general practice': Enter a whole number"),
        ("here", "'Years at this practice': Enter a whole number"),
        ("age", "'How old are you?': Enter a number between 16 and 120"),
        ("weight", "'Weight': Enter a number of 9 digits or fewer"),
        ("visit-day", "'When did you last visit?': Enter a real date"),
    ]
    form, _ = post(items, [("services", "1"), ("services", "99")], "zh")
    assert error_summary(form) == [("services", "“Which?”：“以上都不是”不能与其他答案同时选择")]


def test_a_constraint_message_in_the_summary_names_its_question():
    never = FakeExpression(lambda answers, this: False)
    item = Item("n", "integer", text("Number of visits"), constraint=never)
    form, _ = post((item,), [("n", "3")])
    assert error_summary(form) == [("n", "'Number of visits': Check your answer")]


def test_checking_again_starts_afresh():
    instrument = make_instrument(VISIT)
    pairs = [("visit-day", "31"), ("visit-month", "2"), ("visit-year", "2024")]
    form = build_form((VISIT,), instrument, "en", formdata=MultiDict(pairs))
    assert not check_page(form, (VISIT,), instrument, "en", {})
    form["visit-day"].data = "28"
    assert check_page(form, (VISIT,), instrument, "en", {})
    assert error_summary(form) == []
    assert not any(f.flags.invalid for f in form)
