"""The instrument model: typed, immutable objects built from a YAML file.

Objects here are plain frozen dataclasses. They are built by `forms.loader` after
validation, so code that receives an `Instrument` may trust it completely.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forms.consent import Consent
    from forms.expressions import Expression

ITEM_TYPES = (
    "single",
    "multiple",
    "grid",
    "text",
    "textarea",
    "integer",
    "decimal",
    "date",
    "note",
)
CHOICE_TYPES = ("single", "multiple", "grid")


@dataclass(frozen=True)
class Text:
    """A text given in every language of its instrument (first language is the default)."""

    values: Mapping[str, str]

    def get(self, lang: str | None = None) -> str:
        """The text in `lang`, falling back to the instrument's default language."""
        if lang is not None and lang in self.values:
            return self.values[lang]
        return next(iter(self.values.values()), "")

    __call__ = get

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class Choice:
    """One answer option: an integer code and its label."""

    code: int
    label: Text


@dataclass(frozen=True)
class ChoiceList:
    """An ordered set of choices; `missing` codes are user-missing (e.g. Don't know)."""

    name: str | None
    choices: tuple[Choice, ...]
    missing: frozenset[int] = frozenset()

    @cached_property  # frozen: computed once (cached_property writes the instance __dict__)
    def codes(self) -> tuple[int, ...]:
        """The codes in display order."""
        return tuple(c.code for c in self.choices)

    def label(self, code: int, lang: str | None = None) -> str | None:
        """The label of `code`, or None if the list has no such code."""
        for choice in self.choices:
            if choice.code == code:
                return choice.label.get(lang)
        return None


@dataclass(frozen=True)
class Row:
    """One row of a grid item."""

    id: str
    text: Text


@dataclass(frozen=True)
class Item:
    """One question (or note) in a section."""

    id: str
    type: str
    text: Text
    line: int = 0
    section: str = ""
    help: Text | None = None
    choices: ChoiceList | None = None
    rows: tuple[Row, ...] = ()
    required: bool = False
    show_if: Expression | None = None
    constraint: Expression | None = None
    constraint_message: Text | None = None
    min: int | float | None = None
    max: int | float | None = None
    max_length: int | None = None
    exclusive: frozenset[int] = frozenset()
    unit: Text | None = None
    lines: int | None = None
    web: bool = True
    paper: bool = True
    identifying: bool = False
    signposting: Text | None = None  # help shown beside a sensitive question

    @cached_property  # asked of every item on every page: a plain attribute after once
    def is_question(self) -> bool:
        """True for items that take an answer (everything but notes)."""
        return self.type != "note"


@dataclass(frozen=True)
class Section:
    """An ordered group of items: one page online, one heading on paper."""

    id: str
    title: Text
    items: tuple[Item, ...]
    line: int = 0
    intro: Text | None = None
    show_if: Expression | None = None


@dataclass(frozen=True)
class Score:
    """A derived variable computed for export, never asked."""

    id: str
    label: Text
    expr: Expression
    line: int = 0
    valid_if: Expression | None = None


@dataclass(frozen=True)
class Attribute:
    """A sampling attribute of interview volunteers: a choice item, a grid row or a
    number (item or score) cut into `bands`."""

    id: str  # an item id, `grid.row`, or a score id
    label: str  # how staff pages name it
    choices: ChoiceList | None = None
    bands: tuple[int | float, ...] = ()


@dataclass(frozen=True)
class Volunteers:
    """Who offered an interview (`agree`) and what a purposive sample is drawn by."""

    agree: Expression
    attributes: tuple[Attribute, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Instrument:
    """A whole questionnaire at one version."""

    id: str
    version: int
    title: Text
    languages: tuple[str, ...]
    audience: str
    intro: Text
    outro: Text
    sections: tuple[Section, ...]
    choice_lists: Mapping[str, ChoiceList] = field(default_factory=lambda: MappingProxyType({}))
    scores: tuple[Score, ...] = ()
    signposting: Text | None = None
    privacy_notice: str | None = None  # a link (https://…)
    contact_email: str | None = None
    contact_phone: str | None = None
    consent: Consent | None = None  # agreed before the first question (forms.consent)
    volunteers: Volunteers | None = None
    content_hash: str = ""
    source: str = ""

    @property
    def default_language(self) -> str:
        """The first declared language."""
        return self.languages[0]

    # Derived views are computed once per instrument (cached_property writes the instance
    # __dict__, which a frozen dataclass allows): respondent pages ask for them often.
    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Every item in instrument order."""
        return tuple(item for section in self.sections for item in section.items)

    def iter_questions(self) -> Iterator[Item]:
        """Items that take an answer, in order."""
        return (item for item in self.items if item.is_question)

    def item(self, item_id: str) -> Item:
        """The item called `item_id` (KeyError if there is none)."""
        return self.items_by_id[item_id]

    @cached_property
    def items_by_id(self) -> Mapping[str, Item]:
        """Every item by its id (worked out once)."""
        return MappingProxyType({item.id: item for item in self.items})

    def section_of(self, item_id: str) -> Section:
        """The section holding `item_id`."""
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(item_id)

    @cached_property
    def missing_codes(self) -> Mapping[str, frozenset[int]]:
        """User-missing codes per reference name (item id, or `grid.row`)."""
        result: dict[str, frozenset[int]] = {}
        for item in self.iter_questions():
            if item.choices is None or not item.choices.missing:
                continue
            result[item.id] = item.choices.missing
            for row in item.rows:
                result[f"{item.id}.{row.id}"] = item.choices.missing
        return MappingProxyType(result)

    def question_numbers(self) -> Mapping[str, str]:
        """Question numbers `Q1`, `Q2`… for every question, in order (notes have none)."""
        return self._question_numbers

    @cached_property
    def _question_numbers(self) -> Mapping[str, str]:
        return MappingProxyType(
            {item.id: f"Q{n}" for n, item in enumerate(self.iter_questions(), start=1)}
        )


Answers = Mapping[str, Any]
"""Answers keyed by item id.

single/integer: int; decimal: Decimal; text/textarea: str; date: datetime.date;
multiple: a frozenset (or any collection) of ticked codes; grid: a mapping row id -> code.
An absent key, or None, means no value.
"""
