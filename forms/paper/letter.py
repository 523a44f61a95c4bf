"""Cover and reminder letters for mail-out packs, drawn once per practice with empty slots.

The access code, its QR code and the serial differ per copy, so the letter is laid
out once and `Slot` flowables note where those go; `forms.paper.pack` stamps them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from forms.paper.fonts import paragraph
from forms.paper.layout import MARGIN_TOP, MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH, Layout
from forms.paper.page import numbered_canvas
from forms.paper.words import _, words
from forms.words import DECLINE, STUDY_CONTACT


@dataclass(frozen=True)
class LetterText:
    """What a letter says: who sends it, about what, and where to answer online."""

    practice: str
    study: str
    questionnaire: str
    url: str
    contact: str = ""
    privacy: str = ""  # the privacy notice's address
    reminder: bool = False
    enclosed: bool = True
    online: bool = True  # False: a paper-only code, which cannot answer online
    audience: str = "patient"  # the questionnaire's audience: whom the letter greets
    # Whether the survey online has the consent page, whose button says DECLINE (a
    # questionnaire without a consent block has no such button to point to).
    declinable_online: bool = True


# The greeting by audience. A letter to practice staff greets no one: "Dear Patient"
# would be wrong, and no other greeting is translated.
GREETINGS = {"patient": _("Dear Patient")}


@dataclass
class RenderedLetter:
    """A one-page letter and where its per-copy slots are (page, x, y, w, h in points)."""

    pdf: bytes
    slots: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    lang: str = "en"


class Slot(Flowable):
    """Empty space of a fixed size whose position is noted for stamping."""

    def __init__(self, name: str, width: float, height: float, slots: dict) -> None:
        super().__init__()
        self.name, self.width, self.height, self.slots = name, width, height, slots

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Its fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """Nothing is drawn; the position is noted."""
        x, y = self.canv.absolutePosition(0, 0)
        self.slots[self.name] = (x, y, self.width, self.height)


ENCLOSED = _("Or fill in the enclosed paper questionnaire and return it in the envelope.")
RETURN_IT = _("Please return this questionnaire in the envelope provided. You do not need a stamp.")
# How to say no and stop the reminders, after "Taking part is voluntary": a questionnaire
# sent back blank is recorded as a refusal (the keying page's "returned blank"), and the
# consent page's button records one online; reminder waves leave refusals out.
OPT_OUT_BLANK = _(
    "If you do not want to take part, send back the questionnaire blank and we will not remind you."
)
OPT_OUT_ONLINE = _(
    "If you do not want to take part, go online, type in your access code and choose"
    " '{decline}'. We will not remind you."
)
# Space between a letter's paragraphs, as a share of the usual: the usual first, then less
# when the letter would not fit on one page (large print in a script with tall lines, bn;
# very long practice and study names in large print Polish or Romanian).
SPACINGS = (1.0, 0.8, 0.6, 0.4, 0.2, 0.1)


def render_letter(text: LetterText, lang: str, large_print: bool = False) -> RenderedLetter:
    """The letter for one practice in `lang`, with slots `code`, `qr` and `serial`; on one
    page, its paragraphs closer together when they would not fit otherwise."""
    layout = Layout(lang, large_print)
    for spacing in SPACINGS:
        letter = _render(text, lang, layout, spacing)
        if letter is not None:
            return letter
    raise ValueError("the letter does not fit on one page")


def opt_out_words(text: LetterText) -> str | None:
    """The msgid that tells how to say no, by what the letter offers: the enclosed
    questionnaire sent back blank, else the online button (None where there is none)."""
    if text.enclosed:
        return OPT_OUT_BLANK
    if text.online and text.declinable_online:
        return OPT_OUT_ONLINE
    return None


def _spaced(style: ParagraphStyle, spacing: float) -> ParagraphStyle:
    """`style` with the space before and after it scaled by `spacing`."""
    if spacing == 1.0:
        return style
    return ParagraphStyle(
        f"{style.name}-spaced",
        parent=style,
        spaceBefore=style.spaceBefore * spacing,
        spaceAfter=style.spaceAfter * spacing,
    )


def _render(text: LetterText, lang: str, layout: Layout, spacing: float) -> RenderedLetter | None:
    """The letter with its paragraphs' spacing scaled by `spacing`; None if it spills
    over one page."""
    t = words(lang)
    slots: dict[str, tuple[float, float, float, float]] = {}
    styles = {
        name: _spaced(layout.style(name), spacing) for name in ("body", "heading", "question")
    }
    body = styles["body"]
    values = {"practice": text.practice, "study": text.study, "decline": t(DECLINE)}

    def say(msgid: str) -> str:
        return t(msgid, **{k: v for k, v in values.items() if "{" + k + "}" in msgid})

    def para(msgid: str, style: str = "body") -> Paragraph:
        return paragraph(escape(say(msgid)), styles[style])

    story: list[Flowable] = [paragraph(escape(text.practice), styles["heading"])]
    if text.audience in GREETINGS:
        story.append(para(GREETINGS[text.audience]))
    if text.reminder:
        story.append(para(_("A few weeks ago we wrote to ask you to take part in {study}.")))
        story.append(para(_("If you have already replied, thank you: please ignore this letter.")))
    story.append(para(_("{practice} is taking part in {study} and would like to hear from you.")))
    story.append(para(_("Your access code"), "heading"))
    story.append(Slot("code", layout.frame_width, body.fontSize * 2.4, slots))
    if text.online:
        online = [
            para(_("To answer online, scan the QR code with your phone camera, or go to:")),
            paragraph(escape(text.url.rstrip("/") + "/"), styles["question"]),
            para(_("and type in your access code.")),
        ]
        qr = 30 * mm  # beside the words, not below them: one page in large print
        widths = [layout.frame_width - qr - 6 * mm, qr + 6 * mm]
        beside = Table([[online, Slot("qr", qr, qr, slots)]], colWidths=widths, hAlign="LEFT")
        beside.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), layout.fonts.regular),  # never reportlab's Helvetica
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LEFTPADDING", (1, 0), (1, 0), 6 * mm),
        ]))  # fmt: skip
        story.append(beside)
        if text.enclosed:
            story.append(para(ENCLOSED))
    else:  # paper only: no web address, no QR code (the code is for the study's records)
        story.append(para(RETURN_IT))
    voluntary = [_("Taking part is voluntary. The research team never sees your name or address.")]
    opt_out = opt_out_words(text)
    if opt_out is not None:  # in the same paragraph: one page in large print
        voluntary.append(opt_out)
    story.append(paragraph(escape(" ".join(say(msgid) for msgid in voluntary)), body))
    if text.contact:
        story.append(paragraph(escape(t(STUDY_CONTACT, contact=text.contact)), body))
    if text.privacy:
        story.append(paragraph(escape(f"{t(_('Privacy notice'))}: {text.privacy}"), body))
    story.append(Spacer(1, body.fontSize * spacing))
    story.append(Slot("serial", layout.frame_width, body.fontSize * 1.5, slots))
    buffer = io.BytesIO()
    frame = Frame(MARGIN_X, MARGIN_TOP, PAGE_WIDTH - 2 * MARGIN_X, PAGE_HEIGHT - 2 * MARGIN_TOP)
    doc = BaseDocTemplate(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        pageTemplates=[PageTemplate("letter", [frame])],
        title=text.study,
        invariant=1,
        initialFontName=layout.fonts.regular,
    )
    doc.build(story, canvasmaker=numbered_canvas(lambda *_: None, layout.fonts.regular))
    if doc.page != 1:
        return None
    return RenderedLetter(buffer.getvalue(), slots, lang)
