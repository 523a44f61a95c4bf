"""The layout a pack's questionnaire was printed with: kept with its mailings, used to read it.

Where the boxes are depends on more than the instrument version: the fonts and spacing of
the software that drew it, the catalogue's platform words and the study's contact line on
the cover. A pack keeps its layout (pages and box map; one row per distinct layout) and
its mailings point at it, so a returned copy is read, shown and keyed page by page as it
was printed. Copies without one (mailed before layouts were kept, a serial no mailing
has) use the form drawn now, as before. Services flush; callers commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fieldwork.db import db
from fieldwork.models import Mailing, PrintedLayout
from forms.keying import paper_pages
from forms.model import Instrument
from forms.paper import RenderedForm, UnsupportedLanguage, cached_form
from forms.paper.boxes import BoxMap


@dataclass(frozen=True)
class FormLayout:
    """A form's layout: its box map and number of pages (as printed, or as drawn now)."""

    boxmap: BoxMap
    pages: int


def content_hash(form: RenderedForm) -> str:
    """What identifies a layout: its pages and box map (SHA-256, hex)."""
    text = f"{form.pages}\n{form.boxmap.to_json(compact=True)}"
    return hashlib.sha256(text.encode()).hexdigest()


def keep_layout(form: RenderedForm, mailing_ids: Iterable[int]) -> PrintedLayout:
    """Record the layout a pack printed and point its mailings at it (the caller commits)."""
    found = _layout_row(form)
    ids = list(mailing_ids)
    if ids:
        db.session.execute(
            update(Mailing).where(Mailing.id.in_(ids)).values(printed_layout_id=found.id)
        )
    db.session.flush()
    return found


def _layout_row(form: RenderedForm) -> PrintedLayout:
    digest = content_hash(form)
    query = select(PrintedLayout).where(PrintedLayout.content_hash == digest)
    found = db.session.scalar(query)
    if found is not None:
        return found
    boxmap = form.boxmap
    found = PrintedLayout(
        content_hash=digest,
        instrument=boxmap.instrument,
        version=boxmap.version,
        language=boxmap.lang,
        large_print=boxmap.large_print,
        pages=form.pages,
        boxmap=boxmap.to_json(compact=True),
    )
    try:
        with db.session.begin_nested():
            db.session.add(found)
    except IntegrityError:  # another pack of the same layout recorded it meanwhile
        found = db.session.scalars(query).one()
    return found


def printed_row(
    mailing: Mailing | None, instrument: str, version: int, lang: str, large_print: bool
) -> PrintedLayout | None:
    """The kept layout the mailing's copy was printed with, if it is of that form."""
    row = mailing.printed_layout if mailing is not None else None
    if row is None:
        return None
    if (row.instrument, row.version, row.language, row.large_print) != (
        instrument, version, lang, large_print,
    ):  # fmt: skip
        return None  # not the form the page or copy names: read it as drawn now
    return row


def as_layout(row: PrintedLayout) -> FormLayout:
    """A kept layout, read back."""
    return FormLayout(BoxMap.from_json(row.boxmap), row.pages)


def drawn_layout(
    instrument: Instrument, lang: str, large_print: bool, config: Mapping[str, Any]
) -> FormLayout:
    """The layout of the form drawn now, as a pack would print it (UnsupportedLanguage if
    the language cannot be printed)."""
    contact = config.get("STUDY_CONTACT", "")
    form = cached_form(instrument, lang, large_print=large_print, contact=contact, qr=False)
    return FormLayout(form.boxmap, form.pages)


def printed_pages(
    mailing: Mailing | None,
    instrument: Instrument,
    lang: str,
    large_print: bool,
    config: Mapping[str, Any],
):
    """The questions page by page as a copy was printed: its mailing's kept layout, else
    the form a pack would print now (one group if the language cannot be printed)."""
    kept = printed_row(mailing, instrument.id, instrument.version, lang, large_print)
    if kept is not None:
        boxes = as_layout(kept).boxmap.boxes
    else:
        try:
            boxes = drawn_layout(instrument, lang, large_print, config).boxmap.boxes
        except UnsupportedLanguage:
            boxes = []
    return paper_pages(instrument, boxes)
