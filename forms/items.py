"""Reading items, choice lists and expressions: the per-question part of validation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from forms.checks import Site
from forms.errors import ExpressionError
from forms.expressions import parse
from forms.model import (
    CHOICE_TYPES,
    ITEM_TYPES,
    Choice,
    ChoiceList,
    Item,
    Row,
    Score,
    Section,
    Text,
)
from forms.schema import (
    Collector,
    Fields,
    a_or_an,
    check_id,
    did_you_mean,
    is_whole,
    listed,
    read_text,
    shown,
    spoken,
)
from forms.web_fields import MAX_DIGITS
from forms.yaml_lines import LineDict, LineList

if TYPE_CHECKING:
    from forms.expressions import Expression

MAX_CODE = 9999
COMMON_KEYS = ("id", "type", "text", "help", "show_if", "web", "paper")
QUESTION_KEYS = ("required", "identifying", "constraint", "constraint_message", "signposting")
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "single": ("choices",),
    "multiple": ("choices", "exclusive"),
    "grid": ("choices", "rows"),
    "text": ("max_length",),
    "textarea": ("max_length", "lines"),
    "integer": ("min", "max", "unit"),
    "decimal": ("min", "max", "unit"),
    "date": (),
    "note": (),
}
ALL_ITEM_KEYS = COMMON_KEYS + QUESTION_KEYS + tuple(dict.fromkeys(sum(TYPE_KEYS.values(), ())))
# What XLSForm, REDCap or HTML would call a type, and what it is called here.
TYPE_ALIASES = {
    "select_one": "single",
    "radio": "single",
    "dropdown": "single",
    "yesno": "single",
    "select_multiple": "multiple",
    "checkbox": "multiple",
    "checkboxes": "multiple",
    "matrix": "grid",
    "likert": "grid",
    "string": "text",
    "notes": "textarea",
    "int": "integer",
    "number": "integer",
    "float": "decimal",
    "calculate": "a score (under 'scores:')",
    "descriptive": "note",
}


@dataclass
class Draft:
    """What has been read of one file so far, for the cross-reference checks."""

    col: Collector
    choice_lists: dict[str, ChoiceList] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    score_ids: list[tuple[str, int]] = field(default_factory=list)
    ids: list[tuple[str, str, int]] = field(default_factory=list)  # (id, kind, line)
    sites: list[Site] = field(default_factory=list)


def read_id(draft: Draft, fields: Fields, kind: str) -> str:
    """The id of a section, item or score (empty if absent), registered for uniqueness."""
    value = fields.get("id")
    if value is None:
        return ""
    found = check_id(draft.col, value, fields.line_of("id"), kind) or ""
    if found:
        draft.ids.append((found, kind, fields.line_of("id")))
    return found


def read_expression(draft: Draft, fields: Fields, key: str, site: Site) -> Expression | None:
    """Parse the expression under `key`; remember where it is for the reference checks."""
    source = fields.get(key)
    if source is None:
        return None
    line = fields.line_of(key)
    if not isinstance(source, str):
        fields.wrong(key, f'an expression in quotes, e.g. {key}: "used_online == 1"')
        return None
    try:
        expr = parse(source)
    except ExpressionError as exc:
        draft.col.add(line, f"{key} of {site.owner}: {exc.message}")
        return None
    draft.sites.append(replace(site, key=key, line=line, expr=expr))
    return expr


def read_choice_list(col: Collector, data: LineDict, owner: str, name: str | None) -> ChoiceList:
    """A choice list: `code: label` pairs in display order, plus optional `missing: [codes]`."""
    choices = []
    for key, value in data.items():
        if key == "missing":
            continue
        line = data.key_lines.get(key, data.line)
        if _valid_code(col, data, key, line, owner):
            label = read_text(
                col, value, data.raw.get(key), data.line_of(key), f"{owner}: code {key}"
            )
            choices.append(Choice(key, label or Text({})))
    for key, line, first in data.duplicates:
        col.add(line, f"{owner} has code {key} twice (first on line {first})")
    if not choices:
        col.add(
            data.line, f"{owner} has no choices; write them as code: label, e.g. {{1: Yes, 2: No}}"
        )
    codes = tuple(c.code for c in choices)
    return ChoiceList(name, tuple(choices), _missing_codes(col, data, owner, codes))


def _valid_code(col: Collector, data: LineDict, key: Any, line: int, owner: str) -> bool:
    if is_whole(key) and 0 <= key <= MAX_CODE:
        return True
    if is_whole(key):
        reserved = " (negative codes are reserved for missing values)" if key < 0 else ""
        col.add(line, f"{owner}: code {key} is not a whole number from 0 to {MAX_CODE}{reserved}")
    elif isinstance(key, str) and key.strip().isdigit():
        col.add(line, f"{owner}: code '{key}' is quoted; write the code as a plain number")
    elif isinstance(key, str) and data.get(key) is None and " " in key:
        col.add(
            line,
            f"{owner} has {shown(key)} where a code should be: in {{…}} flow style a "
            'label holding a comma must be quoted, e.g. {1: "Yes, often"}',
        )
    else:
        hint = did_you_mean(key, ["missing"]) if isinstance(key, str) else ""
        col.add(
            line, f"{owner}: code {shown(key)} is not a whole number from 0 to {MAX_CODE}{hint}"
        )
    return False


def _missing_codes(
    col: Collector, data: LineDict, owner: str, codes: tuple[int, ...]
) -> frozenset[int]:
    value = data.get("missing")
    if value is None:
        return frozenset()
    line = data.line_of("missing")
    if is_whole(value):
        value = [value]
    elif not isinstance(value, LineList):
        col.add(line, f"{owner}: 'missing' must be a list of codes such as [9], not {shown(value)}")
        return frozenset()
    found = set()
    for code in value:
        if not is_whole(code) or code not in codes:
            col.add(
                line,
                f"{owner}: missing code {shown(code)} is not one of its codes ({listed(codes)})",
            )
        else:
            found.add(code)
    return frozenset(found)


def read_item(draft: Draft, data: LineDict, section: str, place: str) -> Item:
    """One item of a section (`place` names it in messages when its id is unusable)."""
    col = draft.col
    raw_id = data.get("id")
    owner = f"item '{raw_id}'" if isinstance(raw_id, str) else f"item {place}"
    fields = Fields(col, data, owner)
    item_type = _read_type(fields)
    fields.check_keys(_allowed_keys(item_type), ("id", "type", "text"), _misplaced(item_type))
    fields = fields.only(_allowed_keys(item_type))
    item_id = read_id(draft, fields, "item")
    site = Site(owner, "item", len(draft.items), item_id)
    choices = _read_item_choices(draft, fields, item_type)
    item = Item(
        id=item_id or "",
        type=item_type or "",  # unknown: no checks that depend on the type
        text=fields.text("text") or Text({}),
        line=data.line,
        section=section,
        help=fields.text("help"),
        choices=choices,
        rows=_read_rows(fields) if item_type == "grid" else (),
        show_if=read_expression(draft, fields, "show_if", site),
        constraint=read_expression(draft, fields, "constraint", site),
        constraint_message=_read_constraint_message(fields),
        exclusive=_read_exclusive(fields, choices),
        unit=fields.text("unit"),
        signposting=fields.text("signposting"),
        lines=fields.whole("lines"),
        max_length=fields.whole("max_length"),
        **_read_flags(fields),
        **_read_limits(fields, item_type),
    )
    draft.items.append(item)
    return item


def _read_type(fields: Fields) -> str | None:
    value = fields.get("type")
    if value is None or value in ITEM_TYPES:
        return value
    if isinstance(value, str) and value.lower() in TYPE_ALIASES:
        hint = f"; for this use {TYPE_ALIASES[value.lower()]}"
    else:
        hint = did_you_mean(value, ITEM_TYPES)
    fields.col.add(
        fields.line_of("type"),
        f"{fields.owner} has unknown type {shown(value)}{hint} (types: {listed(ITEM_TYPES)})",
    )
    return None


def _allowed_keys(item_type: str | None) -> tuple[str, ...]:
    if item_type is None:
        return ALL_ITEM_KEYS
    questions = QUESTION_KEYS if item_type != "note" else ()
    return COMMON_KEYS + questions + TYPE_KEYS[item_type]


def _misplaced(item_type: str | None) -> dict[str, str]:
    """Keys of other item types, each with the reason it does not apply to this one."""
    if item_type is None:
        return {}
    reasons = {}
    for key in set(ALL_ITEM_KEYS) - set(_allowed_keys(item_type)):
        if key in QUESTION_KEYS:
            reasons[key] = "does not apply to a note (notes take no answer)"
            continue
        owners = [t for t, keys in TYPE_KEYS.items() if key in keys]
        reasons[key] = (
            f"does not apply to {a_or_an(item_type)} item (only to {spoken(owners)} items)"
        )
    return reasons


def _read_item_choices(draft: Draft, fields: Fields, item_type: str | None) -> ChoiceList | None:
    value = fields.get("choices")
    if item_type not in CHOICE_TYPES:
        return None
    if value is None:
        fields.col.add(
            fields.line, f"{fields.owner} has no 'choices' ({a_or_an(item_type)} item needs them)"
        )
        return None
    if isinstance(value, LineDict):
        return read_choice_list(draft.col, value, f"{fields.owner}: 'choices'", None)
    if not isinstance(value, str):
        fields.wrong("choices", "the name of a choice list or a mapping of code: label")
        return None
    if value not in draft.choice_lists:
        known = listed(draft.choice_lists)
        fields.col.add(
            fields.line_of("choices"),
            f"{fields.owner} uses unknown choice list '{value}' (known: {known})",
        )
        return None
    return draft.choice_lists[value]


def _read_rows(fields: Fields) -> tuple[Row, ...]:
    rows = fields.mapping("rows", "a mapping of row id: text, e.g. {book: {en: booking}}")
    if rows is None:
        if fields.get("rows") is None:
            fields.col.add(fields.line, f"grid {fields.owner} has no 'rows'")
        return ()
    built = []
    for key, value in rows.items():
        line = rows.key_lines.get(key, rows.line)
        row_id = check_id(fields.col, key, line, f"{fields.owner}: row")
        what = f"{fields.owner}: row {shown(key)}"
        text = read_text(fields.col, value, rows.raw.get(key), rows.line_of(key), what)
        built.append(Row(row_id or "", text or Text({})))
    for key, line, first in rows.duplicates:
        fields.col.add(line, f"{fields.owner} has row {shown(key)} twice (first on line {first})")
    if not built:
        fields.col.add(rows.line, f"grid {fields.owner} has no rows")
    return tuple(built)


def _read_exclusive(fields: Fields, choices: ChoiceList | None) -> frozenset[int]:
    value = fields.get("exclusive")
    if value is None:
        return frozenset()
    if is_whole(value):
        value = [value]
    elif not isinstance(value, LineList):
        fields.wrong("exclusive", "a list of codes such as [99]")
        return frozenset()
    codes = choices.codes if choices is not None else None
    for code in value:
        if not is_whole(code) or (codes is not None and code not in codes):
            fields.col.add(
                fields.line_of("exclusive"),
                f"{fields.owner}: exclusive code {shown(code)} is not one of its codes "
                f"({listed(codes or ())})",
            )
    return frozenset(code for code in value if is_whole(code))


def _read_constraint_message(fields: Fields) -> Text | None:
    message = fields.text("constraint_message")
    if fields.has("constraint_message") and not fields.has("constraint"):
        fields.col.add(
            fields.line_of("constraint_message"),
            f"{fields.owner} has a 'constraint_message' but no 'constraint'",
        )
    return message


def _read_flags(fields: Fields) -> dict[str, bool]:
    flags = {
        "required": fields.boolean("required"),
        "identifying": fields.boolean("identifying"),
        "web": fields.boolean("web", default=True),
        "paper": fields.boolean("paper", default=True),
    }
    if not flags["web"] and not flags["paper"]:
        fields.col.add(
            fields.line_of("paper"),
            f"{fields.owner} has web: false and paper: false, "
            "so it is never asked; remove the item instead",
        )
    return flags


def _read_limits(fields: Fields, item_type: str | None) -> dict[str, int | float | None]:
    whole = item_type != "decimal"
    low, high = fields.number("min", whole), fields.number("max", whole)
    largest = 10**MAX_DIGITS - 1
    for key, value in (("min", low), ("max", high)):
        if value is not None and abs(value) > largest:
            fields.col.add(
                fields.line_of(key),
                f"{fields.owner}: '{key}' ({value}) has more than {MAX_DIGITS} digits before the "
                f"point; answers are kept with at most {MAX_DIGITS}, so keep it within "
                f"-{largest} to {largest}",
            )
    if low is not None and high is not None and low > high:
        fields.col.add(
            fields.line_of("min"),
            f"{fields.owner}: 'min' ({low}) is greater than 'max' ({high})",
        )
    return {"min": low, "max": high}
