"""The cover page: title, study information, how to answer (drawn examples), help, contact."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from forms.paper.fonts import paragraph
from forms.paper.words import _
from forms.words import HOW_TO_ANSWER, HOW_TO_CORRECT, HOW_TO_TICK, NEED_HELP, STUDY_CONTACT

if TYPE_CHECKING:
    from forms.paper.flowables import PaperContext


class ExampleBox(Flowable):
    """A drawn example: a ticked box, or a filled-in (corrected) box beside a ticked one."""

    def __init__(self, side: float, ticked: bool, filled: bool = False) -> None:
        super().__init__()
        self.side, self.ticked, self.filled = side, ticked, filled
        self.width = self.height = side

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Its fixed size."""
        return self.side, self.side

    def draw(self) -> None:
        """The box, filled in when it shows a mistake, with a tick when it shows an answer."""
        canvas, s = self.canv, self.side
        canvas.setLineWidth(1)
        canvas.rect(0, 0, s, s, stroke=1, fill=1 if self.filled else 0)
        if self.ticked:
            canvas.setLineWidth(s / 8)
            canvas.setLineCap(1)
            path = canvas.beginPath()
            path.moveTo(s * 0.18, s * 0.5)
            path.lineTo(s * 0.42, s * 0.22)
            path.lineTo(s * 0.9, s * 0.95)
            canvas.drawPath(path, stroke=1, fill=0)


def _consent(ctx: PaperContext) -> list[Flowable]:
    """On paper the returned form is the consent: what sending it back confirms (the
    required choices; optional ones are asked online only)."""
    consent = ctx.instrument.consent
    if consent is None:
        return []
    t = ctx.translate
    parts = [ctx.para(t(_("Taking part")), "heading")]
    parts.append(ctx.para(t(_("By sending back this questionnaire you confirm:"))))
    parts += [ctx.para(c.text.get(ctx.lang)) for c in consent.choices if c.required]
    return [KeepTogether(parts)]


def cover_page(ctx: PaperContext, contact: str) -> list[Flowable]:
    """The flowables of the cover page."""
    from forms.paper.document import markup_paragraphs

    t, side = ctx.translate, ctx.layout.box
    parts: list[Flowable] = [
        paragraph(ctx.instrument.title.get(ctx.lang), ctx.layout.style("title"))
    ]
    intro = markup_paragraphs(ctx.instrument.intro, ctx)
    if intro and ctx.instrument.title.get(ctx.lang) in intro[0].getPlainText():
        intro = intro[1:]  # the intro often repeats the title in bold
    parts += intro
    parts += _consent(ctx)
    how: list[Flowable] = [ctx.para(t(HOW_TO_ANSWER), "heading")]
    how.append(ctx.para(t(_("Please use a black or blue pen."))))
    example = [
        [
            ctx.para(t(HOW_TO_TICK)),
            ExampleBox(side, True),
            Spacer(0, 0),
        ],
        [
            ctx.para(t(HOW_TO_CORRECT)),
            ExampleBox(side, False, filled=True),
            ExampleBox(side, True),
        ],
    ]
    table = Table(
        example,
        colWidths=[ctx.layout.frame_width - 3 * side - 30, side + 15, side + 15],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("FONTNAME", (0, 0), (-1, -1), ctx.layout.fonts.regular),
            ]
        )
    )
    how += [table, Spacer(1, ctx.layout.body_size * 0.6)]
    how.append(
        ctx.para(
            t(
                _(
                    'Some questions are not for everyone. Where an arrow and "Go to" are '
                    "printed beside your answer, go to the question it names. "
                    "Otherwise go on to the next question."
                )
            )
        )
    )
    parts.append(KeepTogether(how))
    if ctx.instrument.signposting is not None:
        parts.append(ctx.para(t(NEED_HELP), "heading"))
        parts += markup_paragraphs(ctx.instrument.signposting, ctx)
    if contact:
        parts.append(ctx.para(t(STUDY_CONTACT, contact=contact)))
    return parts
