"""Drawn answer boxes that note where they land: the box map of a paper form.

Every tick box, grid cell, digit box and write-in area is a flowable that, when
drawn, records its page and position in points (origin bottom left, as in PDF) in a
`BoxMap`. A scanning step reads the map to find the marks.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from reportlab.platypus import Flowable

TICK, CELL, DIGIT, WRITE_IN = "tick", "cell", "digit", "write_in"
UNITS = "pt, origin bottom left of an A4 page"


@dataclass(frozen=True)
class BoxKey:
    """What a box answers: item, grid row, choice code, digit position (or date part)."""

    kind: str
    item: str
    row: str | None = None
    code: int | None = None
    part: str | None = None
    index: int | None = None


@dataclass
class BoxMap:
    """Every drawn box of one rendering, in drawing order."""

    instrument: str
    version: int
    lang: str
    large_print: bool = False
    boxes: list[dict[str, Any]] = field(default_factory=list)

    def add(self, key: BoxKey, page: int, x: float, y: float, w: float, h: float) -> None:
        """Record one box at its absolute page position."""
        entry = {k: v for k, v in asdict(key).items() if v is not None}
        entry.update(page=page, x=round(x, 2), y=round(y, 2), w=round(w, 2), h=round(h, 2))
        self.boxes.append(entry)

    def to_json(self, *, compact: bool = False) -> str:
        """The map as JSON: instrument, version, language, page size and boxes (`compact`:
        on one line without spaces, as a database keeps it)."""
        return json.dumps(
            {
                "instrument": self.instrument,
                "version": self.version,
                "lang": self.lang,
                "large_print": self.large_print,
                "units": UNITS,
                "boxes": self.boxes,
            },
            indent=None if compact else 1,
            separators=(",", ":") if compact else None,
        )

    @classmethod
    def from_json(cls, text: str) -> BoxMap:
        """A map read back from `to_json` (ValueError if the text is not one)."""
        try:
            data = json.loads(text)
            found = cls(
                str(data["instrument"]),
                int(data["version"]),
                str(data["lang"]),
                bool(data["large_print"]),
                list(data["boxes"]),
            )
        except (TypeError, KeyError, json.JSONDecodeError) as error:
            raise ValueError(f"not a box map: {error}") from error
        if data.get("units") != UNITS or not all(isinstance(b, dict) for b in found.boxes):
            raise ValueError("not a box map in points from the bottom left of an A4 page")
        return found


class Box(Flowable):
    """An empty square (or rectangle) to tick, write a digit in or write in."""

    def __init__(self, key: BoxKey, boxmap: BoxMap, width: float, height: float | None = None):
        super().__init__()
        self.key, self.boxmap = key, boxmap
        self.width, self.height = width, height if height is not None else width

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Its fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """Draw the outline and note where it landed."""
        canvas = self.canv
        canvas.setLineWidth(1)
        canvas.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        x, y = canvas.absolutePosition(0, 0)
        self.boxmap.add(self.key, canvas.getPageNumber(), x, y, self.width, self.height)


class WriteIn(Box):
    """A write-in area with ruled lines, one per line of the answer expected."""

    def __init__(self, key: BoxKey, boxmap: BoxMap, width: float, lines: int, gap: float):
        super().__init__(key, boxmap, width, lines * gap)
        self.lines, self.gap = lines, gap

    def draw(self) -> None:
        """The box, then grey ruled lines to write on."""
        super().draw()
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeGray(0.6)
        canvas.setLineWidth(0.5)
        for n in range(1, self.lines):
            canvas.line(4, n * self.gap, self.width - 4, n * self.gap)
        canvas.restoreState()
