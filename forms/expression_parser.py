"""Tokenizer and Pratt parser for the expression language: a whitelist, nothing else.

User text is never given to Python (no eval, exec, compile or ast): anything the
grammar below does not name is an `ExpressionError` with a 1-based column.

    expr     := 'not' expr | expr OP expr | '-' expr | atom
    atom     := number | 'string' | name | '.' | '(' expr ')' | function '(' args ')'
    in-list  := expr ('in' | 'not in') '[' literal, … ']'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from forms.errors import ExpressionError
from forms.expression_ast import (
    BINARY_PRECEDENCE,
    COMPARE,
    FUNCTIONS,
    NOT,
    UNARY,
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

MAX_DEPTH = 100  # deeper trees are refused, so nothing downstream can exhaust the stack
MAX_DIGITS = 40
NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
FUNCTION_LIST = "answered, count, sum, mean, min, max or if"

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>[0-9]+(?:\.[0-9]+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    |(?P<string>'[^']*'|"[^"]*")
    |(?P<bad>\*\*|//|&&|\|\|)
    |(?P<op>==|!=|<=|>=|[<>+\-*/()\[\],.])""",
    re.VERBOSE,
)
_NUMBER_TAIL = re.compile(r"[A-Za-z0-9_.]+")  # glued to a number: 3x, 2., 1.2.3
_DIGITS = tuple("0123456789")
_KEYWORDS = frozenset({"and", "or", "not", "in"})
_BAD_CHARACTERS = {
    "'": "unterminated string: add the closing '",
    '"': 'unterminated string: add the closing "',
    "=": "use == to compare; a single = is not allowed",
    "!": "use != for 'is not equal to', or not before a condition",
    "&": "use 'and' to join conditions",
    "|": "use 'or' to join conditions",
    ";": "';' is not allowed: an expression is one condition or one formula",
    "%": "'%' is not allowed; use + - * or /",
    "#": "comments ('#') are not allowed in an expression",
    "‘": "curly quotes are not allowed; use straight quotes ' or \"",
}
_BAD_CHARACTERS.update(dict.fromkeys("’“”", _BAD_CHARACTERS["‘"]))
_BAD_OPERATORS = {
    "&&": "use 'and' to join conditions",
    "||": "use 'or' to join conditions",
    "**": "'**' is not allowed; use + - * or /",
    "//": "'//' is not allowed; use + - * or /",
}
_RESERVED = {
    "true": "there is no true or false: compare with a code, e.g. used_online == 1",
    "false": "there is no true or false: compare with a code, e.g. used_online == 2",
    "none": "there is no none: use answered(q1) or not answered(q1)",
    "is": "use == or != instead of 'is'",
    "if": "write if as a function: if(condition, value if true, value if false)",
    "else": "write if as a function: if(condition, value if true, value if false)",
    "lambda": f"'lambda' is not allowed; use {FUNCTION_LIST}",
    "for": "'for' is not allowed; use count, sum, mean, min or max over several items",
    "import": "'import' is not allowed",
}


