"""Coding plain response records into rows of the dataset.

A record is a mapping: the stored columns of the response's version (`forms.stored`)
plus the response's own facts under keys beginning with `_` (item ids never do):
`_id` (pseudonymous), `_instrument`, `_version`, `_practice`, `_region`, `_mode`,
`_language`, `_status` (1 complete, 2 partial), `_started`, `_submitted` (datetimes,
UTC), `_reached` (last item reached) and optionally `_states` (paper marks).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from exports.coders import CODERS
from exports.columns import Column, free_text_items, item_columns, response_columns, score_columns
from forms.model import Instrument, Item
from forms.routing import State, item_states, set_aside
from forms.stored import record_answers, record_marks

MODE_FORMS = {1: "web", 2: "paper", 3: "web"}


@dataclass(frozen=True)
class Options:
    """How to code: clean (routing applied) or raw; de-identified or full; free text."""

    clean: bool = True
    deidentified: bool = True
    free_text: bool = False


@dataclass
class Tally:
    """What coding counted: rows and the answers a clean dataset set aside."""

    rows: int = 0
    set_aside: int = 0
    by_version: dict[int, int] = field(default_factory=dict)


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
        self.columns: list[Column] = response_columns() + self.items + self.scores
        self.text_items = free_text_items(versions) if options.free_text else []
        self.tally = Tally()
        self.free_text: list[tuple[str, str, str]] = []  # drained by the bundle per chunk
        self._plans = {v: self._plan(instrument) for v, instrument in self.versions.items()}

    def _plan(self, instrument: Instrument) -> list[tuple[Item | None, str, list[Column]]]:
        """Per dataset item: the version's item (or None), its type, its columns."""
        by_item: dict[str, list[Column]] = {}
        for column in self.items:
            by_item.setdefault(column.item_id, []).append(column)
        types = {i.id: i.type for v in self.versions.values() for i in v.iter_questions()}
        found = {item.id: item for item in instrument.iter_questions()}
        return [(found.get(item_id), types[item_id], cols) for item_id, cols in by_item.items()]

    @property
    def names(self) -> list[str]:
        """The variable names, in order."""
        return [column.name for column in self.columns]

    def _when(self, value: datetime.datetime | None) -> str | None:
        if value is None:
            return None
        if self.options.deidentified:
            return value.strftime("%Y-%m")
        return value.replace(microsecond=0).isoformat() + "Z"

    def code(self, record: dict[str, Any]) -> list[Any]:
        """One coded row for a record."""
        version = record["_version"]
        instrument = self.versions[version]
        answers = record_answers(instrument, record)
        marks = record_marks(instrument, record)
        states = item_states(
            instrument, answers, complete=record["_status"] == 1,
            reached=record.get("_reached"), marks=marks,
            mode=MODE_FORMS.get(record["_mode"]), clean=self.options.clean,
        )  # fmt: skip
        self.tally.rows += 1
        self.tally.by_version[version] = self.tally.by_version.get(version, 0) + 1
        self.tally.set_aside += set_aside(states, answers)
        row: list[Any] = [
            record["_id"], self.instrument_id, version, record["_practice"], record["_region"],
            record["_mode"], record["_language"], record["_status"],
            self._when(record["_started"]), self._when(record.get("_submitted")),
        ]  # fmt: skip
        for item, item_type, columns in self._plans[version]:
            state = states.get(item.id, State.NOT_IN_VERSION) if item else State.NOT_IN_VERSION
            answer = answers.get(item.id) if item else None
            row.extend(CODERS[item_type](columns, item, answer, state, marks))
        applying = {k: v for k, v in answers.items() if states.get(k) == State.ANSWERED}
        row.extend(self._scores(instrument, applying))
        for item_id in self.text_items:
            if applying.get(item_id):
                self.free_text.append((record["_id"], item_id, applying[item_id]))
        return row

    def _scores(self, instrument: Instrument, answers: dict[str, Any]) -> list[Any]:
        """Each score's value: empty where valid_if is false or there is no value."""
        own = {score.id: score for score in instrument.scores}
        missing = instrument.missing_codes
        values = []
        for column in self.scores:
            score = own.get(column.name)
            value = None
            if score is not None and (
                score.valid_if is None or score.valid_if.test(answers, missing=missing)
            ):
                value = score.expr.evaluate(answers, missing=missing)
            values.append(_number(value))
        return values

    def rows(self, records: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
        """Coded rows, one per record, in the records' order."""
        for record in records:
            yield self.code(record)


def _number(value: Any) -> float | None:
    """A score's value as a number (None when it has none)."""
    if value is None or isinstance(value, bool | str | datetime.date):
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    return None
