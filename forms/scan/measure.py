"""Measuring each box of a registered page: dark fraction, ticked or not, and how sure.

A box's inner area (inside its printed outline, with room for a registration error
of a point or so) is compared with the page's own paper and print greys; a pixel is
ink when it is more than `ink` of the way from paper to print. The dark fraction of
the inner area decides, by a two-sided rule:

    0 ... empty_max | uncertain | tick_min ... tick_max | uncertain | fill_min ... 1
       empty               ticked (a tick or a cross)          filled in: a correction

and the confidence is the distance to the nearest uncertain band. Write-in areas and
digit boxes are never read: a write-in (its ruled lines masked) or digit box with ink
goes to a person as an image crop; empty ones are blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from forms.paper.boxes import CELL, DIGIT, TICK, WRITE_IN
from forms.paper.layout import Layout
from forms.scan.register import Registered

CHOICE_KINDS = (TICK, CELL)


@dataclass(frozen=True)
class Thresholds:
    """The dark fractions that separate empty, ticked and filled-in boxes (see module)."""

    empty_max: float = 0.045
    tick_min: float = 0.075
    tick_max: float = 0.66
    fill_min: float = 0.80
    ink: float = 0.45  # share of the way from paper grey to print grey that counts as ink
    inset: float = 2.0  # points inside a box's drawn edge that are not measured
    writing_min: float = 0.002  # dark fraction of a write-in area that is writing
    writing_unsure: float = 0.0006  # above this (and below writing_min) a person looks
    spread_min: float = 0.5  # a tick reaches at least this share of the way across its box


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class BoxReading:
    """What one box of the box map shows on a scanned page.

    `box` is the box map's entry (kind, item, row, code, part, index, page, x, y, w, h);
    `dark` its dark fraction; `spread` how far across the box the ink reaches (0-1);
    `ticked` (tick and grid boxes: a tick or a cross, not a box filled in) or, for
    digit and write-in boxes, whether anything is written;
    `filled` a box filled in (a correction); `confidence` 0-1 (1: far from every
    threshold); `uncertain` when a person must look; `crop` a PNG of write-in areas and
    of an item's digit boxes (the same crop on each digit box of the item).
    """

    box: Mapping[str, Any]
    dark: float
    ticked: bool
    filled: bool = False
    confidence: float = 1.0
    uncertain: bool = False
    crop: bytes | None = field(default=None, repr=False)
    spread: float = 0.0

    @property
    def kind(self) -> str:
        """tick, cell, digit or write_in."""
        return self.box["kind"]

    @property
    def item(self) -> str:
        """The item the box answers."""
        return self.box["item"]


def measure(
    registered: Registered,
    boxes: Iterable[Mapping[str, Any]],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    large_print: bool = False,
) -> list[BoxReading]:
    """Read every box (the box map's entries for this page) of a registered page."""
    darkness = _darkness(registered, thresholds)
    boxes = list(boxes)
    digit_crops = _digit_crops(registered, boxes)
    gap = Layout("en", large_print).line_gap
    readings = []
    for box in boxes:
        kind = box["kind"]
        if kind == WRITE_IN:
            readings.append(_write_in(registered, darkness, box, thresholds, gap))
            continue
        rows, cols = registered.pixels(box["x"], box["y"], box["w"], box["h"], thresholds.inset)
        inner = darkness[rows, cols]
        dark = float(inner.mean()) if inner.size else 0.0
        if kind == DIGIT:
            readings.append(_digit(box, dark, thresholds, digit_crops.get(box["item"])))
        else:
            spread = _spread(inner)
            readings.append(replace(classify(box, dark, thresholds, spread), spread=spread))
    return readings


def _spread(inner: np.ndarray) -> float:
    """How far ink reaches across a box: the larger share of its rows or columns inked."""
    if not inner.size:
        return 0.0
    columns = float((inner.sum(axis=0) >= 2).mean())
    rows = float((inner.sum(axis=1) >= 2).mean())
    return max(columns, rows)


def classify(
    box: Mapping[str, Any], dark: float, t: Thresholds = DEFAULT_THRESHOLDS, spread: float = 1.0
) -> BoxReading:
    """The two-sided rule for a tick box's dark fraction (see the module).

    Ink that reaches less than `t.spread_min` of the way across the box (a dot, a pen
    rested on the paper) is not a tick for sure, however dark: a person looks.
    """
    if dark <= t.empty_max:
        return BoxReading(box, dark, False, False, _sure(t.empty_max - dark, t))
    if dark < t.tick_min:
        middle = (t.empty_max + t.tick_min) / 2
        return BoxReading(box, dark, dark >= middle, False, _unsure(dark, middle, t), True)
    if dark <= t.tick_max:
        if spread < t.spread_min:
            return BoxReading(box, dark, False, False, 0.25, True)
        distance = min(dark - t.tick_min, t.tick_max - dark)
        return BoxReading(box, dark, True, False, _sure(distance, t))
    if dark < t.fill_min:
        middle = (t.tick_max + t.fill_min) / 2
        filled = dark >= middle
        return BoxReading(box, dark, not filled, filled, _unsure(dark, middle, t), True)
    return BoxReading(box, dark, False, True, _sure(dark - t.fill_min, t))


def _sure(distance: float, t: Thresholds) -> float:
    """0.5 at a threshold, rising to 1 a band's width away from it."""
    return round(0.5 + 0.5 * min(1.0, distance / (t.tick_min - t.empty_max)), 3)


def _unsure(dark: float, middle: float, t: Thresholds) -> float:
    """Under 0.5: 0 in the middle of an uncertain band, 0.5 at its edges."""
    half = (t.tick_min - t.empty_max) / 2
    return round(min(0.5, 0.5 * abs(dark - middle) / half), 3)


def _darkness(registered: Registered, t: Thresholds) -> np.ndarray:
    """1.0 where a pixel is ink, 0.0 where it is paper (the page's own greys)."""
    cut = registered.paper - t.ink * (registered.paper - registered.ink)
    return (registered.image < cut).astype(np.float32)


def _digit(box, dark: float, t: Thresholds, crop: bytes | None) -> BoxReading:
    written = dark > t.empty_max
    uncertain = t.empty_max / 2 < dark <= t.empty_max
    return BoxReading(box, dark, written, False, 0.0 if written else 1.0, uncertain, crop)


def _digit_crops(registered: Registered, boxes: list[Mapping[str, Any]]) -> dict[str, bytes]:
    """One crop per item around all its digit boxes on the page (with their labels)."""
    extents: dict[str, list[float]] = {}
    for box in boxes:
        if box["kind"] != DIGIT:
            continue
        left, bottom = box["x"], box["y"]
        right, top = left + box["w"], bottom + box["h"]
        found = extents.setdefault(box["item"], [left, bottom, right, top])
        found[:] = [
            min(found[0], left),
            min(found[1], bottom),
            max(found[2], right),
            max(found[3], top),
        ]
    return {
        item: registered.crop_png(left, bottom - 24, right - left + 40, top - bottom + 24, 6)
        for item, (left, bottom, right, top) in extents.items()
    }


def _write_in(registered: Registered, darkness: np.ndarray, box, t: Thresholds, gap: float):
    """Writing in a write-in area (its ruled lines masked out); a crop for a person."""
    rows, cols = registered.pixels(box["x"], box["y"], box["w"], box["h"], t.inset)
    area = darkness[rows, cols].copy()
    k = registered.dpi / 72
    lines = max(1, round(box["h"] / gap))
    for n in range(1, lines):
        # ruled line n is n * gap above the box's bottom edge; rows count from the top
        centre = (box["h"] - n * gap - t.inset) * k
        area[max(0, round(centre - 2 * k)) : max(0, round(centre + 2 * k)), :] = 0
    dark = float(area.mean()) if area.size else 0.0
    written = dark >= t.writing_min
    uncertain = t.writing_unsure <= dark < t.writing_min
    crop = (
        registered.crop_png(box["x"], box["y"], box["w"], box["h"])
        if dark >= t.writing_unsure
        else None
    )
    return BoxReading(box, dark, written, False, 0.0 if written else 1.0, uncertain, crop)