@dataclass(frozen=True)
class Token:
    """One token: kind is number, word, string, op or end; column is 1-based.

    Only `op` tokens (symbols and the keywords and, or, not, in) can have the text of
    an operator or bracket, so comparing `text` alone identifies them.
    """

    kind: str
    text: str
    column: int


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens, ending with an `end` token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(_bad_character(text[pos]), pos + 1)
        kind = match.lastgroup or ""
        if kind == "bad":
            raise ExpressionError(_BAD_OPERATORS[match.group()], pos + 1)
        if kind == "number":
            _check_number(text, match)
        elif kind == "op" and match.group() == "." and text[pos + 1 : pos + 2] in _DIGITS:
            raise ExpressionError(_dot_digit(text, pos), pos + 1)
        if kind != "space":
            keyword = kind == "word" and match.group() in _KEYWORDS
            tokens.append(Token("op" if keyword else kind, match.group(), pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _dot_digit(text: str, pos: int) -> str:
    if pos and (text[pos - 1].isalnum() or text[pos - 1] == "_"):
        return "a grid row id starts with a letter, e.g. ease.book"
    return "write decimals with a digit before the point, e.g. 0.5"


def _bad_character(char: str) -> str:
    if char in _BAD_CHARACTERS:
        return _BAD_CHARACTERS[char]
    shown = char if char.isprintable() else repr(char)[1:-1]
    return f"unexpected character '{shown}'"


def _check_number(text: str, match: re.Match[str]) -> None:
    tail = _NUMBER_TAIL.match(text, match.end())
    if tail:
        word = match.group() + tail.group()
        if tail.group() == "." or (tail.group()[0] == "." and "." not in match.group()):
            raise ExpressionError(f"'{word}': write decimals as 2.5", match.start() + 1)
        raise ExpressionError(f"'{word}' is neither a number nor a name", match.start() + 1)
    if len(match.group()) > MAX_DIGITS:
        raise ExpressionError("number is too long", match.start() + 1)


def _shown(token: Token) -> str:
    text = token.text if len(token.text) <= 20 else token.text[:17] + "..."
    return text if token.kind == "string" else f"'{text}'"


_LABEL = re.compile(r"[A-Z][a-z]+")  # `Yes`, `Often`: written like an answer's label


def name_error(word: str) -> str | None:
    """Why `word` is not a usable reference, or None if it is one."""
    parts = word.split(".")
    if len(parts) <= 2 and all(NAME.match(part) for part in parts):
        if word in _RESERVED:
            return _RESERVED[word]
        return None
    if word in ("True", "False", "None"):
        return _RESERVED[word.lower()]
    if len(parts) > 2:
        return f"'{word}' has too many dots: a grid row is written grid_id.row_id"
    if word.lower() != word and name_error(word.lower()) is None:
        return f"names are lowercase: write '{word.lower()}'"
    if len(parts) == 2 and NAME.match(parts[0]):
        return f"'{word}' is not allowed: after a dot comes a grid row id, e.g. ease.book"
    return f"'{word}' is not a valid name: item ids start with a lowercase letter"


class Parser:
    """A Pratt parser over the tokens of one expression."""

    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.pos = 0
        self.nesting = 0

    def parse(self) -> Node:
        """The whole text as one tree (errors for anything left over)."""
        if self.peek().kind == "end":
            raise ExpressionError("the expression is empty", 1)
        node = self.expression(0)
        if self.peek().kind != "end":
            raise self.unexpected(self.peek())
        return node

    def peek(self, ahead: int = 0) -> Token:
        """The token `ahead` places on (the end token at most)."""
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        """Consume and return the next token."""
        token = self.peek()
        self.pos += 1
        return token

    def unexpected(self, token: Token) -> ExpressionError:
        """An error for `token` where it cannot stand."""
        if token.kind == "end":
            before = self.tokens[self.pos - 1].text if self.pos else ""
            return ExpressionError(f"the expression ends too early after '{before}'", token.column)
        return ExpressionError(f"unexpected {_shown(token)}", token.column)

    def at(self, text: str) -> bool:
        """Whether the next token is the operator, keyword or bracket `text`."""
        return self.peek().text == text

    def expect(self, text: str, closing: str, opener: Token) -> None:
        """Consume `text`, or explain that the `closing` bracket for `opener` is missing."""
        token = self.peek()
        if self.at(text):
            self.advance()
            return
        if token.kind == "end":
            message = f"missing '{closing}' for the '{opener.text}' at column {opener.column}"
            raise ExpressionError(message, token.column)
        raise self.unexpected(token)

    def build(self, node: Node) -> Node:
        """Return `node` after checking the tree stays shallow enough."""
        if node.depth > MAX_DEPTH:
            message = "the expression is too long or nested too deeply; use sum() or split it"
            raise ExpressionError(message, node.column)
        return node

    def expression(self, min_strength: int) -> Node:
        """An expression whose operators all bind at least `min_strength` tightly."""
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise ExpressionError("the expression is nested too deeply", self.peek().column)
        left = self.prefix(min_strength)
        chained = False
        while (op := self.infix_operator()) is not None:
            strength = BINARY_PRECEDENCE[op]
            if strength < min_strength:
                break
            token = self.advance()
            if strength == COMPARE and chained:
                message = "comparisons cannot be chained: write 1 < x and x < 5"
                raise ExpressionError(message, token.column)
            if op == "not in":
                self.advance()
            if op in ("in", "not in") and self.at("["):
                right = self.in_list()
                self.nothing_joins_a_list()
            else:
                right = self.expression(strength + 1)
            left = self.build(Binary(op, left, right, column=left.column))
            chained = strength == COMPARE
        self.nesting -= 1
        return left

    def nothing_joins_a_list(self) -> None:
        """Refuse arithmetic right after a list: `q in [1] + 1` means nothing."""
        after = self.infix_operator()
        if after is not None and BINARY_PRECEDENCE[after] > COMPARE:
            message = f"unexpected '{after}' after a list; a list can only follow in"
            raise ExpressionError(message, self.peek().column)

    def infix_operator(self) -> str | None:
        """The binary operator at the current token, if there is one."""
        token = self.peek()
        if token.text == "not":
            if self.peek(1).text == "in":
                return "not in"
            raise ExpressionError("unexpected 'not': did you mean 'not in'?", token.column)
        if token.kind == "op" and token.text in BINARY_PRECEDENCE:
            return token.text
        if token.text == "[":
            raise ExpressionError("subscripts like x[0] are not allowed", token.column)
        if token.kind == "word" and token.text in _RESERVED:
            raise ExpressionError(_RESERVED[token.text], token.column)
        if token.kind in ("word", "number", "string") or token.text in ("(", "."):
            message = f"unexpected {_shown(token)}: an operator such as == or and is missing"
            if token.text == ".":
                message = "unexpected '.': write a grid row as grid_id.row_id, without spaces"
            raise ExpressionError(message, token.column)
        return None

    def prefix(self, min_strength: int) -> Node:
        """A value: a literal, a name, a call, a bracketed or a unary expression."""
        token = self.advance()
        column = token.column
        if token.kind == "number":
            if "." in token.text:
                return DecimalNumber(Decimal(token.text), column=column)
            return Integer(int(token.text), column=column)
        if token.kind == "string":
            return String(token.text[1:-1], column=column)
        if token.kind == "word":
            return self.call(token) if self.at("(") else self.name(token)
        if token.text == ".":
            return Self(column=column)
        if token.text == "(":
            inner = self.expression(0)
            self.expect(")", ")", token)
            return inner
        if token.text == "-":
            return self.build(Unary("-", self.expression(UNARY), column=column))
        if token.text == "not":
            if min_strength > NOT:
                raise ExpressionError("put 'not …' in brackets here: (not …)", column)
            return self.build(Unary("not", self.expression(NOT), column=column))
        if token.text == "[":
            raise ExpressionError("a list can only follow 'in', e.g. q1 in [1, 2]", column)
        self.pos -= 1
        raise self.unexpected(token)

    def name(self, token: Token) -> Name:
        """A checked reference to an item or a grid row."""
        problem = name_error(token.text)
        if (
            problem is not None
            and _LABEL.fullmatch(token.text)
            and not name_error(token.text.lower())
        ):
            problem = self.label_problem(token)
        if problem is not None:
            raise ExpressionError(problem, token.column)
        return Name(token.text, column=token.column)

    def label_problem(self, token: Token) -> str:
        """`Yes` where a name should be: most likely an answer's label, not an item id."""
        before = self.tokens[: self.tokens.index(token)]
        names = [t.text for t in before if t.kind == "word" and name_error(t.text) is None]
        subject = names[-1] if names else "q"
        return (
            f"'{token.text}' is not a name (item ids are lowercase); to compare with an "
            f"answer, use its code, e.g. {subject} == 1"
        )

    def call(self, token: Token) -> Node:
        """A call of an allowed function, with its arguments checked."""
        function = token.text
        if function not in FUNCTIONS:
            hint = f"functions are lowercase: write {function.lower()}(…)"
            if function.lower() not in FUNCTIONS:
                hint = f"function '{function}' is not allowed; use {FUNCTION_LIST}"
            raise ExpressionError(hint, token.column)
        opener = self.advance()
        args: list[Node] = []
        while not self.at(")"):
            if args:
                self.expect(",", ")", opener)
            args.append(self.expression(0))
        self.advance()
        _check_arguments(function, args, token.column)
        return self.build(Call(function, tuple(args), column=token.column))

    def in_list(self) -> ListOf:
        """A list literal after `in`: numbers (maybe negative) and strings only."""
        opener = self.advance()
        items: list[Node] = []
        while not self.at("]"):
            if items:
                self.expect(",", "]", opener)
            items.append(self.list_item())
        self.advance()
        return ListOf(tuple(items), column=opener.column)

    def list_item(self) -> Node:
        """One element of a list literal."""
        token = self.peek()
        negative = token.text == "-"
        literal = self.peek(1 if negative else 0)
        if literal.kind == "number" or (literal.kind == "string" and not negative):
            if negative:
                self.advance()
            node = self.prefix(0)
            return Unary("-", node, column=token.column) if negative else node
        if literal.kind == "end":
            raise self.unexpected(literal)
        message = "a list may only hold numbers and 'strings', e.g. [1, 2]"
        raise ExpressionError(message, literal.column)


def _check_arguments(function: str, args: list[Node], column: int) -> None:
    if function == "answered":
        if len(args) != 1 or not isinstance(args[0], Name | Self):
            raise ExpressionError("answered() takes one item, e.g. answered(q3)", column)
    elif function == "if":
        if len(args) != 3:
            message = "if() takes three values: if(condition, value if true, value if false)"
            raise ExpressionError(message, column)
    elif not args:
        message = f"{function}() needs at least one value, e.g. {function}(q1, q2)"
        raise ExpressionError(message, column)


def parse_tree(text: str) -> Node:
    """Parse `text` into a syntax tree (ExpressionError if it is not allowed)."""
    if not isinstance(text, str):
        raise ExpressionError('an expression must be text, e.g. "q1 == 1"', 0)
    return Parser(text).parse()
