"""The JSON trees of expressions: a tiny evaluator of the trees agrees with Expression.evaluate.

The evaluator below reads only the JSON (as `fieldwork/static/js/routing.js` does) and
follows the contract's null rules; hypothesis checks it against the real evaluator on
every expression of the three study instruments, and on random trees.
"""

from __future__ import annotations

import datetime
import decimal
import json
import operator
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.expression_ast import Binary, Call, DecimalNumber, Integer, ListOf, Name, Self, Unary
from forms.expression_ast import String as StringNode
from forms.expression_json import answer_json, to_json
from forms.expressions import Expression, parse
from forms.loader import load_instrument
from forms.model import Instrument, Item

INSTRUMENTS = Path(__file__).resolve().parents[2] / "instruments"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONTEXT = decimal.Context(prec=28)
ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
ORDER = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
ARITHMETIC = {"+": CONTEXT.add, "-": CONTEXT.subtract, "*": CONTEXT.multiply, "/": CONTEXT.divide}


# --- a tiny evaluator of the JSON tree ---------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """A user-missing code."""

    code: int


def _scalar(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, Decimal):
        return v if v.is_finite() else None
    if isinstance(v, str):
        return v if v.strip() else None
    return v if isinstance(v, int | datetime.date) else None


def _normalise(v: Any) -> Any:
    if isinstance(v, dict):
        return v
    if isinstance(v, frozenset | list | tuple):
        return tuple(c for c in map(_scalar, v) if c is not None) or None
    return _scalar(v)


def _number(v: Any) -> Any:
    return v if isinstance(v, int | Decimal) and not isinstance(v, bool) else None


def _truthy(v: Any) -> bool:
    return v is not None and not isinstance(v, Missing) and bool(v)


def _has_value(v: Any) -> bool:
    if isinstance(v, dict):
        return any(_normalise(row) is not None for row in v.values())
    return v is not None and not isinstance(v, Missing)


def _date(v: Any, other: Any) -> Any:
    if isinstance(v, str) and isinstance(other, datetime.date) and ISO.match(v):
        try:
            return datetime.date.fromisoformat(v)
        except ValueError:
            return None
    return v


def _compare(op: str, a: Any, b: Any) -> bool:
    a, b = (x.code if isinstance(x, Missing) else x for x in (a, b))
    if a is None or b is None:
        return False
    if _number(a) is not None and _number(b) is not None:
        return ORDER[op](a, b)
    if isinstance(a, str) and isinstance(b, str):
        return ORDER[op](a, b)
    a = _date(a, b)
    b = _date(b, a)
    both = isinstance(a, datetime.date) and isinstance(b, datetime.date)
    return both and ORDER[op](a, b)


def _arithmetic(op: str, a: Any, b: Any) -> Any:
    a, b = _number(a), _number(b)
    if a is None or b is None or (op == "/" and b == 0):
        return None
    if op != "/" and isinstance(a, int) and isinstance(b, int):
        return {"+": a + b, "-": a - b, "*": a * b}[op]
    try:
        result = ARITHMETIC[op](Decimal(a), Decimal(b))
    except ArithmeticError:
        return None
    return result if result.is_finite() else None


def _sum(values: list) -> Any:
    result = None
    for n in filter(lambda v: v is not None, map(_number, values)):
        result = n if result is None else _arithmetic("+", result, n)
    return result


def _aggregate(fn: str, values: list) -> Any:
    found = [n for n in map(_number, values) if n is not None]
    if fn == "count":
        return sum(1 for v in values if _has_value(v))
    if fn == "sum":
        return _sum(values)
    if fn == "mean":
        return _arithmetic("/", _sum(values), len(found))
    return (min if fn == "min" else max)(found, default=None)


def _lookup(ref: str, codes: list[int] | None, answers: dict) -> Any:
    item, _, row = ref.partition(".")
    value = answers.get(item)
    if row:
        value = value.get(row) if isinstance(value, dict) else None
    value = _normalise(value)
    return Missing(value) if type(value) is int and value in (codes or ()) else value


