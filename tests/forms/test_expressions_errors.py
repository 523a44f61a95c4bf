"""Expressions that are refused: what the message says, where, and that nothing slips through."""

from __future__ import annotations

import io
import itertools
import tokenize
from pathlib import Path

import pytest

from forms.errors import ExpressionError
from forms.expressions import parse

FORMS = Path(__file__).resolve().parents[2] / "forms"


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("", "the expression is empty", 1),
        ("   ", "the expression is empty", 1),
        ("open('f')", "function 'open' is not allowed; use answered, count, sum, mean", 1),
        ("__import__('os')", "function '__import__' is not allowed", 1),
        ("a == eval('1')", "function 'eval' is not allowed", 6),
        ("os.system('ls')", "function 'os.system' is not allowed", 1),
        ("SUM(a)", "functions are lowercase: write sum(", 1),
        ("a)", "unexpected ')'", 2),
        ("(a", "missing ')' for the '(' at column 1", 3),
        ("sum(a, b", "missing ')' for the '(' at column 4", 9),
        ("'abc", "unterminated string", 1),
        ('x == "abc', "unterminated string", 6),
        ("a ==", "the expression ends too early after '=='", 5),
        ("a.b.c == 1", "'a.b.c' has too many dots", 1),
        ("a.__class__", "after a dot comes a grid row id", 1),
        ("_a == 1", "item ids start with a lowercase letter", 1),
        ("Q1 == 1", "names are lowercase: write 'q1'", 1),
        (
            "used == Yes",
            "'Yes' is not a name (item ids are lowercase); to compare with an answer, use its "
            "code, e.g. used == 1",
            9,
        ),
        ("Often == q", "'Often' is not a name (item ids are lowercase)", 1),
        ("x[0]", "subscripts like x[0] are not allowed", 2),
        ("a = 1", "use == to compare", 3),
        ("a; b", "';' is not allowed", 2),
        ("`a`", "unexpected character '`'", 1),
        ("a ** 2", "'**' is not allowed", 3),
        ("a // 2", "'//' is not allowed", 3),
        ("a % 2", "'%' is not allowed", 3),
        ("a && b", "use 'and'", 3),
        ("a || b", "use 'or'", 3),
        ("a ! b", "use != ", 3),
        ("a # note", "comments", 3),
        ("a == ‘x’", "curly quotes", 6),
        ("a < b < c", "comparisons cannot be chained", 7),
        ("a == b in c", "comparisons cannot be chained", 8),
        ("a == not b", "put 'not …' in brackets", 6),
        ("-not a", "put 'not …' in brackets", 2),
        ("a not b", "did you mean 'not in'", 3),
        ("a b", "an operator such as == or and is missing", 3),
        ("(a)(b)", "an operator such as == or and is missing", 4),
        ("a (b)", "function 'a' is not allowed", 1),
        ("a . b", "write a grid row as grid_id.row_id, without spaces", 3),
        ("True", "there is no true or false", 1),
        ("a == false", "there is no true or false", 6),
        ("a is None", "use == or != instead of 'is'", 3),
        ("lambda", "'lambda' is not allowed", 1),
        ("lambda: 1", "unexpected character ':'", 7),
        ("if a", "write if as a function", 1),
        ("2.", "write decimals as 2.5", 1),
        (".5", "digit before the point", 1),
        ("ease.1", "a grid row id starts with a letter", 5),
        ("3x", "'3x' is neither a number nor a name", 1),
        ("1.2.3", "is neither a number nor a name", 1),
        ("1" * 41, "number is too long", 1),
        ("[1, 2]", "a list can only follow 'in'", 1),
        ("sum([1])", "a list can only follow 'in'", 5),
        ("q in [1] / 2", "unexpected '/' after a list", 10),
        ("q in [1] - 2 == 3", "unexpected '-' after a list", 10),
        ("q in [a]", "a list may only hold numbers and 'strings'", 7),
        ("q in [1 2]", "unexpected '2'", 9),
        ("q in [1,", "ends too early", 9),
        ("q in [1", "missing ']' for the '[' at column 6", 8),
        ("sum()", "sum() needs at least one value", 1),
        ("answered(1)", "answered() takes one item", 1),
        ("answered(a, b)", "answered() takes one item", 1),
        ("if(a, b)", "if() takes three values", 1),
        ("sum(a,)", "unexpected ')'", 7),
        ("a +", "ends too early after '+'", 4),
        ("+a", "unexpected '+'", 1),
        ("a == @", "unexpected character '@'", 6),
        ("a == \x00", "unexpected character '\\x00'", 6),
        ("{a}", "unexpected character '{'", 1),
        ("a if b else c", "write if as a function", 3),
        ("(" * 120 + "a" + ")" * 120, "nested too deeply", 101),
        ("+".join(["a"] * 150), "use sum() or split it", 1),
        ("not " * 150 + "a", "nested too deeply", 401),
    ],
)
def test_errors_say_what_and_where(source: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert message in caught.value.message
    assert caught.value.column == column
    assert str(caught.value) == caught.value.message


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('ls')",
        "().__class__.__bases__[0].__subclasses__()",
        "a.__class__.__mro__",
        "getattr(a, 'b')",
        "lambda x: x",
        "[x for x in a]",
        "{'a': 1}",
        "a if b else c",
        "f'{a}'",
        "b'abc'",
        "a[0:1]",
        "a.b(1)",
        "exec('1')",
        "compile('1', 'f', 'eval')",
        "a := 1",
        "*a",
        "@a",
        "a; import os",
        "`ls`",
        "x == 0x10",
        "x == 1e3",
        "x == 1_000",
        "yield a",
        "a @ b",
        "a ~ b",
        "a ^ b",
        "a << 1",
        "(a, b)",
        "a, b",
        "q in (1, 2)",
        "",
    ],
)
def test_anything_outside_the_grammar_is_refused(source: str) -> None:
    with pytest.raises(ExpressionError):
        parse(source)


def test_non_text_is_refused() -> None:
    with pytest.raises(ExpressionError, match="must be text"):
        parse(42)  # type: ignore[arg-type]


def test_no_python_evaluation_in_the_expression_modules() -> None:
    forbidden = {"eval", "exec", "compile", "__import__", "getattr", "ast"}
    modules = ["expressions", "expression_ast", "expression_parser", "evaluate", "describe"]
    for module in modules:
        source = (FORMS / f"{module}.py").read_text()
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        used = {  # `re.compile` is a method, not the builtin
            token.string
            for before, token in itertools.pairwise(tokens)
            if token.type == tokenize.NAME and before.string != "."
        }
        assert not used & forbidden, module
