"""Rolling count vectors up to the dashboard's breakdown, and words for its rows."""

from __future__ import annotations

from operator import add, attrgetter

from fieldwork.rates.aapor import FIELDS
from fieldwork.rates.queries import Cell, Vector
from fieldwork.rates.selection import MODES

TARGET = FIELDS.index("target")


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


class RollUp:
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
        self.practice_at = by.index("practice") if "practice" in by else None
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

    def add_empty(self, practices: dict, instrument: str | None, mode: str | None) -> None:
        """A row (all zero) for every practice that has none: each practice appears."""
        seen = {key[self.practice_at] for key in self.rows}
        for practice_id in practices:
            if practice_id not in seen:
                self.rows[self.key(Cell(practice_id, instrument, mode))] = [0] * len(FIELDS)

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


class Labels:
    """Words for breakdown values."""

    def __init__(self, practices: dict, regions: dict[int, str], titles: dict[str, str]) -> None:
        self.practices, self.regions, self.titles = practices, regions, titles

    def of(self, by: tuple[str, ...], key: tuple) -> dict[str, str]:
        """Labels for a row's key; practices give their code and name, instruments their title."""
        found = {}
        for dimension, value in zip(by, key, strict=True):
            if dimension == "practice":
                code, name, _ = self.practices.get(value, (str(value), "", None))
                found["practice"], found["practice_name"] = code, name
            elif dimension == "region":
                found["region"] = self.regions.get(value, "")
            elif dimension == "mode":
                found["mode"] = MODES.get(value, value or "")
            else:  # the instrument: its id (for the CSV) and its title (for people)
                found[dimension] = value or ""
                found["instrument_title"] = self.titles.get(value, value or "")
        return found
