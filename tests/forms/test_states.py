"""Item states per response, and stored records read back into answers and paper marks."""

from __future__ import annotations

import datetime
from decimal import Decimal

from forms.loader import load_text
from forms.routing import MISSING_LABELS, State, item_states, set_aside, stopped_applying
from forms.stored import STATES, item_columns, record_answers, record_marks
from tests.forms.test_routing import CHAIN

S = State


def test_a_complete_response_answered_skipped_and_left_blank():
    instrument = load_text(CHAIN)
    answers = {"used": 1, "what": frozenset({1}), "ease": 2}
    assert item_states(instrument, answers) == {
        "used": S.ANSWERED, "what": S.ANSWERED, "other": S.NOT_APPLICABLE,
        "ease": S.ANSWERED, "why": S.NOT_ANSWERED, "age": S.NOT_ANSWERED,
    }  # fmt: skip


def test_clean_sets_routed_out_answers_aside_and_raw_keeps_them():
    instrument = load_text(CHAIN)
    answers = {"used": 2, "what": frozenset({9}), "other": "x", "ease": 1, "age": 40}
    clean = item_states(instrument, answers)
    assert [clean[k] for k in ("what", "other", "ease", "why")] == [S.NOT_APPLICABLE] * 4
    assert set_aside(clean, answers) == 3
    raw = item_states(instrument, answers, clean=False)
    assert [raw[k] for k in ("what", "other", "ease", "why")] == [
        S.ANSWERED, S.ANSWERED, S.ANSWERED, S.NOT_APPLICABLE,
    ]  # fmt: skip
    assert set_aside(raw, answers) == 0


def test_a_partial_response_is_not_reached_after_where_it_stopped():
    instrument = load_text(CHAIN)
    states = item_states(instrument, {"used": 1}, complete=False, reached="other")
    assert states["what"] == S.NOT_ANSWERED and states["other"] == S.NOT_APPLICABLE
    assert states["ease"] == S.NOT_REACHED and states["age"] == S.NOT_REACHED
    assert item_states(instrument, {}, complete=False)["used"] == S.NOT_REACHED


def test_paper_marks_and_forms_per_mode():
    instrument = load_text(CHAIN)
    states = item_states(instrument, {"used": 2}, marks={"age": -96})
    assert states["age"] == S.INVALID and states["age"].value == -96
    assert MISSING_LABELS[-95] == S.NOT_IN_VERSION.label == "Not in this version"


def test_records_and_answers_map_both_ways():
    instrument = load_text(CHAIN.replace("type: integer", "type: decimal"))
    what = instrument.item("what")
    assert item_columns(what, frozenset({9})) == {"what_1": 0, "what_9": 1}
    assert item_columns(what, None) == {"what_1": None, "what_9": None}
    record = {"used": 1, "what_1": 0, "what_9": 1, "age": 40.5, "other": None}
    assert record_answers(instrument, record) == {
        "used": 1, "what": frozenset({9}), "age": Decimal("40.5"),
    }  # fmt: skip


def test_paper_marks_in_code_columns_and_in_the_states_entry():
    instrument = load_text(CHAIN)
    record = {"used": -96, "what_1": -96, "what_9": -96, STATES: {"age": -96}}
    assert record_answers(instrument, record) == {}
    assert record_marks(instrument, record) == {"used": -96, "what": -96, "age": -96}
    states = item_states(
        instrument, record_answers(instrument, record), marks=record_marks(instrument, record)
    )
    assert states["used"] == S.INVALID
    assert states["what"] == S.NOT_APPLICABLE  # routed by an unreadable answer: not asked


def test_dates_and_text_pass_through():
    instrument = load_text(CHAIN.replace("type: integer", "type: date"))
    day = datetime.date(2026, 1, 2)
    assert record_answers(instrument, {"age": day, "other": "x"}) == {"age": day, "other": "x"}


def test_answers_that_stop_applying_after_a_filter_changes():
    instrument = load_text(CHAIN)
    before = {"used": 1, "what": frozenset({9}), "other": "x", "ease": 2, "age": 40}
    after = {**before, "used": 2}
    assert stopped_applying(instrument, before, after) == ["what", "other", "ease"]
    assert stopped_applying(instrument, after, before) == []  # nothing applied that stopped
    assert stopped_applying(instrument, before, before) == []
