"""Cross-reference checks: unique ids, export variable names, and what expressions refer to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from forms.model import Item
from forms.never_true import never_true
from forms.schema import did_you_mean, listed
from forms.variables import MAX_NAME, item_variables

if TYPE_CHECKING:
    from forms.expressions import Expression
    from forms.items import Draft

# Export variables every dataset starts with (data-conventions.md), and what they hold.
RESERVED_VARIABLES = {
    "response_id": "the response id",
    "instrument": "the instrument id",
    "version": "the instrument version",
    "practice": "the practice code",
    "region": "the practice's region",
    "mode": "the mode of completion",
    "language": "the respondent's language",
    "status": "the response status",
    "started": "the start time",
    "submitted": "the submission time",
    "consented": "the time consent was given",
}
# The consent block's variables: consent_version, consent_how and consent_{choice id}.
CONSENT_PREFIX = "consent_"
# Words of the expression language: an item called `and` or `if` could not be referred to.
EXPRESSION_WORDS = frozenset(
    ("and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "lambda", "for")
) | {"import"}


@dataclass(frozen=True)
class Site:
    """Where an expression sits, and so what it may refer to."""

    owner: str  # "item 'x'", for messages
    kind: str  # item | section | score
    position: int  # items (for scores: scores) that come before it
    self_id: str | None = None
    key: str = ""  # show_if | constraint | expr | valid_if
    line: int = 0
    expr: Expression | None = None

    @property
    def label(self) -> str:
        """How messages name this expression: `show_if of item 'x'`."""
        return f"{self.key} of {self.owner}"


def check_names(draft: Draft) -> None:
    """Ids unique in the instrument and usable; export variable names short and distinct."""
    first: dict[str, tuple[str, int]] = {}
    for name, kind, line in draft.ids:
        if name in first:
            other_kind, other_line = first[name]
            draft.col.add(
                line,
                f"{kind} id '{name}' is already used by the {other_kind} on line "
                f"{other_line}; ids must be unique in the whole instrument",
            )
            continue
        first[name] = (kind, line)
        if name in EXPRESSION_WORDS:
            draft.col.add(
                line, f"{kind} id '{name}' is a word of the expression language; choose another id"
            )
    _check_variables(draft)


def _check_variables(draft: Draft) -> None:
    given: dict[str, tuple[str, str, int]] = {}  # name -> (source id, description, line)
    named = [
        (v.name, v.item.id, _describe(v.item, v.code, v.row), v.item.line, _fix(v.item))
        for item in draft.items
        for v in item_variables(item)
    ]
    named += [(s, s, f"score '{s}'", line, "shorten the score id") for s, line in draft.score_ids]
    for name, source, description, line, fix in named:
        if not source:
            continue
        if len(name) > MAX_NAME:
            draft.col.add(
                line,
                f"{description} gives export variable '{name}' ({len(name)} "
                f"characters); names may have at most {MAX_NAME}, so {fix}",
            )
        if name in RESERVED_VARIABLES:
            draft.col.add(
                line,
                f"{description} gives export variable '{name}', which is "
                f"reserved for {RESERVED_VARIABLES[name]}; rename it",
            )
        elif name.startswith(CONSENT_PREFIX):
            draft.col.add(
                line,
                f"{description} gives export variable '{name}'; names beginning "
                f"'{CONSENT_PREFIX}' are reserved for the consent block's variables; rename it",
            )
        elif name in given and given[name][0] != source:
            _, other, other_line = given[name]
            draft.col.add(
                line,
                f"{description} gives export variable '{name}', which "
                f"{other} on line {other_line} also gives; rename one of them",
            )
        given.setdefault(name, (source, description, line))


def _describe(item: Item, code: int | None, row: str | None) -> str:
    if code is not None:
        return f"item '{item.id}' (multiple, code {code})"
    if row is not None:
        return f"item '{item.id}' (grid, row {row})"
    return f"item '{item.id}'"


def _fix(item: Item) -> str:
    extra = {"multiple": " or the codes", "grid": " or the row ids"}.get(item.type, "")
    return f"shorten the id{extra}"


class _Index:
    """Items and scores by id, with their positions, for resolving references."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.items: dict[str, tuple[int, Item]] = {}
        for position, item in enumerate(draft.items):
            if item.id:
                self.items.setdefault(item.id, (position, item))
        self.scores: dict[str, int] = {}
        for position, (score_id, _line) in enumerate(draft.score_ids):
            self.scores.setdefault(score_id, position)

    def names(self) -> list[str]:
        """Every id an expression could use."""
        return [*self.items, *self.scores]


