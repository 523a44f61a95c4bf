"""A batch of scanned pages: each page identified and read, pages grouped into copies.

Pages come in any order, upside down or turned; a copy is every page carrying the same
form (instrument, version, language, print size) and serial. Nothing is guessed: a page
with no readable page code, of an unknown form, printed without a serial, or whose corner
marks cannot be found is listed in `unplaced` with the reason; a page scanned twice is
listed in its copy's `duplicates`; pages of a copy that are not in the batch in `missing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from forms.model import Instrument
from forms.paper.boxes import BoxMap
from forms.paper.qr import PagePayload
from forms.scan.identify import Identified, identify
from forms.scan.measure import DEFAULT_THRESHOLDS, BoxReading, Thresholds, measure
from forms.scan.propose import Proposal, propose
from forms.scan.register import Registered, RegistrationError, register, verification_image


@dataclass(frozen=True)
class ScanForm:
    """What a page code names: the instrument, its box map as printed, its page count."""

    instrument: Instrument
    boxmap: BoxMap
    pages: int

    @classmethod
    def of(cls, instrument: Instrument, rendered) -> ScanForm:
        """From a `forms.paper.RenderedForm` of the instrument (as printed)."""
        return cls(instrument, rendered.boxmap, rendered.pages)

    def boxes(self, page: int) -> list[dict]:
        """The box map's entries on one page."""
        return [box for box in self.boxmap.boxes if box["page"] == page]


# The app's look-up of a page code's form: None when it does not know the form.
FormFor = Callable[[PagePayload], "ScanForm | None"]
Progress = Callable[[int], None]


@dataclass
class PageReading:
    """One page of the batch: where it was, what it is, and its boxes.

    `index` is the page's place in the batch (0-based, in the order given); `problem`
    says why the page is not placed in a copy ('' when it is); `verification` is the
    registered page as a PNG (ticked boxes outlined, uncertain ones highlighted).
    """

    index: int
    identified: Identified
    readings: list[BoxReading] = field(default_factory=list)
    problem: str = ""
    verification: bytes | None = field(default=None, repr=False)
    registered: Registered | None = field(default=None, repr=False)

    @property
    def payload(self) -> PagePayload | None:
        """The page code read, if any."""
        return self.identified.payload


@dataclass
class CopyReading:
    """One respondent's copy: its pages read, what is missing or doubled, the proposal."""

    form: ScanForm
    serial: str
    pages: dict[int, PageReading] = field(default_factory=dict)
    duplicates: list[PageReading] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    proposal: Proposal | None = None

    @property
    def complete(self) -> bool:
        """Every page present once."""
        return not self.missing and not self.duplicates

    @property
    def readings(self) -> list[BoxReading]:
        """Every box read, page by page."""
        return [r for number in sorted(self.pages) for r in self.pages[number].readings]


@dataclass
class BatchReading:
    """The copies found (in order of their first page) and the pages not placed."""

    copies: list[CopyReading]
    unplaced: list[PageReading]

    @property
    def pages(self) -> int:
        """How many pages were read."""
        placed = sum(len(c.pages) + len(c.duplicates) for c in self.copies)
        return placed + len(self.unplaced)


def read_page(
    index: int,
    image: np.ndarray,
    form_for: FormFor,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    verification: bool = True,
    keep_registered: bool = False,
) -> tuple[PageReading, ScanForm | None]:
    """Identify, register and measure one page image."""
    identified = identify(image)
    payload = identified.payload
    if payload is None:
        return PageReading(index, identified, problem=identified.problem), None
    form = form_for(payload)
    described = f"{payload.instrument} v{payload.version} ({payload.lang})"
    if form is None:
        return PageReading(index, identified, problem=f"unknown form {described}"), None
    if not 1 <= payload.page <= form.pages:
        problem = f"page {payload.page} of {described}, which has {form.pages} pages"
        return PageReading(index, identified, problem=problem), None
    try:
        registered = register(identified.upright(image))
    except RegistrationError as error:
        return PageReading(index, identified, problem=str(error)), form
    readings = measure(
        registered, form.boxes(payload.page), thresholds, large_print=payload.large_print
    )
    if not payload.serial:
        problem = "printed without a serial number: which copy it belongs to is not known"
    else:
        problem = ""
    picture = verification_image(registered, readings) if verification else None
    page = PageReading(
        index, identified, readings, problem, picture, registered if keep_registered else None
    )
    return page, form


def read_batch(
    images: Iterable[np.ndarray],
    form_for: FormFor,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    verification: bool = True,
    progress: Progress | None = None,
) -> BatchReading:
    """Read every page and group them into copies by form and serial (see the module).

    `images` may be a generator (`rasterise`): pages are read one at a time and only the
    readings and a verification PNG per page are kept. `progress(pages_done)` is called
    after each page.
    """

    def pages() -> Iterator[PageReading]:
        for index, image in enumerate(images):
            yield read_page(index, image, form_for, thresholds, verification=verification)[0]
            if progress is not None:
                progress(index + 1)

    return group(pages(), form_for)


def group(pages: Iterable[PageReading], form_for: FormFor) -> BatchReading:
    """Pages already read (`read_page`) grouped into copies, each with its proposal.

    A page with a problem, or whose form `form_for` does not know, is not placed; the
    first page of a copy's page number is placed, later ones are its duplicates.
    """
    copies: dict[tuple, CopyReading] = {}
    unplaced: list[PageReading] = []
    for page in pages:
        payload = page.payload
        form = form_for(payload) if payload is not None and not page.problem else None
        if form is None or payload is None:
            unplaced.append(page)
            continue
        key = (payload.instrument, payload.version, payload.lang, payload.large_print)
        copy = copies.setdefault((*key, payload.serial), CopyReading(form, payload.serial))
        if payload.page in copy.pages:
            copy.duplicates.append(page)
        else:
            copy.pages[payload.page] = page
    for copy in copies.values():
        copy.missing = [n for n in range(1, copy.form.pages + 1) if n not in copy.pages]
        copy.proposal = propose(copy.form.instrument, copy.readings)
    return BatchReading(list(copies.values()), unplaced)
