"""Evaluating expression trees against an answers dict, with the contract's null rules.

No value (None) is the answer to anything asked of an unanswered item: comparisons
with it are false, arithmetic with it has no value, aggregates skip it, and the logic
operators read it as false. A user-missing code (say 9, Don't know) is wrapped as
`UserMissing`: comparisons, `in` and `answered()` see the code, while arithmetic,
aggregates (count included) and truth tests treat it as no value.

Answers of the wrong type are no value rather than an error, so evaluation does not
raise for any answers dict.
"""

from __future__ import annotations

import datetime
import decimal
import operator
import re
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
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

_CONTEXT = decimal.Context(prec=28)  # fixed, whatever the thread's decimal context is
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_INTEGER_OPS: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}
_DECIMAL_OPS = {
    "+": _CONTEXT.add,
    "-": _CONTEXT.subtract,
    "*": _CONTEXT.multiply,
    "/": _CONTEXT.divide,
}


@dataclass(frozen=True)
class UserMissing:
    """A code listed under its choice list's `missing:`: an answer, but not a number."""

    code: int


def truthy(value: Any) -> bool:
    """Whether a value counts as true: no value and user-missing codes are false."""
    if value is None or isinstance(value, UserMissing):
        return False
    try:
        return bool(value)
    except Exception:  # a foreign object whose __bool__ fails is not true
        return False


def scalar(value: Any) -> Any:
    """`value` as an int, Decimal, str or date; None when it is none of them or empty."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return None


def normalise(value: Any) -> Any:
    """An answer as the evaluator sees it: a scalar, a tuple of ticked codes, or a grid."""
    if value is None or type(value) is int:  # the commonest answers, as `scalar` leaves them
        return value
    if isinstance(value, Mapping):
        return value
    if isinstance(value, Set | list | tuple):
        ticked = tuple(code for code in map(scalar, value) if code is not None)
        return ticked or None
    return scalar(value)


def number(value: Any) -> int | Decimal | None:
    """`value` if it is a number, else None (user-missing codes are not numbers)."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    return None


def has_value(value: Any) -> bool:
    """Whether `count()` counts the value."""
    if isinstance(value, Mapping):
        return any(normalise(row) is not None for row in value.values())
    return value is not None and not isinstance(value, UserMissing)


def compare(op: str, left: Any, right: Any) -> bool:
    """`left op right`; false when either has no value or their types do not match."""
    left, right = _code(left), _code(right)
    if left is None or right is None:
        return False
    if number(left) is not None and number(right) is not None:
        return _ORDER[op](left, right)
    if isinstance(left, str) and isinstance(right, str):
        return _ORDER[op](left, right)
    left, right = _as_date(left, right), _as_date(right, left)
    if isinstance(left, datetime.date) and isinstance(right, datetime.date):
        return _ORDER[op](left, right)
    return False


def _code(value: Any) -> Any:
    return value.code if isinstance(value, UserMissing) else value


def _as_date(value: Any, other: Any) -> Any:
    if isinstance(value, str) and isinstance(other, datetime.date) and _ISO_DATE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return value


def arithmetic(op: str, left: Any, right: Any) -> int | Decimal | None:
    """`left op right` for + - * /; no value if either is not a number or b is 0 for /."""
    a, b = number(left), number(right)
    if a is None or b is None or (op == "/" and b == 0):
        return None
    if op in _INTEGER_OPS and isinstance(a, int) and isinstance(b, int):
        return _INTEGER_OPS[op](a, b)
    try:
        result = _DECIMAL_OPS[op](Decimal(a), Decimal(b))
    except ArithmeticError:  # overflow of an absurd answer: no value
        return None
    return result if result.is_finite() else None


def _numbers(values: list[Any]) -> list[int | Decimal]:
    return [n for n in map(number, values) if n is not None]


def _sum(values: list[Any]) -> int | Decimal | None:
    result: int | Decimal | None = None
    for value in _numbers(values):
        result = value if result is None else arithmetic("+", result, value)
    return result


def _mean(values: list[Any]) -> int | Decimal | None:
    return arithmetic("/", _sum(values), len(_numbers(values)))


def _min(values: list[Any]) -> int | Decimal | None:
    return min(_numbers(values), default=None)


def _max(values: list[Any]) -> int | Decimal | None:
    return max(_numbers(values), default=None)


def _count(values: list[Any]) -> int:
    return sum(1 for value in values if has_value(value))


def answered(value: Any) -> bool:
    """Whether `answered()` sees a value: user-missing codes are answers."""
    return isinstance(value, UserMissing) or has_value(value)


_AGGREGATES: dict[str, Callable[[list[Any]], Any]] = {
    "count": _count,
    "sum": _sum,
    "mean": _mean,
    "min": _min,
    "max": _max,
}


