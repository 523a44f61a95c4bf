"""The consent block: the statement a respondent agrees to before the first question.

```yaml
consent:
  version: "1.2"              # the statement's own version, recorded with each response
  statement: {en: "…"}        # what taking part means (markdown-light, every language)
  choices:
    - id: take_part
      text: {en: I agree to take part in this survey}
      required: true          # without it the survey does not start
    - id: future_research     # optional: recorded and exported as consent_future_research
      text: {en: I agree that my answers may be used in future research}
```

Every choice needs an id and a text in every language; at least one is required. Ids
are at most 24 characters, so the export variable `consent_{id}` fits in 32.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forms.model import Text
from forms.schema import Collector, Fields, check_id, shown
from forms.yaml_lines import LineDict

KEYS = ("version", "statement", "choices")
CHOICE_KEYS = ("id", "text", "required")
OWNER = "the consent block"
MAX_ID = 24
TAKEN = ("version", "how")  # consent_version and consent_how are the block's own variables
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,15}")


@dataclass(frozen=True)
class ConsentChoice:
    """One box to tick: `required` ones must all be ticked for the survey to start."""

    id: str
    text: Text
    required: bool = False


@dataclass(frozen=True)
class Consent:
    """A versioned consent statement and its choices."""

    version: str
    statement: Text
    choices: tuple[ConsentChoice, ...]

    @property
    def extras(self) -> tuple[ConsentChoice, ...]:
        """The optional consents (recorded and exported one by one)."""
        return tuple(choice for choice in self.choices if not choice.required)


def read_consent(top: Fields) -> Consent | None:
    """The instrument's consent block, or None (absent, or wrong: then reported)."""
    data = top.mapping(
        "consent", "a mapping with 'version', 'statement' and 'choices' (see the format docs)"
    )
    if data is None:
        return None
    col = top.col
    fields = Fields(col, data, OWNER)
    fields.check_keys(KEYS, KEYS)
    version = _read_version(fields)
    statement = fields.text("statement")
    choices = _read_choices(col, fields)
    if version is None or statement is None or choices is None:
        return None
    return Consent(version, statement, choices)


def _read_version(fields: Fields) -> str | None:
    """The statement's version as written (`1`, `1.2`, `2026-03`), at most 16 characters."""
    value = fields.get("version")
    if value is None:
        return None
    raw = fields.data.raw.get("version")
    text = raw if isinstance(value, int | float) and raw else value
    if isinstance(value, bool) or not isinstance(text, str) or not VERSION.fullmatch(text):
        fields.wrong("version", 'a version such as 1 or "1.2" (letters, digits, . - _)')
        return None
    return text


def _read_choices(col: Collector, fields: Fields) -> tuple[ConsentChoice, ...] | None:
    """The choices, each with an id and a text; at least one required."""
    items = fields.sequence("choices", "a list of choices, each starting with '- id:'")
    if items is None:
        return None
    found: list[ConsentChoice] = []
    seen: dict[str, int] = {}
    broken = False
    for index, value in enumerate(items):
        line = items.line_of(index)
        if not isinstance(value, LineDict):
            col.add(line, f"consent choice {index + 1} must be a mapping with id and text, "
                    f"not {shown(value)}")  # fmt: skip
            broken = True
            continue
        choice = _read_choice(col, value, index + 1, seen)
        broken = broken or choice is None
        if choice is not None:
            found.append(choice)
    if not items:
        col.add(items.line, f"{OWNER} has no choices")
    elif not broken and not any(choice.required for choice in found):
        col.add(
            items.line,
            f"{OWNER} has no required choice; mark the one that means taking part "
            "(such as 'I agree to take part') with 'required: true'",
        )
    return None if broken or not found else tuple(found)


def _read_choice(
    col: Collector, data: LineDict, number: int, seen: dict[str, int]
) -> ConsentChoice | None:
    raw_id = data.get("id")
    owner = f"consent choice '{raw_id}'" if isinstance(raw_id, str) else f"consent choice {number}"
    fields = Fields(col, data, owner)
    fields.check_keys(CHOICE_KEYS, ("id", "text"))
    line = fields.line_of("id")
    before = len(col.problems)
    choice_id = check_id(col, raw_id, line, "consent choice") if raw_id is not None else None
    ok = choice_id is not None and len(col.problems) == before
    if choice_id and len(choice_id) > MAX_ID:
        col.add(line, f"{owner}: the id has {len(choice_id)} characters, but at most "
                f"{MAX_ID} fit the export variable 'consent_{{id}}' (32 at most)")  # fmt: skip
        ok = False
    if choice_id in TAKEN:
        col.add(
            line,
            f"{owner}: the id would give the export variable 'consent_{choice_id}', "
            "which holds the statement's version or how consent was given; rename it",
        )
        ok = False
    elif choice_id in seen:
        col.add(line, f"consent choice id '{choice_id}' is used twice (first on line "
                f"{seen[choice_id]})")  # fmt: skip
        ok = False
    elif choice_id:
        seen[choice_id] = line
    text = fields.text("text")
    required = fields.boolean("required")
    if not ok or text is None:
        return None
    return ConsentChoice(choice_id, text, required)
