"""The response-rate report: aggregate rows from the queries, rolled up to the breakdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import add, attrgetter

from sqlalchemy import select

from fieldwork.db import db, is_sqlite
from fieldwork.models import Practice, Region
from fieldwork.rates import queries
from fieldwork.rates.aapor import FIELDS, Counts
from fieldwork.rates.queries import Cell, Scope, Vector
from fieldwork.rates.selection import MODES, Selection

PAGE_SIZE = 200
LOWEST_SHOWN = 20
DAYS_SHOWN = 90
TARGET = FIELDS.index("target")


@dataclass
class Row:
    """One line of the table: its breakdown values, counts and rates."""

    labels: dict[str, str]
    counts: Counts
    rates: dict[str, float | None] = field(init=False)
    below: bool = False

    def __post_init__(self) -> None:
        self.rates = self.counts.rates()

    def flag(self, threshold: float | None) -> Row:
        """Mark the row when its RR2 is below `threshold` percent; return it."""
        rr2 = self.rates["RR2"]
        self.below = threshold is not None and rr2 is not None and rr2 * 100 < threshold
        return self


@dataclass
class Report:
    """Everything the dashboard and the CSV download show."""

    selection: Selection
    rows: list[Row]
    total: Row
    below: list[Row]  # practices below the threshold, lowest RR2 first (some of them)
    below_count: int
    per_day: list[tuple[date, int]]

    @property
    def pages(self) -> int:
        """How many pages the table has."""
        return max(1, -(-len(self.rows) // PAGE_SIZE))

    def page_rows(self) -> list[Row]:
        """The rows of the selected page."""
        start = (min(self.selection.page, self.pages) - 1) * PAGE_SIZE
        return self.rows[start : start + PAGE_SIZE]


def build_report(selection: Selection, restricted_to: frozenset[str]) -> Report:
    """The report for a selection, counting only the practices in `restricted_to` (if any)."""
    scope = Scope(selection.instrument, selection.mode, selection.region_id, restricted_to)
    by_instrument, by_mode = "instrument" in selection.by, "mode" in selection.by
    by_practice = selection.threshold is not None or bool({"region", "practice"} & {*selection.by})
    by_practice = by_practice or is_sqlite()  # SQLite groups fastest in its index's order
    links, targets = queries.link_counts(scope, by_instrument, by_mode)
    grain = (by_practice, by_instrument, by_mode)
    cells = [*queries.code_counts(scope, grain), *links]
    practices = _practices(scope) if by_practice else {}
    roll = _RollUp(selection.by, practices, per_practice=selection.threshold is not None)
    roll.add_all(cells)
    if selection.mode is None:  # targets are for all modes together
        roll.add_targets(targets, with_rows="mode" not in selection.by)
    labels = _Labels(practices, _regions())
    threshold = selection.threshold
    rows = [
        Row(labels.of(selection.by, key), Counts(*v)).flag(threshold) for key, v in roll.groups()
    ]
    below = _below(roll.per_practice, labels, threshold)
    if selection.below_only and "practice" in selection.by:
        rows = [row for row in rows if row.below]
    rows.sort(key=lambda row: [row.labels[d] for d in selection.by])
    return Report(
        selection=selection,
        rows=rows,
        total=Row({}, Counts(*roll.total())).flag(threshold),
        below=below[:LOWEST_SHOWN],
        below_count=len(below),
        per_day=_days(queries.completions_per_day(scope, DAYS_SHOWN)),
    )


def _practices(scope: Scope) -> dict[int, tuple[str, str, int]]:
    """(code, name, region id) of each practice in scope, by id."""
    query = select(Practice.id, Practice.code, Practice.name, Practice.region_id)
    query = query.where(*queries.practice_filters(Practice.id, scope))
    return {row[0]: row[1:] for row in db.session.execute(query)}


def _regions() -> dict[int, str]:
    return {id_: name for id_, name in db.session.execute(select(Region.id, Region.name))}


def _accumulate(into: dict, key: object, values: Vector) -> None:
    found = into.get(key)
    if found is None:
        into[key] = list(values)
    else:
        found[:] = map(add, found, values)


def _add_target(into: dict, key: object, target: int) -> None:
    found = into.get(key)
    if found is None:
        into[key] = found = [0] * len(FIELDS)
    found[TARGET] += target


class _RollUp:
    """Sums count vectors into breakdown rows (and per practice, when asked)."""

    def __init__(self, by: tuple[str, ...], practices: dict, per_practice: bool) -> None:
        region = {pid: values[2] for pid, values in practices.items()}
        getters = {
            "region": lambda cell: region.get(cell.practice_id),
            "practice": attrgetter("practice_id"),
            "instrument": attrgetter("instrument"),
            "mode": attrgetter("mode"),
        }
        self.parts = [getters[d] for d in by]
        self.rows: dict[tuple, list[int]] = {}
        self.per_practice: dict[int, list[int]] | None = {} if per_practice else None
        self.target_total = 0

    def key(self, cell: Cell) -> tuple:
        """The breakdown values of a cell."""
        return tuple(get(cell) for get in self.parts)

    def add_all(self, cells: list[tuple[Cell, Vector]]) -> None:
        """Add every cell to its row (and its practice)."""
        for cell, values in cells:
            _accumulate(self.rows, self.key(cell), values)
            if self.per_practice is not None:
                _accumulate(self.per_practice, cell.practice_id, values)

    def add_targets(self, targets: dict[tuple[int, str], int], with_rows: bool) -> None:
        """Targets per practice and instrument; to rows too unless rows are split by mode."""
        self.target_total = sum(targets.values())
        for (practice_id, instrument), target in targets.items():
            if with_rows and target:
                _add_target(self.rows, self.key(Cell(practice_id, instrument, None)), target)
            if self.per_practice is not None:
                _add_target(self.per_practice, practice_id, target)

    def groups(self) -> list[tuple[tuple, list[int]]]:
        """(key, counts) per row."""
        return list(self.rows.items())

    def total(self) -> list[int]:
        """The sum of every row (targets counted once, even when rows are split by mode)."""
        total = [0] * len(FIELDS)
        for values in self.rows.values():
            total[:] = map(add, total, values)
        total[TARGET] = self.target_total
        return total


class _Labels:
    """Words for breakdown values."""

    def __init__(self, practices: dict, regions: dict[int, str]) -> None:
        self.practices, self.regions = practices, regions

    def of(self, by: tuple[str, ...], key: tuple) -> dict[str, str]:
        """Labels for a row's key; practices give their code and name."""
        found = {}
        for dimension, value in zip(by, key, strict=True):
            if dimension == "practice":
                code, name, _ = self.practices.get(value, (str(value), "", None))
                found["practice"], found["practice_name"] = code, name
            elif dimension == "region":
                found["region"] = self.regions.get(value, "")
            elif dimension == "mode":
                found["mode"] = MODES.get(value, value or "")
            else:
                found[dimension] = value or ""
        return found


def _below(per_practice: dict[int, list[int]] | None, labels: _Labels, threshold) -> list[Row]:
    """Practices whose RR2 is below the threshold, lowest first."""
    if threshold is None or per_practice is None:
        return []
    rows = [
        Row(labels.of(("practice",), (practice_id,)), Counts(*values)).flag(threshold)
        for practice_id, values in per_practice.items()
    ]
    below = [row for row in rows if row.below]
    below.sort(key=lambda row: (row.rates["RR2"], row.labels["practice"]))
    return below


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