class Evaluator:
    """Evaluates trees against one answers dict."""

    def __init__(
        self,
        answers: Mapping[str, Any] | None,
        missing: Mapping[str, Any] | None = None,
        this: str | None = None,
    ):
        self.answers = answers if isinstance(answers, Mapping) else {}
        self.missing = missing if isinstance(missing, Mapping) else {}
        self.this = this

    def lookup(self, ref: str) -> Any:
        """The value of an item or grid row, user-missing codes wrapped."""
        item, _, row = ref.partition(".")
        value = self.answers.get(item)
        if row:
            value = value.get(row) if isinstance(value, Mapping) else None
        value = normalise(value)
        codes = self.missing.get(ref) or (self.missing.get(item) if row else None)
        if type(value) is int and codes and value in codes:
            return UserMissing(value)
        return value

    def value(self, node: Node) -> Any:
        """The value of `node` (internal form: user-missing codes still wrapped)."""
        if isinstance(node, Integer | DecimalNumber | String):
            return node.value
        if isinstance(node, Name):
            return self.lookup(node.ref)
        if isinstance(node, Self):
            return None if self.this is None else self.lookup(self.this)
        if isinstance(node, Unary):
            operand = self.value(node.operand)
            if node.op == "not":
                return not truthy(operand)
            return arithmetic("-", 0, operand)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        assert isinstance(node, ListOf)
        return tuple(self.value(item) for item in node.items)

    def binary(self, node: Binary) -> Any:
        """The value of an infix operation (and/or short-circuit)."""
        if node.op == "and":
            return truthy(self.value(node.left)) and truthy(self.value(node.right))
        if node.op == "or":
            return truthy(self.value(node.left)) or truthy(self.value(node.right))
        left, right = self.value(node.left), self.value(node.right)
        if node.op in ("in", "not in"):
            return self.contains(node.op, left, right)
        if node.op in _ORDER:
            return compare(node.op, left, right)
        return arithmetic(node.op, left, right)

    @staticmethod
    def contains(op: str, needle: Any, haystack: Any) -> bool:
        """`in`/`not in`: false whenever either side has no value."""
        if not isinstance(haystack, tuple) or _code(needle) is None:
            return False
        found = any(compare("==", needle, code) for code in haystack)
        return found if op == "in" else not found

    def call(self, node: Call) -> Any:
        """The value of a function call."""
        if node.function == "if":
            condition, when_true, when_false = node.args
            return self.value(when_true if truthy(self.value(condition)) else when_false)
        values = [self.value(arg) for arg in node.args]
        if node.function == "answered":
            return answered(values[0])
        return _AGGREGATES[node.function](values)


def compile_tree(node: Node) -> Callable[[Evaluator], Any]:
    """`Evaluator.value` of `node` as a function of the evaluator, the tree walked once.

    Each node becomes a closure doing what `Evaluator.value` does for it, with the same
    helpers (`lookup`, `compare`, `contains`, `arithmetic`, the aggregates), so the
    rules are those of the tree walk; only the dispatch on node types is done here,
    once. Raises for a tree it does not know (callers then walk the tree instead).
    """
    if isinstance(node, Integer | DecimalNumber | String):
        constant = node.value
        return lambda ev: constant
    if isinstance(node, Name):
        ref = node.ref
        return lambda ev: ev.lookup(ref)
    if isinstance(node, Self):
        return lambda ev: None if ev.this is None else ev.lookup(ev.this)
    if isinstance(node, Unary):
        operand = compile_tree(node.operand)
        if node.op == "not":
            return lambda ev: not truthy(operand(ev))
        return lambda ev: arithmetic("-", 0, operand(ev))
    if isinstance(node, Binary):
        return _compile_binary(node.op, compile_tree(node.left), compile_tree(node.right))
    if isinstance(node, Call):
        return _compile_call(node.function, [compile_tree(arg) for arg in node.args])
    if isinstance(node, ListOf):
        if all(isinstance(item, Integer | DecimalNumber | String) for item in node.items):
            constants = tuple(item.value for item in node.items)
            return lambda ev: constants
        items = [compile_tree(item) for item in node.items]
        return lambda ev: tuple(item(ev) for item in items)
    raise TypeError(f"not an expression node: {type(node).__name__}")


def _compile_binary(op: str, left: Callable, right: Callable) -> Callable[[Evaluator], Any]:
    if op == "and":
        return lambda ev: truthy(left(ev)) and truthy(right(ev))
    if op == "or":
        return lambda ev: truthy(left(ev)) or truthy(right(ev))
    if op in ("in", "not in"):
        return lambda ev: Evaluator.contains(op, left(ev), right(ev))
    if op in _ORDER:
        return lambda ev: compare(op, left(ev), right(ev))
    return lambda ev: arithmetic(op, left(ev), right(ev))


def _compile_call(function: str, args: list[Callable]) -> Callable[[Evaluator], Any]:
    if function == "if" and len(args) == 3:
        condition, when_true, when_false = args
        return lambda ev: when_true(ev) if truthy(condition(ev)) else when_false(ev)
    if function == "if":
        raise TypeError("if() takes three arguments")
    if function == "answered":

        def call_answered(ev: Evaluator) -> bool:
            values = [arg(ev) for arg in args]  # every argument, as the tree walk does
            return answered(values[0])

        return call_answered
    return lambda ev: _AGGREGATES[function]([arg(ev) for arg in args])


def public(value: Any) -> Any:
    """An internal value as callers see it: user-missing is None, ticked codes a frozenset."""
    if isinstance(value, UserMissing):
        return None
    if isinstance(value, tuple):
        return frozenset(value)
    return value


def evaluate(
    node: Node,
    answers: Mapping[str, Any] | None,
    missing: Mapping[str, Any] | None = None,
    this: str | None = None,
) -> Any:
    """The value of `node` for `answers` (see the module docstring for the rules)."""
    return public(Evaluator(answers, missing, this).value(node))
