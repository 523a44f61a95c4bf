"""Which answers count for routing: only those to items that apply, judged in order.

An answer kept for an item that is now routed out (a respondent went back and changed
a filter, or a paper respondent ignored "Go to Q7") stays stored, but it must not
switch on the items that depend on it: routing is judged on the answers that apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms.model import Instrument


def routed_answers(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to items that apply, walking the instrument in order.

    Answers to names the instrument does not have are passed through: they cannot be judged.
    """
    missing = instrument.missing_codes
    known = {item.id for item in instrument.items}
    kept: dict[str, Any] = {k: v for k, v in answers.items() if k not in known}
    for section in instrument.sections:
        if section.show_if is not None and not section.show_if.test(kept, missing=missing):
            continue
        for item in section.items:
            if item.id not in answers or answers[item.id] is None:
                continue
            if item.show_if is None or item.show_if.test(kept, missing=missing):
                kept[item.id] = answers[item.id]
    return kept
