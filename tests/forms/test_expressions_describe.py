"""Expressions in plain English, against a small instrument built inline."""

from __future__ import annotations

import pytest

from forms.describe import Describer, InstrumentDescriber, describe_show_if
from forms.expressions import parse
from forms.model import Choice, ChoiceList, Instrument, Item, Row, Section, Text


def text(en: str, zh: str | None = None) -> Text:
    return Text({"en": en, "zh": zh or f"{en} (zh)"})


def choices(*pairs: tuple[int, str], missing: tuple[int, ...] = ()) -> ChoiceList:
    return ChoiceList(None, tuple(Choice(c, text(label)) for c, label in pairs), frozenset(missing))


YES_NO = choices((1, "Yes"), (2, "No"))
AGREE = choices(
    (1, "Strongly agree"), (2, "Agree"), (3, "Neither"), (9, "Don't know"), missing=(9,)
)
SERVICES = choices((1, "Booking appointments"), (4, "An online consultation form"))
ITEMS = (
    Item(id="welcome", type="note", text=text("Welcome")),
    Item(id="q1", type="single", text=text("First"), choices=YES_NO),
    Item(id="x", type="text", text=text("Anything else?")),
    Item(id="used_online", type="single", text=text("Used online?"), choices=YES_NO),
    Item(id="services", type="multiple", text=text("Which?"), choices=SERVICES),
    Item(id="q5", type="single", text=text("Agree?"), choices=AGREE),
    Item(
        id="ease",
        type="grid",
        text=text("How easy…"),
        choices=AGREE,
        rows=(Row("book", text("booking an appointment")), Row("rx", text("a prescription"))),
    ),
    Item(id="age", type="integer", text=text("Age")),
)
INSTRUMENT = Instrument(
    id="patient",
    version=1,
    title=text("Patient survey"),
    languages=("en", "zh"),
    audience="patient",
    intro=text("Intro"),
    outro=text("Thanks"),
    sections=(Section(id="main", title=text("Main"), items=ITEMS),),
)
DESCRIBER = InstrumentDescriber(INSTRUMENT)


@pytest.mark.parametrize(
    ("source", "english"),
    [
        ("used_online == 1", "Q3 is 'Yes'"),
        ("1 == used_online", "Q3 is 'Yes'"),
        ("used_online != 2", "Q3 is not 'No'"),
        ("q1 == 1 and used_online != 2", "Q1 is 'Yes' and Q3 is not 'No'"),
        ("q5 in [1, 2]", "Q5 is 'Strongly agree' or 'Agree'"),
        ("q5 in [1, 2, 3]", "Q5 is 'Strongly agree', 'Agree' or 'Neither'"),
        ("q5 not in [1]", "Q5 is not 'Strongly agree'"),
        ("q5 not in [1, 2]", "Q5 is neither 'Strongly agree' nor 'Agree'"),
        ("q5 not in [1, 2, 3]", "Q5 is none of 'Strongly agree', 'Agree' or 'Neither'"),
        ("q5 in [1, 77]", "Q5 is 'Strongly agree' or 77"),
        ("q5 == 77", "Q5 is 77"),
        ("4 in services", "'An online consultation form' is ticked at Q4"),
        ("4 not in services", "something is ticked at Q4 but not 'An online consultation form'"),
        ("not 4 in services", "'An online consultation form' is not ticked at Q4"),
        ("8 in services", "8 is ticked at Q4"),
        ("answered(x)", "Q2 is answered"),
        ("not answered(x)", "Q2 is not answered"),
        ("age >= 65", "Q7 is 65 or more"),
        ("age > 64", "Q7 is more than 64"),
        ("age < 18", "Q7 is less than 18"),
        ("age <= 17", "Q7 is 17 or less"),
        ("18 > age", "Q7 is less than 18"),
        ("age == 40", "Q7 is 40"),
        ("not (age >= 65)", "Q7 is less than 65 (or not answered)"),
        ("not (q5 == 1)", "Q5 is not 'Strongly agree' (or not answered)"),
        ("not not q1 == 1", "Q1 is 'Yes'"),
        ("ease.book == 1", "Q6 (booking an appointment) is 'Strongly agree'"),
        ("ease.zz == 1", "Q6 (zz) is 'Strongly agree'"),
        ("unknown == 1", "unknown is 1"),
        ("x == 'none'", "Q2 is 'none'"),
        (". >= 16 and . <= 120", "the answer is 16 or more and the answer is 120 or less"),
        (
            "count(ease.book, ease.rx) >= 2",
            "at least 2 of Q6 (booking an appointment) and Q6 (a prescription) are answered",
        ),
        ("count(q1, age) < 1", "fewer than 1 of Q1 and Q7 are answered"),
        ("age * 2 + 1 > -age", "Q7 * 2 + 1 is more than -Q7"),
        ("(age + 1) * 2 == 10", "(Q7 + 1) * 2 is 10"),
        ("sum(6 - q5, age) > 3", "the sum of 6 - Q5 and Q7 is more than 3"),
        ("mean(q1, age) / 2 < 1", "(the mean of Q1 and Q7) / 2 is less than 1"),
        ("if(q1 == 1, age, 0) > 10", "(Q7 if Q1 is 'Yes', otherwise 0) is more than 10"),
        (
            "q1 == 1 or q5 == 1 and age > 3",
            "Q1 is 'Yes' or Q5 is 'Strongly agree' and Q7 is more than 3",
        ),
        (
            "(q1 == 1 or q5 == 1) and age > 3",
            "(Q1 is 'Yes' or Q5 is 'Strongly agree') and Q7 is more than 3",
        ),
        ("not (q1 == 1 and age > 3)", "not (Q1 is 'Yes' and Q7 is more than 3)"),
        ("q1", "Q1 is answered (and not 0)"),
        ("not q1", "Q1 is not answered (or is 0)"),
    ],
)
def test_describe(source: str, english: str) -> None:
    assert parse(source).describe(DESCRIBER) == english


