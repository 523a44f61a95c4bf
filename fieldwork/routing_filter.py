"""What the live routing script (`static/js/routing.js`) needs to show and hide items.

`{{ item | routing_attributes }}` on a routed item's wrapper adds, when an answer on
the same page routes the item: the rule as a JSON tree (`data-show-if-json`), how to
read the page's fields it names (`data-fields`), and the answers it names from earlier
pages (`data-answers`; never an identifying item's). Otherwise it adds nothing and the
item stays as the server rendered it, exactly as without JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, g, has_request_context
from markupsafe import Markup

from fieldwork.page_render import routing_marker
from forms.expression_json import answer_json, to_json
from forms.memo import kept_with
from forms.model import Instrument, Item
from forms.paging import Page, web_pages
from forms.routing import routed_answers


def _field(item: Item) -> dict[str, Any]:
    """How the script reads an item's answer from the page's inputs."""
    if item.type == "grid":
        return {"type": "grid", "rows": [row.id for row in item.rows]}
    return {"type": item.type}


def _item(instrument: Instrument, item_id: str) -> Item | None:
    try:
        return instrument.item(item_id)
    except KeyError:
        return None


def routing_data(
    item: Item,
    page: Page,
    instrument: Instrument,
    answers_before: Callable[[], Mapping[str, Any]],
) -> dict[str, Any] | None:
    """The script's data for a routed item on `page`; None when nothing on the page routes it."""
    if item.show_if is None:
        return None
    on_page = {other.id: other for other in page.items}
    refs = sorted(item.show_if.names)
    if not any(ref.partition(".")[0] in on_page for ref in refs):
        return None
    fields: dict[str, Any] = {}
    earlier: dict[str, Any] = {}
    for ref in refs:
        item_id, _, row = ref.partition(".")
        if item_id in on_page:
            fields[item_id] = _field(on_page[item_id])
            continue
        source = _item(instrument, item_id)
        if source is None:
            continue  # not an item: no value, on the server as here
        if source.identifying:
            return None  # never sent to the browser: the server's decision stands
        value = answers_before().get(item_id)
        if row:
            rows = value if isinstance(value, Mapping) else {}
            earlier.setdefault(item_id, {})[row] = answer_json(rows.get(row))
        else:
            earlier[item_id] = answer_json(value)
    data = {"show-if-json": _rule_json(item, instrument), "fields": fields}
    if earlier:
        data["answers"] = earlier
    return data


_RULES: dict[int, dict[str, Any]] = {}


def _rule_json(item: Item, instrument: Instrument) -> Any:
    """An item's show_if as a JSON tree (worked out once per instrument object)."""
    rules = kept_with(instrument, _RULES, dict)
    if item.id not in rules:
        rules[item.id] = to_json(item.show_if, instrument.missing_codes)
    return rules[item.id]


def _attributes(data: Mapping[str, Any]) -> Markup:
    """` data-key="json"` for each entry, escaped for an attribute."""
    template = Markup(' data-{}="{}"')
    return Markup("").join(
        template.format(key, json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        for key, value in data.items()
    )


class _PageContext:
    """The respondent's instrument, pages and earlier answers, looked up once per request."""

    def __init__(
        self, instrument: Instrument | None, response: Any, saved: Mapping[str, Any] | None
    ) -> None:
        self.response, self.instrument = response, instrument
        self.pages: dict[str, Page] = {}
        if self.instrument is not None:
            for page in web_pages(self.instrument):
                self.pages.update(dict.fromkeys((item.id for item in page.items), page))
        self._stored = saved
        self._saved: Mapping[str, Any] | None = None

    def saved(self) -> Mapping[str, Any]:
        """The stored answers that apply (loaded only when a rule names an earlier page)."""
        if self._saved is None:
            stored = self._stored
            if stored is None:
                from fieldwork import answers as store
                from fieldwork.db import db

                stored = store.load_answers(db.session, self.instrument, self.response.id)
            self._saved = routed_answers(self.instrument, stored)
        return self._saved


def use_page(instrument: Instrument, response: Any, saved: Mapping[str, Any]) -> None:
    """Give the filter what the view already loaded, so rendering never queries again."""
    g.fw_routing = _PageContext(instrument, response, saved)


def _context_from_session() -> _PageContext:
    from fieldwork.survey import state

    entry = state.current()
    if entry is None:
        return _PageContext(None, None, None)
    return _PageContext(entry.instrument, entry.response, None)


def routing_attributes(item: Item) -> Markup:
    """The routing data attributes for a routed item's wrapper ('' when there are none)."""
    if item.show_if is None or not has_request_context():
        return Markup("")
    marker = routing_marker(item)
    if marker is not None:  # a page skeleton: filled in for each request
        return marker
    context = g.get("fw_routing")
    if context is None:
        context = g.fw_routing = _context_from_session()
    page = context.pages.get(item.id)
    if page is None or context.response is None:
        return Markup("")
    data = routing_data(item, page, context.instrument, context.saved)
    return _attributes(data) if data else Markup("")


def init_app(app: Flask) -> None:
    """Register the `routing_attributes` template filter."""
    app.add_template_filter(routing_attributes, "routing_attributes")
