"""What the scans pages show, gathered before rendering (templates touch no database)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from fieldwork.db import db
from fieldwork.models import ScanBatch, ScanCopy, ScanPage, User
from fieldwork.models.scans import DUPLICATE, PLACED, TO_VERIFY, UNIDENTIFIED, UNUSED
from fieldwork.printed_layouts import printed_pages
from fieldwork.scans.placing import batch_pages
from forms.keying import KEYERS
from forms.model import Instrument, Item
from forms.paper.layout import MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH
from forms.scan.propose import NOT_SCANNED

CROP_MARGIN = 8.0  # points above and below the boxes shown to a person
CROP_RIGHT = 220.0  # points to the right of tick boxes, where their labels are printed


def kept_with_response(page: ScanPage) -> bool:
    """Whether the page's copy became a response (its image is then for admins only)."""
    # A copy settled without a response (found blank, or not used: its code's form was
    # keyed by hand) is the participant's returned form all the same.
    return page.copy is not None and (page.copy.response_id is not None or page.copy.done)


def may_see_image(page: ScanPage, user: User) -> bool:
    """Whether `user` may open the page's image."""
    return page.image is not None and (user.role == "admin" or not kept_with_response(page))


def batch_rows(batches: list[ScanBatch]) -> list[dict[str, Any]]:
    """One line per batch: when, who, files, state, pages, copies to verify, problems."""
    ids = [b.id for b in batches]
    statuses = Counter()
    for batch_id, status, count in db.session.execute(
        select(ScanPage.batch_id, ScanPage.status, func.count())
        .where(ScanPage.batch_id.in_(ids))
        .group_by(ScanPage.batch_id, ScanPage.status)
    ):
        statuses[(batch_id, status)] = count
    waiting = dict(
        db.session.execute(
            select(ScanCopy.batch_id, func.count())
            .where(ScanCopy.batch_id.in_(ids), ScanCopy.state == TO_VERIFY)
            .group_by(ScanCopy.batch_id)
        ).all()
    )
    return [
        {
            "batch": b,
            "pages": sum(statuses[(b.id, s)] for s in (PLACED, UNIDENTIFIED, DUPLICATE, UNUSED)),
            "not_placed": sum(statuses[(b.id, s)] for s in (UNIDENTIFIED, DUPLICATE, UNUSED)),
            "to_verify": waiting.get(b.id, 0),
        }
        for b in batches
    ]


@dataclass
class BatchView:
    """A read batch: its pages, copies, and the problems a person must deal with.

    `joined` are its pages placed in another batch's copy of their serial; `unused` its
    pages of a copy settled before they came; `other_batches` the other batches whose
    pages joined each of its copies (by copy id)."""

    pages: list[ScanPage]
    copies: list[ScanCopy]
    unplaced: list[ScanPage] = field(default_factory=list)
    duplicates: list[ScanPage] = field(default_factory=list)
    missing: list[ScanCopy] = field(default_factory=list)
    untied: list[ScanCopy] = field(default_factory=list)
    joined: list[ScanPage] = field(default_factory=list)
    unused: list[ScanPage] = field(default_factory=list)
    other_batches: dict[int, list[int]] = field(default_factory=dict)

    @property
    def problems(self) -> int:
        """How many problems are listed."""
        return (len(self.unplaced) + len(self.duplicates) + len(self.missing)
                + len(self.untied) + len(self.unused))  # fmt: skip


def batch_view(batch: ScanBatch) -> BatchView:
    """The batch's pages and copies, problems first."""
    pages = batch_pages(batch)
    copies = list(batch.copies)
    return BatchView(
        pages,
        copies,
        [p for p in pages if p.status == UNIDENTIFIED],
        [p for p in pages if p.status == DUPLICATE],
        [c for c in copies if c.missing and not c.done],
        [c for c in copies if c.problem and not c.done],
        [p for p in pages if p.status == PLACED and p.copy and p.copy.batch_id != batch.id],
        [p for p in pages if p.status == UNUSED],
        _other_batches(batch, copies),
    )


