"""Sizes and paragraph styles for paper forms: standard and large print, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from forms.paper.fonts import FontSet, fonts_for

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 20 * mm
FOOTER_HEIGHT = 36 * mm  # corner marks, QR code, page number and instrument line
CORNER_INSET = 10 * mm  # queXF/SDAPS-style L marks, 20 mm arms
CORNER_ARM = 20 * mm
QR_SIZE = 20 * mm
QR_X = CORNER_INSET + 22 * mm
QR_Y = CORNER_INSET + 2 * mm
SHADE = colors.HexColor("#e8e8e8")
INK = colors.black


@dataclass(frozen=True)
class Layout:
    """Font sizes and box sizes for one language at standard or large print."""

    lang: str
    large_print: bool = False

    @cached_property
    def fonts(self) -> FontSet:
        """The embedded fonts for the language."""
        return fonts_for(self.lang)

    @property
    def body_size(self) -> float:
        """Body text: 12 pt, or 16 pt in large print (RNIB clear print)."""
        return 16.0 if self.large_print else 12.0

    @property
    def box(self) -> float:
        """The side of a tick box or digit box: 5 mm, or 7 mm in large print."""
        return (7 if self.large_print else 5) * mm

    @property
    def line_gap(self) -> float:
        """The gap between ruled lines in a write-in box."""
        return (12 if self.large_print else 9) * mm

    @property
    def frame_width(self) -> float:
        """The width of the one text column."""
        return PAGE_WIDTH - 2 * MARGIN_X

    def style(self, name: str) -> ParagraphStyle:
        """A paragraph style by name: body, question, filter, choice, heading, title…"""
        return self._styles[name]

    @cached_property
    def _styles(self) -> dict[str, ParagraphStyle]:
        size, font, bold = self.body_size, self.fonts.regular, self.fonts.bold
        small = (
            size if self.large_print else size * 0.85
        )  # table text: never under 16 pt in large print
        leading = size * 1.3
        body = ParagraphStyle(
            "body",
            fontName=font,
            fontSize=size,
            leading=leading,
            spaceAfter=size * 0.5,
            shaping=int(self.fonts.shaping),
        )
        return {
            "body": body,
            "question": ParagraphStyle(
                "question", parent=body, fontName=bold, spaceAfter=size * 0.3
            ),
            "filter": ParagraphStyle("filter", parent=body, fontName=bold, spaceAfter=size * 0.3),
            "choice": ParagraphStyle("choice", parent=body, spaceAfter=0),
            "routing": ParagraphStyle("routing", parent=body, fontName=bold, spaceAfter=0),
            "header": ParagraphStyle(
                "header",
                parent=body,
                fontSize=small,
                leading=small * 1.2,
                spaceAfter=0,
                alignment=1,
            ),
            "cell": ParagraphStyle(
                "cell", parent=body, fontSize=small, leading=small * 1.2, spaceAfter=0
            ),
            "heading": ParagraphStyle(
                "heading",
                parent=body,
                fontName=bold,
                fontSize=size * 1.35,
                leading=size * 1.7,
                spaceBefore=size * 0.6,
                spaceAfter=size * 0.6,
            ),
            "title": ParagraphStyle(
                "title",
                parent=body,
                fontName=bold,
                fontSize=size * 1.9,
                leading=size * 2.3,
                spaceAfter=size,
            ),
        }
