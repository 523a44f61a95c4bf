"""Conditions that can never be true (or are always true) whatever the answers: a
comparison whose two sides can never match, or a number standing alone as a condition.

They parse and refer to real items, so nothing else stops them, yet the question they
route is then never asked (or always asked). `never_true` names each, with the fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from forms.expression_ast import Binary, DecimalNumber, Integer, Name, Node, Self, quote
from forms.expression_ast import walk as _walk
from forms.expressions import Expression
from forms.model import Item

ItemOf = Callable[[str], "Item | None"]  # the item a reference (`q`, `grid.row`, `.`) names

_ORDERING = ("==", "!=", "<", "<=", ">", ">=")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NEVER = "compares '{ref}' with {what}, which is never true: {reason}"
_NEVER_IN = (  # `q not in ['No']`: true whenever q is answered
    "compares '{ref}' with {what}, which never matches, so 'not in' is always true: {reason}"
)


def never_true(expression: Expression, item_of: ItemOf) -> Iterator[str]:
    """A message for each comparison that can never be true and each lone number in
    `and`/`or` (always true), in the order they are written."""
    for ref, text, _column, op in expression.text_comparisons():
        item = item_of(ref)
        why = _TEXT_NEVER_MATCHES.get(item.type or "") if item is not None else None
        reason = why(item, ref, text) if why is not None else None
        if reason:
            template = _NEVER_IN if op == "not in" else _NEVER
            yield template.format(ref=ref, what=f"the text {quote(text)}", reason=reason)
    for node in _walk(expression.root):
        if isinstance(node, Binary) and node.op in ("and", "or"):
            yield from _lone_numbers(node)
        elif isinstance(node, Binary) and node.op in _ORDERING:
            yield from _number_never_matches(node, item_of)


def _codes_reason(item: Item, ref: str, text: str) -> str | None:
    if item.choices is None or not item.choices.choices:
        return None
    codes = ", ".join(f"{c.code} = {_short(c.label.get())}" for c in item.choices.choices)
    first = item.choices.choices[0].code
    example = f"{first} in {ref}" if item.type == "multiple" else f"{ref} == {first}"
    return f"its answers are codes ({codes}); write a code without quotes, e.g. {example}"


def _numbers_reason(item: Item, ref: str, text: str) -> str | None:
    return "its answers are numbers; write the number without quotes"


def _dates_reason(item: Item, ref: str, text: str) -> str | None:
    if _ISO_DATE.fullmatch(text):
        return None
    return "its answers are dates; write the date as 'YYYY-MM-DD', e.g. '2024-03-31'"


# Why a 'text' never matches an answer of each type (the types not listed hold text).
_TEXT_NEVER_MATCHES: dict[str, Callable[[Item, str, str], str | None]] = {
    "single": _codes_reason,
    "multiple": _codes_reason,
    "grid": _codes_reason,
    "integer": _numbers_reason,
    "decimal": _numbers_reason,
    "date": _dates_reason,
}


def _ticked_reason(op: str, ref: str, number: str) -> str:
    written = f"{number} not in {ref}" if op == "!=" else f"{number} in {ref}"
    return f"its answer is the set of boxes ticked; write {written}"


def _dates_number_reason(op: str, ref: str, number: str) -> str:
    return "its answers are dates; write the date as 'YYYY-MM-DD', e.g. '2024-03-31'"


def _texts_number_reason(op: str, ref: str, number: str) -> str:
    return "its answers are texts; write the text in quotes, e.g. 'Leeds'"


# Why a number never matches an answer of each type, compared with == != < <= > >=.
_NUMBER_NEVER_MATCHES: dict[str, Callable[[str, str, str], str]] = {
    "multiple": _ticked_reason,
    "date": _dates_number_reason,
    "text": _texts_number_reason,
    "textarea": _texts_number_reason,
}


def _number_never_matches(node: Binary, item_of: ItemOf) -> Iterator[str]:
    pairs = ((node.left, node.right), (node.right, node.left))
    for side, other in pairs:
        number = _number(other)
        if not isinstance(side, Name | Self) or number is None:
            continue
        ref = side.ref if isinstance(side, Name) else "."
        item = item_of(ref)
        why = _NUMBER_NEVER_MATCHES.get(item.type or "") if item is not None else None
        if why is None:
            continue
        what = f"{node.op} {number}" if item.type == "multiple" else f"the number {number}"
        yield _NEVER.format(ref=ref, what=what, reason=why(node.op, ref, number))


def _lone_numbers(node: Binary) -> Iterator[str]:
    for operand, other in ((node.left, node.right), (node.right, node.left)):
        number = _number(operand)
        if number is None:
            continue
        always = "false" if float(number) == 0 else "true"
        yield (
            f"has '{node.op} {number}', but a number on its own is not a condition "
            f"(it is always {always}); {_lone_number_fix(node.op, other, number)}"
        )


def _lone_number_fix(op: str, other: Node, number: str) -> str:
    """`q in [1, 2]` after `q == 1 or 2`; else a comparison with the nearest item named."""
    if (
        op == "or"
        and isinstance(other, Binary)
        and other.op == "=="
        and isinstance(other.left, Name)
        and isinstance(other.right, Integer)
        and str(other.right.value) != number
    ):
        return f"write {other.left.ref} in [{other.right.value}, {number}]"
    names = [n.ref for n in _walk(other) if isinstance(n, Name)]
    subject = names[0] if names else "q"
    return f"compare it with an answer, e.g. {subject} == {number}"


def _number(node: Node) -> str | None:
    if isinstance(node, Integer | DecimalNumber):
        return str(node.value)
    return None


def _short(label: str) -> str:
    return label if len(label) <= 24 else label[:21] + "..."
