"""Answers in words, for check-your-answers pages and case listings.

Dates and numbers are written the way the language writes them (CLDR, through Babel):
`15 marca 1984`, `1,5` in Polish.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from forms import i18n
from forms.model import Item
from forms.words import NOT_ANSWERED


def answer_lines(item: Item, value: Any, lang: str | None = None) -> list[str]:
    """An answer as lines of text (empty when there is no answer)."""
    if value is None:
        return []
    choices = item.choices
    if item.type == "single" and choices is not None:
        return [choices.label(value, lang) or str(value)]
    if item.type == "multiple" and choices is not None:
        return [choice.label.get(lang) for choice in choices.choices if choice.code in value]
    if item.type == "grid" and choices is not None:
        return _grid_lines(item, value, lang)
    if isinstance(value, date):
        return [i18n.format_date(value, lang)]
    if item.type in ("integer", "decimal"):
        unit = f" {item.unit.get(lang)}" if item.unit else ""
        return [f"{i18n.format_number(value, lang, grouping=False)}{unit}"]
    return [str(value)]


def _grid_lines(item: Item, value: dict, lang: str | None) -> list[str]:
    """A line per row, `Row: answer`; a row left blank says so when others are answered
    (a grid with no row answered has no lines: the page says the question was not answered)."""
    assert item.choices is not None
    if all(value.get(row.id) is None for row in item.rows):
        return []
    blank = i18n.text(lang, NOT_ANSWERED)
    lines = []
    for row in item.rows:
        code = value.get(row.id)
        answer = blank if code is None else item.choices.label(code, lang) or str(code)
        lines.append(f"{row.text.get(lang)}: {answer}")
    return lines
