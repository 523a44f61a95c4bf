"""How much of a response is answered: the share of applicable questions (AAPOR 2.12).

AAPOR's Standard Definitions classify a response as complete, partial or break-off by
the share of the questions that apply to it that were answered. Each question's state
comes from `forms.routing.item_states` (a grid is one question; a question routed out
by its own or its section's `show_if`, judged on the answers that apply, is not
applicable). Any stored value counts as answered, a list's user-missing codes ("Don't
know") included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms.model import Instrument
from forms.routing import State, item_states

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


NOT_ASKED = (State.NOT_APPLICABLE, State.NOT_IN_VERSION)  # outside the denominator


def answered_share(
    instrument: Instrument,
    answers: Mapping[str, Any],
    *,
    web: bool = True,
    applies: Mapping[str, bool] | None = None,
) -> tuple[int, int]:
    """(answered, applicable) questions of one response; `web` leaves out paper-only items.

    The states are `forms.routing.item_states`, the same judgement the pages, paper
    keying and the export make: a question routed past (or not on this mode's form) is
    not applicable; any answer kept counts as answered. `applies`: the caller's
    `forms.routing.items_applying` of `answers` in that mode, if it has it.
    """
    states = item_states(instrument, answers, mode="web" if web else "paper", applies=applies)
    applicable = [state for state in states.values() if state not in NOT_ASKED]
    return sum(state == State.ANSWERED for state in applicable), len(applicable)


WRITTEN = (State.ANSWERED, State.INVALID)  # what a respondent put on a paper form


def nothing_written(
    instrument: Instrument, answers: Mapping[str, Any], marks: Mapping[str, int]
) -> bool:
    """Whether a returned paper form carries nothing its respondent wrote: no question
    answered (routed past or not, a write-in or a contact detail included) and none
    marked invalid on paper (-96: two boxes ticked, or writing that cannot be read).

    The cover page, the serial printed on every page and the consent that returning the
    form gives are not answers: a form with nothing else is a questionnaire mailed back
    blank, an implicit refusal (AAPOR 2.113), not a break-off. `marks`: by reference
    (`item` or `grid.row`), as `forms.keying.Keyed.marks`.
    """
    if marks:
        return False
    states = item_states(instrument, answers, mode="paper", clean=False)
    return not any(state in WRITTEN for state in states.values())
