"""The web form of each item type: its fields, prefill, reading and type-specific checks.

One class per item type in `KINDS` (type -> kind), used by `forms.web`. Fields keep
the respondent's raw input as text, so a page shown again after an error shows
exactly what was typed; kinds parse it into the `Answers` shape.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from wtforms import Form
from wtforms.fields import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.widgets import CheckboxInput, ListWidget

from forms.messages import message
from forms.model import Item

Problem = tuple[str, str]
"""A check that failed: (field name, message)."""

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DATE_PARTS = ("day", "month", "year")
# Numbers are stored in 32-bit integer and double columns: at most 9 digits before the point.
MAX_DIGITS = 9
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(raw: Any) -> str:
    """Posted text made comparable: full-width digits and spaces folded (NFKC), trimmed."""
    if raw is None:
        return ""
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _choices(item: Item, lang: str) -> list[SelectChoice]:
    if item.choices is None:
        return []
    return [SelectChoice(str(c.code), c.label.get(lang)) for c in item.choices.choices]


def _code(raw: Any, item: Item) -> int | None:
    """The choice code posted as `raw`, or None when it is not one of the item's codes."""
    text = clean(raw)
    if len(text) > MAX_DIGITS or not _INTEGER.fullmatch(text) or item.choices is None:
        return None
    code = int(text)
    return code if code in item.choices.codes else None


def _limit(value: int | float) -> str:
    """A min or max as people write it: 16, 0.5 (never 16.0 or 5e-01)."""
    number = Decimal(str(value))
    return str(number.quantize(Decimal(1))) if number == number.to_integral_value() else str(number)


