"""Column-wise judging (`forms.columnar`) agrees with the evaluator, response by response.

Random expressions over an instrument's names and random chunks of stored values
(blanks, paper marks, user-missing codes, large numbers) are judged both ways: the
compiled column operations and `Expression.test` / `evaluate` on each response's
answers (`forms.stored.record_answers`), the reference.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from forms.columnar import Unsupported, compile_columns
from forms.expression_ast import (
    Binary,
    Call,
    DecimalNumber,
    Integer,
    ListOf,
    Name,
    Node,
    Unary,
    to_source,
)
from forms.expressions import Expression, parse
from forms.loader import load_instrument, load_text
from forms.stored import record_answers

INSTRUMENT = load_text(
    """\
instrument: cols
version: 1
title: Columns
languages: [en]
audience: patient
intro: Hello
outro: Thanks
choice_lists:
  yes_no: {1: "Yes", 2: "No", 9: "Don't know", missing: [9]}
  agree: {0: None, 1: Some, 2: All}
sections:
  - id: s1
    title: One
    items:
      - {id: a, type: single, text: A?, choices: yes_no}
      - {id: b, type: single, text: B?, choices: agree}
      - {id: m, type: multiple, text: M?, choices: {1: One, 2: Two, 6: Six}}
      - {id: g, type: grid, text: G?, choices: yes_no, rows: {r: R, s: S}}
      - {id: n, type: integer, text: N?}
      - {id: d, type: decimal, text: D?}
      - {id: t, type: text, text: T?}
""",
    "cols.yaml",
)
COMPILED = ["a", "b", "m", "g.r", "g.s", "n"]
NAMES = COMPILED * 4 + ["d", "t", "g", "m.x"]  # mostly names the columns judge
COLUMNS = ["a", "b", "m_1", "m_2", "m_6", "g_r", "g_s", "n", "d"]
FAST = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROWS = 12

# --- random expressions over the instrument's names ---------------------------------------

small = st.integers(-3, 10)
literals = st.one_of(
    st.builds(Integer, small | small | st.integers(0, 2**60)),
    st.builds(lambda d: DecimalNumber(Decimal(d)), st.sampled_from(["0.5", "2.5", "0.1", "1.0"])),
)
leaves = st.one_of(st.builds(Name, st.sampled_from(NAMES)), literals)


def _compound(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    some = st.lists(children, min_size=1, max_size=4).map(tuple)
    listed = st.lists(literals, max_size=4).map(lambda items: ListOf(tuple(items)))
    return st.one_of(
        st.builds(Unary, st.sampled_from(["-", "not"]), children),
        st.builds(Binary, st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.builds(Binary, st.sampled_from(["and", "or"]), children, children),
        st.builds(Binary, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), children, children),
        st.builds(Binary, st.sampled_from(["in", "not in"]), children, listed | children),
        st.builds(Call, st.sampled_from(["count", "sum", "mean", "min", "max"]), some),
        st.builds(lambda c: Call("answered", (c,)), children),
        st.builds(lambda a, b, c: Call("if", (a, b, c)), children, children, children),
    )


trees = st.recursive(leaves, _compound, max_leaves=10)

# --- random chunks of stored values -------------------------------------------------------

codes = st.sampled_from([math.nan, math.nan, 0.0, 1.0, 2.0, 9.0, -96.0])
flags = st.sampled_from([math.nan, 0.0, 1.0, 1.0, -96.0])
wholes = st.one_of(st.sampled_from([math.nan, 0.0, 1.0, 2.0, -5.0]), st.integers(-(2**54), 2**54))
decimals = st.sampled_from([math.nan, 0.1, 2.5, 3.0])
KINDS = {"a": codes, "b": codes, "g_r": codes, "g_s": codes, "n": wholes, "d": decimals}
rows = st.fixed_dictionaries({c: KINDS.get(c, flags).map(float) for c in COLUMNS})
chunks = st.lists(rows, min_size=1, max_size=ROWS)


def _columns(chunk: list[dict[str, float]]) -> dict[str, np.ndarray]:
    return {name: np.array([row[name] for row in chunk], dtype=np.float64) for name in COLUMNS}


def _record(row: dict[str, float]) -> dict:
    """A stored record as `exports` hands it over: no blanks, whole floats as ints."""
    return {k: int(v) if v.is_integer() else v for k, v in row.items() if not math.isnan(v)}


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        return math.nan
    return float(value)


def _agree(expression: Expression, chunk: list[dict[str, float]]) -> None:
    try:
        judge = compile_columns(expression, INSTRUMENT)
    except Unsupported:
        event("not compiled")
        return
    columns, n = _columns(chunk), len(chunk)
    missing = INSTRUMENT.missing_codes
    answers = [record_answers(INSTRUMENT, _record(row)) for row in chunk]
    try:
        tested, numbers = judge.test(columns, n), judge.numbers(columns, n)
    except Unsupported:
        event("chunk left to the evaluator")
        return
    event("compared")
    expected = [expression.test(a, missing=missing) for a in answers]
    assert tested.tolist() == expected, to_source(expression.root)
    wanted = np.array([_number(expression.evaluate(a, missing=missing)) for a in answers])
    assert np.array_equal(numbers, wanted, equal_nan=True), to_source(expression.root)


@FAST
@given(trees, chunks)
def test_random_expressions_agree_with_the_evaluator(tree, chunk):
    _agree(Expression(to_source(tree), tree), chunk)


WRITTEN = [
    "a == 1",
    "a == 9",
    "a != 1",
    "a in [1, 9]",
    "a not in [1, 2]",
    "6 in m",
    "6 not in m",
    "a in m",
    "answered(a) and not answered(m)",
    "count(a, b, m, g.r, g.s, n) >= 3",
    "mean(5 - g.r, 5 - g.s)",
    "sum(a, b, n) / 2",
    "if(a == 1 and b in [1, 2], 1, 0)",
    "min(a, b, n) < max(g.r, g.s)",
    "-n + a * b",
    "a == 1 or g.s == 2",
]


@pytest.mark.parametrize("source", WRITTEN)
@settings(max_examples=60, deadline=None)
@given(chunks)
def test_written_expressions_compile_and_agree(source, chunk):
    expression = parse(source)
    compile_columns(expression, INSTRUMENT)  # each of these must take the fast path
    _agree(expression, chunk)


def test_every_routing_and_score_of_the_shipped_instruments_compiles():
    """The fast path is the one taken: nothing the shipped questionnaires route on or score
    falls back to judging by response."""
    folder = Path(__file__).resolve().parents[2] / "instruments"
    compiled = 0
    for path in sorted(folder.glob("*.yaml")):
        instrument = load_instrument(path)
        expressions = [s.show_if for s in instrument.sections]
        expressions += [i.show_if for i in instrument.items]
        expressions += [e for s in instrument.scores for e in (s.expr, s.valid_if)]
        for expression in filter(None, expressions):
            compile_columns(expression, instrument)
            compiled += 1
    assert compiled > 20


@pytest.mark.parametrize("source", ["t == 'x'", "d > 1", "g == 1", "n / a", "a == 'x'"])
def test_what_is_not_compiled_says_so(source):
    with pytest.raises(Unsupported):
        compile_columns(parse(source), INSTRUMENT)


def test_values_beyond_exact_doubles_are_left_to_the_evaluator():
    judge = compile_columns(parse("n + 1 > 0"), INSTRUMENT)
    columns = {name: np.array([math.nan]) for name in COLUMNS}
    columns["n"] = np.array([2.0**60])
    with pytest.raises(Unsupported):
        judge.test(columns, 1)
