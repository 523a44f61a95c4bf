"""The safe expression language of `show_if`, `constraint` and score `expr`/`valid_if`.

    >>> e = parse("used_online == 1 and 4 in services")
    >>> e.test({"used_online": 1, "services": {2, 4}})
    True

`parse` reads text with a hand-written tokenizer and Pratt parser over a whitelist
(`forms.expression_parser`); nothing the user writes reaches Python's eval, exec,
compile or ast. Evaluation follows the contract's null rules (`forms.evaluate`) and
never raises. Error columns are 1-based.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from forms.evaluate import Evaluator, compile_tree, public, truthy
from forms.expression_ast import (
    FUNCTIONS,
    Binary,
    Call,
    Integer,
    ListOf,
    Name,
    Node,
    Self,
    String,
    Unary,
)
from forms.expression_ast import to_source as _to_source
from forms.expression_ast import walk as _walk
from forms.expression_parser import parse_tree
from forms.memo import kept_with

if TYPE_CHECKING:
    from forms.describe import Describer

__all__ = ["ALLOWED_FUNCTIONS", "Expression", "Tester", "parse", "truthy"]

_COMPILED: dict[int, Callable[[Evaluator], Any]] = {}


def _compiled(expression: Expression) -> Callable[[Evaluator], Any]:
    """The expression's tree as one function (`forms.evaluate.compile_tree`), made once
    per expression object; the tree walk itself for a tree that cannot be compiled."""
    return kept_with(expression, _COMPILED, lambda: _compiled_or_walked(expression.root))


def _compiled_or_walked(root):
    try:
        return compile_tree(root)
    except Exception:  # e.g. nested too deep: walk it each time, as before
        return lambda ev: ev.value(root)


ALLOWED_FUNCTIONS = frozenset(FUNCTIONS)
_ORDERING = ("==", "!=", "<", "<=", ">", ">=")


class Tester:
    """`expression.test(answers, missing=missing)` for many expressions and one answers
    mapping, which may grow between tests (a walk through an instrument in order)."""

    def __init__(
        self, answers: Mapping[str, Any], missing: Mapping[str, frozenset[int]] | None
    ) -> None:
        self.evaluator = Evaluator(answers, missing, None)

    def __call__(self, expression: Expression) -> bool:
        try:
            return truthy(public(_compiled(expression)(self.evaluator)))
        except Exception:  # as Expression.evaluate: no value, which is not true
            return False


@dataclass(frozen=True)
class Expression:
    """A parsed expression: immutable, equal to another when their trees are equal."""

    source: str = field(compare=False)
    root: Node

    def __str__(self) -> str:
        return self.source

    def evaluate(
        self,
        answers: Mapping[str, Any] | None,
        *,
        missing: Mapping[str, frozenset[int]] | None = None,
        this: str | None = None,
    ) -> Any:
        """The value for `answers` (None when it has no value); never raises."""
        try:
            return public(_compiled(self)(Evaluator(answers, missing, this)))
        except Exception:  # a defect or a hostile answer object must not break a form
            return None

    def test(
        self,
        answers: Mapping[str, Any] | None,
        *,
        missing: Mapping[str, frozenset[int]] | None = None,
        this: str | None = None,
    ) -> bool:
        """Whether the expression is true for `answers` (no value is false)."""
        return truthy(self.evaluate(answers, missing=missing, this=this))

    @property
    def names(self) -> frozenset[str]:
        """The references used: item ids and `grid.row` (not `.`)."""
        return frozenset(node.ref for node in _walk(self.root) if isinstance(node, Name))

    @property
    def uses_self(self) -> bool:
        """Whether `.` (the item's own value) appears."""
        return any(isinstance(node, Self) for node in _walk(self.root))

    def functions(self) -> frozenset[str]:
        """The functions called."""
        return frozenset(node.function for node in _walk(self.root) if isinstance(node, Call))

    def code_comparisons(self) -> list[tuple[str, int, int]]:
        """(ref, code, column) wherever a name or `.` is compared with an integer literal."""
        found: list[tuple[str, int, int]] = []
        for node in _walk(self.root):
            if isinstance(node, Binary):
                found.extend(_code_comparisons(node))
        return found

    def text_comparisons(self) -> list[tuple[str, str, int, str]]:
        """(ref, text, column, operator) wherever a name or `.` is compared with a 'text'
        literal."""
        found: list[tuple[str, str, int, str]] = []
        for node in _walk(self.root):
            if isinstance(node, Binary):
                found.extend((*f, node.op) for f in _literal_comparisons(node, _text))
        return found

    def to_source(self) -> str:
        """Canonical text with minimal parentheses; `parse(e.to_source()) == e`."""
        return _to_source(self.root)

    def describe(self, describer: Describer, lang: str | None = None) -> str:
        """The expression in plain English, with question numbers and choice labels."""
        from forms.describe import describe

        return describe(self, describer, lang)


def all_of(expressions: Sequence[Expression]) -> Expression:
    """One expression true when all of `expressions` are (a section's `show_if`, then an
    item's), to be described as one condition."""
    first, *rest = expressions
    root, source = first.root, first.source
    for other in rest:
        root = Binary("and", root, other.root)
        source = f"({source}) and ({other.source})"
    return Expression(source, root)


def parse(text: str) -> Expression:
    """Parse `text`; raises ExpressionError(message, column) for anything not allowed."""
    return Expression(text, parse_tree(text))


def _ref(node: Node) -> str | None:
    if isinstance(node, Name):
        return node.ref
    return "." if isinstance(node, Self) else None


def _code(node: Node) -> tuple[int, int] | None:
    """(code, column) of an integer literal, negative ones included."""
    if isinstance(node, Integer):
        return node.value, node.column
    if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Integer):
        return -node.operand.value, node.column
    return None


def _text(node: Node) -> tuple[str, int] | None:
    """(text, column) of a 'text' literal."""
    return (node.value, node.column) if isinstance(node, String) else None


def _code_comparisons(node: Binary) -> list[tuple[str, int, int]]:
    return _literal_comparisons(node, _code)


def _literal_comparisons(node: Binary, literal: Callable[[Node], tuple[Any, int] | None]) -> list:
    """(ref, value, column) wherever a name or `.` meets a literal `literal` reads:
    `q == 1`, `1 < q`, `4 in services`, `q in [1, 2]`."""
    left_ref, right_ref = _ref(node.left), _ref(node.right)
    if node.op in _ORDERING:
        ref, other = (left_ref, node.right) if left_ref else (right_ref, node.left)
        found = literal(other)
        return [(ref, *found)] if ref and found else []
    if node.op not in ("in", "not in"):
        return []
    if right_ref is not None:  # 4 in services
        found = literal(node.left)
        return [(right_ref, *found)] if found else []
    if left_ref is not None and isinstance(node.right, ListOf):  # q in [1, 2]
        values = (literal(item) for item in node.right.items)
        return [(left_ref, *found) for found in values if found]
    return []
