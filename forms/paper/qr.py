"""QR codes on paper: the page payload, and drawing a code as filled squares.

A page's QR code says which form and page it is, so a scanned page finds its box map:

    FW1|patient|1|en|std|3|0000123   (format, instrument, version, language, print size
                                      "std" or "large", page, serial)

The serial is empty on a form printed without one. Instrument, version, language and
print size name the box map the page was laid out with. Codes are made by segno with error
correction M or higher and drawn as rectangles (one per run of dark modules), which is
much faster than reportlab's QR widget and prints the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from reportlab.pdfgen.canvas import Canvas

PREFIX = "FW1"
QUIET_ZONE = 4


@dataclass(frozen=True)
class PagePayload:
    """What a page's QR code encodes."""

    instrument: str
    version: int
    lang: str
    page: int
    serial: str = ""
    large_print: bool = False

    def encode(self) -> str:
        """The text stored in the QR code."""
        size = "large" if self.large_print else "std"
        fields = (self.instrument, str(self.version), self.lang, size, str(self.page), self.serial)
        return "|".join((PREFIX, *fields))

    @classmethod
    def decode(cls, text: str) -> PagePayload:
        """Read a page payload back (ValueError if it is not one)."""
        parts = text.split("|")
        if len(parts) != 7 or parts[0] != PREFIX or parts[4] not in ("std", "large"):
            raise ValueError(f"not a Fieldwork page code: {text!r}")
        _, instrument, version, lang, size, page, serial = parts
        return cls(instrument, int(version), lang, int(page), serial, size == "large")


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw a QR code (error correction M or better, quiet zone included) in a square.

    The mask is fixed (any of the eight is valid; choosing the best costs 4 ms a code)
    and the modules are written as PDF rectangles in module units under one transform.
    """
    code = segno.make_qr(text, error="m", boost_error=True, mask=0)
    matrix = code.matrix
    count = len(matrix) + 2 * QUIET_ZONE
    ops = [f"q 0 g {size / count:.4f} 0 0 {size / count:.4f} {x:.3f} {y:.3f} cm"]
    for row_index, row in enumerate(matrix):
        bottom = count - QUIET_ZONE - row_index - 1
        column, width = 0, len(row)
        while column < width:
            if row[column]:
                start = column
                while column < width and row[column]:
                    column += 1
                ops.append(f"{start + QUIET_ZONE} {bottom} {column - start} 1 re")
            else:
                column += 1
    ops.append("f Q")
    canvas.addLiteral("\n".join(ops))
