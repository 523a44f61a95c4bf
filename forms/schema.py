"""Reading typed values out of line-aware YAML mappings, collecting author-facing problems.

`Fields` wraps one mapping of the file (the top level, a section, an item…) with the
name of its owner for messages, so every check reads like
`item 'age': 'min' must be a number, not 'ten'` and points at the offending line.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from forms.errors import Problem
from forms.model import Text
from forms.yaml_lines import LineDict, LineList

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
TRUE_WORDS = {"yes": True, "no": False, "on": True, "off": False}
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


class Collector:
    """The problems found in one file, and what every check needs to know about it."""

    def __init__(self, filename: str) -> None:
        self.file = filename
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] | None = None  # None until known to be valid
        self.format_keys: frozenset[str] = frozenset()  # every key the format has, for hints

    def add(self, line: int, message: str) -> None:
        """Record a problem at `line`."""
        self.problems.append(Problem(self.file, max(line, 1), message))


def shown(value: Any) -> str:
    """A value as an author would recognise it in a message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"'{text}'"
    return str(value)


def did_you_mean(word: Any, options: Iterable[str]) -> str:
    """`; did you mean 'x'?` for the closest option, or an empty string."""
    matches = difflib.get_close_matches(str(word).lower(), list(options), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def listed(values: Iterable[Any]) -> str:
    """Values joined for a message: `a, b, c`."""
    return ", ".join(str(v) for v in values) or "none"


def a_or_an(word: str) -> str:
    """`a single`, `an integer`."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def spoken(values: Iterable[Any]) -> str:
    """Values joined as in a sentence: `a, b and c`."""
    words = [str(v) for v in values]
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def is_whole(value: Any) -> bool:
    """True for an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """True for a finite int or float that is not a bool."""
    if isinstance(value, float):
        return math.isfinite(value)
    return is_whole(value)


class Fields:
    """One mapping of the file, read key by key with type checks."""

    def __init__(self, col: Collector, data: LineDict, owner: str, top: bool = False) -> None:
        self.col = col
        self.data = data
        self.owner = owner
        self.top = top  # top-level keys are named alone: 'version' must be…

    def subject(self, key: str) -> str:
        """How messages name `key`: `item 'x': 'min'`, or just `'version'` at the top level."""
        return f"'{key}'" if self.top else f"{self.owner}: '{key}'"

    @property
    def line(self) -> int:
        """The line where the mapping starts."""
        return self.data.line

    def line_of(self, key: str) -> int:
        """The line of the value of `key` (or of the mapping when it is absent)."""
        return self.data.line_of(key)

    def only(self, keys: Iterable[str]) -> Fields:
        """The same mapping without the keys not in `keys` (already reported as misplaced)."""
        keep = set(keys)
        data = LineDict(self.data.line)
        for key, value in self.data.items():
            if key in keep:
                data[key] = value
                data.key_lines[key] = self.data.key_lines.get(key, self.data.line)
                data.value_lines[key] = self.data.line_of(key)
                if key in self.data.raw:
                    data.raw[key] = self.data.raw[key]
        return Fields(self.col, data, self.owner, self.top)

    def get(self, key: str) -> Any:
        """The value of `key`, or None."""
        return self.data.get(key)

    def has(self, key: str) -> bool:
        """True if `key` is given (even with an empty value)."""
        return key in self.data

    def wrong(self, key: str, expected: str) -> None:
        """Report that `key` holds the wrong kind of value."""
        value = self.data.get(key)
        self.col.add(
            self.line_of(key), f"{self.subject(key)} must be {expected}, not {shown(value)}"
        )

    def check_keys(
        self,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        misplaced: Mapping[str, str] | None = None,
    ) -> None:
        """Report unknown, misplaced, repeated and missing keys."""
        allowed = tuple(allowed)
        misplaced = misplaced or {}
        for key in self.data:
            line = self.data.key_lines.get(key, self.line)
            if key in misplaced:
                self.col.add(line, f"{self.subject(key)} {misplaced[key]}")
            elif key not in allowed:
                hint = did_you_mean(key, allowed) or f" (allowed: {listed(allowed)})"
                self.col.add(line, f"{self.owner} has unknown key {shown(key)}{hint}")
        for key, line, first in self.data.duplicates:
            self.col.add(line, f"{self.owner} has {shown(key)} twice (first on line {first})")
        for key in required:
            if key not in self.data:
                self.col.add(self.line, f"{self.owner} has no '{key}'")
            elif self.data[key] is None:
                self.col.add(self.line_of(key), f"{self.subject(key)} is empty")

    def string(self, key: str, expected: str = "a text") -> str | None:
        """A non-empty string value, or None (reported if present but wrong)."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.wrong(key, expected)
            return None
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        """A true/false value (yes/no also accepted); `default` when absent or wrong."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in TRUE_WORDS:
            return TRUE_WORDS[value.lower()]
        self.wrong(key, "true or false")
        return default

    def whole(self, key: str, minimum: int = 1) -> int | None:
        """A whole number of at least `minimum`, or None."""
        value = self.data.get(key)
        if value is None:
            return None
        if not is_whole(value) or value < minimum:
            self.wrong(key, f"a whole number of at least {minimum}")
            return None
        return value

    def number(self, key: str, whole: bool) -> int | float | None:
        """A number (a whole number if `whole`), or None."""
        value = self.data.get(key)
        if value is None:
            return None
        if whole and not is_whole(value):
            self.wrong(key, "a whole number")
            return None
        if not is_number(value):
            self.wrong(key, "a number")
            return None
        return value

    def text(self, key: str) -> Text | None:
        """A text in every language, or None (absent or empty keys are reported by check_keys)."""
        value = self.data.get(key)
        if value is None:
            return None
        raw = self.data.raw.get(key)
        return read_text(self.col, value, raw, self.line_of(key), self.subject(key))

    def mapping(self, key: str, expected: str) -> LineDict | None:
        """A mapping value, or None."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, LineDict):
            self.wrong(key, expected)
            return None
        return value

    def sequence(self, key: str, expected: str) -> LineList | None:
        """A list value, or None."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, LineList):
            self.wrong(key, expected)
            return None
        return value


def read_text(col: Collector, value: Any, raw: str | None, line: int, what: str) -> Text | None:
    """A text: a plain string (one language only) or a mapping language -> string."""
    languages = col.languages
    if isinstance(value, LineDict):
        return _text_mapping(col, value, what)
    plain = _plain(value, raw)
    if plain is None:
        col.add(line, f"{what} must be a text or a mapping of language: text, not {shown(value)}")
        return None
    if languages is not None and len(languages) > 1:
        example = ", ".join(f'{lang}: "…"' for lang in languages)
        col.add(
            line,
            f"{what} is a plain text, but the instrument has {len(languages)} languages; "
            f"give one text per language, e.g. {{{example}}}",
        )
        return None
    _check_markup(col, plain, line, what)
    return Text({languages[0] if languages else "": plain})


def _plain(value: Any, raw: str | None) -> str | None:
    """A scalar as text: numbers and true/false keep the spelling they had in the file."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool | int | float) and raw is not None:
        return raw
    return None


def _text_mapping(col: Collector, value: LineDict, what: str) -> Text | None:
    languages = col.languages
    texts: dict[str, str] = {}
    for key, item in value.items():
        line = value.line_of(key)
        if item is None and isinstance(key, str) and not _is_language(key, languages):
            _comma_hint(col, value, key, line, what)
        elif languages is not None and key not in languages:
            hint = did_you_mean(key, languages)
            if key in col.format_keys:
                hint += f"; '{key}:' is a key, not a language: is it indented too far?"
            col.add(
                line,
                f"{what} uses language {shown(key)}, which is not in 'languages' "
                f"({listed(languages)}){hint}",
            )
        elif (plain := _plain(item, value.raw.get(key))) is None:
            col.add(line, f"{what} for {shown(key)} must be a non-empty text, not {shown(item)}")
        else:
            _check_markup(col, plain, line, what)
            texts[str(key)] = plain
    for key, line, _first in value.duplicates:
        col.add(line, f"{what} gives {shown(key)} twice")
    for lang in languages or ():
        if lang not in value:
            col.add(value.line, f"{what} has no '{lang}' translation")
    if languages is not None and len(texts) != len(languages):
        return None
    return Text({lang: texts[lang] for lang in languages} if languages else texts)


def _is_language(key: str, languages: tuple[str, ...] | None) -> bool:
    if languages is not None:
        return key in languages
    return bool(LANGUAGE_PATTERN.fullmatch(key))


def _comma_hint(col: Collector, value: LineDict, key: str, line: int, what: str) -> None:
    """`{en: Yes, I do}` reads as {en: 'Yes', 'I do': null}: say that the comma cut the text."""
    keys = list(value)
    before = keys[keys.index(key) - 1] if keys.index(key) > 0 else None
    whole = f"{value[before]}, {key}" if before is not None else key
    col.add(
        line,
        f"{what} has {shown(key)} where a language should be: in {{…}} flow style a text "
        f'holding a comma must be quoted, e.g. {{{before or "en"}: "{whole}"}}',
    )


def _check_markup(col: Collector, text: str, line: int, what: str) -> None:
    """Texts are markdown-light: **bold** and line breaks only."""
    tag = _HTML_TAG.search(text)
    if tag:
        col.add(
            line,
            f"{what} holds the HTML tag {shown(tag.group())}; texts may only use "
            "**bold** and line breaks",
        )
    elif text.count("**") % 2:
        col.add(line, f"{what} has an unclosed '**' (bold is written **like this**)")


def check_id(col: Collector, value: Any, line: int, what: str) -> str | None:
    """An id (`[a-z][a-z0-9_]*`), reported when invalid; returned as text either way."""
    if not isinstance(value, str) or not value:
        col.add(line, f"{what} id must be a word such as 'used_online', not {shown(value)}")
        return None if value is None else str(value)
    if not ID_PATTERN.fullmatch(value):
        suggestion = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_")
        hint = f"; e.g. '{suggestion}'" if ID_PATTERN.fullmatch(suggestion) else ""
        col.add(
            line,
            f"{what} id {shown(value)} is not valid: ids start with a lowercase "
            f"letter and hold only lowercase letters, digits and _{hint}",
        )
    return value
