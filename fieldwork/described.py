"""PostgreSQL cursors whose result description is worked out only when it is read.

psycopg builds a `Column` for every column of a result as soon as `cursor.description`
is asked for, and SQLAlchemy asks after every statement, only to learn whether rows
came back: its cached statements already know their columns. A respondent page reads
one row of more than a hundred columns (a response with its answers), and building
their descriptions cost more than the rest of the statement in the client. These
cursors answer with a sequence of the right length that builds psycopg's own
description the first time an entry is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.pq import ExecStatus

_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


class _Result:
    """What psycopg's `Column` reads of a cursor, kept for one result (the cursor may
    have moved on to another by the time the description is read)."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, cursor: psycopg.Cursor, pgresult: Any):
        self.pgresult, self.adapters, self._encoding = pgresult, cursor.adapters, cursor._encoding


class Description(Sequence):
    """A result's description (a list of `psycopg.Column`), made when first read."""

    __slots__ = ("_columns", "_count", "_result")

    def __init__(self, cursor: psycopg.Cursor, pgresult: Any):
        self._result = _Result(cursor, pgresult)
        self._count = pgresult.nfields
        self._columns: list[psycopg.Column] | None = None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if self._columns is None:
            self._columns = [psycopg.Column(self._result, i) for i in range(self._count)]
        return self._columns[index]

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  (a list's description is not hashable)

    def __repr__(self) -> str:
        return repr(list(self))


class DescribedWhenRead(psycopg.Cursor):
    """psycopg's cursor, with `description` made only when its entries are read."""

    @property
    def description(self) -> Description | None:  # type: ignore[override]
        pgresult = self.pgresult
        if pgresult is None or not (pgresult.nfields or pgresult.status in _ROWS):
            return None
        return Description(self, pgresult)


def use_on(dbapi_connection: Any) -> None:
    """Make a new psycopg connection's cursors `DescribedWhenRead` (others left alone)."""
    if isinstance(dbapi_connection, psycopg.Connection):
        dbapi_connection.cursor_factory = DescribedWhenRead
