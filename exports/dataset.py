"""Coding responses into rows of the dataset, a chunk (an arrow table) at a time.

A chunk holds, per response, the stored columns of its version (`forms.stored`) and the
response's own facts under keys beginning with `_` (item ids never do): `_id`
(pseudonymous), `_version`, `_practice`, `_region`, `_mode`, `_language`, `_status`
(1 complete, 2 partial), `_started`, `_submitted` (UTC), `_reached` (the last item
reached), optionally `_states` (paper marks as JSON text) and, for instruments asking
for consent, `_consent_version`, `_consent_how`, `_consent_at` and `_consent_extras`
(the optional consents given, space separated). `records_table` makes
such a chunk from plain dicts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exports.coders import CODERS
from exports.columns import (
    Column,
    consent_columns,
    free_text_items,
    item_columns,
    response_columns,
    score_columns,
)
from exports.states import (
    Chunk,
    compiled_judge,
    grid_row_marks,
    judged_once,
    numbers,
    paper_marks,
    states_for,
    stored_columns,
)
from exports.tables import ARROW_TYPES, schema
from forms.columnar import Unsupported
from forms.model import Instrument
from forms.stored import STATES, record_answers


@dataclass(frozen=True)
class Options:
    """How to code: clean (routing applied) or raw; de-identified or full; free text."""

    clean: bool = True
    deidentified: bool = True
    free_text: bool = False
    contacts: bool = False


@dataclass
class Tally:
    """What coding counted: rows and the answers a clean dataset set aside."""

    rows: int = 0
    set_aside: int = 0
    by_version: dict[int, int] = field(default_factory=dict)


def records_table(records: Sequence[dict[str, Any]]) -> pa.Table:
    """Plain records (dicts) as a chunk; `_states` mappings become JSON text."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns = {}
    for name in names:
        values = [record.get(name) for record in records]
        if name == STATES:
            values = [json.dumps(v, sort_keys=True) if v else None for v in values]
        values = [float(v) if isinstance(v, Decimal) else v for v in values]
        columns[name] = pa.array(values)
    return pa.table(columns)


