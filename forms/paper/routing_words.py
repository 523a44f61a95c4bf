"""Paper routing in words: "Go to Q12" beside a box, and filter lines in plain words."""

from __future__ import annotations

from forms.describe import InstrumentDescriber, describe
from forms.expression_ast import Binary, Integer, ListOf, Name, Node
from forms.expressions import Expression
from forms.model import Instrument
from forms.paper.words import Translate, _
from forms.paper_routing import END
from forms.words import ANSWER_IF, ANSWER_IF_TICKED, GO_TO, SECTION_IF


def go_to(target: str, numbers: dict[str, str], translate: Translate) -> str:
    """`Go to Q12`, or `Go to the end` when the jump leaves the questionnaire."""
    if target == END:
        return translate(_("Go to the end of the questionnaire"))
    return translate(GO_TO, question=numbers[target])


class FilterWords:
    """Filter lines for one instrument in one language."""

    def __init__(self, instrument: Instrument, lang: str, translate: Translate) -> None:
        self.instrument, self.lang, self.translate = instrument, lang, translate
        self.describer = InstrumentDescriber(instrument, lang)

    def line(self, expression: Expression, section: bool = False) -> str:
        """`Answer this if you ticked 'Yes' at Q3` (or `Answer this section if …`)."""
        ticked = None if section else self.ticked_words(expression.root)
        if ticked is not None:
            return self.translate(ANSWER_IF_TICKED, answer=ticked[0], question=ticked[1])
        condition = self.condition(expression.root)
        if condition is None:
            condition = describe(expression, self.describer, self.lang)
        return self.translate(SECTION_IF if section else ANSWER_IF, condition=condition)

    def condition(self, node: Node) -> str | None:
        """The condition in the paper's words, or None where only the English description fits."""
        if isinstance(node, Binary) and node.op in ("and", "or"):
            left, right = self.condition(node.left), self.condition(node.right)
            if left is None or right is None:
                return None
            joiner = _("{left} and {right}") if node.op == "and" else _("{left} or {right}")
            return self.translate(joiner, left=left, right=right)
        ticked = self.ticked_words(node)
        if ticked is None:
            return None
        return self.translate(
            _("you ticked {answer} at {question}"), answer=ticked[0], question=ticked[1]
        )

    def ticked_words(self, node: Node) -> tuple[str, str] | None:
        """`("'Yes' or 'No'", "Q3")` for a ticked-box condition; None for anything else."""
        ticked = self.ticked(node)
        if ticked is None:
            return None
        ref, codes = ticked
        labels = [self.describer.choice_label(ref, code, self.lang) for code in codes]
        if any(label is None for label in labels):
            return None
        quoted = [self.translate(_("'{label}'"), label=label) for label in labels]
        answer = quoted[0]
        for more in quoted[1:]:
            answer = self.translate(_("{left} or {right}"), left=answer, right=more)
        return answer, self.describer.name(ref)

    @staticmethod
    def ticked(node: Node) -> tuple[str, list[int]] | None:
        """`(ref, codes)` for `q == 1`, `q in [1, 2]` and `4 in q`; None for anything else."""
        if not isinstance(node, Binary):
            return None
        left, right = node.left, node.right
        if node.op == "==" and isinstance(left, Name) and isinstance(right, Integer):
            return left.ref, [right.value]
        listed = isinstance(right, ListOf) and all(isinstance(i, Integer) for i in right.items)
        if node.op == "in" and isinstance(left, Name) and listed:
            return left.ref, [item.value for item in right.items]
        if node.op == "in" and isinstance(left, Integer) and isinstance(right, Name):
            return right.ref, [left.value]
        return None
