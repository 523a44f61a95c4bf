"""Properties of the expression language, checked with hypothesis.

1. Printing round-trips: any tree the grammar allows prints to text that parses back to
   the same tree, both canonically (`to_source`) and with random spacing and brackets.
2. Evaluation never raises, whatever the answers dict holds.
3. Nothing escapes the whitelist: any text parses to allowed functions and names, or
   raises ExpressionError, never anything else.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.errors import ExpressionError
from forms.evaluate import Evaluator, evaluate
from forms.expression_ast import (
    ARITHMETIC,
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
    to_source,
    walk,
)
from forms.expressions import ALLOWED_FUNCTIONS, Expression, parse

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?\Z")
NOT_NAMES = {"and", "or", "not", "in", "if", "is", "true", "false", "none", "lambda", "for"}
NOT_NAMES |= {"else", "import"}

# --- trees the grammar allows ------------------------------------------------------------

ids = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda s: s not in NOT_NAMES)
refs = st.one_of(ids, st.builds(lambda a, b: f"{a}.{b}", ids, ids))
names = st.builds(Name, refs)
integers = st.builds(Integer, st.integers(0, 10**12))
decimals = st.builds(
    lambda whole, digits: DecimalNumber(Decimal(f"{whole}.{digits}")),
    st.integers(0, 10**6),
    st.from_regex(r"[0-9]{1,6}", fullmatch=True),
)
strings = st.builds(String, st.text(max_size=8).filter(lambda s: not ("'" in s and '"' in s)))
numbers = integers | decimals
negative = st.builds(lambda n: Unary("-", n), numbers)
leaves = st.one_of(names, numbers, strings, st.builds(Self), negative)
list_items = st.lists(st.one_of(numbers, negative, strings), max_size=4).map(tuple)


def _compound(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    # each family of operators on its own, so same-strength nesting (a - (b - c)) is common
    families = [ARITHMETIC, ("and", "or"), ("==", "!=", "<", "<=", ">", ">=", "in", "not in")]
    some = st.lists(children, min_size=1, max_size=3).map(tuple)
    return st.one_of(
        st.builds(Unary, st.sampled_from(["-", "not"]), children),
        *(st.builds(Binary, st.sampled_from(ops), children, children) for ops in families),
        st.builds(
            Binary, st.sampled_from(["in", "not in"]), children, st.builds(ListOf, list_items)
        ),
        st.builds(Call, st.sampled_from(["count", "sum", "mean", "min", "max"]), some),
        st.builds(lambda ref: Call("answered", (ref,)), names | st.builds(Self)),
        st.builds(lambda a, b, c: Call("if", (a, b, c)), children, children, children),
    )


trees = st.recursive(leaves, _compound, max_leaves=12)


@st.composite
def loose_source(draw: st.DrawFn, node: Node) -> str:
    """`node` printed fully bracketed, with random spacing and quote style."""
    space = draw(st.sampled_from(["", " ", "  ", "\t", "\n"]))
    if isinstance(node, Binary):
        left, right = draw(loose_source(node.left)), draw(loose_source(node.right))
        return f"({left}{space} {node.op} {space}{right})"
    if isinstance(node, Unary):
        gap = " " if node.op == "not" else space
        return f"({node.op}{gap}{draw(loose_source(node.operand))})"
    if isinstance(node, ListOf):  # list items are bare literals
        return "[" + f",{space}".join(to_source(item) for item in node.items) + f"{space}]"
    if isinstance(node, Call):
        inner = f",{space}".join(draw(loose_source(arg)) for arg in node.args)
        return f"{node.function}({space}{inner})"
    if isinstance(node, String) and '"' not in node.value and "'" not in node.value:
        return draw(st.sampled_from([f"'{node.value}'", f'"{node.value}"']))
    if isinstance(node, DecimalNumber | Integer) and draw(st.booleans()):
        return f"({to_source(node)})"
    return to_source(node)


@FAST
@given(trees)
def test_canonical_printing_round_trips(tree: Node) -> None:
    text = to_source(tree)
    expr = parse(text)
    assert expr.root == tree
    assert expr.to_source() == text


@FAST
@given(st.data(), trees)
def test_loosely_printed_trees_parse_to_the_same_tree(data: st.DataObject, tree: Node) -> None:
    text = data.draw(loose_source(tree))
    assert parse(text).root == tree
    assert parse(parse(text).to_source()) == parse(text)


@FAST
@given(trees.filter(lambda tree: not any(isinstance(n, String) for n in walk(tree))))
def test_printing_uses_no_needless_brackets(tree: Node) -> None:
    text = to_source(tree)
    for start in (i for i, char in enumerate(text) if char == "("):
        if start and text[start - 1].isalpha():
            continue  # a call's brackets
        depth, end = 0, start
        for end in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        without = f"{text[:start]} {text[start + 1 : end]} {text[end + 1 :]}"
        try:
            same = parse(without) == parse(text)
        except ExpressionError:
            same = False
        assert not same, f"needless brackets at {start} in {text!r}"


# --- evaluation never raises -------------------------------------------------------------

hostile = st.sampled_from(
    [
        *(Decimal("sNaN"), Decimal("NaN"), Decimal("-Infinity"), Decimal("9e999999")),
        *(float("nan"), float("-inf"), 10**400, -(10**400), True, False, b"1", "", " "),
        *(complex(1, 1), Fraction(1, 3), object(), "2020-02-30", "9", ["x", [1]]),
        datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    ]
)
scalars = st.one_of(
    hostile,
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**60), 10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2020-01-01", "2020-02-30", "0001-01-01", "9999-12-31", " ", "9"]),
    st.binary(max_size=4),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, datetime.UTC])),
    st.fractions(),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.builds(object),
)
hashables = st.one_of(
    st.integers(-5, 120), st.text(max_size=3), st.floats(), st.decimals(allow_nan=False)
)
answer_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.frozensets(hashables, max_size=4),
        st.sets(hashables, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b", "book", "rx"]) | st.text(max_size=3), inner),
    ),
    max_leaves=6,
)
pool = ["a", "b", "q", "ease", "services", "x"]
pool_names = st.sampled_from([*pool, "ease.book", "a.b", "q.x"])
pool_trees = st.recursive(
    st.one_of(st.builds(Name, pool_names), numbers, strings, st.builds(Self), negative),
    _compound,
    max_leaves=10,
)
answers = st.fixed_dictionaries({}, optional=dict.fromkeys(pool, answer_values))
missing = st.dictionaries(pool_names, st.frozensets(st.integers(0, 99), max_size=3), max_size=4)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool_trees, answers, missing, st.none() | st.sampled_from(pool))
def test_evaluation_never_raises(tree: Node, given_answers: dict, codes: dict, this: str) -> None:
    # the evaluator itself, not the public method's safety net, must survive anything
    walked = evaluate(tree, given_answers, codes, this)
    expr = Expression("", tree)
    assert expr.test(given_answers, missing=codes, this=this) in (True, False)
    # an Expression evaluates its compiled tree: the same value as the tree walk
    compiled = expr.evaluate(given_answers, missing=codes, this=this)
    assert (type(compiled), compiled) == (type(walked), walked)


plain_values = st.one_of(
    st.none(),
    st.integers(0, 3),
    st.frozensets(st.integers(0, 3), max_size=3),
    st.sampled_from(["", "x", "2020-01-01", Decimal("1.5")]),
    st.dictionaries(st.sampled_from(["b", "x", "book"]), st.integers(0, 3), max_size=2),
)
plain_answers = st.fixed_dictionaries({}, optional=dict.fromkeys(pool, plain_values))


@FAST
@given(pool_trees, plain_answers, missing, st.none() | st.sampled_from(pool))
def test_compiled_expressions_give_what_the_tree_walk_gives(
    tree: Node, given_answers: dict, codes: dict, this: str
) -> None:
    # ordinary answers, so that tests and conditions come out both ways
    walked = evaluate(tree, given_answers, codes, this)
    compiled = Expression("", tree).evaluate(given_answers, missing=codes, this=this)
    assert (type(compiled), compiled) == (type(walked), walked)


@FAST
@given(pool_trees, answers, missing)
def test_comparisons_are_booleans_and_null_comparisons_are_false(
    tree: Node, given_answers: dict, codes: dict
) -> None:
    evaluator = Evaluator(given_answers, codes, None)
    for op in ("==", "!=", "<", "<=", ">", ">="):
        result = evaluator.value(Binary(op, tree, tree))
        assert result in (True, False)
        if evaluator.value(tree) is None:
            assert result is False
            assert evaluator.value(Binary(op, tree, Integer(1))) is False


# --- nothing escapes the whitelist -------------------------------------------------------

VOCABULARY = [
    *("a", "b1", "ease.book", "a.b.c", "a.__class__", "__import__", "os", "system", "Q1"),
    *("sum", "count", "answered", "if", "mean", "min", "max", "open", "eval", "lambda"),
    *("and", "or", "not", "in", "is", "True", "none", "for", "import", "else"),
    *("(", ")", "[", "]", ",", ".", ":", ";", "`", "=", "==", "!=", "<", "<=", ">", ">="),
    *("+", "-", "*", "/", "**", "//", "%", "@", "~", "&", "|", "\\", "#", "{", "}"),
    *("0", "1", "2.5", "007", ".5", "2.", "3x", "'s'", '"t"', "'", '"', "‘", "\x00", "é"),
]
functions_swapped = st.builds(  # valid text with one call swapped for another identifier
    lambda text, word: re.sub(
        r"\b(count|sum|mean|min|max|answered|if)\(", f"{word}(", text, count=1
    ),
    trees.map(to_source),
    st.sampled_from(["open", "eval", "__import__", "os.system", "a.b", "Sum", "x", "lambda"]),
)


@st.composite
def spliced(draw: st.DrawFn) -> str:
    """Valid text with a fragment of the vocabulary inserted somewhere."""
    text = to_source(draw(trees))
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from(VOCABULARY)) + text[at:]


token_soup = st.lists(st.sampled_from(VOCABULARY), max_size=15).flatmap(
    lambda words: st.lists(
        st.sampled_from(["", " ", "\n"]), min_size=len(words), max_size=len(words)
    ).map(lambda gaps: "".join(w + g for w, g in zip(words, gaps, strict=True)))
)


def _check_whitelisted(text: str) -> None:
    try:
        expr = parse(text)
    except ExpressionError as error:
        assert error.message and isinstance(error.column, int)
        assert 0 <= error.column <= len(text) + 1
        return
    assert expr.functions() <= ALLOWED_FUNCTIONS
    assert all(NAME_PATTERN.match(name) for name in expr.names)
    assert parse(expr.to_source()) == expr
    assert expr.test({}) in (True, False)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_parses_within_the_whitelist_or_is_refused(text: str) -> None:
    _check_whitelisted(text)


@settings(max_examples=300, deadline=None)
@given(token_soup | functions_swapped | spliced())
def test_token_soup_parses_within_the_whitelist_or_is_refused(text: str) -> None:
    _check_whitelisted(text)


@FAST
@given(trees)
def test_names_and_functions_match_the_tree(tree: Node) -> None:
    expr = parse(to_source(tree))
    assert expr.functions() <= ALLOWED_FUNCTIONS
    assert all(NAME_PATTERN.match(name) for name in expr.names)
    assert all(isinstance(code, int) for _, code, _ in expr.code_comparisons())
    assert expr.uses_self == any(isinstance(node, Self) for node in walk(tree))


def test_fractions_and_complex_answers_are_no_value() -> None:
    assert parse("a + 1").evaluate({"a": Fraction(1, 2)}) is None
    assert parse("a == 1").evaluate({"a": complex(1, 0)}) is False
