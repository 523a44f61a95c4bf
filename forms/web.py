"""The web form of one page: build it, read the answers back, check them, list the errors.

A page is a sequence of items in one language. Field names are a fixed contract:
the item id (`single`, `multiple`, `text`, `textarea`, `integer`, `decimal`),
`{id}_{row}` per grid row, `{id}-day`/`{id}-month`/`{id}-year` for a date.
The anchor of a field in the error summary is its name: templates give the first
input of each field that id. Validation is ours (`check_page`), not WTForms'
validators, because what is checked depends on routing across pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from wtforms import Form
from wtforms.form import BaseForm

from forms.memo import kept_with
from forms.messages import message
from forms.model import Answers, Instrument, Item
from forms.paging import item_applies
from forms.routing import routed_answers
from forms.web_fields import KINDS, Problem, flag_invalid, question_name


class PageForm(Form):
    """The form of one page. Reach fields as `form[name]`.

    Fields are also attributes unless an item id would hide an attribute of the
    form (an item may be called `data`, `errors` or `meta`), which `Form` would
    break on.
    """

    _taken: frozenset[str] | None = None  # per class: the names fields may not hide
    summary: list[tuple[str, str]] | None = None  # set by check_page: the error summary

    def __init__(self, formdata: Any = None, data: Mapping[str, Any] | None = None):
        BaseForm.__init__(self, self._unbound_fields, meta=self._wtforms_meta())
        taken = type(self)._taken
        if taken is None:  # not hasattr: it would evaluate properties such as `data`
            taken = type(self)._taken = frozenset(dir(self))
        for name, field in self._fields.items():
            if name not in taken:
                setattr(self, name, field)
        self.process(formdata, data=data)


def _web(items: Iterable[Item]) -> list[Item]:
    """The items asked online (`web: false` items are left out)."""
    return [item for item in items if item.web]


def build_form(
    items: Sequence[Item],
    instrument: Instrument,
    lang: str,
    *,
    formdata: Any = None,
    answers: Answers | None = None,
) -> Form:
    """The form for a page: from a POST's `formdata`, else prefilled from stored `answers`."""
    form_class = _form_class(items, instrument, lang)
    data: dict[str, Any] = {}
    if formdata is None and answers:
        for item in _web(items):
            if answers.get(item.id) is not None:
                data.update(KINDS[item.type].prefill(item, answers[item.id]))
    return form_class(formdata=formdata, data=data)


_CLASSES: dict[int, dict[tuple[tuple[str, ...], str], type[PageForm]]] = {}


def _form_class(items: Sequence[Item], instrument: Instrument, lang: str) -> type[PageForm]:
    """The form class of a page in a language: its fields, never any answer.

    Built once per instrument object (instruments are immutable), page and language,
    and forgotten with the instrument, as `forms.paging.web_pages` is.
    """
    classes = kept_with(instrument, _CLASSES, dict)
    page_key = (tuple(item.id for item in items), lang)
    form_class = classes.get(page_key)
    if form_class is None:
        unbound = [field for item in _web(items) for field in KINDS[item.type].fields(item, lang)]
        form_class = type("PageForm", (PageForm,), {})
        form_class._unbound_fields = unbound
        classes[page_key] = form_class
    return form_class


class FieldData:
    """A field's name and data, as a form built with `build_form(answers=…)` holds them."""

    __slots__ = ("data", "name")

    def __init__(self, name: str, data: Any):
        self.name, self.data = name, data


class Prefilled(dict):
    """A page's fields (name -> FieldData) showing stored answers, without building the
    form: what a page without errors needs to show them (`form[name].data`)."""

    def __init__(self, items: Sequence[Item], answers: Answers | None):
        super().__init__()
        answers = answers or {}
        for item in _web(items):
            kind = KINDS[item.type]
            given = answers.get(item.id)
            data = kind.prefill(item, given) if given is not None else {}
            for name in kind.names(item):
                self[name] = FieldData(name, data.get(name))


def read_answers(form: Form, items: Sequence[Item]) -> dict[str, Any]:
    """The page's values in the Answers shape; None where empty or unparseable (notes left out)."""
    return {item.id: KINDS[item.type].read(form, item) for item in _web(items) if item.is_question}


def entered_items(form: Form, items: Sequence[Item]) -> frozenset[str]:
    """Ids of the page's questions given any input, whether or not it reads as an answer
    (`read_answers` gives None for text that is not a number): what was put into a
    question that does not apply is not saved (an answer saved there before stays, set
    aside), and the respondent is told it was set aside either way."""
    return frozenset(
        item.id for item in _web(items) if item.is_question and KINDS[item.type].entered(form, item)
    )


def shown_items(items: Sequence[Item], instrument: Instrument, answers: Answers) -> list[Item]:
    """The items whose `show_if` holds (all others are routed past).

    Rules are judged on the answers that apply (`forms.routing`): an answer typed into
    an item that is itself routed out does not switch on the items depending on it.
    """
    routed = routed_answers(instrument, answers)
    return [item for item in _web(items) if item_applies(item, instrument, routed)]


def _constraint_problem(
    item: Item, instrument: Instrument, merged: Answers, lang: str
) -> str | None:
    """The constraint message when the item has a value that breaks its constraint."""
    if item.constraint is None or merged.get(item.id) is None:
        return None
    if item.constraint.test(merged, missing=instrument.missing_codes, this=item.id):
        return None
    if item.constraint_message is not None:
        return item.constraint_message.get(lang)
    return message("constraint", lang)


def _item_problems(
    form: Form, item: Item, instrument: Instrument, merged: Answers, lang: str
) -> list[Problem]:
    kind = KINDS[item.type]
    found = kind.problems(form, item, merged.get(item.id), lang)
    if found:
        return found
    problem = _constraint_problem(item, instrument, merged, lang)
    if problem is None:
        return []
    names = kind.names(item)
    flag_invalid(form, names)
    return [(names[0], problem)]


def check_page(
    form: Form, items: Sequence[Item], instrument: Instrument, lang: str, answers_before: Answers
) -> bool:
    """Check the page's shown items, set each field's errors; True when the page is valid."""
    return checked_items(form, items, instrument, lang, answers_before) is not None


def checked_items(
    form: Form, items: Sequence[Item], instrument: Instrument, lang: str, answers_before: Answers
) -> list[Item] | None:
    """`check_page`, giving the items shown (`shown_items` of the answers before and the
    page's: the items a save stores) when the page is valid, else None."""
    for field in form:
        field.errors = []
        field.flags.invalid = False
    merged = {**answers_before, **read_answers(form, items)}
    summary: list[tuple[str, str]] = []
    shown = shown_items(items, instrument, merged)
    for item in shown:
        if not item.is_question:
            continue
        for name, text in _item_problems(form, item, instrument, merged, lang):
            form[name].errors.append(text)
            summary.append((form[name].id, _summary_text(item, lang, text)))
    form.summary = summary
    return None if summary else shown


def _summary_text(item: Item, lang: str, text: str) -> str:
    """A problem as the error summary lists it: the message itself when it names its
    question (`Select your answer to '…'`), else the question's name before it, so that
    "Enter a whole number" says which of a page's questions it is about."""
    name = question_name(item, lang)
    return text if name in text else message("about_question", lang, question=name, problem=text)


def error_summary(form: Form) -> list[tuple[str, str]]:
    """(anchor id, message) for every error, in page order, for the error summary.

    After `check_page` each message names its question; the field's own message (shown
    beside the question) stays short.
    """
    checked = getattr(form, "summary", None)
    if checked is not None:
        return list(checked)
    return [(field.id, text) for field in form for text in field.errors]
