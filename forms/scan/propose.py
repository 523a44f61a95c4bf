"""Answers proposed from box readings, as keying text, one proposer per item type.

A proposal holds, per keying field (`q7`, `q7.row` for grids, as `forms.keying` names
them), the text a keyer would have typed: a code, codes separated by spaces, `*` for
more than one box ticked where one was asked for (kept as -96), or nothing (blank,
-99 in the export). Fed to `forms.keying.read_pass` (or the keying service) it gives
the answers. Digits and write-ins are never guessed: a field with writing is left empty
and sent to a person with its crop; an empty one is blank.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from forms.model import Instrument, Item
from forms.scan.measure import BoxReading

MORE_THAN_ONE = "*"

# Why a field goes to a person.
UNSURE_BOX = "a box is neither clearly empty, ticked nor filled in"
WRITTEN = "written answer: type it from the image"
NOT_SCANNED = "its page was not scanned"
MORE_THAN_ONE_TICKED = "more than one box ticked where one was asked for: one may be a mistake"


@dataclass
class FieldProposal:
    """One keying field's proposed text, and whether (and why) a person must look."""

    name: str
    item: str
    text: str
    uncertain: bool = False
    reason: str = ""
    page: int | None = None
    crop: bytes | None = field(default=None, repr=False)
    readings: list[BoxReading] = field(default_factory=list, repr=False)


@dataclass
class Proposal:
    """Every paper field of one copy, in question order."""

    items: list[FieldProposal]

    @property
    def fields(self) -> dict[str, str]:
        """Keying text by field name, blanks left out (what a keying pass stores)."""
        return {f.name: f.text for f in self.items if f.text}

    @property
    def uncertain(self) -> list[FieldProposal]:
        """The fields a person must look at, in question order."""
        return [f for f in self.items if f.uncertain]

    @property
    def certain(self) -> bool:
        """True when no field needs a person."""
        return not self.uncertain


Proposer = Callable[[Item, list[BoxReading]], list[FieldProposal]]


def propose(instrument: Instrument, readings: Iterable[BoxReading]) -> Proposal:
    """Proposed keying text for every paper question of `instrument` from one copy's boxes.

    `readings` are the `measure` results of all the copy's pages; a question none of whose
    boxes was read (its page is missing) is proposed blank and sent to a person.
    """
    by_item: dict[str, list[BoxReading]] = {}
    for reading in readings:
        by_item.setdefault(reading.item, []).append(reading)
    items: list[FieldProposal] = []
    for item in instrument.iter_questions():
        if not item.paper or item.type == "note":
            continue
        found = by_item.get(item.id, [])
        if not found:
            names = (
                [f"{item.id}.{row.id}" for row in item.rows] if item.type == "grid" else [item.id]
            )
            items += [FieldProposal(n, item.id, "", True, NOT_SCANNED) for n in names]
            continue
        items += PROPOSERS[item.type](item, found)
    return Proposal(items)


def _codes(name: str, item: Item, readings: list[BoxReading], *, one: bool) -> FieldProposal:
    ticked = sorted(r.box["code"] for r in readings if r.ticked)
    many = one and len(ticked) > 1
    text = MORE_THAN_ONE if many else " ".join(str(code) for code in ticked)
    unsure = any(r.uncertain for r in readings)
    # Two ticks where one was asked for are proposed as `*` (-96), yet a person looks: a
    # respondent may have crossed one out, or meant the other (a filled-in box, the
    # paper's way of cancelling, is read as not ticked).
    return FieldProposal(
        name,
        item.id,
        text,
        unsure or many,
        UNSURE_BOX if unsure else MORE_THAN_ONE_TICKED if many else "",
        readings[0].box["page"],
        None,
        readings,
    )


def _single(item: Item, readings: list[BoxReading]) -> list[FieldProposal]:
    return [_codes(item.id, item, readings, one=True)]


def _multiple(item: Item, readings: list[BoxReading]) -> list[FieldProposal]:
    return [_codes(item.id, item, readings, one=False)]


def _grid(item: Item, readings: list[BoxReading]) -> list[FieldProposal]:
    proposals = []
    for row in item.rows:
        cells = [r for r in readings if r.box.get("row") == row.id]
        name = f"{item.id}.{row.id}"
        if cells:
            proposals.append(_codes(name, item, cells, one=True))
        else:
            proposals.append(FieldProposal(name, item.id, "", True, NOT_SCANNED))
    return proposals


def _written(item: Item, readings: list[BoxReading]) -> list[FieldProposal]:
    """Digits and write-ins: blank when nothing is written, else a person types it."""
    written = any(r.ticked or r.uncertain for r in readings)
    crop = next((r.crop for r in readings if r.crop is not None), None)
    page = readings[0].box["page"]
    if not written:
        return [FieldProposal(item.id, item.id, "", False, "", page, None, readings)]
    return [FieldProposal(item.id, item.id, "", True, WRITTEN, page, crop, readings)]


def _nothing(item: Item, readings: list[BoxReading]) -> list[FieldProposal]:
    return []


# The proposer of each item type (a test checks every type has one).
PROPOSERS: dict[str, Proposer] = {
    "single": _single,
    "multiple": _multiple,
    "grid": _grid,
    "text": _written,
    "textarea": _written,
    "integer": _written,
    "decimal": _written,
    "date": _written,
    "note": _nothing,
}