def check_expressions(draft: Draft) -> None:
    """Every expression refers only to what exists and comes before it, with real codes."""
    index = _Index(draft)
    for site in draft.sites:
        if site.expr is None:
            continue
        for message in dict.fromkeys(_site_problems(site, index)):  # once each, in order
            draft.col.add(site.line, f"{site.label} {message}")


def _site_problems(site: Site, index: _Index) -> Iterator[str]:
    assert site.expr is not None
    for name in sorted(site.expr.names):
        message = _reference_problem(site, name, index)
        if message:
            yield message
    if site.expr.uses_self and site.key != "constraint":
        yield "uses '.', which stands for the item's own value and only works in a constraint"
    for ref, code, _column in site.expr.code_comparisons():
        message = _code_problem(site, ref, code, index)
        if message:
            yield message
    yield from never_true(site.expr, lambda ref: _compared(site, ref, index))


def _reference_problem(site: Site, name: str, index: _Index) -> str | None:
    base, _, row = name.partition(".")
    if base in index.scores and base not in index.items:
        return _score_reference(site, base, row, index)
    if base not in index.items:
        return f"refers to unknown item '{base}'{did_you_mean(base, index.names())}"
    position, item = index.items[base]
    order = _order_problem(site, base, position, item)
    if order or not item.type:
        return order
    if item.type == "note":
        return f"refers to note '{base}', which takes no answer"
    return _row_problem(name, base, row, item)


def _score_reference(site: Site, base: str, row: str, index: _Index) -> str | None:
    if site.kind != "score":
        return (
            f"refers to score '{base}'; scores are computed for export, so only scores may use them"
        )
    if base == site.self_id:
        return "refers to the score itself"
    if index.scores[base] >= site.position:
        return f"refers to score '{base}', which comes later; a score may only use earlier scores"
    if row:
        return f"refers to '{base}.{row}', but score '{base}' has no rows"
    return None


def _order_problem(site: Site, base: str, position: int, item: Item) -> str | None:
    if site.kind == "score":
        return None
    if site.kind == "section":
        if position >= site.position:
            return (
                f"refers to '{base}', which is not in an earlier section; a section's "
                "show_if may only use items of earlier sections"
            )
        return None
    if base == site.self_id:
        if site.key == "constraint":
            return f"refers to '{base}' by name; write '.' for the item's own value"
        return "refers to the item itself; it may only use items that come before it"
    if position > site.position:
        return (
            f"refers to '{base}', which comes later (line {item.line}); an expression "
            "may only refer to items before it"
        )
    return None


def _row_problem(name: str, base: str, row: str, item: Item) -> str | None:
    row_ids = [r.id for r in item.rows]
    if item.type == "grid" and not row:
        example = f"{base}.{row_ids[0]}" if row_ids else f"{base}.row_id"
        return f"refers to grid '{base}' without a row; write {example} (rows: {listed(row_ids)})"
    if item.type == "grid" and row not in row_ids:
        hint = did_you_mean(row, row_ids)
        rows = listed(row_ids)
        return f"refers to '{name}', but grid '{base}' has no row '{row}' (rows: {rows}){hint}"
    if item.type != "grid" and row:
        return f"refers to '{name}', but '{base}' is not a grid (only grid rows take a dot)"
    return None


def _compared(site: Site, ref: str, index: _Index) -> Item | None:
    """The item a reference in a comparison names (`.`: the site's own item)."""
    if ref == ".":  # only a constraint has one (anywhere else is a problem of its own)
        own = site.kind == "item" and site.key == "constraint"
        return index.draft.items[site.position] if own else None
    return index.items.get(ref.partition(".")[0], (0, None))[1]


def _code_problem(site: Site, ref: str, code: int, index: _Index) -> str | None:
    item = _compared(site, ref, index)
    if item is None or item.choices is None or item.type not in ("single", "multiple", "grid"):
        return None
    if code in item.choices.codes:
        return None
    codes = ", ".join(f"{c.code} = {_short(c.label.get())}" for c in item.choices.choices)
    return f"compares '{ref}' with {code}, which is not one of its codes ({codes})"


def _short(label: str) -> str:
    return label if len(label) <= 24 else label[:21] + "..."
