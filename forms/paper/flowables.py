"""Paper flowables, one builder per item type (the paper renderer's table).

`ANSWER_BUILDERS[item.type]` gives the instruction printed under the question and
a function building its answer boxes. Everything else about a question (number,
text, help, filter line, keeping it on one page) is shared in `forms.paper.document`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from forms import words as shared
from forms.model import Instrument, Item
from forms.paper.boxes import CELL, DIGIT, TICK, WRITE_IN, Box, BoxKey, BoxMap, WriteIn
from forms.paper.fonts import paragraph, string_width
from forms.paper.layout import SHADE, Layout
from forms.paper.routing_words import go_to
from forms.paper.words import Translate, _
from forms.paper_routing import PaperRouting


@dataclass
class PaperContext:
    """Everything a builder needs: the instrument, language, sizes, words, routing, box map."""

    instrument: Instrument
    layout: Layout
    translate: Translate
    routing: PaperRouting
    numbers: dict[str, str]
    boxmap: BoxMap

    @property
    def lang(self) -> str:
        """The language printed."""
        return self.layout.lang

    @property
    def indent(self) -> float:
        """How far answers sit in from the question number."""
        return self.layout.body_size * 3

    @property
    def width(self) -> float:
        """The width available to answers."""
        return self.layout.frame_width - self.indent

    def para(self, text: str, style: str = "body") -> Paragraph:
        """A paragraph of plain text (escaped) in a named style."""
        return paragraph(escape(text), self.layout.style(style))


Builder = Callable[[PaperContext, Item], list[Flowable]]


def _choices(ctx: PaperContext, item: Item) -> list[Flowable]:
    """One row per choice: box, label, and the jump beside it where the answer skips ahead."""
    assert item.choices is not None
    box = ctx.layout.box
    rows = []
    for choice in item.choices.choices:
        label = escape(choice.label.get(ctx.lang))
        target = ctx.routing.jumps.get((item.id, choice.code))
        if target is not None:
            jump = escape(go_to(target, ctx.numbers, ctx.translate)).replace(" ", "&nbsp;")
            label += f"&nbsp;&nbsp;<b>→&nbsp;{jump}</b>"  # the jump never splits over lines
        key = BoxKey(TICK, item.id, code=choice.code)
        rows.append([Box(key, ctx.boxmap, box), paragraph(label, ctx.layout.style("choice"))])
    table = Table(rows, colWidths=[box + 10, ctx.width - box - 10], hAlign="LEFT")
    table.setStyle(
        _tight(ctx, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 5))
    )
    return [table]


def _grid(ctx: PaperContext, item: Item) -> list[Flowable]:
    """A table, one row per grid row and a box per cell; rows stacked where labels do not fit."""
    assert item.choices is not None
    choices = item.choices.choices
    row_width = ctx.width * (0.28 if len(choices) > 5 else 0.36)
    cell = (ctx.width - row_width) / len(choices)
    style = ctx.layout.style("header")
    longest = max(
        string_width(word, style.fontName, style.fontSize)
        for c in choices
        for word in c.label.get(ctx.lang).split() or [""]
    )
    if ctx.layout.large_print or longest > cell - 6:
        return _stacked_grid(ctx, item)
    header = [_blank()] + [ctx.para(c.label.get(ctx.lang), "header") for c in choices]
    body = [
        [ctx.para(row.text.get(ctx.lang), "cell")]
        + [
            Box(BoxKey(CELL, item.id, row=row.id, code=c.code), ctx.boxmap, ctx.layout.box)
            for c in choices
        ]
        for row in item.rows
    ]
    table = Table(
        [header, *body], colWidths=[row_width] + [cell] * len(choices), repeatRows=1, hAlign="LEFT"
    )
    table.setStyle(
        _tight(
            ctx,
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (1, 1), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [SHADE, None]),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        )
    )
    return [table]


def _stacked_grid(ctx: PaperContext, item: Item) -> list[Flowable]:
    """Each grid row as its own list of boxes, on a shaded band every other row."""
    assert item.choices is not None
    box = ctx.layout.box
    flowables: list[Flowable] = []
    for number, row in enumerate(item.rows):
        lines = [[ctx.para(row.text.get(ctx.lang), "question"), _blank()]]
        for choice in item.choices.choices:
            key = BoxKey(CELL, item.id, row=row.id, code=choice.code)
            lines.append(
                [Box(key, ctx.boxmap, box), ctx.para(choice.label.get(ctx.lang), "choice")]
            )
        table = Table(lines, colWidths=[box + 10, ctx.width - box - 10], hAlign="LEFT")
        commands = [("SPAN", (0, 0), (1, 0)), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        commands.append(("FONTNAME", (0, 0), (-1, -1), ctx.layout.fonts.regular))
        commands += [("BOTTOMPADDING", (0, 0), (-1, -1), 5), ("LEFTPADDING", (0, 0), (-1, -1), 4)]
        if number % 2 == 0:
            commands.append(("BACKGROUND", (0, 0), (-1, -1), SHADE))
        table.setStyle(TableStyle(commands))
        flowables.append(KeepTogether([table]))
    return flowables


def _write_in(ctx: PaperContext, item: Item) -> list[Flowable]:
    """A box with ruled lines, `lines` high (one line for text, four for textarea by default)."""
    lines = item.lines or (1 if item.type == "text" else 4)
    return [WriteIn(BoxKey(WRITE_IN, item.id), ctx.boxmap, ctx.width, lines, ctx.layout.line_gap)]


def _number(ctx: PaperContext, item: Item) -> list[Flowable]:
    """One box per digit (enough for the maximum), a decimal point where needed, then the unit."""
    digits = len(str(int(abs(item.max)))) if item.max is not None else 3
    cells: list[Flowable | str] = [_digit(ctx, item.id, None, n) for n in range(digits)]
    widths = [ctx.layout.box + 2] * digits
    if item.type == "decimal":
        cells += [ctx.para("."), _digit(ctx, item.id, "decimal", 0)]
        widths += [ctx.layout.body_size * 0.8, ctx.layout.box + 2]
    if item.unit is not None:
        cells += [_blank(), ctx.para(item.unit.get(ctx.lang))]
        widths += [ctx.layout.body_size * 0.6]
        widths.append(ctx.width - sum(widths))
    return [_row_table(ctx, cells, widths)]


def _date(ctx: PaperContext, item: Item) -> list[Flowable]:
    """DD / MM / YYYY boxes, each group labelled underneath; a group is widened (space after
    its boxes) when its label is wider than its boxes, so no label breaks inside a word."""
    cells: list[Flowable | str] = []
    widths: list[float] = []
    labels: list[Flowable | str] = []
    spans = []
    style = ctx.layout.style("cell")
    for part, count, label in (
        ("day", 2, shared.DAY),
        ("month", 2, shared.MONTH),
        ("year", 4, shared.YEAR),
    ):
        if cells:
            cells.append(ctx.para("/"))
            labels.append(_blank())
            widths.append(ctx.layout.body_size)
        text = ctx.translate(label)
        first = len(cells)
        cells += [_digit(ctx, item.id, part, n) for n in range(count)]
        labels += [ctx.para(text, "cell")] + [_blank() for _ in range(count - 1)]
        widths += [ctx.layout.box + 2] * count
        needed = string_width(text, style.fontName, style.fontSize) + _CELL_PADDING
        if needed > (ctx.layout.box + 2) * count:
            cells.append(_blank())
            labels.append(_blank())
            widths.append(needed - (ctx.layout.box + 2) * count)
        spans.append(("SPAN", (first, 1), (len(cells) - 1, 1)))
    table = Table([cells, labels], colWidths=widths, hAlign="LEFT")
    table.setStyle(_tight(ctx, ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *spans))
    return [table]


def _note(ctx: PaperContext, item: Item) -> list[Flowable]:
    """Notes print their text only (in the shared part)."""
    return []


def _blank() -> Spacer:
    """An empty table cell (an empty string would pull in reportlab's unembedded Helvetica)."""
    return Spacer(0, 0)


def _digit(ctx: PaperContext, item_id: str, part: str | None, index: int) -> Box:
    return Box(BoxKey(DIGIT, item_id, part=part, index=index), ctx.boxmap, ctx.layout.box)


def _row_table(ctx: PaperContext, cells: list[Flowable | str], widths: list[float]) -> Table:
    table = Table([cells], colWidths=widths, hAlign="LEFT")
    table.setStyle(_tight(ctx, ("VALIGN", (0, 0), (-1, -1), "MIDDLE")))
    return table


_CELL_PADDING = 3  # `_tight`'s right padding, and a point to spare


def _tight(ctx: PaperContext, *commands: tuple) -> TableStyle:
    """A table style with no left padding, in the form's font (tables set a font per cell)."""
    base = [
        ("FONTNAME", (0, 0), (-1, -1), ctx.layout.fonts.regular),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    return TableStyle(base + list(commands))


@dataclass(frozen=True)
class PaperType:
    """How one item type prints: its instruction (a msgid, or None) and its answer builder."""

    instruction: str | None
    build: Builder


ANSWER_BUILDERS: dict[str, PaperType] = {
    "single": PaperType(shared.TICK_ONE, _choices),
    "multiple": PaperType(shared.TICK_ALL, _choices),
    "grid": PaperType(shared.TICK_ONE_PER_ROW, _grid),
    "text": PaperType(shared.WRITE_IN, _write_in),
    "textarea": PaperType(shared.WRITE_IN, _write_in),
    "integer": PaperType(shared.WRITE_NUMBER, _number),
    "decimal": PaperType(shared.WRITE_NUMBER, _number),
    "date": PaperType(_("Please write the date in the boxes"), _date),
    "note": PaperType(None, _note),
}


def spacer(ctx: PaperContext) -> Spacer:
    """The gap after a question."""
    return Spacer(1, ctx.layout.body_size * 1.2)
