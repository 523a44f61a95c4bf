"""Every problem at once, and never a traceback, whatever the file holds."""

from __future__ import annotations

import logging

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import checks
from forms.errors import InstrumentError
from forms.items import ALL_ITEM_KEYS
from forms.loader import load_text
from forms.model import ITEM_TYPES, Instrument
from forms.validate import SCORE_KEYS, SECTION_KEYS, TOP_KEYS

MANY = """\
instrument: Demo
version: 0
title: {en: Demo}
languages: [en, zh]
audience: everyone
intro: {en: Hi, zh: 你好}
outro: {en: Bye, zh: 再见}
choice_lists:
  yes_no: {1: {en: Yes, zh: 是}, 2: {en: No, zh: 否}, missing: [3]}
sections:
  - id: s1
    title: {en: One, zh: 一}
    items:
      - id: q1
        type: single
        text: {en: Q1, zh: 问题}
        choices: yes_noo
      - id: q2
        type: integer
        text: {en: Q2, zh: 问题}
        min: 10
        max: 1
        shw_if: "q1 == 1"
      - id: q2
        type: text
        text: {en: Q3}
        show_if: "q9 == 1"
scores:
  - {id: sc, label: {en: S, zh: S}, expr: "q2 +"}
"""


def test_many_problems_in_one_file_are_all_reported_at_once():
    with pytest.raises(InstrumentError) as caught:
        load_text(MANY, "many.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "many.yaml:1: instrument id 'Demo' is not valid: it must start with a lowercase letter "
        "and hold at most 24 lowercase letters, digits and _",
        "many.yaml:2: 'version' must be a positive whole number such as 1, not 0",
        "many.yaml:3: 'title' has no 'zh' translation",
        "many.yaml:5: 'audience' must be patient or staff, not 'everyone'",
        "many.yaml:9: choice list 'yes_no': missing code 3 is not one of its codes (1, 2)",
        "many.yaml:17: item 'q1' uses unknown choice list 'yes_noo' (known: yes_no)",
        "many.yaml:21: item 'q2': 'min' (10) is greater than 'max' (1)",
        "many.yaml:23: item 'q2' has unknown key 'shw_if'; did you mean 'show_if'?",
        "many.yaml:24: item id 'q2' is already used by the item on line 18; ids must be unique "
        "in the whole instrument",
        "many.yaml:26: item 'q2': 'text' has no 'zh' translation",
        "many.yaml:27: show_if of item 'q2' refers to unknown item 'q9'",
        "many.yaml:29: expr of score 'sc': the expression ends too early after '+'",
    ]
    assert str(caught.value).splitlines()[0].startswith("many.yaml:1: instrument id")


def test_a_bug_in_a_check_becomes_a_problem_and_a_log_entry(monkeypatch, caplog):
    def broken(draft):
        raise RuntimeError("boom")

    monkeypatch.setattr(checks, "check_expressions", broken)
    text = MANY.replace("instrument: Demo", "instrument: demo")
    with (
        caplog.at_level(logging.ERROR, logger="forms.validate"),
        pytest.raises(InstrumentError) as caught,
    ):
        load_text(text, "many.yaml")
    messages = [p.message for p in caught.value.problems]
    assert (
        "internal error while checking expressions (RuntimeError: boom); "
        "please report this to the Fieldwork developers"
    ) in messages
    assert any("item 'q1' uses unknown choice list" in m for m in messages)  # others still found
    assert "RuntimeError: boom" in caplog.text  # the traceback is logged for developers


DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# Random files built from the format's own vocabulary, so they get deep into the checks.
OTHER_WORDS = [
    "en",
    "zh",
    "fr",
    "missing",
    "q1",
    "q2",
    "g.a",
    "yes_no",
    "patient",
    "staff",
    "a_1",
    "a",
    "s1",
]
WORDS = st.sampled_from(
    [*TOP_KEYS, *SECTION_KEYS, *SCORE_KEYS, *ALL_ITEM_KEYS, *ITEM_TYPES, *OTHER_WORDS]
)
EXPRESSIONS = st.sampled_from(
    [
        *("q1 == 1", "q2 > 3", "g.a == 2", ". < 5", "4 in q1", "count(q1, q2) >= 1", "x =="),
        *("s1", "sum(g.a, g.b)", "q1 in [1, 99]", "answered(g)", "a_1 == 1", "(", "1 +"),
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10_001),
    st.floats(allow_nan=True),
    WORDS,
    EXPRESSIONS,
    st.text(max_size=8),
)
KEYS = st.one_of(WORDS, st.integers(-1, 10_000), st.text(max_size=6))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=12,
)
SHALLOW = st.one_of(
    SCALARS, st.lists(st.integers(-1, 100), max_size=3), st.dictionaries(KEYS, SCALARS, max_size=3)
)
ITEMS = st.fixed_dictionaries(
    {"id": WORDS, "type": st.sampled_from(ITEM_TYPES), "text": SHALLOW},
    optional={key: SHALLOW for key in ALL_ITEM_KEYS if key not in ("id", "type", "text")}
    | {"show_if": EXPRESSIONS, "constraint": EXPRESSIONS},
)
SECTIONS = st.fixed_dictionaries(
    {"id": WORDS, "title": VALUES, "items": st.lists(ITEMS, max_size=3)},
    optional={"show_if": EXPRESSIONS},
)
FILES = st.fixed_dictionaries(
    {
        "instrument": st.sampled_from(["demo", "Demo", 5]),
        "version": st.sampled_from([1, 0, "two"]),
        "languages": st.sampled_from([["en"], ["en", "zh"], "en", [], None, ["en", "en"]]),
        "sections": st.lists(SECTIONS, max_size=2),
    },
    optional={key: VALUES for key in ("title", "audience", "intro", "outro", "signposting")}
    | {
        "choice_lists": st.dictionaries(WORDS, VALUES, max_size=3),
        "scores": st.lists(
            st.fixed_dictionaries({"id": WORDS, "label": VALUES, "expr": EXPRESSIONS}), max_size=2
        ),
    },
)


def outcome(text: str) -> list[str]:
    """The problems of `text` (none if it is a valid instrument); anything else fails the test."""
    try:
        assert isinstance(load_text(text, "fuzz.yaml"), Instrument)
    except InstrumentError as error:
        assert error.problems
        messages = [p.message for p in error.problems]
        assert not [m for m in messages if m.startswith("internal error")], messages
        return messages
    return []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILES)
def test_random_instrument_shaped_files_never_crash(data):
    outcome(yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False))


@settings(max_examples=200, deadline=None)
@given(st.one_of(VALUES, st.dictionaries(KEYS, VALUES)))
def test_random_yaml_values_never_crash(data):
    assert outcome(yaml.dump(data, Dumper=DUMPER, allow_unicode=True))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}?,#'\"!&*|>%@` \t\n0.")), max_size=60))
def test_random_text_never_crashes(text):
    assert outcome(text)
