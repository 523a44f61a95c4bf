"""How much of a response is answered: the share of applicable questions (AAPOR 2.12).

AAPOR's Standard Definitions classify a response as complete, partial or break-off by
the share of the questions that apply to it that were answered. A grid counts each
row as a question; a question routed out (by its own or its section's `show_if`,
judged on the answers that apply, see `forms.routing`) is not applicable. Any stored
value counts as answered, a list's user-missing codes ("Don't know") included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms.model import Instrument, Item
from forms.routing import routed_answers

COMPLETE, PARTIAL, BREAK_OFF = "complete", "partial", "break_off"


@dataclass(frozen=True)
class Thresholds:
    """Percent of applicable questions answered for a complete and for a partial."""

    complete: int = 80
    partial: int = 50

    def outcome(self, answered: int, applicable: int) -> str:
        """complete, partial or break_off for `answered` of `applicable` questions."""
        if applicable <= 0:
            return BREAK_OFF
        if answered * 100 >= self.complete * applicable:
            return COMPLETE
        if answered * 100 >= self.partial * applicable:
            return PARTIAL
        return BREAK_OFF


def _units(item: Item, value: Any) -> tuple[int, int]:
    """(answered, asked) for one applicable question: a grid's rows count one each."""
    if item.rows:
        given = value if isinstance(value, Mapping) else {}
        return sum(1 for row in item.rows if given.get(row.id) is not None), len(item.rows)
    empty = value is None or (isinstance(value, frozenset | set | str) and not value)
    return (0 if empty else 1), 1


def answered_share(
    instrument: Instrument, answers: Mapping[str, Any], *, web: bool = True
) -> tuple[int, int]:
    """(answered, applicable) questions of one response; `web` leaves out paper-only items."""
    kept = routed_answers(instrument, answers)
    missing = instrument.missing_codes
    answered = applicable = 0
    for section in instrument.sections:
        if section.show_if is not None and not section.show_if.test(kept, missing=missing):
            continue
        for item in section.items:
            if not item.is_question or (web and not item.web) or (not web and not item.paper):
                continue
            if item.show_if is not None and not item.show_if.test(kept, missing=missing):
                continue
            done, asked = _units(item, kept.get(item.id))
            answered, applicable = answered + done, applicable + asked
    return answered, applicable
