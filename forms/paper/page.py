"""Page furniture on every page: corner marks, the page's QR code, page X of Y, id and version.

Drawn after the story is laid out (so the total is known) by a canvas that keeps
each page until the end, the usual reportlab recipe for "Page X of Y".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from forms.paper.fonts import draw_string
from forms.paper.layout import (
    CORNER_ARM,
    CORNER_INSET,
    MARGIN_X,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    QR_SIZE,
    QR_X,
    QR_Y,
    Layout,
)
from forms.paper.qr import PagePayload, draw_qr
from forms.paper.words import Translate
from forms.words import PAGE_OF

FOOTER_Y = QR_Y + QR_SIZE / 2 - 4
SERIAL_Y = FOOTER_Y - 16


@dataclass(frozen=True)
class Furniture:
    """What is printed in the margins of every page of one form."""

    instrument: str
    version: int
    layout: Layout
    translate: Translate
    qr: bool = True

    def draw(self, canvas: Canvas, page: int, total: int) -> None:
        """Corner marks, QR code (unless stamped later), page number, instrument and version."""
        draw_corner_marks(canvas)
        if self.qr:
            payload = PagePayload(
                self.instrument, self.version, self.layout.lang, page, "", self.layout.large_print
            )
            draw_qr(canvas, payload.encode(), QR_X, QR_Y, QR_SIZE)
        size = 10.0 if not self.layout.large_print else 13.0
        font = self.layout.fonts.regular
        label = self.translate(PAGE_OF, page=page, pages=total)
        draw_string(canvas, PAGE_WIDTH - MARGIN_X - 10, FOOTER_Y, label, font, size, right=True)
        about = f"{self.instrument} v{self.version} · {self.layout.lang}"
        draw_string(canvas, QR_X + QR_SIZE + 12, FOOTER_Y, about, font, size)


def draw_serial(canvas: Canvas, font: str, serial: str) -> None:
    """The copy's serial number, under the page number (stamped per copy in packs)."""
    draw_string(canvas, PAGE_WIDTH - MARGIN_X - 10, SERIAL_Y, f"No. {serial}", font, 10, right=True)


def draw_corner_marks(canvas: Canvas) -> None:
    """Four L-shaped marks, 20 mm arms, 10 mm in from each corner."""
    canvas.saveState()
    canvas.setLineWidth(1.5)
    left, right = CORNER_INSET, PAGE_WIDTH - CORNER_INSET
    bottom, top = CORNER_INSET, PAGE_HEIGHT - CORNER_INSET
    for x, y, dx, dy in (
        (left, bottom, 1, 1),
        (right, bottom, -1, 1),
        (left, top, 1, -1),
        (right, top, -1, -1),
    ):
        canvas.line(x, y, x + dx * CORNER_ARM, y)
        canvas.line(x, y, x, y + dy * CORNER_ARM)
    canvas.restoreState()


def numbered_canvas(furniture: Callable[[Canvas, int, int], None], font: str) -> type[Canvas]:
    """A canvas class that draws `furniture(canvas, page, total)` on every page at the end.

    Its initial font is `font` (embedded), so no page refers to an unembedded Helvetica.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = font
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                furniture(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas
