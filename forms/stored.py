"""Stored records: the mapping between the columns of the coded dataset and answers.

A *record* is a plain mapping of variable name (`{id}`, `{id}_{code}`, `{id}_{row}`, as
`forms.variables` names them) to its stored value, as one row of the answer store holds
them. This module turns answers into column values and back. It knows no database.

Paper states: keying records a box that cannot be read (two boxes ticked where one was
asked for, illegible) as the reserved code -96 in the item's own column(s): the column of
a `single` item or of one grid row, or every `{id}_{code}` column of a `multiple` item.
Items whose columns cannot hold a code (text, numbers, dates) give their state in the
record's `STATES` entry, a mapping of reference (`item` or `grid.row`) to code, which
also works for any other item. `record_marks` reads both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from forms.model import Instrument, Item
from forms.variables import item_variables

# The record key holding per-item paper states: {"q7": -96, "grid.row": -96}.
STATES = "_states"
INVALID_ON_PAPER = -96


def item_columns(item: Item, value: Any) -> dict[str, Any]:
    """The stored column values of one item's answer (None values for no answer)."""
    result: dict[str, Any] = {}
    for var in item_variables(item):
        stored = None if value is None else var.value({item.id: value})
        if isinstance(stored, Decimal):
            stored = float(stored)
        result[var.name] = stored
    return result


def _is_mark(value: Any) -> bool:
    """Whether a stored code is a paper state (a negative code: never a choice code)."""
    return isinstance(value, int) and not isinstance(value, bool) and value < 0


def _multiple(item: Item, record: Mapping[str, Any]) -> Any:
    flags = {code: record.get(f"{item.id}_{code}") for code in item.choices.codes}
    if all(flag is None or _is_mark(flag) for flag in flags.values()):
        return None
    return frozenset(code for code, flag in flags.items() if flag == 1)


def _grid(item: Item, record: Mapping[str, Any]) -> Any:
    rows = {r.id: record.get(f"{item.id}_{r.id}") for r in item.rows}
    rows = {key: value for key, value in rows.items() if value is not None and not _is_mark(value)}
    return rows or None


def _single(item: Item, record: Mapping[str, Any]) -> Any:
    value = record.get(item.id)
    return None if _is_mark(value) else value


def _decimal(item: Item, record: Mapping[str, Any]) -> Any:
    value = record.get(item.id)
    return None if value is None else Decimal(repr(float(value)))


def _plain(item: Item, record: Mapping[str, Any]) -> Any:
    return record.get(item.id)


# How each item type's answer is read back from its columns.
READERS = {
    "single": _single,
    "multiple": _multiple,
    "grid": _grid,
    "text": _plain,
    "textarea": _plain,
    "integer": _plain,
    "decimal": _decimal,
    "date": _plain,
    "note": lambda item, record: None,
}


def record_answers(
    instrument: Instrument, record: Mapping[str, Any], items: Iterable[Item] | None = None
) -> dict[str, Any]:
    """The answers a stored record holds (absent items have no answer); `items`: only those."""
    answers: dict[str, Any] = {}
    for item in instrument.iter_questions() if items is None else items:
        value = READERS[item.type](item, record)
        if value is not None:
            answers[item.id] = value
    return answers


def record_marks(instrument: Instrument, record: Mapping[str, Any]) -> dict[str, int]:
    """Paper states of a record by reference (`item` or `grid.row`): {ref: -96}."""
    marks = {ref: int(code) for ref, code in (record.get(STATES) or {}).items()}
    for item in instrument.iter_questions():
        if item.type == "grid":
            for row in item.rows:
                if _is_mark(record.get(f"{item.id}_{row.id}")):
                    marks[f"{item.id}.{row.id}"] = record[f"{item.id}_{row.id}"]
        elif item.type in ("single", "multiple"):
            names = [var.name for var in item_variables(item)]
            found = [record.get(name) for name in names if _is_mark(record.get(name))]
            if found:
                marks[item.id] = found[0]
    return marks
