"""A numbered plain-text outline of an instrument, for `fieldwork show` and reviewers.

Section 1. Your use of online services  [online_use]

  Q1. In the past 12 months, have you used any online services?  [used_online: single]
      1 = Yes, 2 = No
  Q2. Which of these have you used?  [services: multiple]
      Answer this if you answered 'Yes' to Q1

Routing lines read as the web page words them (`forms.describe.answer_if`), in the
outline's language wherever the catalogues translate them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

from forms import i18n
from forms.describe import InstrumentDescriber, answer_if, describe
from forms.expressions import Expression
from forms.model import ChoiceList, Instrument, Item, Score, Section, Text
from forms.words import SECTION_IF

WIDTH = 100
INDENT = " " * 8


def render_outline(instrument: Instrument, lang: str | None = None) -> str:
    """The whole instrument as numbered plain text, in `lang` (default: the first language)."""
    return "\n".join(_Outline(instrument, lang or instrument.default_language).lines()) + "\n"


class _Outline:
    """Renders one instrument in one language."""

    def __init__(self, instrument: Instrument, lang: str) -> None:
        self.instrument = instrument
        self.lang = lang
        self.numbers = instrument.question_numbers()
        self.describer = InstrumentDescriber(instrument, lang)

    def lines(self) -> Iterator[str]:
        """Every line of the outline."""
        yield from self.header()
        for number, section in enumerate(self.instrument.sections, start=1):
            yield ""
            yield from self.section(number, section)
        if self.instrument.scores:
            yield ""
            yield "Scores (computed for export, never asked)"
            for score in self.instrument.scores:
                yield from self.score(score)

    def header(self) -> Iterator[str]:
        """Title, version, languages and size."""
        ins = self.instrument
        questions = sum(1 for _ in ins.iter_questions())
        yield f"{ins.id} v{ins.version}: {self.text(ins.title)}"
        yield (
            f"audience {ins.audience}; languages {', '.join(ins.languages)} (shown: {self.lang}); "
            f"{questions} questions in {len(ins.sections)} sections; hash {ins.content_hash[:12]}"
        )

    def section(self, number: int, section: Section) -> Iterator[str]:
        """A section heading, its routing and its items."""
        yield f"Section {number}. {self.text(section.title)}  [{section.id}]"
        if section.show_if is not None:
            condition = describe(section.show_if, self.describer, self.lang)
            yield from self.wrap(i18n.text(self.lang, SECTION_IF, condition=condition), "  ")
        for item in section.items:
            yield from self.item(item)

    def item(self, item: Item) -> Iterator[str]:
        """One question (numbered) or note: a heading line, then its text and details."""
        label = self.numbers[item.id] if item.is_question else "Note"
        yield f"  {label:<5} {self.details(item)}"
        yield from self.wrap(self.text(item.text))
        if item.help is not None:
            yield from self.wrap(f"Help: {self.text(item.help)}")
        if item.show_if is not None:  # as the web page says it, in the outline's language
            yield from self.wrap(answer_if(item.show_if, self.describer, self.lang))
        for row in item.rows:
            yield from self.wrap(f"row {row.id}: {self.text(row.text)}")
        if item.choices is not None:
            yield from self.choices(item.choices, item.exclusive)
        if item.constraint is not None:
            message = f" ({self.text(item.constraint_message)})" if item.constraint_message else ""
            yield from self.wrap(f"Must hold: {self.words(item.constraint)}{message}")

    def details(self, item: Item) -> str:
        """`id: type` and the item's options, for the bracket after its text."""
        parts = [f"{item.id}: {item.type}"]
        if item.min is not None or item.max is not None:
            low = "" if item.min is None else item.min
            high = "" if item.max is None else item.max
            unit = f" {self.text(item.unit)}" if item.unit else ""
            parts.append(f"{low} to {high}{unit}".strip())
        if item.max_length:
            parts.append(f"at most {item.max_length} characters")
        flags = {
            "required": item.required,
            "web only": not item.paper,
            "paper only": not item.web,
            "identifying": item.identifying,
        }
        parts.extend(name for name, on in flags.items() if on)
        return ", ".join(parts)

    def choices(self, choices: ChoiceList, exclusive: frozenset[int]) -> Iterator[str]:
        """`1 = Yes, 2 = No` on one line if it fits, else one choice a line."""
        shown = []
        for choice in choices.choices:
            marks = [
                mark
                for mark, on in (
                    ("missing", choice.code in choices.missing),
                    ("exclusive", choice.code in exclusive),
                )
                if on
            ]
            suffix = f" ({', '.join(marks)})" if marks else ""
            shown.append(f"{choice.code} = {self.text(choice.label)}{suffix}")
        line = INDENT + ", ".join(shown)
        if len(line) <= WIDTH:
            yield line
        else:
            for text in shown:
                yield from self.wrap(text)

    def score(self, score: Score) -> Iterator[str]:
        """A score: its label and formula."""
        yield f"  {score.id}"
        yield from self.wrap(self.text(score.label))
        yield from self.wrap(f"= {self.words(score.expr)}")
        if score.valid_if is not None:
            yield from self.wrap(f"Missing unless {self.words(score.valid_if)}")

    def words(self, expr: Expression) -> str:
        """An expression in words, with question numbers and choice labels, in the outline's
        language wherever the catalogues translate the phrases (as `answer_if` does)."""
        return describe(expr, self.describer, self.lang)

    def text(self, text: Text | None) -> str:
        """A text in the outline's language, on one line, without bold marks."""
        if text is None:
            return ""
        return " ".join(text.get(self.lang).replace("**", "").split())

    def wrap(self, line: str, indent: str = INDENT) -> Iterator[str]:
        """`line` wrapped to the outline's width, continuation lines indented further."""
        yield from textwrap.wrap(
            line, WIDTH, initial_indent=indent, subsequent_indent=indent + "  "
        ) or [indent.rstrip()]
