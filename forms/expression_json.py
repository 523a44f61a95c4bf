"""Expression trees as small JSON, for the live routing script in the browser.

Every node is a list whose first element says what it is:

    ["int", 3]   ["dec", "2.5"]   ["str", "text"]   ["self"]
    ["name", "ease.book"]              a reference (["name", ref, [98, 99]] with its
                                       user-missing codes, when `missing` is given)
    ["list", node, ...]                a list literal (right operand of in / not in)
    ["not", node]   ["neg", node]      unary operators
    [op, left, right]                  op: or and == != < <= > >= in "not in" + - * /
    ["call", function, arg, ...]       answered count sum mean min max if

Decimals travel as text so nothing is rounded on the way. The evaluator reading these
trees (`fieldwork/static/js/routing.js`) follows `forms.evaluate`'s null rules.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from forms.expression_ast import (
    Binary,
    Call,
    DecimalNumber,
    Integer,
    ListOf,
    Name,
    Node,
    Self,
    String,
    Unary,
)
from forms.expressions import Expression

JsonTree = list[Any]


def to_json(
    expr: Expression | Node, missing: Mapping[str, Collection[int]] | None = None
) -> JsonTree:
    """The tree of `expr` as nested lists (see the module docstring for the shapes)."""
    node = expr.root if isinstance(expr, Expression) else expr
    return _node(node, missing or {})


def _node(node: Node, missing: Mapping[str, Collection[int]]) -> JsonTree:
    if isinstance(node, Integer):
        return ["int", node.value]
    if isinstance(node, DecimalNumber):
        return ["dec", str(node.value)]
    if isinstance(node, String):
        return ["str", node.value]
    if isinstance(node, Name):
        codes = _missing_codes(node.ref, missing)
        return ["name", node.ref, codes] if codes else ["name", node.ref]
    if isinstance(node, Self):
        return ["self"]
    if isinstance(node, ListOf):
        return ["list", *(_node(item, missing) for item in node.items)]
    if isinstance(node, Unary):
        return ["not" if node.op == "not" else "neg", _node(node.operand, missing)]
    if isinstance(node, Binary):
        return [node.op, _node(node.left, missing), _node(node.right, missing)]
    if isinstance(node, Call):
        return ["call", node.function, *(_node(arg, missing) for arg in node.args)]
    raise TypeError(f"not an expression node: {node!r}")


def _missing_codes(ref: str, missing: Mapping[str, Collection[int]]) -> list[int]:
    """The user-missing codes of a reference, looked up as `forms.evaluate` does."""
    item, _, row = ref.partition(".")
    codes = missing.get(ref) or (missing.get(item) if row else None)
    return sorted(codes or ())


def answer_json(value: Any) -> Any:
    """A stored answer as JSON for the script: dates tagged, ticked codes a sorted list."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(row): answer_json(code) for row, code in value.items()}
    if isinstance(value, Collection):
        return sorted((answer_json(code) for code in value), key=str)
    return None
