"""Item states for a chunk of responses at once, judged by `forms.routing` on unique answers.

Routing and scores are judged by the forms package's own evaluator, once per distinct
combination of the answers they read (a chunk of thousands of responses holds few
such combinations), then spread back to every response with numpy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from forms.model import Instrument, Item
from forms.routing import State, items_applying
from forms.stored import STATES, record_answers
from forms.variables import item_variables

MODE_FORMS = {1: "web", 2: "paper", 3: "web"}


def numbers(table: pa.Table, name: str) -> np.ndarray:
    """A numeric stored column as floats with NaN for no value (all NaN if absent)."""
    if name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    column = table.column(name)
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        if pa.types.is_null(column.type):
            return np.full(table.num_rows, np.nan)
        return np.full(table.num_rows, np.nan)
    return column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def _decode(frame: pd.DataFrame, names: list[str], index: int) -> dict[str, Any]:
    """One row of a frame of stored columns as a record (NaN as no value)."""
    record = {}
    for name in names:
        value = frame.iat[index, names.index(name)]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        record[name] = int(value) if isinstance(value, float) and value.is_integer() else value
    return record


def judged_once(columns: Mapping[str, Any], judge, n: int) -> tuple[np.ndarray, list[Any]]:
    """Group rows by the values of `columns`; call judge(record) once per group.

    Returns each row's group number and the judgements by group.
    """
    if not columns:
        return np.zeros(n, dtype=np.int64), [judge({})]
    frame = pd.DataFrame(dict(columns))
    groups = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    firsts = pd.Series(np.arange(n)).groupby(groups).first().to_numpy()
    names = list(frame.columns)
    return groups, [judge(_decode(frame, names, int(row))) for row in firsts]


def stored_columns(item: Item) -> list[str]:
    """The stored column names of an item."""
    return [var.name for var in item_variables(item)]


def applying(
    instrument: Instrument, table: pa.Table, names: Iterable[str], modes: np.ndarray
) -> dict[str, np.ndarray]:
    """Per question, whether it applies to each response (routing and the mode's form)."""
    read: dict[str, Any] = {"_mode": modes}
    for item_id in sorted(names):
        try:
            item = instrument.item(item_id)
        except KeyError:
            continue
        for name in stored_columns(item):
            read[name] = numbers(table, name) if _numeric(item) else _texts(table, name)

    def judge(record: dict[str, Any]) -> dict[str, bool]:
        mode = record.pop("_mode", None)
        return items_applying(instrument, record_answers(instrument, record), MODE_FORMS.get(mode))

    groups, judged = judged_once(read, judge, table.num_rows)
    ids = [item.id for item in instrument.iter_questions()]
    by_group = np.array([[j[i] for i in ids] for j in judged], dtype=bool).reshape(len(judged), -1)
    spread = by_group[groups]
    return {item_id: spread[:, n] for n, item_id in enumerate(ids)}


def _numeric(item: Item) -> bool:
    return item.type in ("single", "multiple", "grid", "integer", "decimal")


def _texts(table: pa.Table, name: str) -> np.ndarray:
    if name not in table.column_names:
        return np.full(table.num_rows, None, dtype=object)
    return np.array(table.column(name).to_pylist(), dtype=object)


def answered_and_marked(item: Item, table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Whether each response answered the item, and whether it is marked invalid on paper."""
    n = table.num_rows
    answered, marked = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for name in stored_columns(item):
        if item.type in ("single", "multiple", "grid"):  # negative codes are paper marks
            values = numbers(table, name)
            answered |= ~np.isnan(values) & (values >= 0)
            if item.type != "grid":
                marked |= values == State.INVALID.value
        elif _numeric(item):
            answered |= ~np.isnan(numbers(table, name))
        elif name in table.column_names:
            answered |= table.column(name).is_valid().to_numpy(zero_copy_only=False)
    return answered, marked


def paper_marks(table: pa.Table) -> list[dict[str, int]]:
    """The `_states` entries of a chunk (JSON text), per response."""
    if STATES not in table.column_names:
        return []
    return [json.loads(text) if text else {} for text in table.column(STATES).to_pylist()]


def states_for(
    instrument: Instrument, table: pa.Table, clean: bool
) -> tuple[dict[str, np.ndarray], int]:
    """Each question's state (0 or a reserved code) per response, and the answers set aside."""
    n = table.num_rows
    modes = table.column("_mode").to_numpy(zero_copy_only=False)
    from forms.routing import routing_names

    applies = applying(instrument, table, routing_names(instrument), modes)
    reach = _reach(instrument, table)
    marks = paper_marks(table)
    positions = {item.id: n for n, item in enumerate(instrument.items)}
    states, set_aside = {}, 0
    for item in instrument.iter_questions():
        answered, marked = answered_and_marked(item, table)
        for row, given in enumerate(marks):
            if given.get(item.id) == State.INVALID.value:
                marked[row] = True
        on = applies[item.id]
        state = np.full(n, State.NOT_ANSWERED.value, dtype=np.float64)
        state[reach < positions[item.id]] = State.NOT_REACHED.value
        state[marked] = State.INVALID.value
        state[~on] = State.NOT_APPLICABLE.value
        state[answered & (on | (not clean))] = State.ANSWERED.value
        if clean:
            set_aside += int(np.count_nonzero(answered & ~on))
        states[item.id] = state
    return states, set_aside


def _reach(instrument: Instrument, table: pa.Table) -> np.ndarray:
    """Per response, the position of the last item reached (inf when complete)."""
    positions = {item.id: float(n) for n, item in enumerate(instrument.items)}
    status = table.column("_status").to_numpy(zero_copy_only=False)
    reached = table.column("_reached").to_pylist() if "_reached" in table.column_names else []
    reach = np.full(table.num_rows, np.inf)
    for row in np.flatnonzero(status != 1):
        last = reached[row] if reached else None
        reach[row] = -1.0 if last is None else positions.get(last, np.inf)
    return reach


def grid_row_marks(marks: Sequence[dict[str, int]], name: str, ref: str, values: np.ndarray):
    """Apply `_states` marks of one grid row (`grid.row`) to its stored values."""
    for row, given in enumerate(marks):
        if ref in given:
            values[row] = given[ref]
    return values