def json_value(node: list, answers: dict, this: tuple[str, list[int]] | None = None) -> Any:
    """The value of a JSON tree (the evaluator routing.js implements)."""
    tag, *rest = node

    def sub(child: list) -> Any:
        return json_value(child, answers, this)

    if tag in ("int", "str"):
        return rest[0]
    if tag == "dec":
        return Decimal(rest[0])
    if tag == "name":
        return _lookup(rest[0], rest[1] if len(rest) > 1 else None, answers)
    if tag == "self":
        return None if this is None else _lookup(this[0], this[1], answers)
    if tag == "list":
        return tuple(map(sub, rest))
    if tag == "not":
        return not _truthy(sub(rest[0]))
    if tag == "neg":
        return _arithmetic("-", 0, sub(rest[0]))
    if tag in ("and", "or"):
        left = _truthy(sub(rest[0]))
        return (left and _truthy(sub(rest[1]))) if tag == "and" else (left or _truthy(sub(rest[1])))
    if tag == "call":
        fn, *args = rest
        if fn == "if":
            return sub(args[1] if _truthy(sub(args[0])) else args[2])
        values = list(map(sub, args))
        if fn == "answered":
            return isinstance(values[0], Missing) or _has_value(values[0])
        return _aggregate(fn, values)
    left, right = sub(rest[0]), sub(rest[1])
    if tag in ("in", "not in"):
        needle = left.code if isinstance(left, Missing) else left
        if not isinstance(right, tuple) or needle is None:
            return False
        found = any(_compare("==", left, code) for code in right)
        return found if tag == "in" else not found
    return _compare(tag, left, right) if tag in ORDER else _arithmetic(tag, left, right)


def public(value: Any) -> Any:
    """As Expression.evaluate returns it: user-missing is None, ticked codes a frozenset."""
    if isinstance(value, Missing):
        return None
    return frozenset(value) if isinstance(value, tuple) else value


# --- answers for an instrument's items ----------------------------------------------------


def answer_strategy(item: Item) -> st.SearchStrategy:
    """Plausible and implausible answers to one item, in the Answers shape."""
    codes = list(item.choices.codes) if item.choices else [1, 2]
    code = st.sampled_from(codes) | st.integers(-2, 120)
    by_type = {
        "single": code,
        "multiple": st.frozensets(code, max_size=4),
        "grid": st.dictionaries(st.sampled_from([r.id for r in item.rows] or ["x"]), code),
        "integer": st.integers(-1, 3) | st.integers(-5, 150),
        "decimal": st.decimals(-50, 500, places=2, allow_nan=False),
        "date": st.dates(datetime.date(1900, 1, 1), datetime.date(2030, 12, 31)),
    }
    text = st.text(alphabet=" abcxyz-0123456789", max_size=6)  # trimmed alike in JS and Python
    return st.none() | by_type.get(item.type, text)


def instrument_answers(instrument: Instrument) -> st.SearchStrategy[dict]:
    """Answers dicts for any subset of an instrument's questions."""
    items = {item.id: answer_strategy(item) for item in instrument.iter_questions()}
    return st.fixed_dictionaries({}, optional=items)


def instrument_expressions(instrument: Instrument) -> list[tuple[Expression, str | None]]:
    """Every expression of an instrument, with the item `.` stands for (constraints)."""
    found: list[tuple[Expression, str | None]] = []
    for section in instrument.sections:
        found += [(section.show_if, None)] if section.show_if else []
        for item in section.items:
            found += [(item.show_if, None)] if item.show_if else []
            found += [(item.constraint, item.id)] if item.constraint else []
    for score in instrument.scores:
        found += [(score.expr, None)] + ([(score.valid_if, None)] if score.valid_if else [])
    return found


def self_of(this: str | None, missing) -> tuple[str, list[int]] | None:
    """`.` and its user-missing codes, for the tiny evaluator."""
    if this is None:
        return None
    tree = to_json(Name(this), missing)
    return (this, tree[2] if len(tree) > 2 else [])


def load(name: str) -> Instrument:
    """One of the study's instruments."""
    return load_instrument(INSTRUMENTS / f"{name}.yaml")


STUDY = {name: load(name) for name in ("patient", "practice_staff", "mental_health")}


# --- tests ---------------------------------------------------------------------------------


def test_shapes():
    tree = to_json(parse("not (q1 in [1, -2]) and mean(g.a, 2.5) >= 'x' or answered(.)"))
    assert tree == [
        "or",
        [
            "and",
            ["not", ["in", ["name", "q1"], ["list", ["int", 1], ["neg", ["int", 2]]]]],
            [">=", ["call", "mean", ["name", "g.a"], ["dec", "2.5"]], ["str", "x"]],
        ],
        ["call", "answered", ["self"]],
    ]


def test_names_carry_their_user_missing_codes():
    missing = {"q": frozenset({98, 99}), "g": frozenset({9})}
    assert to_json(parse("q == 98 or g.a == 9 or z == 1"), missing) == [
        "or",
        [
            "or",
            ["==", ["name", "q", [98, 99]], ["int", 98]],
            ["==", ["name", "g.a", [9]], ["int", 9]],
        ],
        ["==", ["name", "z"], ["int", 1]],
    ]


