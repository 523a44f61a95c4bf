"""The syntax tree of the expression language, and its canonical printing.

Nodes are frozen dataclasses compared by structure: `column` (1-based, where the node
starts in its source text) is kept for messages but ignored by `==`, so an expression
re-printed with different spacing or parentheses is equal to the original.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

FUNCTIONS = ("answered", "count", "sum", "mean", "min", "max", "if")
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
ARITHMETIC = ("+", "-", "*", "/")

# Binding strength, loosest first. A left operand needs at least the operator's strength;
# a right operand needs more (operators group to the left; comparisons do not chain).
OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, ATOM = range(1, 9)
BINARY_PRECEDENCE = {"or": OR, "and": AND, "+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT}
BINARY_PRECEDENCE.update(dict.fromkeys(COMPARISONS, COMPARE))


@dataclass(frozen=True)
class Node:
    """Base of every node; `depth` is the height of the subtree (1 for a leaf)."""

    column: int = field(default=0, compare=False, repr=False, kw_only=True)
    depth: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        depth = 1 + max((child.depth for child in self.children()), default=0)
        object.__setattr__(self, "depth", depth)

    def children(self) -> tuple[Node, ...]:
        """The direct sub-nodes, left to right."""
        return ()


@dataclass(frozen=True)
class Integer(Node):
    """An integer literal such as `3` (choice codes are integers)."""

    value: int


@dataclass(frozen=True)
class DecimalNumber(Node):
    """A decimal literal such as `2.5`."""

    value: Decimal


@dataclass(frozen=True)
class String(Node):
    """A 'string' literal."""

    value: str


@dataclass(frozen=True)
class Name(Node):
    """A reference to an item (`age`) or a grid row (`ease.book`)."""

    ref: str


@dataclass(frozen=True)
class Self(Node):
    """`.`: the item's own value, in a constraint."""


@dataclass(frozen=True)
class ListOf(Node):
    """A list literal `[1, 2]`; only ever the right operand of `in`/`not in`."""

    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        """The list elements."""
        return self.items


@dataclass(frozen=True)
class Unary(Node):
    """`not x` or `-x`."""

    op: str
    operand: Node

    def children(self) -> tuple[Node, ...]:
        """The operand."""
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Node):
    """An infix operation: arithmetic, comparison, `in`, `and`, `or`."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        """Left then right operand."""
        return (self.left, self.right)


@dataclass(frozen=True)
class Call(Node):
    """A call of one of the allowed functions."""

    function: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        """The arguments."""
        return self.args


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right."""
    yield node
    for child in node.children():
        yield from walk(child)


def precedence(node: Node) -> int:
    """How tightly `node` binds when printed without parentheses."""
    if isinstance(node, Binary):
        return BINARY_PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return NOT if node.op == "not" else UNARY
    return ATOM


def quote(text: str) -> str:
    """`text` as a string literal (a parsed string never holds both kinds of quote)."""
    return f'"{text}"' if "'" in text else f"'{text}'"


def to_source(node: Node) -> str:
    """Canonical source text for `node`, with the fewest parentheses that keep its shape."""
    if isinstance(node, Integer | DecimalNumber):
        return str(node.value)
    if isinstance(node, String):
        return quote(node.value)
    if isinstance(node, Name):
        return node.ref
    if isinstance(node, Self):
        return "."
    if isinstance(node, ListOf):
        return "[" + ", ".join(to_source(item) for item in node.items) + "]"
    if isinstance(node, Call):
        return f"{node.function}(" + ", ".join(to_source(arg) for arg in node.args) + ")"
    if isinstance(node, Unary):
        space = " " if node.op == "not" else ""
        return f"{node.op}{space}{operand_source(node.operand, precedence(node))}"
    assert isinstance(node, Binary)
    strength = precedence(node)
    left = operand_source(node.left, strength + (strength == COMPARE))
    return f"{left} {node.op} {operand_source(node.right, strength + 1)}"


def operand_source(node: Node, needed: int) -> str:
    """`node` printed as an operand that must bind at least `needed` tightly."""
    text = to_source(node)
    return text if precedence(node) >= needed else f"({text})"
