"""Coders: one per item type, turning an item's stored columns and states into its variables.

Beside the web field table (`forms.web_fields.KINDS`), a test checks that this table
covers every item type. Coders work a chunk of responses at a time (numpy arrays): a
coder gets the dataset's columns for the item, the item as the responses' version has
it (None when that version lacks it), the stored values by column name (numbers as
float arrays with NaN for no value; text and dates as arrow arrays) and each
response's state of the item (0 answered, or a reserved code), and returns one array
per column. Numeric variables carry the reserved codes where there is no answer;
dates are empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exports.columns import Column
from forms.model import Item
from forms.routing import State

NOT_IN_VERSION = State.NOT_IN_VERSION.value
ANSWERED = State.ANSWERED.value
NOT_ANSWERED = State.NOT_ANSWERED.value
Stored = Mapping[str, Any]
Coder = Callable[[Sequence[Column], Item | None, Stored, np.ndarray], list[Any]]


def _absent(columns: Sequence[Column], n: int) -> list[Any]:
    return [np.full(n, NOT_IN_VERSION, dtype=np.float64) for _ in columns]


def _single(columns, item, stored, state) -> list[Any]:
    if item is None:
        return _absent(columns, len(state))
    return [np.where(state == ANSWERED, stored[columns[0].name], state)]


def _multiple(columns, item, stored, state) -> list[Any]:
    if item is None:
        return _absent(columns, len(state))
    codes = set(item.choices.codes) if item.choices else set()
    found = []
    for column in columns:
        if column.code not in codes:
            found.append(np.full(len(state), NOT_IN_VERSION, dtype=np.float64))
            continue
        flags = stored[column.name]
        ticked = np.where(np.isnan(flags) | (flags < 0), 0, flags)
        found.append(np.where(state == ANSWERED, ticked, state))
    return found


def _grid(columns, item, stored, state) -> list[Any]:
    if item is None:
        return _absent(columns, len(state))
    rows = {row.id for row in item.rows}
    asked = (state == ANSWERED) | (state == NOT_ANSWERED)
    found = []
    for column in columns:
        if column.row not in rows:
            found.append(np.full(len(state), NOT_IN_VERSION, dtype=np.float64))
            continue
        value = stored[column.name]  # a row left blank is -99; a row marked on paper keeps -96
        value = np.where(np.isnan(value), NOT_ANSWERED, value)
        found.append(np.where(asked, value, state))
    return found


def _date(columns, item, stored, state) -> list[Any]:
    if item is None:
        return [pa.nulls(len(state), pa.string())]
    text = pc.cast(stored[columns[0].name], pa.string())
    return [pc.if_else(pa.array(state == ANSWERED), text, pa.scalar(None, pa.string()))]


def _none(columns, item, stored, state) -> list[Any]:
    return []


# Text items never reach the data files (free text travels in free_text.csv), so their
# coder, like a note's, gives no values.
CODERS: dict[str, Coder] = {
    "single": _single,
    "multiple": _multiple,
    "grid": _grid,
    "text": _none,
    "textarea": _none,
    "integer": _single,
    "decimal": _single,
    "date": _date,
    "note": _none,
}
