"""Expressions in plain words, for the codebook's routing column, the paper and web forms.

    used_online == 1                 Q3 is 'Yes'
    q5 in [1, 2]                     Q5 is 'Strongly agree' or 'Agree'
    4 in services                    'An online consultation form' is ticked at Q4
    not answered(x)                  Q2 is not answered
    count(a.x, a.y, a.z) >= 2        at least 2 of Q7 (x), Q7 (y) and Q7 (z) are answered

The phrases are gettext msgids (`forms.i18n`), so they read in the language asked for
wherever a catalogue translates them (English otherwise), like choice and row labels.
Negations state the no-value case, since `not (q == 1)` is also true when q is
unanswered while `q != 1` is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from forms import i18n, words
from forms.expression_ast import (
    COMPARE,
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
    precedence,
    quote,
)
from forms.i18n import N_

if TYPE_CHECKING:
    from forms.expressions import Expression
    from forms.model import Instrument, Item

_PHRASES = {
    "==": N_("{subject} is {value}"),
    "!=": N_("{subject} is not {value}"),
    "<": N_("{subject} is less than {value}"),
    "<=": N_("{subject} is {value} or less"),
    ">": N_("{subject} is more than {value}"),
    ">=": N_("{subject} is {value} or more"),
}
_COUNT_PHRASES = {
    "==": N_("exactly {number} of {names} are answered"),
    "!=": N_("other than {number} of {names} are answered"),
    "<": N_("fewer than {number} of {names} are answered"),
    "<=": N_("at most {number} of {names} are answered"),
    ">": N_("more than {number} of {names} are answered"),
    ">=": N_("at least {number} of {names} are answered"),
}
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_OPPOSITE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "in": "not in"}
_OPPOSITE["not in"] = "in"
_BARE = {
    False: N_("{subject} is answered (and not 0)"),
    True: N_("{subject} is not answered (or is 0)"),
}
_FUNCTION_PHRASES = {
    "sum": N_("the sum of {values}"),
    "mean": N_("the mean of {values}"),
    "min": N_("the lowest of {values}"),
    "max": N_("the highest of {values}"),
    "count": N_("the number answered of {values}"),
}
_JOINERS = {"and": N_("{first} and {last}"), "or": N_("{first} or {last}")}
ASKED_IF = N_("Asked if {condition}")
IS_ANSWERED = N_("{subject} is answered")
NOT_ANSWERED = N_("{subject} is not answered")
NEGATED = N_("not ({condition})")
NOT_VALUE = N_("not {value}")
NONE_OF = N_("{subject} is none of {values}")
NEITHER = N_("{subject} is neither {first} nor {second}")
IN_COLLECTION = N_("{subject} is in {values}")
NOT_IN_COLLECTION = N_("{subject} is not in {values}")
TICKED = N_("{code} is ticked at {question}")
TICKED_OR_NOTHING = N_("{code} is ticked at {question} (or nothing is ticked at {question})")
NOT_TICKED = N_("{code} is not ticked at {question}")
TICKED_BUT_NOT = N_("something is ticked at {question} but not {code}")
OR_NOT_ANSWERED = N_("{condition} (or not answered)")
OR_NO_VALUE = N_("{condition} (or has no value)")
THE_ANSWER = N_("the answer")
IF_OTHERWISE = N_("({when_true} if {condition}, otherwise {when_false})")


class Describer(Protocol):
    """What `describe` needs to know about the names in an expression."""

    def name(self, ref: str) -> str:
        """How to call an item or grid row, e.g. `Q3` or `Q7 (booking an appointment)`."""
        ...

    def choice_label(self, ref: str, code: int, lang: str | None) -> str | None:
        """The label of `code` in the choices of `ref`, or None if it has no such code."""
        ...


class InstrumentDescriber:
    """Names items by question number and codes by their labels in one instrument."""

    def __init__(self, instrument: Instrument, lang: str | None = None):
        self.lang = lang
        self.numbers = instrument.question_numbers()
        self.items: dict[str, Item] = {item.id: item for item in instrument.items}

    def name(self, ref: str) -> str:
        """`Q3`, or `Q7 (row text)` for a grid row; the ref itself if it is unknown."""
        item_id, _, row_id = ref.partition(".")
        number = self.numbers.get(item_id, item_id)
        if not row_id:
            return number
        item = self.items.get(item_id)
        rows = {row.id: row.text.get(self.lang) for row in item.rows} if item else {}
        return f"{number} ({rows.get(row_id, row_id)})"

    def choice_label(self, ref: str, code: int, lang: str | None = None) -> str | None:
        """The label of `code` for the item (or grid) that `ref` names."""
        item = self.items.get(ref.partition(".")[0])
        if item is None or item.choices is None:
            return None
        return item.choices.label(code, lang or self.lang)


def describe(expression: Expression, describer: Describer, lang: str | None = None) -> str:
    """`expression` in plain words, in `lang` where the catalogues translate the phrases."""
    return _Phrases(describer, lang).condition(expression.root)


def describe_show_if(expression: Expression, describer: Describer, lang: str | None = None) -> str:
    """A routing note: `Asked if …`."""
    return i18n.text(lang, ASKED_IF, condition=describe(expression, describer, lang))


class QuestionTextDescriber(InstrumentDescriber):
    """Names items by their question text in quotes, as a web page does (it shows no numbers)."""

    def name(self, ref: str) -> str:
        """`'Would you be willing to take part in an interview?'` (a row: `'… – row'`)."""
        item_id, _, row_id = ref.partition(".")
        item = self.items.get(item_id)
        if item is None:
            return ref
        text = " ".join(item.text.get(self.lang).replace("**", "").split())
        rows = {row.id: row.text.get(self.lang) for row in item.rows}
        return quote(f"{text} – {rows[row_id]}" if row_id in rows else text)


def answer_if(expression: Expression, describer: Describer, lang: str | None = None) -> str:
    """The line put above a routed question: `Answer this if you answered 'Yes' to Q5`.

    Simple rules (one answer, or a few, of one question; a box ticked) read naturally in
    every language of the catalogues; others say `Answer this if <condition>`.
    """
    root = expression.root
    answered = _simple_answers(root, describer, lang)
    if answered is not None:
        phrase, labels, ref = answered
        joined = f" {i18n.text(lang, words.OR)} ".join(labels)
        return i18n.text(lang, phrase, answer=joined, question=describer.name(ref))
    return i18n.text(lang, words.ANSWER_IF, condition=describe(expression, describer, lang))


def _simple_answers(
    node: Node, describer: Describer, lang: str | None
) -> tuple[str, list[str], str] | None:
    """(phrase, quoted labels, item ref) for `q == 1`, `q in [1, 2]` or `1 in q`, else None."""
    if not isinstance(node, Binary) or node.op not in ("==", "in"):
        return None
    left, right = node.left, node.right
    ticked = node.op == "in" and isinstance(left, Integer) and isinstance(right, Name)
    if ticked:
        codes, ref, phrase = [left], right.ref, words.ANSWER_IF_TICKED
    elif isinstance(left, Name) and node.op == "==" and isinstance(right, Integer):
        codes, ref, phrase = [right], left.ref, words.ANSWER_IF_ANSWERED
    elif isinstance(left, Name) and isinstance(right, ListOf) and right.items:
        codes, ref, phrase = list(right.items), left.ref, words.ANSWER_IF_ANSWERED
    else:
        return None
    labels = []
    for code in codes:
        label = describer.choice_label(ref, code.value, lang) if isinstance(code, Integer) else None
        if label is None:
            return None
        labels.append(quote(label))
    return phrase, labels, ref


def _ref(node: Node) -> str | None:
    if isinstance(node, Name):
        return node.ref
    return "." if isinstance(node, Self) else None


def _listing(parts: list[str], joiner: str, lang: str | None) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return i18n.text(lang, _JOINERS[joiner], first=", ".join(parts[:-1]), last=parts[-1])


def _list_phrase(op: str, subject: str, options: list[str], lang: str | None) -> str:
    def say(msgid: str, **values: str) -> str:
        return i18n.text(lang, msgid, subject=subject, **values)

    if op == "in":
        return say(_PHRASES["=="], value=_listing(options, "or", lang) if options else "in []")
    if len(options) > 2:
        return say(NONE_OF, values=_listing(options, "or", lang))
    if len(options) == 2:
        return say(NEITHER, first=options[0], second=options[1])
    return say(_PHRASES["!="], value=options[0]) if options else say(IS_ANSWERED)


def _is_literal(node: Node) -> bool:
    if isinstance(node, Unary) and node.op == "-":
        return _is_literal(node.operand)
    return isinstance(node, Integer | DecimalNumber | String)


class _Phrases:
    def __init__(self, describer: Describer, lang: str | None):
        self.describer = describer
        self.lang = lang

    def say(self, msgid: str, **values: object) -> str:
        """A phrase in the language asked for, its `{name}` values filled in."""
        return i18n.text(self.lang, msgid, **values)

    def condition(self, node: Node, negated: bool = False) -> str:
        """A node read as a condition, optionally negated."""
        if isinstance(node, Unary) and node.op == "not":
            return self.condition(node.operand, not negated)
        if isinstance(node, Binary) and node.op in ("and", "or"):
            text = self.logic(node)
            return self.say(NEGATED, condition=text) if negated else text
        if isinstance(node, Binary) and node.op in _OPPOSITE:
            return self.comparison(node, negated)
        if isinstance(node, Call) and node.function == "answered":
            verb = NOT_ANSWERED if negated else IS_ANSWERED
            return self.say(verb, subject=self.value(node.args[0]))
        if _ref(node) is not None:
            return self.say(_BARE[negated], subject=self.value(node))
        return self.say(NOT_VALUE, value=self.value(node)) if negated else self.value(node)

    def logic(self, node: Binary) -> str:
        """`A and B`, `A or B`, bracketed where the tree groups differently."""
        strength = precedence(node)
        left = self.grouped(node.left, strength)
        right = self.grouped(node.right, strength + 1)
        return self.say(_JOINERS[node.op], first=left, last=right)

    def grouped(self, node: Node, needed: int) -> str:
        """A condition, in brackets when it binds less tightly than `needed`."""
        text = self.condition(node)
        return text if precedence(node) >= needed else f"({text})"

    def comparison(self, node: Binary, negated: bool) -> str:
        """A comparison or membership test."""
        op = _OPPOSITE[node.op] if negated else node.op
        if op in ("in", "not in"):
            return self.membership(node, op, negated)
        left, right = node.left, node.right
        if _is_literal(left) and not _is_literal(right):
            left, right, op = right, left, _MIRROR[op]
        if isinstance(left, Call) and left.function == "count" and isinstance(right, Integer):
            names = _listing([self.value(arg) for arg in left.args], "and", self.lang)
            return self.say(_COUNT_PHRASES[op], number=right.value, names=names)
        shown = self.literal(_ref(left), right) if op in ("==", "!=") else self.value(right)
        text = self.say(_PHRASES[op], subject=self.value(left), value=shown)
        return self.no_value(text, left, negated)

    def membership(self, node: Binary, op: str, negated: bool) -> str:
        """`q in [1, 2]`, `4 in services` and their `not in` forms."""
        left, right = node.left, node.right
        if isinstance(right, ListOf):
            ref = _ref(left)
            options = [self.literal(ref, item) for item in right.items]
            text = _list_phrase(op, self.value(left), options, self.lang)
            return self.no_value(text, left, negated)
        ref = _ref(right)
        if ref is None:
            verb = IN_COLLECTION if op == "in" else NOT_IN_COLLECTION
            text = self.say(verb, subject=self.value(left), values=self.value(right))
            return self.no_value(text, left, negated)
        code, where = self.literal(ref, left), self.value(right)
        if op == "in":
            return self.say(TICKED_OR_NOTHING if negated else TICKED, code=code, question=where)
        return self.say(NOT_TICKED if negated else TICKED_BUT_NOT, code=code, question=where)

    def no_value(self, text: str, subject: Node, negated: bool) -> str:
        """What a negated comparison adds: it is also true when there is no value."""
        if not negated:
            return text
        return self.say(OR_NOT_ANSWERED if _ref(subject) else OR_NO_VALUE, condition=text)

    def literal(self, ref: str | None, node: Node) -> str:
        """A value, showing an integer as its choice label where `ref` has one."""
        if ref is not None and isinstance(node, Integer):
            label = self.describer.choice_label(ref, node.value, self.lang)
            if label is not None:
                return quote(label)
        return self.value(node)

    def value(self, node: Node) -> str:
        """A node read as a value: names, literals and arithmetic in infix."""
        if isinstance(node, Name):
            return self.describer.name(node.ref)
        if isinstance(node, Self):
            return self.say(THE_ANSWER)
        if isinstance(node, String):
            return quote(node.value)
        if isinstance(node, Integer | DecimalNumber):
            return str(node.value)
        if isinstance(node, Unary) and node.op == "-":
            return f"-{self.operand(node.operand, precedence(node))}"
        if isinstance(node, Binary) and precedence(node) > COMPARE:
            left = self.operand(node.left, precedence(node))
            return f"{left} {node.op} {self.operand(node.right, precedence(node) + 1)}"
        if isinstance(node, Call) and node.function in _FUNCTION_PHRASES:
            args = _listing([self.value(arg) for arg in node.args], "and", self.lang)
            return self.say(_FUNCTION_PHRASES[node.function], values=args)
        if isinstance(node, Call) and node.function == "if":
            condition, when_true, when_false = node.args
            return self.say(
                IF_OTHERWISE,
                when_true=self.value(when_true),
                condition=self.condition(condition),
                when_false=self.value(when_false),
            )
        if isinstance(node, ListOf):
            return "[" + ", ".join(self.value(item) for item in node.items) + "]"
        return f"({self.condition(node)})"

    def operand(self, node: Node, needed: int) -> str:
        """An arithmetic operand, bracketed as the tree needs (calls always)."""
        text = self.value(node)
        if isinstance(node, Call) or precedence(node) < needed:
            return text if text.startswith("(") else f"({text})"
        return text