class Dataset:
    """The coded dataset of one or more versions of an instrument."""

    def __init__(self, versions: Sequence[Instrument], options: Options = Options()):
        if not versions or len({v.id for v in versions}) != 1:
            raise ValueError("a dataset needs one or more versions of one instrument")
        self.versions = {v.version: v for v in sorted(versions, key=lambda v: v.version)}
        self.instrument_id = versions[0].id
        self.options = options
        self.items = item_columns(versions)
        self.scores = score_columns(versions)
        months = options.deidentified
        self.consent = consent_columns(versions, months)
        self.columns: list[Column] = (
            response_columns(months) + self.consent + self.items + self.scores
        )
        self.schema = schema(self.columns)
        self.text_items = free_text_items(versions) if options.free_text else []
        self.tally = Tally()
        self.free_text: list[tuple[str, str, str]] = []  # drained by the bundle per chunk
        self.contact_items = free_text_items(versions, identifying=True) if options.contacts else []
        self.contacts: list[tuple[str, str, str]] = []  # likewise
        self._by_item: dict[str, list[Column]] = {}
        for column in self.items:
            self._by_item.setdefault(column.item_id, []).append(column)
        self._memo: dict = {}  # judgements of routing and scores, reused across chunks
        self._types = {i.id: i.type for v in self.versions.values() for i in v.iter_questions()}

    @property
    def names(self) -> list[str]:
        """The variable names, in order."""
        return [column.name for column in self.columns]

    def code(self, chunk: pa.Table | Sequence[dict[str, Any]]) -> pa.Table:
        """The coded rows of a chunk, in the chunk's order."""
        table = chunk if isinstance(chunk, pa.Table) else records_table(chunk)
        if table.num_rows == 0:
            return self.schema.empty_table()
        versions = table.column("_version").to_numpy(zero_copy_only=False)
        if (versions == versions[0]).all():  # one version: no regrouping
            return self._code_version(self.versions[versions[0]], table)
        parts, order = [], []
        for version in sorted(set(versions.tolist())):
            rows = np.flatnonzero(versions == version)
            parts.append(self._code_version(self.versions[version], table.take(rows)))
            order.append(rows)
        coded = pa.concat_tables(parts)
        back = np.empty(table.num_rows, dtype=np.int64)
        back[np.concatenate(order)] = np.arange(table.num_rows)
        return coded.take(back)

    def _code_version(self, instrument: Instrument, table: pa.Table) -> pa.Table:
        """Code the responses of one version."""
        table = Chunk(table)
        n = table.num_rows
        self.tally.rows += n
        self.tally.by_version[instrument.version] = (
            self.tally.by_version.get(instrument.version, 0) + n
        )
        states, set_aside = states_for(instrument, table, self.options.clean, self._memo)
        self.tally.set_aside += set_aside
        stored = _Stored(table)
        _grid_marks(instrument, table, stored)
        values: list[Any] = self._facts(table)
        found = {item.id: item for item in instrument.iter_questions()}
        absent = np.full(n, -95.0)
        for item_id, columns in self._by_item.items():
            item = found.get(item_id)
            state = states.get(item_id, absent)
            values.extend(CODERS[self._types[item_id]](columns, item, stored, state))
        values.extend(self._scores(instrument, table, states))
        self._collect_text(table, states)
        arrays = [_arrow(v, ARROW_TYPES[c.kind]) for v, c in zip(values, self.columns, strict=True)]
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def _facts(self, table: pa.Table) -> list[Any]:
        """The response variables: id, instrument, version, practice, … submitted."""
        n = table.num_rows

        def column(name):
            return table.column(name) if name in table.column_names else pa.nulls(n)

        return [
            column("_id"), pa.array([self.instrument_id] * n), column("_version"),
            column("_practice"), column("_region"), column("_mode"), column("_language"),
            column("_status"), self._when(column("_started")), self._when(column("_submitted")),
            *self._consent_facts(column),
        ]  # fmt: skip

    def _consent_facts(self, column) -> list[Any]:
        """Consent version, how, when, and each optional consent (1 given, 0 not, empty
        when it was not asked: on paper, or without a consent record)."""
        if not self.consent:
            return []
        how = column("_consent_how")
        found: list[Any] = [column("_consent_version"), how, self._when(column("_consent_at"))]
        # judged once per distinct (how, extras), then spread back to every row
        hows, how_rows = _distinct(how)
        texts, text_rows = _distinct(column("_consent_extras"))
        pairs, rows = np.unique(how_rows * len(texts) + text_rows, return_inverse=True)
        asked, extras = [], []
        for pair in pairs.tolist():
            asked.append(hows[pair // len(texts)] in ("online", "assisted"))
            extras.append(set((texts[pair % len(texts)] or "").split()))
        for extra in self.consent[3:]:
            choice = extra.name.removeprefix("consent_")
            given = [(1 if choice in e else 0) if a else None
                     for e, a in zip(extras, asked, strict=True)]  # fmt: skip
            found.append(pa.array(given, pa.int32()).take(pa.array(rows.ravel())))
        return found

    def _when(self, column) -> pa.Array:
        """Timestamps as text: the month only when de-identified."""
        if pa.types.is_null(column.type):
            return pa.nulls(len(column), pa.string())
        seconds = pc.cast(column, pa.timestamp("s"), safe=False)  # drop microseconds
        if getattr(column.type, "tz", None):  # pragma: no cover (stored times are naive UTC)
            pattern = "%Y-%m" if self.options.deidentified else "%Y-%m-%dT%H:%M:%SZ"
            return pc.strftime(seconds, format=pattern)
        text = pc.cast(seconds, pa.string())  # 2026-09-01 08:00:05, as strftime would
        if self.options.deidentified:
            return pc.utf8_slice_codeunits(text, 0, 7)  # %Y-%m
        return pc.binary_join_element_wise(
            pc.replace_substring(text, " ", "T", max_replacements=1), "Z", ""
        )

    def _scores(self, instrument: Instrument, table: pa.Table, states) -> list[np.ndarray]:
        """Each score, judged once per distinct combination of the answers it reads."""
        own = {score.id: score for score in instrument.scores}
        missing = instrument.missing_codes
        found = []
        for column in self.scores:
            score = own.get(column.name)
            if score is None:
                found.append(np.full(table.num_rows, np.nan))
                continue
            read, items = {}, []
            names = set(score.expr.names) | set(score.valid_if.names if score.valid_if else ())
            for item_id in sorted({name.split(".")[0] for name in names}):
                item = instrument.item(item_id)
                items.append(item)
                for name in stored_columns(item):
                    values = numbers(table, name).copy()
                    values[states[item_id] != 0] = np.nan  # only answers that apply count
                    read[name] = values

            if (
                found_now := self._score_columns(instrument, score, read, table.num_rows)
            ) is not None:
                found.append(found_now)
                continue

            def judge(record, score=score, items=items):
                answers = record_answers(instrument, record, items)
                if score.valid_if is not None and not score.valid_if.test(answers, missing=missing):
                    return np.nan
                return _number(score.expr.evaluate(answers, missing=missing))

            memo = self._memo.setdefault(("score", instrument.version, score.id), {})
            groups, judged = judged_once(read, judge, table.num_rows, memo)
            found.append(np.array(judged, dtype=np.float64)[groups])
        return found

    def _score_columns(self, instrument, score, read, n) -> np.ndarray | None:
        """A score judged column-wise (`forms.columnar`); None when it must be judged by row."""
        value = compiled_judge(instrument, score.expr, self._memo)
        valid = compiled_judge(instrument, score.valid_if, self._memo) if score.valid_if else None
        if value is None or (score.valid_if is not None and valid is None):
            return None
        try:
            numbers = value.numbers(read, n)
            if valid is not None:
                numbers[~valid.test(read, n)] = np.nan
        except Unsupported:  # values doubles cannot hold exactly
            return None
        return numbers

    def _collect_text(self, table: pa.Table, states) -> None:
        """Free text and contact details that apply, in row order (full bundles, if asked)."""
        for items, target in (
            (self.text_items, self.free_text),
            (self.contact_items, self.contacts),
        ):
            if items:
                target.extend(_long_values(table, states, items))


def _long_values(table: pa.Table, states, items: list[str]) -> list[tuple[str, str, Any]]:
    """(response_id, variable, value) for every given value of `items`, in row order."""
    ids = table.column("_id").to_pylist()
    found = []
    for position, item_id in enumerate(items):
        for name in [n for n in table.column_names if n == item_id or n.startswith(f"{item_id}_")]:
            if item_id not in states:
                continue
            values = table.column(name).to_pylist()
            for row in np.flatnonzero(states[item_id] == 0):
                if values[row] not in (None, ""):
                    found.append((int(row), position, ids[row], name, values[row]))
    return [entry[2:] for entry in sorted(found, key=lambda e: e[:2])]


def _grid_marks(instrument: Instrument, table: pa.Table, stored: _Stored) -> None:
    """Put grid rows marked invalid on paper in `_states` (`grid.row`) into their values."""
    marks = paper_marks(table)
    if not any(marks):
        return
    for item in instrument.iter_questions():
        for row in item.rows if item.type == "grid" else ():
            name = f"{item.id}_{row.id}"
            stored[name] = grid_row_marks(marks, f"{item.id}.{row.id}", stored[name].copy())


class _Stored(dict):
    """Stored columns by name, read from the chunk when first asked for."""

    def __init__(self, table: pa.Table) -> None:
        super().__init__()
        self.table = table

    def __missing__(self, name: str) -> Any:
        table = self.table
        if name in table.column_names and pa.types.is_string(table.column(name).type):
            value = table.column(name)
        elif name in table.column_names and pa.types.is_date(table.column(name).type):
            value = pc.cast(table.column(name), pa.string())
        else:
            value = numbers(table, name)
        self[name] = value
        return value


def _distinct(column) -> tuple[list[Any], np.ndarray]:
    """A text column's distinct values (None last) and each row's position among them."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column.cast(pa.string()))
    values = [*encoded.dictionary.to_pylist(), None]
    rows = pc.fill_null(encoded.indices, len(values) - 1).to_numpy(zero_copy_only=False)
    return values, rows.astype(np.int64)


def _arrow(values: Any, kind: pa.DataType) -> pa.Array:
    """A coded column as an arrow array of the dataset's type."""
    if isinstance(values, np.ndarray):
        mask = np.isnan(values)
        if pa.types.is_integer(kind):
            whole = np.where(mask, 0, values).astype(kind.to_pandas_dtype())
            return pa.array(whole, mask=mask if mask.any() else None, type=kind)
        return pa.array(values, mask=mask if mask.any() else None, type=kind)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.cast(kind)


def _number(value: Any) -> float:
    """A score's value as a float (NaN when it has none)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        return np.nan
    return float(value)
