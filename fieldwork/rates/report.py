"""The response-rate report: aggregate rows from the queries, rolled up to the breakdown."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from fieldwork.db import db, is_sqlite
from fieldwork.models import Practice, Region
from fieldwork.rates import mailing, queries, waves
from fieldwork.rates.aapor import FIELDS, Counts
from fieldwork.rates.fieldwork_status import Fieldwork, load_fieldwork
from fieldwork.rates.queries import Cell, Scope, Vector
from fieldwork.rates.rollup import Labels, RollUp
from fieldwork.rates.selection import Selection

PAGE_SIZE = 200
LOWEST_SHOWN = 20
DAYS_SHOWN = 90
_NO_REPLY = (FIELDS.index("no_reply"), FIELDS.index("link_no_reply"))
_NOT_RETURNED = FIELDS.index("not_returned")


@dataclass
class Row:
    """One line of the table: its breakdown values, counts and rates."""

    labels: dict[str, str]
    counts: Counts
    with_not_returned: bool = False  # interim rates keep not-yet-returned in the denominators
    practice_id: int | None = None  # set on rows of one practice
    mailed: date | None = None  # the practice's latest mailing (batch or paper pack)
    closed: bool = False  # the practice's fieldwork is closed
    rates: dict[str, float | None] = field(init=False)
    below: bool = False

    def __post_init__(self) -> None:
        self.rates = self.counts.rates(self.with_not_returned)

    def flag(self, threshold: float | None) -> Row:
        """Mark a practice's row when its RR2 is below `threshold` percent, or nothing was
        issued to it; return it."""
        rr2 = self.rates["RR2"]
        if threshold is None or self.practice_id is None:
            self.below = False
        else:
            self.below = rr2 * 100 < threshold if rr2 is not None else self.counts.issued == 0
        return self


@dataclass
class Report:
    """Everything the dashboard and the CSV download show."""

    selection: Selection
    fieldwork: Fieldwork
    rows: list[Row]
    total: Row
    below: list[Row]  # practices below the threshold, lowest RR2 first (some of them)
    below_count: int
    per_day: list[tuple[date, int]]
    per_day_by_instrument: dict[str, list[tuple[date, int]]]
    by_wave: list[Row] = field(default_factory=list)  # when the paper packs have waves

    @property
    def pages(self) -> int:
        """How many pages the table has."""
        return max(1, -(-len(self.rows) // PAGE_SIZE))

    def page_rows(self) -> list[Row]:
        """The rows of the selected page."""
        start = (min(self.selection.page, self.pages) - 1) * PAGE_SIZE
        return self.rows[start : start + PAGE_SIZE]


def build_report(
    selection: Selection, restricted_to: frozenset[str], titles: dict[str, str] | None = None
) -> Report:
    """The report for a selection, counting only the practices in `restricted_to` (if any)."""
    scope = Scope(selection.instrument, selection.mode, selection.region_id, restricted_to)
    state = load_fieldwork()
    by_instrument, by_mode = "instrument" in selection.by, "mode" in selection.by
    by_practice = selection.threshold is not None or bool({"region", "practice"} & {*selection.by})
    by_practice = by_practice or state.mixed or is_sqlite()  # SQLite: its index's order
    links, targets = queries.link_counts(scope, by_instrument, by_mode)
    cells, mailed = _code_cells(scope, (by_practice, by_instrument, by_mode))
    cells = [(cell, _settled(state, cell, values)) for cell, values in [*cells, *links]]
    practices = _practices(scope) if by_practice else {}
    roll = RollUp(selection.by, practices, per_practice=selection.threshold is not None)
    roll.add_all(cells)
    if "practice" in selection.by:
        roll.add_empty(practices, selection.instrument, selection.mode)
    if selection.mode is None:  # targets are for all modes together
        roll.add_targets(targets, with_rows="mode" not in selection.by)
    labels = Labels(practices, _regions(), titles or {})
    rows = [_row(selection, state, labels, key, values, mailed) for key, values in roll.groups()]
    below = _below(roll, practices, labels, selection.threshold, state)
    if selection.below_only and "practice" in selection.by:
        rows = [row for row in rows if row.below]
    rows.sort(key=lambda row: [row.labels[d] for d in selection.by])
    per_day = queries.completions_per_day(scope, DAYS_SHOWN)
    return Report(
        selection=selection,
        fieldwork=state,
        rows=rows,
        total=Row({}, Counts(*roll.total()), state.with_not_returned and not state.study_closed),
        below=below[:LOWEST_SHOWN],
        below_count=len(below),
        per_day=_days(_summed(per_day)),
        per_day_by_instrument=_by_instrument(per_day),
        by_wave=_waves(scope, state),
    )


def _waves(scope: Scope, state: Fieldwork) -> list[Row]:
    """A row per wave (study-wide interim or final: waves are not split by practice)."""
    interim = not state.study_closed
    rows = []
    for wave, values in waves.wave_counts(scope):
        if interim:
            values = _settled(state, Cell(None, None, None), values)
        rows.append(Row({"wave": wave}, Counts(*values), interim and state.with_not_returned))
    return rows


def _code_cells(scope: Scope, grain) -> tuple[list[tuple[Cell, Vector]], dict[int, date]]:
    """The codes' count cells, and each practice's latest mailing."""
    mailed: dict[int, date] = {}
    cells = []
    for cell, values, last in queries.code_counts(scope, grain):
        cells.append((cell, values))
        if last is not None and cell.practice_id is not None:
            mailed[cell.practice_id] = mailing.latest(last, mailed.get(cell.practice_id))
    for practice_id, day in mailing.paper_mailings(scope).items():
        mailed[practice_id] = mailing.latest(day, mailed.get(practice_id))
    return cells, mailed


def _settled(state: Fieldwork, cell: Cell, values: Vector) -> Vector:
    """During fieldwork (study and practice open) no-replies are not yet returned."""
    if state.closed(cell.practice_id) or not any(values[i] for i in _NO_REPLY):
        return values
    moved = list(values)
    moved[_NOT_RETURNED] += sum(values[i] for i in _NO_REPLY)
    for i in _NO_REPLY:
        moved[i] = 0
    return tuple(moved)


def _row(selection, state: Fieldwork, labels: Labels, key: tuple, values, mailed) -> Row:
    """A table row, flagged (practice rows only) against the threshold."""
    practice_id = key[selection.by.index("practice")] if "practice" in selection.by else None
    row = Row(
        labels.of(selection.by, key),
        Counts(*values),
        state.with_not_returned and not state.study_closed,
        practice_id,
        mailed.get(practice_id),
        practice_id is not None and state.closed(practice_id),
    )
    return row.flag(selection.threshold)


def _practices(scope: Scope) -> dict[int, tuple[str, str, int]]:
    """(code, name, region id) of each practice in scope, by id."""
    query = select(Practice.id, Practice.code, Practice.name, Practice.region_id)
    query = query.where(*queries.practice_filters(Practice.id, scope))
    return {row[0]: row[1:] for row in db.session.execute(query)}


def _regions() -> dict[int, str]:
    return {id_: name for id_, name in db.session.execute(select(Region.id, Region.name))}


def _below(roll: RollUp, practices: dict, labels: Labels, threshold, state: Fieldwork):
    """Practices whose RR2 is below the threshold (or with nothing issued), lowest first."""
    if threshold is None or roll.per_practice is None:
        return []
    interim = state.with_not_returned and not state.study_closed
    empty = [0] * len(FIELDS)
    rows = [
        Row(labels.of(("practice",), (pid,)), Counts(*roll.per_practice.get(pid, empty)), interim)
        for pid in practices
    ]
    for row, pid in zip(rows, practices, strict=True):
        row.practice_id = pid
        row.flag(threshold)
    below = [row for row in rows if row.below]
    below.sort(key=lambda row: (row.rates["RR2"] or 0, row.labels["practice"]))
    return below


def _summed(per_day: dict[tuple[str, date], int]) -> dict[date, int]:
    found: dict[date, int] = defaultdict(int)
    for (_, day), count in per_day.items():
        found[day] += count
    return found


def _by_instrument(per_day: dict[tuple[str, date], int]) -> dict[str, list[tuple[date, int]]]:
    """Completions per day for each instrument, over the same days as the total."""
    days = [day for day, _ in _days(_summed(per_day))]
    instruments = sorted({name for name, _ in per_day})
    return {name: [(day, per_day.get((name, day), 0)) for day in days] for name in instruments}


def _days(counts: dict[date, int]) -> list[tuple[date, int]]:
    """Every day from the first to the last completion (at most the last 90), gaps as 0."""
    if not counts:
        return []
    last = max(counts)
    first = max(min(counts), last - timedelta(days=DAYS_SHOWN - 1))
    span = (last - first).days + 1
    return [
        (first + timedelta(days=n), counts.get(first + timedelta(days=n), 0)) for n in range(span)
    ]
