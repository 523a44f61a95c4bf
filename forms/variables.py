"""Export variables derived from items, named as data-conventions.md says."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from forms.model import ChoiceList, Instrument, Item

MAX_NAME = 32

# Storage kinds: what a variable holds, for the answer store and the exporters.
CODE = "code"  # an integer choice code (single, grid row)
FLAG = "flag"  # 0/1 for one code of a multiple item
INTEGER = "integer"
DECIMAL = "decimal"
TEXT = "text"
DATE = "date"


@dataclass(frozen=True)
class Variable:
    """One column of the coded dataset."""

    name: str
    item: Item
    kind: str
    code: int | None = None  # for FLAG: the choice code this 0/1 stands for
    row: str | None = None  # for grid rows: the row id

    @property
    def ref(self) -> str:
        """The expression name for this variable's value (`item` or `grid.row`)."""
        return f"{self.item.id}.{self.row}" if self.row else self.item.id

    @property
    def choices(self) -> ChoiceList | None:
        """The value labels of this variable (FLAG variables have none of their own)."""
        return None if self.kind == FLAG else self.item.choices

    def label(self, lang: str | None = None) -> str:
        """The variable label: question text, with the grid row or choice appended."""
        text = self.item.text.get(lang)
        if self.row is not None:
            row = next(r for r in self.item.rows if r.id == self.row)
            return f"{text} - {row.text.get(lang)}"
        if self.code is not None and self.item.choices is not None:
            return f"{text} - {self.item.choices.label(self.code, lang)}"
        return text

    def value(self, answers: dict[str, Any]) -> Any:
        """This variable's raw value in an answers dict (None when there is none)."""
        answer = answers.get(self.item.id)
        if answer is None:
            return None
        if self.kind == FLAG:
            return 1 if self.code in answer else 0
        if self.row is not None:
            return answer.get(self.row)
        return answer


_SIMPLE_KINDS = {
    "single": CODE,
    "text": TEXT,
    "textarea": TEXT,
    "integer": INTEGER,
    "decimal": DECIMAL,
    "date": DATE,
}


def item_variables(item: Item) -> Iterator[Variable]:
    """The variables one item gives: none for a note, one per code or row where it has them."""
    if item.type == "multiple" and item.choices is not None:
        for code in item.choices.codes:
            yield Variable(f"{item.id}_{code}", item, FLAG, code=code)
    elif item.type == "grid":
        for row in item.rows:
            yield Variable(f"{item.id}_{row.id}", item, CODE, row=row.id)
    elif item.type in _SIMPLE_KINDS:
        yield Variable(item.id, item, _SIMPLE_KINDS[item.type])


def instrument_variables(instrument: Instrument) -> tuple[Variable, ...]:
    """Every item variable of an instrument, in instrument order."""
    return tuple(var for item in instrument.items for var in item_variables(item))
