"""Reading a batch's uploads with `forms.scan`, one page at a time, images kept as read.

A thin adapter over the reading core: `forms.scan.read_batch` keeps every page's
verification image in memory until the whole batch is read; here each page is read with
`read_page`, its image written (encrypted) at once and dropped, and the pages are then
grouped into copies by the core's own `forms.scan.batch.group` (form and serial; a page
seen twice is a duplicate; pages absent are missing). A page is read against the layout
its copy's mailing kept when the pack was printed (`fieldwork.printed_layouts`); a page
without one against the instrument version's form as a pack would print it now, rendered
once per process (`forms.paper.cached_form`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
from flask import current_app
from sqlalchemy import select

from fieldwork.bad_input import INT_MAX, whole_number
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.models import InstrumentVersion, Mailing
from fieldwork.printed_layouts import FormLayout, as_layout, drawn_layout, printed_row
from forms.paper import UnsupportedLanguage
from forms.paper.qr import PagePayload
from forms.scan import PageReading, ScanError, ScanForm, rasterise
from forms.scan.batch import read_page

PREVIEW_WIDTH = 1240  # pixels: a page at 150 dpi, as the reading core's verification image


@dataclass
class ReadPage:
    """One page read, with where it came from and its image (PNG) to keep."""

    reading: PageReading
    file_name: str
    file_page: int
    png: bytes | None = field(default=None, repr=False)
    registered: bool = False  # the image is the page warped onto the form

    @property
    def position(self) -> int:
        """The page's place in the batch, from 1."""
        return self.reading.index + 1


class FormLookup:
    """The printed form a page code names (None for a form this study does not know).

    A page whose serial is a mailing that kept its layout is read against that layout, as
    printed; any other page against the form drawn now (`_form`).
    """

    def __init__(self) -> None:
        self.found: dict[tuple, ScanForm | None] = {}
        self.layouts: dict[tuple, tuple] = {}  # (form, serial) -> key of `found`

    def __call__(self, payload: PagePayload) -> ScanForm | None:
        if not 0 <= payload.version <= INT_MAX:  # a forged or misprinted code: no version
            return None
        form = (payload.instrument, payload.version, payload.lang, payload.large_print)
        copy = (*form, payload.serial)
        if copy not in self.layouts:
            number = whole_number(payload.serial)
            mailing = db.session.get(Mailing, number) if number is not None else None
            row = printed_row(mailing, *form)
            self.layouts[copy] = form if row is None else ("printed", row.id)
            if row is not None and self.layouts[copy] not in self.found:
                self.found[self.layouts[copy]] = _form(*form, layout=as_layout(row))
        key = self.layouts[copy]
        if key not in self.found:
            self.found[key] = _form(*form, layout=None)
        return self.found[key]


def _form(
    instrument_id: str, version: int, lang: str, large_print: bool, *, layout: FormLayout | None
) -> ScanForm | None:
    catalogue = get_catalogue()  # loading it records the served versions
    version_id = db.session.scalar(
        select(InstrumentVersion.id).filter_by(instrument=instrument_id, version=version)
    )
    if version_id is None:
        return None
    instrument = catalogue.instrument_for(version_id)
    if lang not in instrument.languages:
        return None
    if layout is None:
        try:  # the same rendering as a pack's questionnaire, so the same box map
            layout = drawn_layout(instrument, lang, large_print, current_app.config)
        except UnsupportedLanguage:
            return None
    return ScanForm(instrument, layout.boxmap, layout.pages)


def count_pages(data: bytes) -> int | None:
    """How many pages a PDF or (multi-page) image file has (None if it cannot be told)."""
    try:
        if data[:5] == b"%PDF-":
            import pypdfium2 as pdfium

            document = pdfium.PdfDocument(data)
            try:
                return len(document)
            finally:
                document.close()
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return getattr(image, "n_frames", 1)
    except Exception:  # a damaged file: rasterise says why when it is read
        return None


def preview(image: np.ndarray) -> bytes:
    """A page image PREVIEW_WIDTH wide, for a page the core could not register."""
    factor = PREVIEW_WIDTH / image.shape[1]
    size = (PREVIEW_WIDTH, max(1, round(image.shape[0] * factor)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".png", small)
    return encoded.tobytes() if ok else b""


def read_files(
    files: list[tuple[str, bytes]], problems: list[str], forms: FormLookup
) -> Iterator[ReadPage]:
    """Every page of every file, read; a file that cannot be read adds to `problems`."""
    index = 0
    for name, data in files:
        try:
            for number, image in enumerate(rasterise(data, name), start=1):
                reading, _form_found = read_page(index, image, forms)
                identified = reading.identified
                png, registered = reading.verification, reading.verification is not None
                if png is None:  # not registered: the page as scanned, the right way up
                    png = preview(identified.upright(image) if identified.payload else image)
                reading.verification = None  # kept on disk, not in memory
                yield ReadPage(reading, name, number, png, registered)
                index += 1
        except ScanError as error:
            problems.append(str(error))
