"""AAPOR outcome rates (Standard Definitions, 2023) from disposition counts: pure arithmetic.

How our data maps to AAPOR's final dispositions:

- Each code has one outcome, its disposition: online and keyed-in responses set it by
  the share of applicable questions answered (complete, partial or break-off at the
  study's thresholds, `forms.completeness`), whenever a page is saved or a form keyed;
  a coordinator may change it (overriding a submitted response needs a deliberate,
  audited override). So the counts come from the codes alone.
- I (1.1 complete), P (1.2 partial): a code or open-link response whose share answered
  reaches the complete or the partial threshold.
- R (2.10): refusals (2.11) set by hand, and break-offs (2.12): responses below the
  partial threshold.
- O (2.30 other): set by hand.
- NC (2.20 non-contact): set by hand; and, once fieldwork is closed (for the study or
  the practice), every code with no reply, plus, per practice and instrument, the people
  invited by open link who did not respond (invited by link minus link responses, never
  below zero). The sample is drawn from the practice's registered list, so these people
  are known to be eligible; with nothing back we have no evidence the invitation reached
  them, so non-contact (not refusal, not unknown eligibility).
- Not yet returned: during fieldwork those no-replies are not non-contacts yet. Interim
  rates leave them out of the denominators, or count them there, as the study chooses.
- UH + UO (3.x unknown eligibility): set by hand as unknown or returned undelivered
  (3.31); one count, since every rate here uses only their sum.
- NE (4.x not eligible): set by hand; outside every denominator.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

FORMULAS = {
    "RR1": "I / ((I + P) + (R + NC + O) + (UH + UO))",
    "RR2": "(I + P) / ((I + P) + (R + NC + O) + (UH + UO))",
    "COOP1": "I / ((I + P) + R + O)",
    "REF1": "R / ((I + P) + (R + NC + O) + (UH + UO))",
}
RATE_NAMES = tuple(FORMULAS)
UNDEFINED = "–"


@dataclass(slots=True)
class Counts:
    """Disposition counts for one group of invitations (codes and open links)."""

    codes: int = 0  # access codes issued
    link_invited: int = 0  # people the practice reports inviting by open link
    started: int = 0  # responses begun (codes and open links)
    complete: int = 0  # I
    partial: int = 0  # P
    refusal: int = 0  # R: refusals set by hand
    break_off: int = 0  # R: responses below the partial threshold
    non_contact: int = 0  # NC set by hand
    no_reply: int = 0  # NC: codes with nothing back, fieldwork closed
    link_no_reply: int = 0  # NC: invited by link, no response, fieldwork closed
    not_returned: int = 0  # codes and link invitations with nothing back yet (fieldwork open)
    other: int = 0  # O
    unknown: int = 0  # UH + UO, returned undelivered included
    not_eligible: int = 0  # NE
    target: int = 0  # target number of responses (0: none set)

    @classmethod
    def of(cls, values: dict[str, int]) -> tuple[int, ...]:
        """A count vector (the fields in order) with the named `values`, others 0."""
        return tuple(values.get(name, 0) for name in FIELDS)

    def add(self, other: Counts) -> Counts:
        """Add `other` into these counts (in place) and return them."""
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def issued(self) -> int:
        """Codes issued plus people invited by open link."""
        return self.codes + self.link_invited

    @property
    def contacts_lost(self) -> int:
        """NC: non-contacts set by hand, codes and link invitations with no reply."""
        return self.non_contact + self.no_reply + self.link_no_reply

    @property
    def refusals(self) -> int:
        """R: refusals set by hand and break-offs."""
        return self.refusal + self.break_off

    @property
    def eligible_or_unknown(self) -> int:
        """The RR denominator: (I+P) + (R+NC+O) + (UH+UO)."""
        return (
            self.complete
            + self.partial
            + self.refusals
            + self.contacts_lost
            + self.other
            + self.unknown
        )

    def rates(self, with_not_returned: bool = False) -> dict[str, float | None]:
        """RR1, RR2, COOP1 and REF1 as proportions (None where the denominator is 0).

        `with_not_returned` keeps the codes not yet returned in the RR and REF
        denominators (interim rates, when the study chooses so).
        """
        base = self.eligible_or_unknown + (self.not_returned if with_not_returned else 0)
        cooperating = self.complete + self.partial + self.refusals + self.other
        return {
            "RR1": ratio(self.complete, base),
            "RR2": ratio(self.complete + self.partial, base),
            "COOP1": ratio(self.complete, cooperating),
            "REF1": ratio(self.refusals, base),
        }


FIELDS = tuple(f.name for f in fields(Counts))  # the order of count vectors


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


def percent(value: float | None, places: int = 1) -> str:
    """A proportion as a percentage for people ("42.1%"), or "–" when undefined."""
    return UNDEFINED if value is None else f"{value * 100:.{places}f}%"
