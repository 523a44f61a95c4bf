"""Expressions judged column-wise over a chunk of responses, with numpy.

`compile_columns(expression, instrument)` turns an expression over choice codes, whole
numbers and ticked codes into operations on whole columns, so routing and scores of a
chunk of thousands of responses cost a few array operations instead of a call of the
evaluator per response. The evaluator (`forms.evaluate`) stays the reference: the rules
here are its rules (no value, user-missing codes, `in` on ticked codes, aggregates), and
a property test checks that both agree on random chunks.

What is not compiled raises `Unsupported` and is judged by the evaluator instead:
text, dates and decimal answers, whole grids, `.`, decimal literals in arithmetic, and
division by anything but a whole-number literal. Arithmetic is done in doubles only where
doubles are exact (whole numbers below 2**53; a quotient with a small denominator); a
chunk whose values leave that range raises `Unsupported` when evaluated.

Stored columns come as float arrays with NaN for no value (`forms.stored` naming); an
answer that does not count for routing (its item routed out) is simply NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from forms.expression_ast import (
    Binary,
    Call,
    DecimalNumber,
    Integer,
    ListOf,
    Name,
    Node,
    Unary,
)
from forms.model import Instrument

EXACT = 2.0**53  # whole numbers beyond this are not exact as doubles
ROUNDED = 2.0**40  # quotients beyond this could round differently from Decimal's
MAX_DIVISOR = 1_000_000
Columns = Mapping[str, np.ndarray]


class Unsupported(Exception):
    """The expression (or this chunk's values) cannot be judged column-wise exactly."""


@dataclass
class Num:
    """Numbers: `values` (doubles) and `state` per row: 0 no value, 1 a number, 2 a
    user-missing code (compared by its code; no number for arithmetic). `exact`: whole
    numbers; otherwise quotients of whole numbers by a small denominator."""

    values: np.ndarray
    state: np.ndarray
    exact: bool = True


@dataclass
class Flag:
    """True/false results (comparisons, `and`, `answered()`): never without a value."""

    values: np.ndarray


@dataclass
class Ticks:
    """A multiple-choice answer: whether each code is ticked."""

    ticked: dict[int, np.ndarray]

    def present(self, n: int) -> np.ndarray:
        """Whether anything is ticked (nothing ticked is no value)."""
        found = np.zeros(n, dtype=bool)
        for flags in self.ticked.values():
            found |= flags
        return found


Value = Num | Flag | Ticks
Compiled = Callable[[Columns, int], Value]


@dataclass(frozen=True)
class ColumnJudge:
    """An expression compiled to column operations; `names`: the stored columns it reads."""

    run: Compiled
    names: frozenset[str]

    def test(self, columns: Columns, n: int) -> np.ndarray:
        """Per row, whether the expression is true (as `Expression.test`)."""
        return truthy(self.run(columns, n), n)

    def numbers(self, columns: Columns, n: int) -> np.ndarray:
        """Per row, the expression's number, NaN where it has none (user-missing: none)."""
        value = self.run(columns, n)
        if not isinstance(value, Num):
            return np.full(n, np.nan)
        _check(value)
        return np.where(value.state == 1, value.values, np.nan)


def compile_columns(expression, instrument: Instrument) -> ColumnJudge:
    """Compile an `Expression` of `instrument`; raises `Unsupported` when it cannot be."""
    names: set[str] = set()
    run = _Compiler(instrument, names).node(expression.root)
    return ColumnJudge(run, frozenset(names))


def truthy(value: Value, n: int) -> np.ndarray:
    """`forms.evaluate.truthy` of each row: no value and user-missing codes are false."""
    if isinstance(value, Flag):
        return value.values
    if isinstance(value, Ticks):
        return value.present(n)
    return (value.state == 1) & (value.values != 0)


def _check(value: Num) -> Num:
    """Refuse values doubles may not hold exactly (the evaluator judges those chunks)."""
    limit = EXACT if value.exact else ROUNDED
    found = value.values[value.state != 0]
    if found.size and not np.all(np.abs(found) < limit):
        raise Unsupported("values beyond exact doubles")
    return value


def _no_value(n: int) -> Num:
    return Num(np.zeros(n), np.zeros(n, dtype=np.int8))


def _column(columns: Columns, name: str, n: int) -> np.ndarray:
    values = columns.get(name)
    return np.full(n, np.nan) if values is None else np.asarray(values, dtype=np.float64)


class _Compiler:
    def __init__(self, instrument: Instrument, names: set[str]) -> None:
        self.instrument = instrument
        self.missing = instrument.missing_codes
        self.names = names

    def node(self, node: Node) -> Compiled:
        if isinstance(node, Integer):
            return self.literal(node.value)
        if isinstance(node, Name):
            return self.name(node.ref)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise Unsupported(type(node).__name__)

    @staticmethod
    def literal(number: int | Decimal) -> Compiled:
        value = float(number)
        if Decimal(value) != number or abs(value) >= EXACT:
            raise Unsupported("a literal doubles cannot hold")
        exact = value.is_integer()

        def run(columns, n):
            return Num(np.full(n, value), np.ones(n, dtype=np.int8), exact)

        return run

    def name(self, ref: str) -> Compiled:
        item_id, _, row = ref.partition(".")
        try:
            item = self.instrument.item(item_id)
        except KeyError:
            raise Unsupported(f"unknown name {ref}") from None
        codes = self.missing.get(ref) or (self.missing.get(item_id) if row else None)
        user_missing = np.array(sorted(codes or ()), dtype=np.float64)
        if item.type == "multiple" and not row:
            flags = {code: f"{item_id}_{code}" for code in item.choices.codes}
            self.names.update(flags.values())

            def ticks(columns, n):
                return Ticks({code: _column(columns, name, n) == 1 for code, name in flags.items()})

            return ticks
        if item.type == "grid" and row and row in {r.id for r in item.rows}:
            column, marks = f"{item_id}_{row}", True
        elif item.type in ("single", "integer") and not row:
            column, marks = item_id, item.type == "single"
        else:
            raise Unsupported(f"{item.type} answers are judged by the evaluator")
        self.names.add(column)

        def number(columns, n):
            values = _column(columns, column, n)
            given = ~np.isnan(values)
            if marks:  # negative codes are paper marks: no answer
                given &= values >= 0
            state = given.astype(np.int8)
            if user_missing.size:
                state[given & np.isin(values, user_missing)] = 2
            return _check(Num(np.where(given, values, 0.0), state))

        return number

    def unary(self, node: Unary) -> Compiled:
        operand = self.node(node.operand)
        if node.op == "not":
            return lambda columns, n: Flag(~truthy(operand(columns, n), n))

        def negative(columns, n):
            value = operand(columns, n)
            if not isinstance(value, Num):
                return _no_value(n)
            _exact(value)
            number = value.state == 1
            return Num(np.where(number, -value.values, 0.0), number.astype(np.int8))

        return negative

    def binary(self, node: Binary) -> Compiled:
        if node.op in ("and", "or"):
            left, right = self.node(node.left), self.node(node.right)
            both = np.logical_and if node.op == "and" else np.logical_or
            return lambda c, n: Flag(both(truthy(left(c, n), n), truthy(right(c, n), n)))
        if node.op in ("in", "not in"):
            return self.contains(node)
        if node.op in ("==", "!=", "<", "<=", ">", ">="):
            left, right = self.node(node.left), self.node(node.right)
            return self.compare(node.op, left, right)
        if node.op == "/" and not isinstance(node.right, Integer):
            raise Unsupported("division by an answer")
        if node.op == "/" and not 0 < abs(node.right.value) <= MAX_DIVISOR:
            raise Unsupported("division by a large or zero literal")
        left, right = self.node(node.left), self.node(node.right)
        return self.arithmetic(node.op, left, right)

    @staticmethod
    def compare(op: str, left: Compiled, right: Compiled) -> Compiled:
        operate = _COMPARE[op]

        def run(columns, n):
            a, b = left(columns, n), right(columns, n)
            if not (isinstance(a, Num) and isinstance(b, Num)):
                return Flag(np.zeros(n, dtype=bool))  # ticks and true/false never compare
            given = (a.state != 0) & (b.state != 0)
            return Flag(given & operate(a.values, b.values))

        return run

    @staticmethod
    def arithmetic(op: str, left: Compiled, right: Compiled) -> Compiled:
        def run(columns, n):
            a, b = left(columns, n), right(columns, n)
            if not (isinstance(a, Num) and isinstance(b, Num)):
                return _no_value(n)
            _exact(a)
            _exact(b)
            number = (a.state == 1) & (b.state == 1)
            if op == "/":
                number &= b.values != 0
                divisor = np.where(number, b.values, 1.0)
                return _check(
                    Num(np.where(number, a.values / divisor, 0.0), number.astype(np.int8), False)
                )
            result = _ARITHMETIC[op](a.values, b.values)
            return _check(Num(np.where(number, result, 0.0), number.astype(np.int8)))

        return run

    def contains(self, node: Binary) -> Compiled:
        needle = self.node(node.left)
        inside = node.op == "in"
        if isinstance(node.right, ListOf):
            literals = []
            for item in node.right.items:
                if not isinstance(item, Integer | DecimalNumber):
                    raise Unsupported("a list of anything but numbers")
                self.literal(item.value)  # refuses what doubles cannot hold
                literals.append(float(item.value))
            listed = np.array(literals, dtype=np.float64)

            def in_list(columns, n):
                value = needle(columns, n)
                given = _needle_given(value, n)
                if not isinstance(value, Num):
                    return Flag(given & (not inside))  # never equal to a number
                found = np.isin(value.values, listed)
                return Flag(given & (found if inside else ~found))

            return in_list
        haystack = self.node(node.right)

        def in_ticks(columns, n):
            value, ticks = needle(columns, n), haystack(columns, n)
            if not isinstance(ticks, Ticks):
                return Flag(np.zeros(n, dtype=bool))  # only a tuple of codes holds anything
            given = _needle_given(value, n) & ticks.present(n)  # nothing ticked: no tuple
            found = np.zeros(n, dtype=bool)
            if isinstance(value, Num):
                for code, flags in ticks.ticked.items():
                    found |= flags & (value.values == code)
            return Flag(given & (found if inside else ~found))

        return in_ticks

    def call(self, node: Call) -> Compiled:
        args = [self.node(arg) for arg in node.args]
        if node.function == "if":
            return self.choose(*args)
        if node.function == "answered":
            return lambda columns, n: Flag(_has(args[0](columns, n), n, answered=True))
        if node.function == "count":

            def count(columns, n):
                total = np.zeros(n)
                for arg in args:
                    total += _has(arg(columns, n), n, answered=False)
                return Num(total, np.ones(n, dtype=np.int8))

            return count
        return self.aggregate(node.function, args)

    @staticmethod
    def choose(condition: Compiled, when_true: Compiled, when_false: Compiled) -> Compiled:
        def run(columns, n):
            on = truthy(condition(columns, n), n)
            a, b = when_true(columns, n), when_false(columns, n)
            if isinstance(a, Num) and isinstance(b, Num):
                values = np.where(on, a.values, b.values)
                return Num(values, np.where(on, a.state, b.state), a.exact and b.exact)
            if isinstance(a, Flag) and isinstance(b, Flag):
                return Flag(np.where(on, a.values, b.values))
            raise Unsupported("if() of values of different kinds")

        return run

    @staticmethod
    def aggregate(function: str, args: list[Compiled]) -> Compiled:
        def run(columns, n):
            values = [arg(columns, n) for arg in args]
            numbers = [v for v in values if isinstance(v, Num)]
            if function in ("sum", "mean"):
                for value in numbers:
                    _exact(value)
            if not numbers:
                return _no_value(n)
            table = np.column_stack([v.values for v in numbers])
            given = np.column_stack([v.state == 1 for v in numbers])
            counts = given.sum(axis=1)
            some = counts > 0
            state = some.astype(np.int8)
            exact = all(v.exact for v in numbers)
            if function in ("sum", "mean"):
                total = np.where(given, table, 0.0).sum(axis=1)
                _check(
                    Num(np.where(given, np.abs(table), 0.0).sum(axis=1), state)
                )  # partial sums too
                if function == "sum":
                    return Num(np.where(some, total, 0.0), state)
                return Num(np.where(some, total / np.maximum(counts, 1), 0.0), state, False)
            fill = np.inf if function == "min" else -np.inf
            pick = np.min if function == "min" else np.max
            found = pick(np.where(given, table, fill), axis=1)
            return Num(np.where(some, found, 0.0), state, exact)

        return run


def _exact(value: Num) -> None:
    if not value.exact:
        raise Unsupported("arithmetic on a quotient (Decimal rounding)")


def _needle_given(value: Value, n: int) -> np.ndarray:
    """Where the left side of `in` has a value (user-missing codes count: they compare)."""
    if isinstance(value, Num):
        return value.state != 0
    if isinstance(value, Ticks):
        return value.present(n)
    return np.ones(n, dtype=bool)  # true and false are values


def _has(value: Value, n: int, answered: bool) -> np.ndarray:
    """`answered()` (user-missing codes count) or what `count()` counts (they do not)."""
    if isinstance(value, Num):
        return value.state != 0 if answered else value.state == 1
    if isinstance(value, Ticks):
        return value.present(n)
    return np.ones(n, dtype=bool)


_COMPARE = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}
_ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply}
