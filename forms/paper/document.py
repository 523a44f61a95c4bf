"""A whole paper form: cover page, numbered questions with routing, outro; page furniture."""

from __future__ import annotations

import io
import re
from collections import OrderedDict
from dataclasses import dataclass
from xml.sax.saxutils import escape

from babel.support import Translations
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Indenter,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Table,
    TableStyle,
)

from forms.i18n import translations
from forms.model import Instrument, Item, Section, Text
from forms.paper.boxes import BoxMap
from forms.paper.cover import cover_page
from forms.paper.flowables import ANSWER_BUILDERS, PaperContext, spacer
from forms.paper.fonts import paragraph
from forms.paper.layout import FOOTER_HEIGHT, MARGIN_TOP, MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH, Layout
from forms.paper.page import Furniture, numbered_canvas
from forms.paper.routing_words import FilterWords
from forms.paper.words import _, words
from forms.paper_routing import derive_paper_routing, paper_items


@dataclass(frozen=True)
class RenderedForm:
    """A printed form: the PDF, its box map and its number of pages."""

    pdf: bytes
    boxmap: BoxMap
    pages: int


def render_form(
    instrument: Instrument,
    lang: str | None = None,
    *,
    large_print: bool = False,
    contact: str = "",
    qr: bool = True,
) -> RenderedForm:
    """Print `instrument` in `lang` as an A4 PDF (QR codes off when a pack stamps its own)."""
    lang = lang or instrument.default_language
    if lang not in instrument.languages:
        raise ValueError(
            f"{instrument.id} has no language '{lang}' (it has {', '.join(instrument.languages)})"
        )
    layout = Layout(lang, large_print)
    translate = words(lang)
    ctx = PaperContext(
        instrument=instrument,
        layout=layout,
        translate=translate,
        routing=derive_paper_routing(instrument),
        numbers=dict(instrument.question_numbers()),
        boxmap=BoxMap(instrument.id, instrument.version, lang, large_print),
    )
    story = [*cover_page(ctx, contact), PageBreak(), *list(_questions(ctx)), *_outro(ctx)]
    furniture = Furniture(instrument.id, instrument.version, layout, translate, qr=qr)
    buffer = io.BytesIO()
    doc = _document(buffer, instrument, lang)
    doc.build(story, canvasmaker=numbered_canvas(furniture.draw, layout.fonts.regular))
    return RenderedForm(buffer.getvalue(), ctx.boxmap, doc.page)


_CACHE: OrderedDict[tuple, tuple[Instrument, object, RenderedForm]] = OrderedDict()
_CACHE_SIZE = 16


def cached_form(
    instrument: Instrument,
    lang: str | None = None,
    *,
    large_print: bool = False,
    contact: str = "",
    qr: bool = True,
) -> RenderedForm:
    """`render_form`, remembered for the same instrument object, words and options.

    The PDF only changes when the instrument or the catalogue does, both of which are new
    objects when reloaded; the cache holds them, so their ids are not reused meanwhile.
    """
    lang = lang or instrument.default_language
    catalogue = translations(lang)
    words_id = id(catalogue) if isinstance(catalogue, Translations) else 0  # English: none
    key = (id(instrument), words_id, lang, large_print, contact, qr)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key][2]
    form = render_form(instrument, lang, large_print=large_print, contact=contact, qr=qr)
    _CACHE[key] = (instrument, catalogue, form)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return form


def _document(buffer: io.BytesIO, instrument: Instrument, lang: str) -> BaseDocTemplate:
    frame = Frame(
        MARGIN_X,
        FOOTER_HEIGHT,
        PAGE_WIDTH - 2 * MARGIN_X,
        PAGE_HEIGHT - MARGIN_TOP - FOOTER_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    return BaseDocTemplate(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        pageTemplates=[PageTemplate("form", [frame])],
        title=instrument.title.get(lang),
        author="Fieldwork",
        subject=f"{instrument.id} v{instrument.version} ({lang})",
        lang=lang,
        invariant=1,
    )


def _questions(ctx: PaperContext):
    """Section headings and questions, each question kept on one page."""
    routing, filters = ctx.routing, FilterWords(ctx.instrument, ctx.lang, ctx.translate)
    printed = {item.id for item in paper_items(ctx.instrument)}
    for section in ctx.instrument.sections:
        items = [item for item in section.items if item.id in printed]
        if not items:
            continue
        heading = _section_heading(ctx, section, filters)
        for index, item in enumerate(items):
            parts = heading if index == 0 else []
            if item.id in routing.filters:
                line = filters.line(routing.filters[item.id])
                parts = [*parts, paragraph(escape(line), ctx.layout.style("filter"))]
            yield KeepTogether(parts + _question(ctx, item) + [spacer(ctx)])


def _section_heading(ctx: PaperContext, section: Section, filters: FilterWords) -> list[Flowable]:
    parts: list[Flowable] = [ctx.para(section.title.get(ctx.lang), "heading")]
    if section.intro is not None:
        parts += markup_paragraphs(section.intro, ctx)
    if section.id in ctx.routing.section_filters:
        line = filters.line(ctx.routing.section_filters[section.id], section=True)
        parts.append(ctx.para(line, "filter"))
    return parts


def _question(ctx: PaperContext, item: Item) -> list[Flowable]:
    """Number and text, help, instruction, then the type's answer boxes (indented)."""
    kind = ANSWER_BUILDERS[item.type]
    style = ctx.layout.style("question" if item.is_question else "body")
    text = paragraph(inline_markup(item.text.get(ctx.lang)), style)
    if not item.is_question:
        return [text]
    number = paragraph(f"<b>{ctx.numbers[item.id]}</b>", ctx.layout.style("question"))
    head = Table([[number, text]], colWidths=[ctx.indent, ctx.width], hAlign="LEFT")
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("FONTNAME", (0, 0), (-1, -1), ctx.layout.fonts.regular),
            ]
        )
    )
    head.hAlign = "LEFT"
    parts: list[Flowable] = [Indenter(left=ctx.indent)]
    if item.help is not None:
        parts.append(ctx.para(item.help.get(ctx.lang), "body"))
    if kind.instruction is not None:
        parts.append(
            paragraph(f"<i>{escape(ctx.translate(kind.instruction))}</i>", ctx.layout.style("body"))
        )
    return [head, *parts, *kind.build(ctx, item), Indenter(left=-ctx.indent)]


def _outro(ctx: PaperContext) -> list[Flowable]:
    parts = markup_paragraphs(ctx.instrument.outro, ctx)
    parts.append(
        ctx.para(
            ctx.translate(
                _(
                    "Please return this questionnaire in the envelope provided. "
                    "You do not need a stamp."
                )
            ),
            "body",
        )
    )
    return [KeepTogether(parts)]


def inline_markup(text: str) -> str:
    """Escape text and turn `**bold**` into bold."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(text.strip()))


def markup_paragraphs(text: Text, ctx: PaperContext) -> list[Flowable]:
    """A text's blank-line-separated paragraphs as body paragraphs."""
    chunks = [c for c in re.split(r"\n\s*\n", text.get(ctx.lang)) if c.strip()]
    return [paragraph(inline_markup(" ".join(c.split())), ctx.layout.style("body")) for c in chunks]
