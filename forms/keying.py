"""Keying returned paper forms: lenient fields, one per item type, in `KEYERS`.

Paper is not the web: keying accepts blanks, never requires an answer and never applies
routing (the clean export does). Each question also takes the paper state "more than one
box ticked / can't read it", keyed as `*` (or `-96`) and kept as the reserved code -96
(`forms.stored.INVALID_ON_PAPER`) by reference (`item` or `grid.row`).

Fields are plain text inputs named after the item (`q7`, `q7.row`, `q7.day`…); a keyer
reads the posted text into an answer, the paper marks, and problems for text it cannot
read (a code not on the list, a number that is not one), which the keyer corrects.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from forms.model import Answers, Instrument, Item
from forms.stored import INVALID_ON_PAPER
from forms.web_fields import MAX_DIGITS, clean, question_name

MARKS = ("*", "-96")
_SPLIT = re.compile(r"[\s,;/+]+")


@dataclass
class Keyed:
    """One keyed pass read: answers, paper marks by reference, problems by field name."""

    answers: dict[str, Any] = field(default_factory=dict)
    marks: dict[str, int] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def _code(text: str, item: Item) -> int | None:
    if len(text) > MAX_DIGITS or not text.isdigit() or item.choices is None:
        return None
    code = int(text)
    return code if code in item.choices.codes else None


class SingleKeyer:
    """A code, as printed beside the box."""

    def names(self, item: Item) -> list[str]:
        """The posted field names."""
        return [item.id]

    def read(self, data: Mapping[str, str], item: Item, out: Keyed) -> None:
        """Read the item's fields into `out`."""
        text = clean(data.get(item.id))
        if text in MARKS:
            out.marks[item.id] = INVALID_ON_PAPER
        elif text:
            code = _code(text, item)
            if code is None:
                out.problems[item.id] = f"{text} is not one of the codes"
            else:
                out.answers[item.id] = code

    def prefill(self, item: Item, answers: Answers, marks: Mapping[str, int]) -> dict[str, str]:
        """The fields' text for a keyed answer."""
        if item.id in marks:
            return {item.id: "*"}
        value = answers.get(item.id)
        return {item.id: "" if value is None else str(value)}


class MultipleKeyer(SingleKeyer):
    """The codes ticked, separated by spaces or commas: `1 3 4`."""

    def read(self, data: Mapping[str, str], item: Item, out: Keyed) -> None:
        """Read the item's fields into `out`."""
        text = clean(data.get(item.id))
        if text in MARKS:
            out.marks[item.id] = INVALID_ON_PAPER
            return
        parts = [p for p in _SPLIT.split(text) if p]
        codes = [_code(p, item) for p in parts]
        bad = [p for p, c in zip(parts, codes, strict=True) if c is None]
        if bad:
            out.problems[item.id] = f"{' '.join(bad)}: not one of the codes"
        elif codes:
            out.answers[item.id] = frozenset(codes)

    def prefill(self, item: Item, answers: Answers, marks: Mapping[str, int]) -> dict[str, str]:
        """The fields' text for a keyed answer."""
        if item.id in marks:
            return {item.id: "*"}
        return {item.id: " ".join(str(c) for c in sorted(answers.get(item.id) or ()))}


class GridKeyer:
    """One code per row."""

    def names(self, item: Item) -> list[str]:
        """The posted field names."""
        return [f"{item.id}.{row.id}" for row in item.rows]

    def read(self, data: Mapping[str, str], item: Item, out: Keyed) -> None:
        """Read the item's fields into `out`."""
        rows: dict[str, int] = {}
        for row in item.rows:
            name = f"{item.id}.{row.id}"
            text = clean(data.get(name))
            if text in MARKS:
                out.marks[name] = INVALID_ON_PAPER
            elif text:
                code = _code(text, item)
                if code is None:
                    out.problems[name] = f"{text} is not one of the codes"
                else:
                    rows[row.id] = code
        if rows:
            out.answers[item.id] = rows

    def prefill(self, item: Item, answers: Answers, marks: Mapping[str, int]) -> dict[str, str]:
        """The fields' text for a keyed answer."""
        rows = answers.get(item.id) or {}
        result = {}
        for row in item.rows:
            name = f"{item.id}.{row.id}"
            result[name] = "*" if name in marks else str(rows.get(row.id, ""))
        return result


class TextKeyer(SingleKeyer):
    """Text as written; `*` alone means the writing cannot be read."""

    def read(self, data: Mapping[str, str], item: Item, out: Keyed) -> None:
        """Read the item's fields into `out`."""
        text = clean(data.get(item.id))
        if text in MARKS:
            out.marks[item.id] = INVALID_ON_PAPER
        elif text:
            out.answers[item.id] = text


class NumberKeyer(SingleKeyer):
    """A whole number or a decimal; range checks are left to the study (paper is kept)."""

    def __init__(self, *, whole: bool):
        self.whole = whole

    def read(self, data: Mapping[str, str], item: Item, out: Keyed) -> None:
        """Read the item's fields into `out`."""
        text = clean(data.get(item.id))
        if text in MARKS:
            out.marks[item.id] = INVALID_ON_PAPER
            return
        if not text:
            return
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        digits = len(text.lstrip("+-").split(".")[0])
        if number is None or not number.is_finite() or digits > MAX_DIGITS:
            out.problems[item.id] = f"{text} is not a number"
        elif self.whole and number != number.to_integral_value():
            out.problems[item.id] = f"{text} is not a whole number"
        else:
            out.answers[item.id] = int(number) if self.whole else number


