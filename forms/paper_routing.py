"""Routing for paper, derived from `show_if`: "Go to Q12" jumps and filter lines.

Printed surveys route in two ways. Beside an answer box that skips ahead, an arrow
and "Go to Q12"; the jump is derived by walking forward from a single-choice
question with only that answer given, passing over every item whose conditions can
be judged on what is known and are false. Where no jump expresses an item's rule
(it depends on a ticked box of a multiple, a number, several questions, or it is
not right after its filter), a filter line above it says when to answer it.

Pure: this module only decides *where* the routing goes; the words are the renderer's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from forms.expressions import Expression
from forms.model import Instrument, Item

END = ""
"""The jump target meaning "the end of the questionnaire"."""


@dataclass(frozen=True)
class PaperRouting:
    """Where paper routing goes for one instrument.

    `jumps[(item_id, code)]` is the id of the question to go to ("" for the end);
    `filters[item_id]` is the item's own condition where no jump expresses its rule,
    and `section_filters[section_id]` the section's, printed once under its heading.
    """

    jumps: Mapping[tuple[str, int], str]
    filters: Mapping[str, Expression]
    section_filters: Mapping[str, Expression]


def paper_items(instrument: Instrument) -> tuple[Item, ...]:
    """The items printed on paper, in order."""
    return tuple(item for item in instrument.items if item.paper)


def conditions(instrument: Instrument, item: Item) -> tuple[Expression, ...]:
    """Every condition an item needs to apply: its section's, then its own."""
    section = instrument.section_of(item.id)
    return tuple(e for e in (section.show_if, item.show_if) if e is not None)


def derive_paper_routing(instrument: Instrument) -> PaperRouting:
    """The jumps and filter lines of `instrument` on paper."""
    items = paper_items(instrument)
    conds = {item.id: conditions(instrument, item) for item in items}
    missing = instrument.missing_codes
    jumps: dict[tuple[str, int], str] = {}
    passed: dict[tuple[str, int], frozenset[str]] = {}
    by_id = {item.id: item for item in items}
    for index, item in enumerate(items):
        if item.type != "single" or item.choices is None:
            continue
        for code in item.choices.codes:
            skipped, target = _walk(items, index, code, conds, missing)
            passed[(item.id, code)] = skipped
            if any(by_id[s].is_question for s in skipped):
                jumps[(item.id, code)] = target
    uncovered = [
        item
        for item in items
        if conds[item.id] and item.is_question and not _covered(item, items, conds, passed, missing)
    ]
    filters = {item.id: item.show_if for item in uncovered if item.show_if is not None}
    section_filters: dict[str, Expression] = {}
    for item in uncovered:
        section = instrument.section_of(item.id)
        if section.show_if is not None:
            section_filters[section.id] = section.show_if
    return PaperRouting(
        MappingProxyType(jumps), MappingProxyType(filters), MappingProxyType(section_filters)
    )


def _refs(expressions: Sequence[Expression]) -> set[str]:
    return {name.partition(".")[0] for e in expressions for name in e.names}


def _walk(
    items: Sequence[Item],
    index: int,
    code: int,
    conds: Mapping[str, tuple[Expression, ...]],
    missing: Mapping[str, frozenset[int]],
) -> tuple[frozenset[str], str]:
    """Items passed over after `items[index]` answered `code`, and the question to go to."""
    answers = {items[index].id: code}
    known = {items[index].id}
    held = conds[items[index].id]  # whoever answers the filter question met its own conditions
    skipped: list[str] = []
    position = index + 1
    for position in range(index + 1, len(items) + 1):
        if position == len(items):
            break
        item = items[position]
        these = tuple(e for e in conds[item.id] if e not in held)
        if not these or not _refs(these) <= known:
            break
        if all(e.test(answers, missing=missing) for e in these):
            break
        skipped.append(item.id)
        known.add(item.id)
    target = next((i.id for i in items[position:] if i.is_question), END)
    return frozenset(skipped), target


def _covered(
    item: Item,
    items: Sequence[Item],
    conds: Mapping[str, tuple[Expression, ...]],
    passed: Mapping[tuple[str, int], frozenset[str]],
    missing: Mapping[str, frozenset[int]],
) -> bool:
    """Whether some filter question's jumps pass over `item` for every answer that hides it."""
    for source in items:
        if source.id == item.id:
            return False
        these = tuple(e for e in conds[item.id] if e not in conds[source.id])
        if source.type != "single" or source.choices is None or source.id not in _refs(these):
            continue
        if all(
            item.id in passed[(source.id, code)]
            or all(e.test({source.id: code}, missing=missing) for e in these)
            for code in source.choices.codes
        ) and any(item.id in passed[(source.id, code)] for code in source.choices.codes):
            return True
    return False
