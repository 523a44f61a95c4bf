"""The question page rendered from a skeleton: the page's markup with holes for what differs.

Rendering `survey/page.html` runs a Jinja macro for every item and choice, the largest
cost of a respondent's page. Most of that markup is the same for everyone on the same
page: the skeleton is the page rendered once with markers (`Probe`) in place of every
value that belongs to one respondent or one request (answers shown in fields, the
`checked` choices, the routing data of earlier answers, the back link, the resume code,
the practice phone, the CSRF token, the CSP nonce), split at the markers. A page is then
the skeleton's text joined with those values, escaped as the template would escape them.

A skeleton holds structure only, never an answer: it is keyed by the instrument version,
page, language and which items are shown (and whether the return-to-check field, the
resume code and the practice phone appear), and kept per app, at most `LIMIT` of them.
Pages with errors or notices render through the template as before; the same template
makes both, and a test renders every page both ways and compares them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from flask import current_app, g, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from fieldwork.i18n import tel_link

LIMIT = 512
_MARK = "\x00"  # never in questionnaire text (YAML cannot hold it) nor in the markup
_PROBING: ContextVar[list | None] = ContextVar("fieldwork_page_probe", default=None)


class Probe(str):
    """A marker standing for one value of one request while a skeleton is rendered."""

    def __new__(cls, slot: tuple) -> Probe:
        slots = _PROBING.get()
        marker = super().__new__(cls, f"{_MARK}{len(slots)}{_MARK}")
        marker.slot = slot
        slots.append(slot)
        return marker


def probing() -> bool:
    """Whether a skeleton is being rendered (template helpers then leave markers)."""
    return _PROBING.get() is not None


def chosen_codes(field: Any, kind: str) -> Any:
    """The codes shown checked in a choice field, as strings (the template's `chosen`)."""
    data = field.data
    if isinstance(data, Probe):
        return Probe(("chosen", field.name, kind))
    if kind == "checkboxes":
        return [str(code) for code in data or []]
    return [] if data is None else [str(data)]


def checked(chosen: Any, code: Any) -> Markup:
    """` checked` when `code` is among the chosen codes."""
    if isinstance(chosen, Probe):
        return Markup(Probe(("checked", chosen.slot, str(code))))  # noqa: S704 - a marker
    return Markup(" checked") if str(code) in chosen else Markup("")


def probe_tel_link(number: Any, css_class: str = "") -> Markup:
    """`tel_link`, leaving a marker for a number that is a marker."""
    if isinstance(number, Probe):
        return Markup(Probe(("tel", number.slot, css_class)))  # noqa: S704 - a marker
    return tel_link(number, css_class)


def routing_marker(item: Any) -> Markup | None:
    """While probing, a marker for an item's routing attributes (else None)."""
    if not probing():
        return None
    return Markup(Probe(("routing", item)))  # noqa: S704 - a marker


class Skeleton:
    """A rendered page split at its markers: text, slot, text, … text."""

    def __init__(self, html: str, slots: list[tuple]):
        parts = html.split(_MARK)
        self.parts: list[Any] = [
            part if n % 2 == 0 else slots[int(part)] for n, part in enumerate(parts)
        ]

    def fill(self, values: dict[str, Any], form: Any) -> str:
        """The page for one request: the text with each slot's value."""
        out: list[str] = []
        chosen: dict[str, list[str]] = {}
        for n, part in enumerate(self.parts):
            if n % 2 == 0:
                out.append(part)
            else:
                out.append(_fill(part, values, form, chosen))
        return "".join(out)


def _fill(slot: tuple, values: dict[str, Any], form: Any, chosen: dict) -> str:
    kind = slot[0]
    if kind == "value":
        return str(escape(values[slot[1]]))
    if kind == "field":
        return str(escape(form[slot[1]].data or ""))
    if kind == "checked":
        _, (_, name, field_kind), code = slot
        if name not in chosen:
            chosen[name] = chosen_codes(form[name], field_kind)
        return " checked" if code in chosen[name] else ""
    if kind == "tel":
        _, (_, name), css_class = slot
        return str(tel_link(values[name], css_class))
    if kind == "routing":
        from fieldwork.routing_filter import routing_attributes

        return str(routing_attributes(slot[1]))
    raise ValueError(f"unknown slot {kind}")


def init_app(app: Any) -> None:
    """Give templates the helpers the question markup uses (`respondent/_items.html`)."""
    app.jinja_env.globals.update(
        chosen_codes=chosen_codes, checked=checked, tel_link=probe_tel_link
    )


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("fieldwork.page_skeletons", OrderedDict())


# The view's values that differ between respondents: name -> how the skeleton stands in.
_VALUES: dict[str, Callable[[Any], Any]] = {
    "back_url": lambda value: value,
    "resume_code": lambda value: value,
    "practice_phone": lambda value: value,
}


def render_page(view: dict[str, Any], make_form: Callable[[bool], Any] | None = None) -> str:
    """`survey/page.html` for `view` (the context `page_view` made, and the rest).

    `view["form"]` is the page's form, or only its fields' data (`forms.web.Prefilled`);
    then `make_form(prefilled)` builds the form itself when the template needs it.
    """
    if (
        view.get("errors")
        or view.get("dropped")
        or not current_app.config.get("PAGE_SKELETONS", True)
    ):
        if make_form is not None:
            view = dict(view, form=make_form(True))
        return render_template("survey/page.html", **view)
    returning = request.args.get("return") == "check" or request.form.get("return") == "check"
    instrument = view["instrument"]
    key = (
        instrument.id,
        instrument.version,
        instrument.content_hash,
        view["page"].number,
        view["lang"],
        tuple(shown for _, shown in view["items"]),
        returning,
        bool(view.get("resume_code")),
        bool(view.get("practice_phone")),
    )
    cache = _cache()
    skeleton = cache.get(key)
    if skeleton is None:
        skeleton = cache[key] = _probe(view, make_form)
        if len(cache) > LIMIT:
            cache.popitem(last=False)
    values = {name: view.get(name) for name in _VALUES}
    values["csrf_token"] = generate_csrf()
    values["csp_nonce"] = g.get("csp_nonce", "")
    return skeleton.fill(values, view["form"])


def _probe(view: dict[str, Any], make_form: Callable[[bool], Any] | None) -> Skeleton:
    """Render the page once with markers for every value of this respondent and request."""
    slots: list[tuple] = []
    token = _PROBING.set(slots)
    try:
        form = make_form(False) if make_form is not None else type(view["form"])()
        for field in form:
            field.data = Probe(("field", field.name))
        probe = dict(view, form=form, errors=[], dropped=[])
        for name in _VALUES:
            if view.get(name):
                probe[name] = Probe(("value", name))
        probe["csrf_token"] = lambda: Probe(("value", "csrf_token"))
        probe["csp_nonce"] = Probe(("value", "csp_nonce"))
        html = render_template("survey/page.html", **probe)
    finally:
        _PROBING.reset(token)
    return Skeleton(html, slots)
