"""Item states for a chunk of responses at once, with the rules of `forms.routing`.

Routing and scores are judged column-wise over the chunk (`forms.columnar`). What that
cannot judge exactly (text, dates, decimals, …) is judged by the forms package's own
evaluator, once per distinct combination of the answers it reads, then spread back to
every response with numpy.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from forms.columnar import ColumnJudge, Unsupported, compile_columns
from forms.model import Instrument, Item
from forms.routing import State
from forms.stored import STATES, record_answers
from forms.variables import item_variables


class Chunk:
    """A chunk (arrow table) with each numeric column converted once, however often read.

    Offers what the coders read of a table: `num_rows`, `column_names`, `column(name)`.
    """

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.num_rows = table.num_rows
        self.column_names = table.column_names
        self._names = frozenset(self.column_names)
        self._numbers: dict[str, np.ndarray] = {}

    def column(self, name: str):
        """A column of the chunk."""
        return self.table.column(name)

    def has(self, name: str) -> bool:
        """Whether the chunk has the column."""
        return name in self._names

    def numbers(self, name: str) -> np.ndarray:
        """`numbers(table, name)`, computed once (read-only: copy before changing)."""
        found = self._numbers.get(name)
        if found is None:
            if name in self._names:
                found = _floats(self.table.column(name), self.num_rows)
            else:
                found = np.full(self.num_rows, np.nan)
            found.flags.writeable = False
            self._numbers[name] = found
        return found


def chunk_of(table: pa.Table | Chunk) -> Chunk:
    """The table as a `Chunk` (a chunk stays itself)."""
    return table if isinstance(table, Chunk) else Chunk(table)


def numbers(table: pa.Table | Chunk, name: str) -> np.ndarray:
    """A numeric stored column as floats with NaN for no value (all NaN if absent)."""
    if isinstance(table, Chunk):
        return table.numbers(name)
    if name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    return _floats(table.column(name), table.num_rows)


def _floats(column, n: int) -> np.ndarray:
    """A column as floats with NaN for no value (all NaN unless numeric)."""
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        return np.full(n, np.nan)
    return column.to_numpy(zero_copy_only=False).astype(np.float64)


def _clean(names: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    """A frame row as a record: NaN and None dropped, whole floats as ints."""
    found = {}
    for name, value in zip(names, values, strict=True):
        if value is None or value != value:  # None or NaN
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        found[name] = value
    return found


# Judgements already made, per judge, kept across chunks (bounded: cleared when large).
_MEMO_LIMIT = 200_000


def judged_once(
    columns: Mapping[str, Any], judge, n: int, memo: dict | None = None
) -> tuple[np.ndarray, list[Any]]:
    """Group rows by the values of `columns`; call judge(record) once per group.

    Returns each row's group number and the judgements by group. `memo` keeps
    judgements by record between calls (the same judge over later chunks).
    """
    if not columns:
        return np.zeros(n, dtype=np.int64), [judge({})]
    frame = pd.DataFrame(dict(columns))
    groups = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    _, firsts = np.unique(groups, return_index=True)
    names = list(frame.columns)
    rows = list(frame.iloc[firsts].itertuples(index=False, name=None))
    if memo is None:
        return groups, [judge(_clean(names, row)) for row in rows]
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
    judged = []
    for row in rows:
        key = tuple(None if value != value else value for value in row)  # NaN as None
        try:
            judged.append(memo[key])
        except (KeyError, TypeError):
            judged.append(judge(_clean(names, row)))
            with contextlib.suppress(TypeError):  # an unhashable value: judged every time
                memo[key] = judged[-1]
    return groups, judged


def stored_columns(item: Item) -> list[str]:
    """The stored column names of an item."""
    return [var.name for var in item_variables(item)]


def _shown(instrument, expression, table, applies, n, memo) -> np.ndarray:
    """Where `expression` is true, reading only answers that apply (as forms.routing does)."""
    read: dict[str, Any] = {}
    items = []
    for item_id in sorted({name.split(".")[0] for name in expression.names}):
        try:
            item = instrument.item(item_id)
        except KeyError:
            continue
        items.append(item)
        on = applies.get(item_id, np.zeros(n, dtype=bool))
        for name in stored_columns(item):
            if _numeric(item):
                values = numbers(table, name).copy()
                values[~on] = np.nan
            else:
                values = _texts(table, name)
                values[~on] = None
            read[name] = values
    compiled = compiled_judge(instrument, expression, memo)
    if compiled is not None:
        with contextlib.suppress(Unsupported):  # values doubles cannot hold: judged below
            return compiled.test(read, n)
    missing = instrument.missing_codes

    def judge(record: dict[str, Any]) -> bool:
        return expression.test(record_answers(instrument, record, items), missing=missing)

    groups, judged = judged_once(read, judge, n, memo.setdefault(id(expression), {}))
    return np.array(judged, dtype=bool)[groups]


def compiled_judge(instrument: Instrument, expression, memo: dict) -> ColumnJudge | None:
    """The expression compiled to column operations (None if it cannot be), kept in memo."""
    key = ("columns", id(instrument), id(expression))
    if key not in memo:
        try:
            memo[key] = compile_columns(expression, instrument)
        except Unsupported:
            memo[key] = None
    return memo[key]


def applying(
    instrument: Instrument, table: pa.Table, modes: np.ndarray, memo: dict
) -> dict[str, np.ndarray]:
    """Per question, whether it applies to each response: `forms.routing.items_applying`
    for a whole chunk, each show_if judged once per distinct combination of what it reads.
    """
    n = table.num_rows
    paper = modes == 2
    applies: dict[str, np.ndarray] = {}
    for section in instrument.sections:
        section_on = np.ones(n, dtype=bool)
        if section.show_if is not None:
            section_on = _shown(instrument, section.show_if, table, applies, n, memo)
        for item in section.items:
            if not item.is_question:
                continue
            on = section_on & np.where(paper, item.paper, item.web)
            if item.show_if is not None and on.any():
                on &= _shown(instrument, item.show_if, table, applies, n, memo)
            applies[item.id] = on
    return applies


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


def _marked_rows(table: pa.Table) -> dict[str, list[int]]:
    """{reference: rows} of the chunk's `_states` entries marked invalid on paper."""
    if STATES not in table.column_names:
        return {}
    column = table.column(STATES)
    found: dict[str, list[int]] = {}
    if column.null_count == len(column):
        return found
    given = np.flatnonzero(column.is_valid().to_numpy(zero_copy_only=False))
    texts = column.take(pa.array(given)).to_pylist()
    for row, text in zip(given.tolist(), texts, strict=True):
        for ref, code in (json.loads(text) if text else {}).items():
            if code == State.INVALID.value:
                found.setdefault(ref, []).append(row)
    return found


def states_for(
    instrument: Instrument, table: pa.Table, clean: bool, memo: dict | None = None
) -> tuple[dict[str, np.ndarray], int]:
    """Each question's state (0 or a reserved code) per response, and the answers set aside."""
    table = chunk_of(table)
    n = table.num_rows
    modes = table.column("_mode").to_numpy(zero_copy_only=False)
    applies = applying(instrument, table, modes, {} if memo is None else memo)
    reach = _reach(instrument, table)
    marked_rows = _marked_rows(table)
    positions = {item.id: n for n, item in enumerate(instrument.items)}
    states, set_aside = {}, 0
    for item in instrument.iter_questions():
        answered, marked = answered_and_marked(item, table)
        marked[marked_rows.get(item.id, [])] = True
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


def grid_row_marks(marks: Sequence[dict[str, int]], ref: str, values: np.ndarray) -> np.ndarray:
    """Apply `_states` marks of one grid row (`grid.row`) to its stored values."""
    for row, given in enumerate(marks):
        if ref in given:
            values[row] = given[ref]
    return values
