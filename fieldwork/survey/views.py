"""View models for the respondent pages: what to show, progress, where to go next."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flask import url_for

from fieldwork.models import Response
from forms.describe import QuestionTextDescriber, answer_if
from forms.display import answer_lines
from forms.memo import kept_with
from forms.model import Instrument, Item
from forms.paging import (
    Page,
    item_applies,
    next_page,
    page_applies,
    page_reached,
    previous_page,
    web_pages,
)
from forms.routing import routed_answers, routing_names, stopped_applying

if TYPE_CHECKING:
    from fieldwork.survey.state import Entry


def practice_phone(entry: Entry) -> str | None:
    """The respondent's practice's phone for the help block (looked up only when shown)."""
    if not entry.instrument.signposting:
        return None
    practice = entry.practice
    return practice.phone if practice is not None else None


def first_incomplete(
    instrument: Instrument, response: Response, saved: Mapping[str, Any]
) -> int | None:
    """The first page the respondent still has to save, or None when all are done."""
    saved = routed_answers(instrument, saved)
    pages = web_pages(instrument)
    following = next_page(pages, instrument, saved, page_reached(pages, response.reached))
    if following is not None:
        return following.number
    for page in pages:
        if not page_applies(page, instrument, saved):
            continue
        for item in page.items:
            if item.required and item_applies(item, instrument, saved) and item.id not in saved:
                return page.number
    return None


def resume_target(
    instrument: Instrument,
    response: Response,
    saved: Mapping[str, Any],
    after: int | None = None,
) -> str:
    """The URL to go to: the page after `after`, or the first page still to do, or the check."""
    saved = routed_answers(instrument, saved)
    if after is not None:
        following = next_page(web_pages(instrument), instrument, saved, after)
        number = following.number if following else first_incomplete(instrument, response, saved)
    else:
        number = first_incomplete(instrument, response, saved)
    if number is None:
        return url_for("survey.check")
    return url_for("survey.page", number=number)


def progress(instrument: Instrument, saved: Mapping[str, Any], current: Page | None) -> dict:
    """Page n of m over all the online pages, so the total never jumps after an answer.

    Pages routed past are skipped, so `n` may move on by more than one; `m` stays put.
    """
    pages = web_pages(instrument)
    total = max(len(pages), 1)
    index = current.number if current else total
    done = index - 1 if current else total
    return {"current": index, "total": total, "percent": round(100 * max(done, 0) / total)}


def _routed_here(item: Item, page: Page) -> bool:
    """Whether the item is routed by an answer on its own page."""
    here = {other.id for other in page.items}
    return item.show_if is not None and any(
        name.split(".")[0] in here for name in item.show_if.names
    )


def _shown_on_page(page: Page, instrument: Instrument, saved: Mapping[str, Any]) -> list[bool]:
    """Whether each item is rendered: routed in, or routed by an answer on the same page."""
    saved = routed_answers(instrument, saved)
    return [
        _routed_here(item, page) or item_applies(item, instrument, saved) for item in page.items
    ]


_CONDITIONS: dict[int, dict[tuple[int, str], dict[str, str]]] = {}


def _conditions(instrument: Instrument, page: Page, lang: str) -> dict[str, str]:
    """For items routed by an answer on the same page: the line saying when to answer them
    (worked out once per instrument object, page and language)."""
    cached = kept_with(instrument, _CONDITIONS, dict)
    found = cached.get((page.number, lang))
    if found is None:
        describer = QuestionTextDescriber(instrument, lang)
        found = cached[(page.number, lang)] = {
            item.id: answer_if(item.show_if, describer, lang)
            for item in page.items
            if item.show_if is not None and _routed_here(item, page)
        }
    return found


def page_view(
    instrument: Instrument, page: Page, form, saved: Mapping[str, Any], lang: str
) -> dict:
    """Everything the page template needs."""
    routed = routed_answers(instrument, saved)
    previous = previous_page(web_pages(instrument), instrument, routed, page.number)
    return {
        "instrument": instrument,
        "page": page,
        "form": form,
        "items": list(zip(page.items, _shown_on_page(page, instrument, saved), strict=True)),
        "lang": lang,
        "progress": progress(instrument, saved, page),
        "back_url": url_for("survey.page", number=previous.number)
        if previous
        else url_for("survey.welcome"),
        "numbers": instrument.question_numbers(),
        "conditions": _conditions(instrument, page, lang),
    }


def _check_row(item: Item, value: Any, lang: str) -> dict:
    return {"question": item.text.get(lang), "answer": answer_lines(item, value, lang)}


def check_rows(instrument: Instrument, saved: Mapping[str, Any], lang: str) -> list[dict]:
    """Sections with a row per shown question and one Change link (to the section's first
    page that applies), for the check-your-answers page."""
    saved = routed_answers(instrument, saved)
    sections: list[dict] = []
    for page in web_pages(instrument):
        if not page_applies(page, instrument, saved):
            continue
        rows = [
            _check_row(item, saved.get(item.id), lang)
            for item in page.items
            if item.is_question and item_applies(item, instrument, saved)
        ]
        if sections and sections[-1]["id"] == page.section.id:
            sections[-1]["rows"].extend(rows)
        elif rows:
            change = url_for("survey.page", number=page.number, **{"return": "check"})
            title = page.section.title.get(lang)
            sections.append({"id": page.section.id, "title": title, "rows": rows, "change": change})
    return sections


def not_kept(items: Sequence[Item], entered: Collection[str], shown: Sequence[Item]) -> list[str]:
    """Ids of the items given input (`forms.web.entered_items`: an answer, or text that is
    not one) that was not saved because they did not apply (the respondent is told it was
    set aside: an answer saved there before stays stored)."""
    kept = {item.id for item in shown}
    return [
        item.id for item in items if item.is_question and item.id not in kept and item.id in entered
    ]


def dropped_on_save(
    instrument: Instrument,
    page: Page,
    saved: Mapping[str, Any],
    values: Mapping[str, Any],
    shown: Sequence[Item],
    stored: Mapping[str, Any] | None = None,
    applies: Mapping[str, bool] | None = None,
    *,
    entered: Collection[str],
) -> list[str]:
    """Ids of the answers a save sets aside: typed on this page into a question that
    does not apply (`entered`: the page's questions given any input, valid or not; not
    saved), or saved earlier on another page and turned off by this page's answers (they
    stay stored: they apply again if the answer that turned them off is changed back; a
    clean dataset codes them -98, a raw one keeps them).

    `stored`, `applies`: the answers stored by the save and their `items_applying` in
    "web" mode, when the caller has them (used when they are the answers judged here).
    """
    here = {item.id for item in page.items}
    if here.isdisjoint(instrument_routing_names(instrument)):
        return not_kept(page.items, entered, shown)  # no rule reads this page: nothing else moves
    after = {k: v for k, v in saved.items() if k not in here}
    after.update({k: v for k, v in values.items() if v is not None})
    now = applies if stored is not None and after == stored else None
    stopped = stopped_applying(instrument, saved, after, "web", now=now)
    return not_kept(page.items, entered, shown) + [ref for ref in stopped if ref not in here]


_ROUTING_NAMES: dict[int, frozenset[str]] = {}


def instrument_routing_names(instrument: Instrument) -> frozenset[str]:
    """`routing_names` of an instrument, worked out once per instrument object."""
    return kept_with(instrument, _ROUTING_NAMES, lambda: routing_names(instrument))
