"""Sample items for the web form tests, and a stand-in for forms.expressions.Expression."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from forms.model import Choice, ChoiceList, Instrument, Item, Row, Section, Text
from forms.web import build_form, check_page


@dataclass(frozen=True)
class FakeExpression:
    """Stands in for forms.expressions.Expression: a Python function of the answers."""

    fn: Callable[[Mapping[str, Any], str | None], bool]
    source: str = "fake"
    names: frozenset[str] = frozenset()
    calls: list = field(default_factory=list, compare=False)

    def test(self, answers, *, missing=None, this=None) -> bool:
        self.calls.append({"answers": dict(answers), "missing": missing, "this": this})
        return bool(self.fn(answers, this))

    def __str__(self) -> str:
        return self.source


def text(en: str, zh: str | None = None) -> Text:
    return Text({"en": en, "zh": zh or en})


YES_NO = ChoiceList("yes_no", (Choice(1, text("Yes", "是")), Choice(2, text("No", "否"))))
AGREE = ChoiceList(
    "agree",
    (Choice(1, text("Agree")), Choice(2, text("Disagree")), Choice(9, text("Don't know"))),
    frozenset({9}),
)
SERVICES = ChoiceList(
    None,
    (
        Choice(1, text("Booking appointments")),
        Choice(2, text("Ordering repeat prescriptions")),
        Choice(99, text("None of these", "以上都不是")),
    ),
)

USED = Item("used", "single", text("Have you used online services?"), choices=YES_NO)
SERVICES_ITEM = Item(
    "services", "multiple", text("Which?"), choices=SERVICES, exclusive=frozenset({99})
)
GRID = Item(
    "conf",
    "grid",
    text("How much do you agree?"),
    choices=AGREE,
    rows=(Row("a", text("I can book online")), Row("b", text("I trust the app"))),
)
OTHER = Item("other", "text", text("Anything else?"), max_length=10)
COMMENTS = Item("comments", "textarea", text("Comments"))
AGE = Item("age", "integer", text("How old are you?"), min=16, max=120)
WEIGHT = Item("weight", "decimal", text("Weight"), min=0.1, max=300)
VISIT = Item("visit", "date", text("When did you last visit?"))
NOTE = Item("note1", "note", text("Some questions about you."))
ALL = (NOTE, USED, SERVICES_ITEM, GRID, OTHER, COMMENTS, AGE, WEIGHT, VISIT)


def make_instrument(*items: Item) -> Instrument:
    section = Section("s1", text("Section"), tuple(items))
    return Instrument(
        "patient", 1, text("Title"), ("en", "zh"), "patient", text(""), text(""), (section,)
    )


INSTRUMENT = make_instrument(*ALL)


def post(items, pairs, lang="en", before=None):
    """Build the form from a POST, check it; (form, valid)."""
    instrument = make_instrument(*items)
    form = build_form(items, instrument, lang, formdata=MultiDict(pairs))
    valid = check_page(form, items, instrument, lang, before or {})
    return form, valid


def errors(form) -> dict[str, list[str]]:
    return {f.name: list(f.errors) for f in form if f.errors}
