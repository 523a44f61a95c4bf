"""Personalised mail-out packs: static pages drawn once, what changes per copy stamped on.

A copy is a letter (its access code, a QR code linking to `/c/<CODE>`, its serial)
and, optionally, the questionnaire (its serial and a QR code with the serial on
every page). The letter and the questionnaire are laid out once; reportlab draws
only the per-copy marks on otherwise empty overlay pages, and pikepdf puts each
static page under its overlay as a shared form XObject, so a 1,000-copy pack holds
each static page once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pikepdf
from reportlab.pdfgen.canvas import Canvas

from forms.paper.document import RenderedForm
from forms.paper.fonts import draw_string
from forms.paper.layout import PAGE_HEIGHT, PAGE_WIDTH, QR_SIZE, QR_X, QR_Y
from forms.paper.letter import RenderedLetter
from forms.paper.page import draw_serial
from forms.paper.qr import PagePayload, draw_qr
from forms.paper.words import _, words

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Copy:
    """One respondent's copy: serial, access code (as printed) and the link to answer online."""

    serial: str
    code: str
    link: str


def build_pack(
    letter: RenderedLetter,
    form: RenderedForm | None,
    copies: Sequence[Copy],
    font: str,
    progress: Progress | None = None,
) -> bytes:
    """One PDF of every copy in order: letter, then the questionnaire if there is one."""
    overlay = _overlays(letter, form, copies, font, progress)
    return _underlay(overlay, letter.pdf, form.pdf if form else None, len(copies))


def _overlays(
    letter: RenderedLetter,
    form: RenderedForm | None,
    copies: Sequence[Copy],
    font: str,
    progress: Progress | None,
) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, initialFontName=font)
    lang = letter.lang  # the letter's and its form's
    label = words(lang)(_("Serial number {serial}"), serial="{serial}")
    for done, copy in enumerate(copies, start=1):
        _stamp_letter(canvas, letter, copy, font, label)
        canvas.showPage()
        if form is not None:
            for page in range(1, form.pages + 1):
                payload = PagePayload(
                    form.boxmap.instrument,
                    form.boxmap.version,
                    lang,
                    page,
                    copy.serial,
                    form.boxmap.large_print,
                )
                draw_qr(canvas, payload.encode(), QR_X, QR_Y, QR_SIZE)
                draw_serial(canvas, font, copy.serial)
                canvas.showPage()
        if progress is not None and (done % 50 == 0 or done == len(copies)):
            progress(done, len(copies))
    canvas.save()
    return buffer.getvalue()


def _stamp_letter(
    canvas: Canvas, letter: RenderedLetter, copy: Copy, font: str, label: str
) -> None:
    x, y, _w, h = letter.slots["code"]
    draw_string(canvas, x, y + h * 0.25, copy.code, font, h * 0.6)
    if "qr" in letter.slots:  # a paper-only code's letter has no QR code
        x, y, w, _h = letter.slots["qr"]
        draw_qr(canvas, copy.link, x, y, w)
    x, y, _w, h = letter.slots["serial"]
    draw_string(canvas, x, y + 2, label.replace("{serial}", copy.serial), font, 10)


def _underlay(overlay: bytes, letter: bytes, form: bytes | None, copies: int) -> bytes:
    """Put each static page under its overlay page, as form XObjects shared by every copy."""
    pdf = pikepdf.Pdf.open(io.BytesIO(overlay))
    statics = [pikepdf.Pdf.open(io.BytesIO(letter))]
    if form is not None:
        statics.append(pikepdf.Pdf.open(io.BytesIO(form)))
    xobjects = [
        pdf.copy_foreign(pikepdf.Page(page).as_form_xobject())
        for static in statics
        for page in static.pages
    ]
    per_copy = len(xobjects)
    if len(pdf.pages) != per_copy * copies:
        raise ValueError(f"{len(pdf.pages)} overlay pages for {copies} copies of {per_copy} pages")
    name = pikepdf.Name("/FwStatic")
    for index, page in enumerate(pdf.pages):
        resources = page.obj.get("/Resources")
        if resources is None:
            resources = page.obj.Resources = pikepdf.Dictionary()
        if "/XObject" not in resources:
            resources.XObject = pikepdf.Dictionary()
        resources.XObject[name] = xobjects[index % per_copy]
        pikepdf.Page(page).contents_add(pdf.make_stream(b"q /FwStatic Do Q\n"), prepend=True)
    _describe(pdf, statics[0], statics[-1])
    out = io.BytesIO()
    pdf.save(out, compress_streams=True)
    return out.getvalue()


def _describe(pdf: pikepdf.Pdf, letter: pikepdf.Pdf, main: pikepdf.Pdf) -> None:
    """The pack's document properties: the questionnaire's title (the letter's, when there is
    no questionnaire) by the study. No dates: the same copies give the same bytes."""
    info = pdf.docinfo
    for key in list(info.keys()):
        del info[key]
    info[pikepdf.Name.Title] = str(main.docinfo.get("/Title", ""))
    info[pikepdf.Name.Author] = str(letter.docinfo.get("/Title", ""))
    info[pikepdf.Name.Creator] = "Fieldwork"
