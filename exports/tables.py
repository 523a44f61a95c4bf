"""Coded rows to columnar chunks: one pyarrow type per kind of variable, fixed for every chunk."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from exports.columns import MONTH, SCORE, STRING, TIMESTAMP, Column
from exports.safe import safe_array
from forms.routing import MISSING_LABELS
from forms.variables import CODE, DATE, DECIMAL, FLAG, INTEGER, TEXT

ARROW_TYPES = {
    CODE: pa.int32(),
    FLAG: pa.int32(),
    INTEGER: pa.int64(),
    DECIMAL: pa.float64(),
    SCORE: pa.float64(),
    TEXT: pa.string(),
    DATE: pa.string(),
    STRING: pa.string(),
    TIMESTAMP: pa.string(),
    MONTH: pa.string(),
}


def schema(columns: Sequence[Column]) -> pa.Schema:
    """The arrow schema of a dataset."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.kind]) for c in columns])


def safe_table(table: pa.Table) -> pa.Table:
    """The table with every text column neutralised against formula injection."""
    arrays = [safe_array(col) if pa.types.is_string(col.type) else col for col in table.columns]
    return pa.Table.from_arrays(arrays, schema=table.schema)


def _labelled(column: Column) -> bool:
    return bool(column.values) or column.carries_codes


def labelled_schema(columns: Sequence[Column]) -> pa.Schema:
    """The schema of labels.csv: labelled variables become text."""
    return pa.schema(
        [pa.field(c.name, pa.string() if _labelled(c) else ARROW_TYPES[c.kind]) for c in columns]
    )


def labelled_table(columns: Sequence[Column], table: pa.Table) -> pa.Table:
    """The table with codes replaced by their value labels (labels.csv)."""
    arrays = []
    for column, array in zip(columns, table.columns, strict=True):
        if _labelled(column):
            labels = {**MISSING_LABELS, **column.values} if column.carries_codes else column.values
            values = [None if v is None else labels.get(v, v) for v in array.to_pylist()]
            array = pa.array([None if v is None else str(v) for v in values], pa.string())
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=labelled_schema(columns))
