"""Online pages: one section per page, long sections split at sensible points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forms.memo import kept_with
from forms.model import Instrument, Item, Section

# Roughly how much one page may ask: a question counts 1, a grid row a half.
PAGE_WEIGHT = 8.0


@dataclass(frozen=True)
class Page:
    """One online page: part of a section."""

    number: int  # 1-based across the instrument
    section: Section
    items: tuple[Item, ...]
    part: int = 1
    parts: int = 1

    @property
    def last_item(self) -> str:
        """Id of the page's last item (recorded as how far a respondent reached)."""
        return self.items[-1].id


def _weight(item: Item) -> float:
    """How much answering an item asks of a respondent."""
    if item.type == "grid":
        return 1 + len(item.rows) / 2
    return 1.0 if item.is_question else 0.25


def _opens_identifying(item: Item) -> bool:
    """A routed item asking who someone is (name, contact details): it gets its own page."""
    return item.identifying and item.show_if is not None


def _split(items: Sequence[Item]) -> list[tuple[Item, ...]]:
    """Split a long section into chunks, breaking before notes when possible.

    An item is never separated from an earlier item on its page that routes it, except
    routed identifying items (name, contact details): they go on a page of their own
    after the answer that opens them, so without JavaScript nobody is asked for them
    before their answers say the questions apply.
    """
    chunks: list[list[Item]] = [[]]
    weight = 0.0
    for item in items:
        identifying = _opens_identifying(item)
        routed_here = item.show_if is not None and any(
            prior.id in {name.split(".")[0] for name in item.show_if.names} for prior in chunks[-1]
        )
        full = weight + _weight(item) > PAGE_WEIGHT
        good_break = item.type == "note" and weight >= PAGE_WEIGHT / 2
        chunk_identifying = bool(chunks[-1]) and all(_opens_identifying(i) for i in chunks[-1])
        kind_changes = bool(chunks[-1]) and identifying != chunk_identifying
        if chunks[-1] and (kind_changes or ((full or good_break) and not routed_here)):
            chunks.append([])
            weight = 0.0
        chunks[-1].append(item)
        weight += _weight(item)
    return [tuple(chunk) for chunk in chunks if chunk]


_PAGES: dict[int, tuple[Page, ...]] = {}


def web_pages(instrument: Instrument) -> tuple[Page, ...]:
    """The online pages of an instrument, in order (items marked `web: false` left out).

    Built once per instrument object (instruments are immutable) and forgotten with it.
    """
    return kept_with(instrument, _PAGES, lambda: _build_pages(instrument))


def _build_pages(instrument: Instrument) -> tuple[Page, ...]:
    """Split every section into pages."""
    pages: list[Page] = []
    for section in instrument.sections:
        items = [item for item in section.items if item.web]
        if not items:
            continue
        chunks = _split(items)
        for part, chunk in enumerate(chunks, start=1):
            pages.append(Page(len(pages) + 1, section, chunk, part, len(chunks)))
    return tuple(pages)


def page_applies(page: Page, instrument: Instrument, answers: Mapping[str, Any]) -> bool:
    """Whether the page's section is routed in, and (for a page of routed identifying
    items) whether any of its items applies."""
    show_if = page.section.show_if
    if show_if is not None and not show_if.test(answers, missing=instrument.missing_codes):
        return False
    if all(_opens_identifying(item) for item in page.items):
        return any(item_applies(item, instrument, answers) for item in page.items)
    return True


def item_applies(item: Item, instrument: Instrument, answers: Mapping[str, Any]) -> bool:
    """Whether the item is routed in (its own show_if; its section's is checked separately)."""
    return item.show_if is None or item.show_if.test(answers, missing=instrument.missing_codes)


def next_page(
    pages: Sequence[Page], instrument: Instrument, answers: Mapping[str, Any], after: int
) -> Page | None:
    """The first applicable page after page number `after` (None: the end)."""
    for page in pages[after:]:
        if page_applies(page, instrument, answers):
            return page
    return None


def previous_page(
    pages: Sequence[Page], instrument: Instrument, answers: Mapping[str, Any], before: int
) -> Page | None:
    """The last applicable page before page number `before` (None: the start)."""
    for page in reversed(pages[: max(before - 1, 0)]):
        if page_applies(page, instrument, answers):
            return page
    return None


def page_reached(pages: Sequence[Page], reached: str | None) -> int:
    """The number of the furthest page saved, from the id of its last item (0: none)."""
    for page in pages:
        if page.last_item == reached:
            return page.number
    return 0