def _other_batches(batch: ScanBatch, copies: list[ScanCopy]) -> dict[int, list[int]]:
    """The other batches whose pages joined each of the batch's copies (one query): pages
    placed in the copy, not a page scanned twice or one that came after the copy was settled
    (not used)."""
    query = (
        select(ScanPage.copy_id, ScanPage.batch_id)
        .where(
            ScanPage.copy_id.in_([c.id for c in copies]),
            ScanPage.batch_id != batch.id,
            ScanPage.status == PLACED,
        )
        .distinct()
    )
    found: dict[int, list[int]] = {c.id: [] for c in copies}
    for copy_id, batch_id in db.session.execute(query):
        found[copy_id].append(batch_id)
    return {copy_id: sorted(ids) for copy_id, ids in found.items()}


def field_names(instrument: Instrument) -> list[str]:
    """Every keying field of the instrument, in question order."""
    return [n for item in instrument.iter_questions() for n in KEYERS[item.type].names(item)]


@dataclass
class Field:
    """One keying field as shown: its item, grid row, first of its item, why to look."""

    item: Item
    name: str
    row: Any
    first: bool
    reason: str = ""
    crop: dict[str, Any] | None = None


@dataclass
class CopyView:
    """A copy's verification page: uncertain fields first, then page by page."""

    uncertain: list[Field]
    pages: list[tuple[int, list[Field], dict[str, Any] | None]]
    images: bool


def copy_view(copy: ScanCopy, instrument: Instrument, user: User) -> CopyView:
    """Fields grouped as printed, each page with its image and highlighted boxes. The
    fields of a page not scanned stay under it (the page says so), not one by one among
    those to look at first: there is no scan to look at."""
    placed = {p.page_no: p for p in copy.pages if p.status == PLACED}
    images = bool(placed) and all(may_see_image(p, user) for p in placed.values())
    marks = {m["field"]: m for m in copy.marks}
    uncertain, by_page = [], []
    for page_number, items in _printed_pages(instrument, copy):
        fields = []
        for item in items:
            for index, name in enumerate(KEYERS[item.type].names(item)):
                row = item.rows[index] if item.rows else None
                entry = Field(item, name, row, index == 0)
                mark = marks.get(name)
                if mark is not None and mark["reason"] != NOT_SCANNED:
                    entry.reason, entry.crop = mark["reason"], _crop(mark, placed, images)
                    uncertain.append(entry)
                else:
                    fields.append(entry)
        page = placed.get(page_number)
        picture = None
        if page is not None and images and page.registered:
            boxes = [_svg_box(m) for m in copy.marks if m.get("page") == page_number and "x" in m]
            picture = {"page": page, "boxes": boxes}
        by_page.append((page_number, fields, picture))
    return CopyView(uncertain, by_page, images)


def _printed_pages(instrument: Instrument, copy: ScanCopy):
    """The questions page by page as the copy was printed (its mailing's kept layout)."""
    config = current_app.config
    return printed_pages(copy.mailing, instrument, copy.lang, copy.large_print, config)


def _svg_box(mark: dict) -> dict[str, float]:
    """A mark in the SVG's coordinates (points, origin top left), a little outside its boxes."""
    return {
        "x": mark["x"] - 3,
        "y": PAGE_HEIGHT - mark["y"] - mark["h"] - 3,
        "w": mark["w"] + 6,
        "h": mark["h"] + 6,
    }


def _crop(mark: dict, placed: dict[int, ScanPage], images: bool) -> dict[str, Any] | None:
    """The part of the page image to show beside an uncertain field (an SVG viewBox)."""
    page = placed.get(mark.get("page"))
    if not images or page is None or not page.registered or "x" not in mark:
        return None
    box = _svg_box(mark)
    left = max(0.0, min(box["x"] - CROP_MARGIN, MARGIN_X - 4))  # grid rows' labels too
    right = min(PAGE_WIDTH, box["x"] + box["w"] + CROP_RIGHT)
    top = max(0.0, box["y"] - CROP_MARGIN)
    bottom = min(PAGE_HEIGHT, box["y"] + box["h"] + CROP_MARGIN)
    view = f"{left:.1f} {top:.1f} {right - left:.1f} {bottom - top:.1f}"
    return {"page": page, "view_box": view, "box": box}
