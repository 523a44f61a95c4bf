"""Interview volunteers: the instrument's `volunteers:` declaration, read and applied.

```yaml
volunteers:
  agree: "interview == 1"                    # who offered to be contacted
  attributes:                                # what a purposive sample is drawn by
    - age_band                               # a single-choice item
    - conf.app                               # a grid row
    - {id: conf_score, bands: [2, 3], label: Confidence}   # a number, cut into bands
```

Reading collects every problem with its line, like the rest of validation; applying
(`volunteer_profile`) turns one response's answers into "agreed?" and one level per
attribute. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from forms.checks import Site
from forms.items import Draft, read_expression
from forms.model import Attribute, Instrument, Item, Volunteers
from forms.routing import routed_answers
from forms.schema import Fields, did_you_mean, is_number, shown
from forms.yaml_lines import LineDict, LineList

KEYS = ("agree", "attributes")
ATTRIBUTE_KEYS = ("id", "bands", "label")
NUMBER_TYPES = ("integer", "decimal")
OWNER = "volunteers"


def read_volunteers(top: Fields, draft: Draft) -> Volunteers | None:
    """The `volunteers:` block (None when absent or wrong; problems are collected)."""
    data = top.get("volunteers")
    if data is None:
        return None
    if not isinstance(data, LineDict):
        top.wrong("volunteers", "a mapping with 'agree:' and 'attributes:'")
        return None
    fields = Fields(draft.col, data, OWNER)
    fields.check_keys(KEYS, ("agree",))
    site = Site(OWNER, "score", len(draft.score_ids))
    agree = read_expression(draft, fields, "agree", site)
    secret = sorted(n for n in _names([agree]) if n in {i.id for i in draft.items if i.identifying})
    if secret:
        draft.col.add(
            fields.line_of("agree"),
            f"agree of {OWNER} uses identifying item '{secret[0]}', which is stored apart and "
            "encrypted; ask a question such as 'interview' and use it instead",
        )
        agree = None
    attributes = _read_attributes(fields, draft)
    if agree is None or attributes is None:
        return None
    return Volunteers(agree=agree, attributes=attributes, line=data.line)


def _read_attributes(fields: Fields, draft: Draft) -> tuple[Attribute, ...] | None:
    raw = fields.get("attributes")
    if raw is None:
        return ()
    if not isinstance(raw, LineList):
        fields.wrong("attributes", "a list of item or score ids, e.g. [age_band, gender]")
        return None
    found: list[Attribute] = []
    seen: dict[str, int] = {}
    good = True
    for index, entry in enumerate(raw):
        line = raw.line_of(index)
        attribute = _read_attribute(draft, entry, line)
        if attribute is None:
            good = False
            continue
        if attribute.id in seen:
            draft.col.add(
                line, f"{OWNER}: attribute '{attribute.id}' is listed twice "
                f"(first on line {seen[attribute.id]})",
            )  # fmt: skip
            good = False
            continue
        seen[attribute.id] = line
        found.append(attribute)
    return tuple(found) if good else None


def _read_attribute(draft: Draft, entry: Any, line: int) -> Attribute | None:
    """One entry of `attributes`: an id, or a mapping {id, bands, label}."""
    bands: tuple[int | float, ...] = ()
    label = None
    if isinstance(entry, LineDict):
        fields = Fields(draft.col, entry, f"{OWNER} attribute {shown(entry.get('id'))}")
        fields.check_keys(ATTRIBUTE_KEYS, ("id",))
        raw_bands = entry.get("bands")
        if raw_bands is not None:
            bands = _read_bands(fields, raw_bands)
            if bands is None:
                return None
        label = fields.string("label", "a short name for staff pages")
        entry, line = entry.get("id"), fields.line_of("id")
    if not isinstance(entry, str) or not entry:
        draft.col.add(
            line, f"{OWNER}: an attribute must be an item or score id, not {shown(entry)}"
        )
        return None
    return _resolve(draft, entry, line, bands, label or _humane(entry))


def _read_bands(fields: Fields, raw: Any) -> tuple[int | float, ...] | None:
    if (
        not isinstance(raw, LineList)
        or not raw
        or not all(is_number(v) for v in raw)
        or list(raw) != sorted(set(raw))
    ):
        fields.wrong("bands", "a list of rising numbers where bands start, e.g. [2, 3]")
        return None
    return tuple(raw)


def _resolve(draft: Draft, ref: str, line: int, bands: tuple, label: str) -> Attribute | None:
    """The attribute `ref` names, checked against the items and scores read so far."""
    col = draft.col
    items = {item.id: item for item in draft.items if item.id}
    scores = {score_id for score_id, _line in draft.score_ids}
    base, _, row = ref.partition(".")
    where = f"{OWNER}: attribute '{ref}'"
    if base in scores and not row:
        if not bands:
            col.add(line, f"{where} is a score (a number): give its bands, e.g. "
                          f"{{id: {ref}, bands: [2, 3]}}")  # fmt: skip
            return None
        return Attribute(ref, label, bands=bands)
    item = items.get(base)
    if item is None:
        col.add(line, f"{where} is not an item or score{did_you_mean(base, [*items, *scores])}")
        return None
    return _item_attribute(draft, item, ref, row, line, bands, label)


def _item_attribute(
    draft: Draft, item: Item, ref: str, row: str, line: int, bands: tuple, label: str
) -> Attribute | None:
    col, where = draft.col, f"{OWNER}: attribute '{ref}'"
    if item.identifying:
        col.add(line, f"{where} is identifying: contact details cannot be a sampling attribute")
        return None
    if item.type == "grid":
        rows = [r.id for r in item.rows]
        if row not in rows:
            col.add(line, f"{where}: grid '{item.id}' needs a row, e.g. '{item.id}.{rows[0]}'"
                          if not row else f"{where}: grid '{item.id}' has no row '{row}'"
                          f"{did_you_mean(row, rows)}")  # fmt: skip
            return None
    elif row:
        col.add(line, f"{where}: item '{item.id}' has no rows")
        return None
    if item.type in ("single", "grid"):
        if bands:
            col.add(line, f"{where} has choices: 'bands' are only for numbers")
            return None
        return Attribute(ref, label, choices=item.choices)
    if item.type in NUMBER_TYPES:
        if not bands:
            col.add(line, f"{where} is a number: give its bands, e.g. {{id: {ref}, bands: [2, 3]}}")
            return None
        return Attribute(ref, label, bands=bands)
    col.add(line, f"{where} is a {item.type} item: use a single-choice item, a grid row, "
                  "a number with bands, or a score with bands")  # fmt: skip
    return None


def _humane(ref: str) -> str:
    """`age_band` -> `Age band`, `conf.app` -> `Conf app`."""
    words = ref.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _number_text(value: int | float) -> str:
    return f"{value:g}"


def levels(attribute: Attribute, lang: str | None = None) -> list[tuple[str, str]]:
    """The attribute's levels in order, as (key, label): choice codes, or bands."""
    if attribute.choices is not None:
        return [(str(c.code), c.label.get(lang)) for c in attribute.choices.choices]
    cuts = attribute.bands
    found = [("b0", f"under {_number_text(cuts[0])}")]
    for index in range(1, len(cuts)):
        low, high = _number_text(cuts[index - 1]), _number_text(cuts[index])
        found.append((f"b{index}", f"{low} to under {high}"))
    found.append((f"b{len(cuts)}", f"{_number_text(cuts[-1])} or more"))
    return found


