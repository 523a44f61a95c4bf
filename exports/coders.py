"""Coders: one per item type, turning an item's answer and state into its variables' values.

Beside the web field table (`forms.web_fields`), a test checks that this table covers
every item type. A coder gets the dataset's columns for the item, the item as the
response's version has it (None when that version lacks it), the answer, its state
and the paper marks, and returns one value per column. Numeric variables carry the
reserved codes where there is no answer; dates are empty.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from exports.columns import Column
from forms.model import Item
from forms.routing import State

NOT_IN_VERSION = State.NOT_IN_VERSION.value
Coder = Callable[[Sequence[Column], Item | None, Any, State, Mapping[str, int]], list[Any]]


def _single(columns, item, answer, state, marks) -> list[Any]:
    if item is None:
        return [NOT_IN_VERSION]
    return [answer if state == State.ANSWERED else state.value]


def _multiple(columns, item, answer, state, marks) -> list[Any]:
    if item is None:
        return [NOT_IN_VERSION] * len(columns)
    codes = set(item.choices.codes) if item.choices else set()
    if state != State.ANSWERED:
        return [state.value if c.code in codes else NOT_IN_VERSION for c in columns]
    return [(1 if c.code in answer else 0) if c.code in codes else NOT_IN_VERSION for c in columns]


def _grid(columns, item, answer, state, marks) -> list[Any]:
    if item is None:
        return [NOT_IN_VERSION] * len(columns)
    rows = {row.id for row in item.rows}
    values = []
    for column in columns:
        if column.row not in rows:
            values.append(NOT_IN_VERSION)
        elif state not in (State.ANSWERED, State.NOT_ANSWERED):
            values.append(state.value)
        elif answer and column.row in answer:
            values.append(answer[column.row])
        else:  # a row left blank, or marked invalid on paper
            values.append(marks.get(f"{item.id}.{column.row}", State.NOT_ANSWERED.value))
    return values


def _number(columns, item, answer, state, marks) -> list[Any]:
    if item is None:
        return [NOT_IN_VERSION]
    if state != State.ANSWERED:
        return [state.value]
    return [float(answer) if isinstance(answer, Decimal) else answer]


def _date(columns, item, answer, state, marks) -> list[Any]:
    if item is None or state != State.ANSWERED:
        return [None]
    return [answer.isoformat() if isinstance(answer, datetime.date) else str(answer)]


def _none(columns, item, answer, state, marks) -> list[Any]:
    return []


# Text items never reach the data files (free text travels in free_text.csv), so their
# coder, like a note's, gives no values.
CODERS: dict[str, Coder] = {
    "single": _single,
    "multiple": _multiple,
    "grid": _grid,
    "text": _none,
    "textarea": _none,
    "integer": _number,
    "decimal": _number,
    "date": _date,
    "note": _none,
}