def question_name(item: Item, lang: str | None, limit: int = 90) -> str:
    """The question's text as an error message names it: plain, on one line, not too long."""
    text = " ".join(item.text.get(lang).replace("**", "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def range_problem(value: Decimal | int, item: Item, lang: str) -> str | None:
    """The message for a number outside the item's min/max, or None when inside."""
    low = None if item.min is None else Decimal(str(item.min))
    high = None if item.max is None else Decimal(str(item.max))
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    if low is not None and high is not None:
        return message("number_between", lang, min=_limit(item.min), max=_limit(item.max))
    if low is not None:
        return message("number_at_least", lang, min=_limit(item.min))
    return message("number_at_most", lang, max=_limit(item.max))


class Kind:
    """How one item type appears in the web form (the base is a note: no fields)."""

    def names(self, item: Item) -> list[str]:
        """The names of the item's fields, in page order."""
        return []

    def fields(self, item: Item, lang: str) -> list[tuple[str, UnboundField]]:
        """The item's fields in page order, as (name, unbound field)."""
        return []

    def prefill(self, item: Item, answer: Any) -> dict[str, Any]:
        """Field data showing a stored answer (never None)."""
        return {}

    def read(self, form: Form, item: Item) -> Any:
        """The item's value in the Answers shape, or None (no value, or unparseable)."""
        return None

    def problems(self, form: Form, item: Item, value: Any, lang: str) -> list[Problem]:
        """What is wrong with the item's input, type by type (constraints aside)."""
        return []

    def entered(self, form: Form, item: Item) -> bool:
        """Whether anything was typed, ticked or chosen in the item's fields, an answer or not."""
        for name in self.names(item):
            data = form[name].data
            if data if isinstance(data, list) else clean(data):
                return True
        return False


class OneFieldKind(Kind):
    """An item with one field named by its id."""

    def names(self, item: Item) -> list[str]:
        """The item id."""
        return [item.id]

    def prefill(self, item: Item, answer: Any) -> dict[str, Any]:
        """The stored answer as text."""
        return {item.id: str(answer)}


class SingleKind(OneFieldKind):
    """Radios: one code."""

    def fields(self, item: Item, lang: str) -> list[tuple[str, UnboundField]]:
        """One radio group named by the item id."""
        field = RadioField(item.text.get(lang), choices=_choices(item, lang), validate_choice=False)
        return [(item.id, field)]

    def read(self, form: Form, item: Item) -> int | None:
        """The checked code."""
        return _code(form[item.id].data, item)

    def problems(self, form: Form, item: Item, value: Any, lang: str) -> list[Problem]:
        """Required, and a posted value that is not one of the codes."""
        if value is None and clean(form[item.id].data):
            return [(item.id, message("select_listed", lang))]
        if value is None and item.required:
            return [(item.id, message("select_one", lang, question=question_name(item, lang)))]
        return []


class MultipleKind(OneFieldKind):
    """Checkboxes: a set of codes, with exclusive codes and optional min/max ticks."""

    def fields(self, item: Item, lang: str) -> list[tuple[str, UnboundField]]:
        """One checkbox per code, all named by the item id."""
        field = SelectMultipleField(
            item.text.get(lang),
            choices=_choices(item, lang),
            validate_choice=False,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )
        return [(item.id, field)]

    def prefill(self, item: Item, answer: Any) -> dict[str, Any]:
        """The stored codes as the ticked values."""
        return {item.id: [str(code) for code in sorted(answer)]}

    def read(self, form: Form, item: Item) -> frozenset[int] | None:
        """The ticked codes; None when none, or when one is not a code of the item."""
        codes = [_code(value, item) for value in form[item.id].data or []]
        if not codes or None in codes:
            return None
        return frozenset(codes)

    def problems(self, form: Form, item: Item, value: Any, lang: str) -> list[Problem]:
        """Required, unknown codes, min/max ticks and exclusive codes."""
        if value is None:
            if form[item.id].data:
                return [(item.id, message("select_listed", lang))]
            return (
                [(item.id, message("select_some", lang, question=question_name(item, lang)))]
                if item.required
                else []
            )
        exclusive = sorted(value & item.exclusive)
        if exclusive and len(value) > 1 and item.choices is not None:
            label = item.choices.label(exclusive[0], lang)
            return [(item.id, message("exclusive", lang, label=label))]
        if item.min is not None and len(value) < item.min:
            return [(item.id, message("select_at_least", lang, min=_limit(item.min)))]
        if item.max is not None and len(value) > item.max:
            return [(item.id, message("select_at_most", lang, max=_limit(item.max)))]
        return []


class GridKind(Kind):
    """A radio group per row, named `{id}_{row}`; the value maps row id -> code."""

    def names(self, item: Item) -> list[str]:
        """`{id}_{row}` for each row."""
        return [f"{item.id}_{row.id}" for row in item.rows]

    def fields(self, item: Item, lang: str) -> list[tuple[str, UnboundField]]:
        """One radio group per row."""
        choices = _choices(item, lang)
        return [
            (name, RadioField(row.text.get(lang), choices=choices, validate_choice=False))
            for name, row in zip(self.names(item), item.rows, strict=True)
        ]

    def prefill(self, item: Item, answer: Any) -> dict[str, Any]:
        """Each stored row code as that row's checked value."""
        return {f"{item.id}_{row}": str(code) for row, code in answer.items() if code is not None}

    def read(self, form: Form, item: Item) -> dict[str, int] | None:
        """The rows answered with a valid code; None when no row is."""
        rows = {row.id: _code(form[f"{item.id}_{row.id}"].data, item) for row in item.rows}
        answered = {row: code for row, code in rows.items() if code is not None}
        return answered or None

    def problems(self, form: Form, item: Item, value: Any, lang: str) -> list[Problem]:
        """Per row: a value that is not a code; when required, a row left blank."""
        found: list[Problem] = []
        for row in item.rows:
            name = f"{item.id}_{row.id}"
            if value is not None and row.id in value:
                continue
            if clean(form[name].data):
                found.append((name, message("select_listed", lang)))
            elif item.required:
                found.append((name, message("select_row", lang, row=row.text.get(lang))))
        return found


class TextKind(OneFieldKind):
    """One line of text (`text`) or several (`textarea`)."""

    def __init__(self, field_class: type = StringField):
        self.field_class = field_class

    def fields(self, item: Item, lang: str) -> list[tuple[str, UnboundField]]:
        """One text input named by the item id."""
        return [(item.id, self.field_class(item.text.get(lang)))]

    def read(self, form: Form, item: Item) -> str | None:
        """The text trimmed and Windows line ends made plain; empty is None.

        Control characters (a NUL no database keeps) are refused with a message in
        `problems`, so the respondent sees what was not accepted rather than losing it.
        """
        raw = form[item.id].data
        text = str(raw or "").replace("\r\n", "\n").strip()
        return text or None

    def problems(self, form: Form, item: Item, value: Any, lang: str) -> list[Problem]:
        """Required and max_length."""
        if value is None:
            return (
                [(item.id, message("enter_text", lang, question=question_name(item, lang)))]
                if item.required
                else []
            )
        if _CONTROL.search(value):  # a NUL byte cannot even be stored
            return [(item.id, message("control_character", lang))]
        if item.max_length is not None and len(value) > item.max_length:
            return [(item.id, message("too_long", lang, max=item.max_length))]
        return []


def _too_many_digits(text: str) -> bool:
    """Whether a typed number has more whole-number digits than the database keeps."""
    whole = text.lstrip("+-").split(".")[0].lstrip("0")
    return len(whole) > MAX_DIGITS


class NumberKind(OneFieldKind):
    """A whole number (`integer`) or a decimal number (`decimal`), with min/max."""

    def __init__(self, *, whole: bool):
        self.whole = whole

    def fields(self, item: Item, lang: str) -> list[tuple[str, UnboundField]]:
        """One text input named by the item id (typed text kept as given)."""
        return [(item.id, StringField(item.text.get(lang)))]

    def read(self, form: Form, item: Item) -> int | Decimal | None:
        """The number typed (full-width digits accepted); None when empty or not a number."""
        text = clean(form[item.id].data)
        if _too_many_digits(text):
            return None
        if self.whole:
            return int(text) if _INTEGER.fullmatch(text) else None
        if not _DECIMAL.fullmatch(text):
            return None
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return None

    def problems(self, form: Form, item: Item, value: Any, lang: str) -> list[Problem]:
        """Required, not a (whole) number, and min/max."""
        if value is None:
            text = clean(form[item.id].data)
            if _too_many_digits(text) and (_DECIMAL.fullmatch(text) or _INTEGER.fullmatch(text)):
                return [(item.id, message("number_size", lang, digits=MAX_DIGITS))]
            if text:
                key = "whole_number" if self.whole else "enter_number"
                return [(item.id, message(key, lang, question=question_name(item, lang)))]
            if not item.required:
                return []
            return [(item.id, message("enter_number", lang, question=question_name(item, lang)))]
        problem = range_problem(value, item, lang)
        return [(item.id, problem)] if problem else []


class DateKind(Kind):
    """Three inputs `{id}-day`, `{id}-month`, `{id}-year` making one date."""

    def names(self, item: Item) -> list[str]:
        """`{id}-day`, `{id}-month`, `{id}-year`."""
        return [f"{item.id}-{part}" for part in _DATE_PARTS]

    def fields(self, item: Item, lang: str) -> list[tuple[str, UnboundField]]:
        """Day, month and year inputs."""
        names = self.names(item)
        labels = (message(part, lang).capitalize() for part in _DATE_PARTS)
        return [(name, StringField(label)) for name, label in zip(names, labels, strict=True)]

    def prefill(self, item: Item, answer: Any) -> dict[str, Any]:
        """The stored date split into day, month and year."""
        return {
            f"{item.id}-day": str(answer.day),
            f"{item.id}-month": str(answer.month),
            f"{item.id}-year": str(answer.year),
        }

    def _parts(self, form: Form, item: Item) -> dict[str, str]:
        return {part: clean(form[f"{item.id}-{part}"].data) for part in _DATE_PARTS}

    def read(self, form: Form, item: Item) -> datetime.date | None:
        """The date, when all three parts make a real date with a 4-digit year."""
        parts = self._parts(form, item)
        if not all(_DIGITS.fullmatch(text) for text in parts.values()) or len(parts["year"]) != 4:
            return None
        try:
            return datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            return None

    def problems(self, form: Form, item: Item, value: Any, lang: str) -> list[Problem]:
        """Required, missing parts, a year without 4 digits, and dates that do not exist."""
        if value is not None:
            return []
        parts = self._parts(form, item)
        if not any(parts.values()):
            if not item.required:
                return []
            flag_invalid(form, self.names(item))
            return [
                (f"{item.id}-day", message("enter_date", lang, question=question_name(item, lang)))
            ]
        missing = [part for part, text in parts.items() if not text]
        if missing:
            flag_invalid(form, (f"{item.id}-{part}" for part in missing))
            names = message("and", lang).join(message(part, lang) for part in missing)
            return [(f"{item.id}-{missing[0]}", message("date_missing", lang, parts=names))]
        if all(_DIGITS.fullmatch(text) for text in parts.values()) and len(parts["year"]) != 4:
            flag_invalid(form, [f"{item.id}-year"])
            return [(f"{item.id}-year", message("date_year", lang))]
        flag_invalid(form, self.names(item))
        return [(f"{item.id}-day", message("date_real", lang))]


def flag_invalid(form: Form, names: Iterable[str]) -> None:
    """Mark inputs to be drawn in the error style (an item's message sits on one field only)."""
    for name in names:
        form[name].flags.invalid = True


KINDS: Mapping[str, Kind] = {
    "single": SingleKind(),
    "multiple": MultipleKind(),
    "grid": GridKind(),
    "text": TextKind(StringField),
    "textarea": TextKind(TextAreaField),
    "integer": NumberKind(whole=True),
    "decimal": NumberKind(whole=False),
    "date": DateKind(),
    "note": Kind(),
}
"""Item type -> how it appears in the web form."""
