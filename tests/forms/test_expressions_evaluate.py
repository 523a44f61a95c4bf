"""Evaluating expressions: operators, functions, no-value and user-missing rules, bad answers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from forms.expressions import parse, truthy

MISSING = {"q5": frozenset({9}), "ease.book": frozenset({9}), "ease.rx": frozenset({9})}


def value(source: str, answers: dict | None = None, **kwargs: object) -> object:
    return parse(source).evaluate(answers or {}, **kwargs)


# --- evaluation --------------------------------------------------------------------------

ANSWERS = {
    "a": 1,
    "b": 2,
    "z": 0,
    "f": Decimal("2.5"),
    "fl": 0.1,
    "t": "hello",
    "d": datetime.date(2020, 1, 5),
    "services": frozenset({1, 4}),
    "listed": [2, 3],
    "none_ticked": frozenset(),
    "q5": 9,
    "ease": {"book": 9, "rx": 3},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a == 1", True),
        ("a != 1", False),
        ("a < b", True),
        ("a <= 1", True),
        ("a > 1", False),
        ("b >= 2", True),
        ("f > b", True),
        ("f == 2.5", True),
        ("f == 2.50", True),
        ("fl == 0.1", True),
        ("a + b", 3),
        ("b - a * 3", -1),
        ("-a", -1),
        ("-f", Decimal("-2.5")),
        ("a + f", Decimal("3.5")),
        ("b / 4", Decimal("0.5")),
        ("6 / 3", Decimal("2")),
        ("fl * 10", Decimal("1.0")),
        ("(a + b) * 2", 6),
        ("a == 1 and b == 2", True),
        ("a == 1 and b == 3", False),
        ("a == 3 or b == 2", True),
        ("not a == 3", True),
        ("not a", False),
        ("not z", True),
        ("a in [1, 2]", True),
        ("a not in [1, 2]", False),
        ("a in []", False),
        ("a not in []", True),
        ("4 in services", True),
        ("2 in services", False),
        ("2 not in services", True),
        ("3 in listed", True),
        ("a in services", True),
        ("f in [2.5]", True),
        ("t in ['hello', 'bye']", True),
        ("t == 'hello'", True),
        ("t < 'world'", True),
        ("d == '2020-01-05'", True),
        ("d < '2021-01-01'", True),
        ("'2019-12-31' < d", True),
        ("d > '2020-13-01'", False),
        ("d == '2020-1-5'", False),
        ("sum(a, b, f)", Decimal("5.5")),
        ("mean(a, b)", Decimal("1.5")),
        ("min(b, f, a)", 1),
        ("max(b, f, a)", Decimal("2.5")),
        ("count(a, b, nope, t)", 3),
        ("count(services, none_ticked)", 1),
        ("answered(a)", True),
        ("answered(nope)", False),
        ("answered(none_ticked)", False),
        ("answered(ease)", True),
        ("if(a == 1, 'yes', 'no')", "yes"),
        ("if(a == 2, 'yes', 'no')", "no"),
        ("if(nope, 1, 2)", 2),
        ("ease.rx == 3", True),
        ("ease.rx * 2", 6),
        ("ease.zz", None),
        ("a.b", None),
        ("services", frozenset({1, 4})),
        ("t", "hello"),
    ],
)
def test_evaluate(source: str, expected: object) -> None:
    result = value(source, ANSWERS)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_every_comparison_with_no_value_is_false(op: str) -> None:
    for source in (f"nope {op} 1", f"1 {op} nope", f"nope {op} nope", f"none_ticked {op} 1"):
        assert value(source, ANSWERS) is False
        assert parse(source).test({"nope": None}) is False


@pytest.mark.parametrize(
    "source",
    [
        "nope in [1, 2]",
        "nope not in [1, 2]",
        "4 in nope",
        "4 not in nope",
        "4 not in none_ticked",
        "nope in services",
        "a in t",
        "a not in b",
    ],
)
def test_membership_with_no_value_is_false(source: str) -> None:
    assert value(source, ANSWERS) is False


@pytest.mark.parametrize(
    "source",
    ["nope + 1", "1 - nope", "-nope", "nope * 0", "a / z", "a / nope", "t + 1", "d - 1"],
)
def test_arithmetic_with_no_value_has_no_value(source: str) -> None:
    assert value(source, ANSWERS) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("sum(a, nope, b)", 3),
        ("sum(nope)", None),
        ("mean(a, nope, b)", Decimal("1.5")),
        ("mean(nope, t)", None),
        ("min(nope, b)", 2),
        ("max(nope)", None),
        ("count(nope, none_ticked)", 0),
        ("sum(a / z, b)", 2),
    ],
)
def test_aggregates_skip_no_value(source: str, expected: object) -> None:
    assert value(source, ANSWERS) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("nope and a", False),
        ("a and nope", False),
        ("nope or a", True),
        ("not nope", True),
        ("if(nope, 'y', 'n')", "n"),
        ("if(nope == 1, 'y', 'n')", "n"),
    ],
)
def test_logic_reads_no_value_as_false(source: str, expected: object) -> None:
    assert value(source, ANSWERS) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("q5 == 9", True),
        ("q5 != 1", True),
        ("q5 > 3", True),
        ("q5 in [9]", True),
        ("answered(q5)", True),
        ("q5 + 0", None),
        ("-q5", None),
        ("sum(q5, 1)", 1),
        ("mean(q5, ease.book, ease.rx)", Decimal("3")),
        ("min(q5, 4)", 4),
        ("max(q5)", None),
        ("count(q5, ease.book, ease.rx)", 1),
        ("q5", None),
        ("if(a == 1, q5, 0) + 1", None),
        ("if(a == 1, q5, 0) == 9", True),
        ("ease.book == 9", True),
        ("answered(ease.book)", True),
    ],
)
def test_user_missing_codes_are_answers_but_not_numbers(source: str, expected: object) -> None:
    assert value(source, ANSWERS, missing=MISSING) == expected


def test_missing_codes_of_a_grid_may_be_given_for_the_grid() -> None:
    assert value("ease.book + 1", ANSWERS, missing={"ease": frozenset({9})}) is None
    assert value("ease.book + 1", ANSWERS) == 10


def test_self_is_the_items_own_value() -> None:
    expr = parse(". >= 18 and . <= 120")
    assert expr.uses_self
    assert expr.test({"age": 30}, this="age")
    assert not expr.test({"age": 12}, this="age")
    assert not expr.test({}, this="age")
    assert not expr.test({"age": 30})  # no `this`: no value
    assert value(". + 1", {"q5": 9}, this="q5", missing=MISSING) is None
    assert value(". == 9", {"q5": 9}, this="q5", missing=MISSING) is True
    assert value("answered(.)", {"q5": 9}, this="q5", missing=MISSING) is True


@pytest.mark.parametrize(
    "answers",
    [
        None,
        {"a": True},
        {"a": "1"},
        {"a": float("nan")},
        {"a": float("inf")},
        {"a": Decimal("NaN")},
        {"a": Decimal("sNaN")},
        {"a": Decimal("Infinity")},
        {"a": 10**5000},
        {"a": object()},
        {"a": b"1"},
        {"a": [[1], {2}, None]},
        {"a": {"b": object()}},
        {"a": complex(1, 2)},
        {"a": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)},
        {"ease": [1, 2], "services": "1,4", "d": "2020-01-01"},
        {"ease": {"book": {"x": 1}}, "services": {"a": 1}},
    ],
)
def test_evaluation_never_raises_on_wrong_types(answers: dict | None) -> None:
    sources = [
        "a == 1",
        "a != 1",
        "a < 'x'",
        "a + 1",
        "a * a / 3",
        "a / 0",
        "-a",
        "sum(a, 1)",
        "mean(a, a)",
        "min(a)",
        "max(a, 2)",
        "count(a)",
        "answered(a)",
        "a in [1]",
        "1 in a",
        "ease.book == 1",
        "4 in services",
        "d < '2021-01-01'",
        "if(a, a, a)",
        "not a",
        "a and a or a",
    ]
    for source in sources:
        parse(source).evaluate(answers)
        assert parse(source).test(answers) in (True, False)


def test_wrong_types_give_no_value() -> None:
    assert value("a == 1", {"a": True}) is False
    assert value("a == 1", {"a": "1"}) is False
    assert value("a != 1", {"a": "1"}) is False
    assert value("a + 1", {"a": "1"}) is None
    assert value("a + 1", {"a": float("nan")}) is None
    assert value("a < '2021-01-01'", {"a": datetime.datetime(2020, 5, 1, 12)}) is True
    assert value("answered(a)", {"a": "   "}) is False
    assert value("a * a", {"a": 10**5000}) is not None


def test_huge_decimals_overflow_to_no_value() -> None:
    assert value("a * a", {"a": Decimal("9e999999")}) is None


def test_truthy() -> None:
    assert truthy(True) and truthy(1) and truthy("x") and truthy(Decimal("0.1"))
    assert not truthy(None) and not truthy(False) and not truthy(0) and not truthy("")

    class Hostile:
        def __bool__(self) -> bool:
            raise RuntimeError

    assert truthy(Hostile()) is False


def test_test_returns_bool() -> None:
    assert parse("a").test({"a": 5}) is True
    assert parse("a + 1").test({}) is False
    assert parse("t").test({"t": "x"}) is True