def _level(attribute: Attribute, value: Any) -> str | None:
    """The key of the level `value` falls in (None: no value)."""
    if value is None or isinstance(value, bool):
        return None
    if attribute.choices is not None:
        return str(value) if value in attribute.choices.codes else None
    if not isinstance(value, int | float | Decimal):
        return None
    band = sum(1 for cut in attribute.bands if Decimal(str(value)) >= Decimal(str(cut)))
    return f"b{band}"


def with_scores(
    instrument: Instrument, answers: Mapping[str, Any], only: frozenset[str] | None = None
) -> dict[str, Any]:
    """The answers that apply, plus each score (None when not valid), in order; `only`:
    just the scores up to the last one named there."""
    missing = instrument.missing_codes
    found = routed_answers(instrument, answers)
    scores = instrument.scores
    if only is not None:
        named = [n for n, score in enumerate(scores) if score.id in only]
        scores = scores[: named[-1] + 1] if named else ()
    for score in scores:
        valid = score.valid_if is None or score.valid_if.test(found, missing=missing)
        found[score.id] = score.expr.evaluate(found, missing=missing) if valid else None
    return found


def _names(expressions) -> set[str]:
    return {name.split(".")[0] for expr in expressions if expr is not None for name in expr.names}


def items_read(
    instrument: Instrument, declared: Volunteers, *, attributes: bool = True
) -> list[Item]:
    """The questions whose answers decide `agree` (and the attributes): those named, the
    scores' inputs when a score is named, and what their routing reads, in order.

    Reading only these (not the whole row) gives the same judgement, faster.
    """
    scores = {score.id: score for score in instrument.scores}
    wanted = _names([declared.agree])
    if attributes:
        wanted |= {attribute.id.split(".")[0] for attribute in declared.attributes}
    if wanted & set(scores):
        wanted |= _names(e for score in scores.values() for e in (score.expr, score.valid_if))
    section_of = {item.id: section for section in instrument.sections for item in section.items}
    found: set[str] = set()
    todo = [name for name in wanted if name in section_of]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        item = instrument.item(name)
        todo.extend(n for n in _names([item.show_if, section_of[name].show_if]) if n in section_of)
    return [item for item in instrument.iter_questions() if item.id in found]


def volunteer_profile(
    instrument: Instrument, answers: Mapping[str, Any], declared: Volunteers | None = None
) -> tuple[bool, dict[str, str | None]]:
    """Whether the respondent agreed to be contacted, and their level of each attribute.

    `declared` (default: the instrument's own) lets an older version's answers be read
    with the current version's declaration; what that version lacks has no value.
    """
    declared = declared or instrument.volunteers
    if declared is None:
        return False, {}
    named = _names([declared.agree]) | {a.id.split(".")[0] for a in declared.attributes}
    values = with_scores(instrument, answers, frozenset(named))
    missing = instrument.missing_codes
    agreed = declared.agree.test(values, missing=missing)
    found = {}
    for attribute in declared.attributes:
        base, _, row = attribute.id.partition(".")
        value = values.get(base)
        if row:
            value = value.get(row) if isinstance(value, Mapping) else None
        found[attribute.id] = _level(attribute, value)
    return agreed, found