def test_labels_come_in_the_language_asked_for() -> None:
    expr = parse("used_online == 1 and ease.rx == 2")
    # the phrases come from the Chinese catalogue too (forms/translations)
    assert expr.describe(DESCRIBER, "zh") == "Q3为'Yes (zh)'和Q6 (a prescription)为'Agree (zh)'"
    chinese = InstrumentDescriber(INSTRUMENT, "zh")
    assert expr.describe(chinese) == "Q3 is 'Yes (zh)' and Q6 (a prescription (zh)) is 'Agree (zh)'"


def test_describe_show_if() -> None:
    assert describe_show_if(parse("used_online == 1"), DESCRIBER) == "Asked if Q3 is 'Yes'"


def test_any_describer_will_do() -> None:
    class Plain:
        def name(self, ref: str) -> str:
            return ref.upper()

        def choice_label(self, ref: str, code: int, lang: str | None) -> str | None:
            return {1: "one"}.get(code)

    describer: Describer = Plain()
    assert parse("a == 1 or b.c == 2").describe(describer) == "A is 'one' or B.C is 2"


def test_instrument_describer_names() -> None:
    assert DESCRIBER.name("q1") == "Q1"
    assert DESCRIBER.name("ease.book") == "Q6 (booking an appointment)"
    assert DESCRIBER.name("nope") == "nope"
    assert DESCRIBER.choice_label("q5", 9, None) == "Don't know"
    assert DESCRIBER.choice_label("ease.rx", 2, "zh") == "Agree (zh)"
    assert DESCRIBER.choice_label("age", 1, None) is None
    assert DESCRIBER.choice_label("nope", 1, None) is None


def test_phrases_come_from_the_catalogues_and_simple_rules_read_naturally() -> None:
    from forms.describe import QuestionTextDescriber, answer_if

    polish = InstrumentDescriber(INSTRUMENT, "pl")  # no Polish labels: the default language's
    assert parse("used_online != 1").describe(polish, "pl") == "odpowiedź na Q3 to nie 'Yes'"
    assert parse("not (used_online == 1)").describe(polish, "pl") == (
        "odpowiedź na Q3 to nie 'Yes' (lub brak odpowiedzi)"
    )
    assert answer_if(parse("used_online == 1"), InstrumentDescriber(INSTRUMENT, "en")) == (
        "Answer this if you answered 'Yes' to Q3"
    )
    assert answer_if(parse("4 in services"), InstrumentDescriber(INSTRUMENT, "en")) == (
        "Answer this if you ticked 'An online consultation form' at Q4"
    )
    assert answer_if(parse("q5 in [1, 2]"), QuestionTextDescriber(INSTRUMENT, "en"), "en") == (
        "Answer this if you answered 'Strongly agree' or 'Agree' to 'Agree?'"
    )
    assert answer_if(parse("age >= 16"), InstrumentDescriber(INSTRUMENT, "en")) == (
        "Answer this if Q7 is 16 or more"
    )
    assert answer_if(parse("used_online == 1"), InstrumentDescriber(INSTRUMENT, "zh"), "zh") == (
        "如果您在Q3回答了'Yes (zh)'，请回答此题"
    )