def test_every_study_expression_is_plain_json():
    for instrument in STUDY.values():
        for expr, _ in instrument_expressions(instrument):
            tree = to_json(expr, instrument.missing_codes)
            assert json.loads(json.dumps(tree)) == tree


def test_nodes_and_expressions_give_the_same_tree():
    expr = parse("x + 1 > 2")
    assert to_json(expr) == to_json(expr.root)
    with pytest.raises(TypeError):
        to_json(object())  # type: ignore[arg-type]


def test_answers_as_json():
    assert answer_json(datetime.date(2024, 3, 5)) == {"$date": "2024-03-05"}
    assert answer_json(frozenset({12, 3})) == [12, 3]  # order does not matter to `in`
    assert answer_json({"a": 1, "b": None}) == {"a": 1, "b": None}
    assert answer_json(Decimal("2.50")) == 2.5 and answer_json(Decimal("7")) == 7
    assert [answer_json(v) for v in (None, True, "t", 4, object())] == [None, None, "t", 4, None]


@pytest.mark.parametrize("name", sorted(STUDY))
def test_study_expressions_agree_with_the_evaluator(name):
    instrument = STUDY[name]
    expressions = instrument_expressions(instrument)
    missing = instrument.missing_codes
    assert expressions

    @FAST
    @given(instrument_answers(instrument))
    def check(answers: dict) -> None:
        for expr, this in expressions:
            tree = to_json(expr, missing)
            expected = expr.evaluate(answers, missing=missing, this=this)
            got = json_value(tree, answers, self_of(this, missing))
            assert public(got) == expected, expr.source

    check()


# random trees over a few names, with answers of every shape the browser can hold
REFS = ["a", "b", "g", "g.x", "g.y", "m"]
SMALL = st.integers(0, 3) | st.integers(-3, 120)  # small numbers make ties, which `<` meets
DATES = st.dates(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
DATE_TEXT = st.sampled_from(["", " ", "x", "2024-03-15", "2024-02-30"])


def random_trees(exact: bool = False) -> st.SearchStrategy:
    """Trees over REFS; `exact`: whole numbers, no `/` or mean (same result in floats)."""
    numbers = st.builds(Integer, SMALL.filter(lambda n: n >= 0))
    if not exact:
        numbers |= st.builds(
            DecimalNumber, st.decimals(0, 3, places=1) | st.decimals(0, 99, places=2)
        )
    refs = st.builds(Name, st.sampled_from(REFS))
    leaves = st.one_of(refs, numbers, st.builds(StringNode, DATE_TEXT), st.builds(Self))
    ops = ["and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*"]
    ops += [] if exact else ["/"]
    functions = ["count", "sum", "min", "max"] + ([] if exact else ["mean"])

    def compound(children: st.SearchStrategy) -> st.SearchStrategy:
        some = st.lists(children, min_size=1, max_size=3).map(tuple)
        return st.one_of(
            st.builds(Unary, st.sampled_from(["-", "not"]), children),
            st.builds(Binary, st.sampled_from(ops), children, children),
            st.builds(Binary, st.sampled_from(["in", "not in"]), children, st.builds(ListOf, some)),
            st.builds(Call, st.sampled_from(functions), some),
            st.builds(lambda ref: Call("answered", (ref,)), refs),
            st.builds(lambda a, b, c: Call("if", (a, b, c)), children, children, children),
        )

    return st.recursive(leaves, compound, max_leaves=8 if exact else 10)


def random_answers(exact: bool = False) -> st.SearchStrategy[dict]:
    """Answers to REFS' items of every shape the browser holds (`exact`: no decimals)."""
    scalars = st.one_of(st.none(), SMALL, st.sampled_from(["", " ", "x", "2024-03-15"]), DATES)
    if not exact:
        scalars |= st.decimals(0, 3, places=1) | st.decimals(-10, 100, places=2)
    grids = st.dictionaries(st.sampled_from(["x", "y"]), st.none() | st.integers(0, 99))
    values = scalars | st.frozensets(st.integers(0, 99), max_size=3) | grids
    return st.fixed_dictionaries({}, optional=dict.fromkeys(["a", "b", "g", "m"], values))


random_missing = st.dictionaries(
    st.sampled_from(["a", "b", "g", "g.x", "m"]), st.frozensets(SMALL, max_size=3)
)


@FAST
@given(random_trees(), random_answers(), random_missing, st.none() | st.sampled_from(["a", "g.x"]))
def test_random_trees_agree_with_the_evaluator(tree, answers, missing, this):
    expr = Expression("", tree)
    expected = expr.evaluate(answers, missing=missing, this=this)
    got = json_value(to_json(expr, missing), answers, self_of(this, missing))
    assert public(got) == expected