class DateKeyer(SingleKeyer):
    """A date as DD/MM/YYYY (or YYYY-MM-DD)."""

    def read(self, data: Mapping[str, str], item: Item, out: Keyed) -> None:
        """Read the item's fields into `out`."""
        text = clean(data.get(item.id))
        if text in MARKS:
            out.marks[item.id] = INVALID_ON_PAPER
        elif text:
            for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"):
                try:
                    out.answers[item.id] = datetime.datetime.strptime(text, pattern).date()
                    return
                except ValueError:
                    continue
            out.problems[item.id] = f"{text} is not a date (DD/MM/YYYY)"

    def prefill(self, item: Item, answers: Answers, marks: Mapping[str, int]) -> dict[str, str]:
        """The fields' text for a keyed answer."""
        if item.id in marks:
            return {item.id: "*"}
        value = answers.get(item.id)
        return {item.id: "" if value is None else value.strftime("%d/%m/%Y")}


class NoteKeyer:
    """Notes take nothing."""

    def names(self, item: Item) -> list[str]:
        """No fields."""
        return []

    def read(self, data: Mapping[str, str], item: Item, out: Keyed) -> None:
        """Nothing to read."""

    def prefill(self, item: Item, answers: Answers, marks: Mapping[str, int]) -> dict[str, str]:
        """No fields."""
        return {}


# The keying field of each item type.
KEYERS = {
    "single": SingleKeyer(),
    "multiple": MultipleKeyer(),
    "grid": GridKeyer(),
    "text": TextKeyer(),
    "textarea": TextKeyer(),
    "integer": NumberKeyer(whole=True),
    "decimal": NumberKeyer(whole=False),
    "date": DateKeyer(),
    "note": NoteKeyer(),
}


def read_pass(instrument: Instrument, data: Mapping[str, str]) -> Keyed:
    """Read a keyed pass of every paper question (routing and required not applied)."""
    out = Keyed()
    for item in instrument.iter_questions():
        if item.paper:
            KEYERS[item.type].read(data, item, out)
    return out


def prefill(instrument: Instrument, answers: Answers, marks: Mapping[str, int]) -> dict[str, str]:
    """The keying fields' text for keyed answers and marks (for a pass shown again)."""
    result: dict[str, str] = {}
    for item in instrument.iter_questions():
        if item.paper:
            result.update(KEYERS[item.type].prefill(item, answers, marks))
    return result


def field_names(instrument: Instrument) -> list[str]:
    """The keying fields of every paper question, in question order."""
    items = (item for item in instrument.iter_questions() if item.paper)
    return [name for item in items for name in KEYERS[item.type].names(item)]


def field_question(instrument: Instrument, name: str, lang: str) -> str | None:
    """A keying field's question as printed on the paper, for a keyer to find it there:
    `Q7 (How easy was it…)`, `Q9 By phone (How easy…)` for a grid row; None for a name
    that is not a keying field."""
    item_id, _, row_id = name.partition(".")
    item = next((i for i in instrument.iter_questions() if i.id == item_id and i.paper), None)
    if item is None or name not in KEYERS[item.type].names(item):
        return None
    number = instrument.question_numbers()[item.id]
    row = next((r for r in item.rows if r.id == row_id), None) if row_id else None
    if row is not None:
        number = f"{number} {' '.join(row.text.get(lang).split())}"
    return f"{number} ({question_name(item, lang, limit=50)})"


def problem_summary(
    instrument: Instrument, problems: Mapping[str, str], lang: str
) -> dict[str, str]:
    """Problems as the page's error summary lists them: a keying field's led by its question
    (`Q7 (How easy…): abc is not a number`), the field's own message beside it staying as
    it is; problems of other fields (the date, the whole form) unchanged."""
    found = {}
    for name, text in problems.items():
        question = field_question(instrument, name, lang) if name else None
        found[name] = f"{question}: {text}" if question else text
    return found


def differences(instrument: Instrument, first: Mapping[str, str], second: Mapping[str, str]):
    """The field names where two passes' keyed text differs, in question order."""
    return [n for n in field_names(instrument) if clean(first.get(n)) != clean(second.get(n))]


def paper_pages(
    instrument: Instrument, boxes: list[dict[str, Any]]
) -> list[tuple[int, list[Item]]]:
    """The paper questions grouped by the printed page their first box is on (a box map's)."""
    first_page: dict[str, int] = {}
    for box in boxes:
        first_page.setdefault(box["item"], box["page"])
    pages: dict[int, list[Item]] = {}
    page = 1
    for item in instrument.iter_questions():
        if item.paper:
            page = first_page.get(item.id, page)  # an item without boxes stays with the last
            pages.setdefault(page, []).append(item)
    return sorted(pages.items())
