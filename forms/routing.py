"""Which answers count for routing: only those to items that apply, judged in order.

An answer kept for an item that is now routed out (a respondent went back and changed
a filter, or a paper respondent ignored "Go to Q7") stays stored, but it must not
switch on the items that depend on it: routing is judged on the answers that apply.

`item_states` gives each question's state in a response (answered, or the reserved
missing code saying why not): the web pages, the clean export and paper keying all
judge routing here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any

from forms.expressions import Tester
from forms.memo import kept_with
from forms.model import Instrument, Item


def routed_answers(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to items that apply, walking the instrument in order.

    Answers to names the instrument does not have are passed through: they cannot be judged.
    """
    known = instrument.items_by_id
    kept: dict[str, Any] = {k: v for k, v in answers.items() if k not in known}
    test = Tester(kept, instrument.missing_codes)  # reads `kept` as it grows
    for section in instrument.sections:
        if section.show_if is not None and not test(section.show_if):
            continue
        for item in section.items:
            if item.id not in answers or answers[item.id] is None:
                continue
            if item.show_if is None or test(item.show_if):
                kept[item.id] = answers[item.id]
    return kept


class State(IntEnum):
    """What became of one item in one response: answered, or why it has no answer.

    The missing states carry their reserved code (data conventions): an export writes
    `state.value` where the answer would be.
    """

    ANSWERED = 0
    NOT_ANSWERED = -99  # shown (online or on paper) and left blank
    NOT_APPLICABLE = -98  # routed past by show_if (or not on this mode's form)
    NOT_REACHED = -97  # after the point where a partial response stopped
    INVALID = -96  # invalid on paper: two boxes ticked where one was asked for, illegible
    NOT_IN_VERSION = -95  # the item is not in the version this response used

    @property
    def label(self) -> str:
        """The value label of the reserved code."""
        return MISSING_LABELS.get(self.value, "Answered")


MISSING_LABELS = {
    -99: "Not answered",
    -98: "Not applicable",
    -97: "Not reached",
    -96: "Invalid on paper",
    -95: "Not in this version",
}


def items_applying(
    instrument: Instrument, answers: Mapping[str, Any], mode: str | None = None
) -> dict[str, bool]:
    """Whether each question applies (is routed in), judged in order on the answers that apply.

    `mode` "web" or "paper" routes past items not on that mode's form (None: all count).
    """
    kept: dict[str, Any] = {}
    test = Tester(kept, instrument.missing_codes)  # reads `kept` as it grows
    applies: dict[str, bool] = {}
    for show_if, questions in _questions_by_section(instrument):
        section_on = show_if is None or test(show_if)
        for item in questions:
            on = section_on and _on_form(item, mode)
            if on and item.show_if is not None:
                on = test(item.show_if)
            answer = answers.get(item.id)
            if on and answer is not None:
                kept[item.id] = answer
            applies[item.id] = on
    return applies


_SECTIONS: dict[int, list[tuple[Any, list[Item]]]] = {}


def _questions_by_section(instrument: Instrument) -> list[tuple[Any, list[Item]]]:
    """(section show_if, the section's questions) in order, worked out once per instrument."""
    return kept_with(instrument, _SECTIONS, lambda: [
        (section.show_if, [item for item in section.items if item.is_question])
        for section in instrument.sections
    ])  # fmt: skip


def stopped_applying(
    instrument: Instrument,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    mode: str | None = None,
    now: Mapping[str, bool] | None = None,
) -> list[str]:
    """Ids of the questions answered in `before` that applied then and do not in `after`.

    A respondent who changes a filter answer turns earlier answers off: these are the
    answers that are no longer kept, in instrument order. `now`: `items_applying` of
    `after` in `mode`, when the caller has it.
    """
    if now is None:
        now = items_applying(instrument, after, mode)
    if all(applies or before.get(ref) is None for ref, applies in now.items()):
        return []  # every answer given before still applies: nothing to compare with
    was = items_applying(instrument, before, mode)
    return [
        ref
        for ref, applied in was.items()
        if applied and not now.get(ref, False) and before.get(ref) is not None
    ]


def routing_names(instrument: Instrument) -> frozenset[str]:
    """Ids of the items whose answers any routing (item or section `show_if`) reads."""
    names: set[str] = set()
    for section in instrument.sections:
        for expression in (section.show_if, *(item.show_if for item in section.items)):
            if expression is not None:
                names.update(name.split(".")[0] for name in expression.names)
    return frozenset(names)


def item_states(
    instrument: Instrument,
    answers: Mapping[str, Any],
    *,
    complete: bool = True,
    reached: str | None = None,
    marks: Mapping[str, int] | None = None,
    mode: str | None = None,
    clean: bool = True,
    applies: Mapping[str, bool] | None = None,
) -> dict[str, State]:
    """Each question's state in one response, judged in instrument order.

    `complete`: the response was submitted; otherwise items after `reached` (the id of
    the last item the respondent got to; None: nothing) are not reached. `marks`: paper
    states by item id (`forms.stored.record_marks`). `mode` "web" or "paper" routes past
    items not on that mode's form. `clean` False keeps every answer given, routed or not.
    `applies`: `items_applying(instrument, answers, mode)`, when the caller has it.
    """
    marks = marks or {}
    if applies is None:
        applies = items_applying(instrument, answers, mode)
    states: dict[str, State] = {}
    past_reach = not complete and reached is None
    for item in instrument.items:
        if item.is_question:
            answer = answers.get(item.id)
            states[item.id] = _state(item.id, applies[item.id], answer, past_reach, marks, clean)
        past_reach = past_reach or (not complete and item.id == reached)
    return states


def _on_form(item, mode: str | None) -> bool:
    """Whether the item is on the form of this mode (None: every item counts)."""
    if mode == "web":
        return item.web
    return item.paper if mode == "paper" else True


def _state(ref: str, applies: bool, answer: Any, past_reach: bool, marks, clean: bool) -> State:
    if answer is not None and (applies or not clean):
        return State.ANSWERED
    if not applies:
        return State.NOT_APPLICABLE
    if marks.get(ref) == State.INVALID:
        return State.INVALID
    return State.NOT_REACHED if past_reach else State.NOT_ANSWERED


def set_aside(states: Mapping[str, State], answers: Mapping[str, Any]) -> int:
    """How many given answers a clean dataset sets aside (answered, but routed past)."""
    return sum(
        1
        for ref, state in states.items()
        if state == State.NOT_APPLICABLE and answers.get(ref) is not None
    )
