"""Expression checks: parse errors, references, order, grid rows and choice codes."""

from __future__ import annotations

from tests.forms.authoring import problems_after

HEAD = """\
instrument: demo
version: 1
title: Demo
languages: [en]
audience: patient
intro: Hello
outro: Thanks
choice_lists:
  yes_no: {1: Yes, 2: No}
sections:
  - id: first
    title: First
    items:
      - {id: used_online, type: single, text: Used?, choices: yes_no}
      - {id: services, type: multiple, text: Which?, choices: {1: Booking, 4: Forms}}
      - {id: ease, type: grid, text: Ease?, choices: yes_no, rows: {book: Booking, rx: Rx}}
      - {id: age, type: integer, text: Age?}
      - {id: intro_note, type: note, text: Next come questions about help.}
"""  # lines 1-18; what a test adds starts on line 19


def problems(body: str, dedent: bool = True) -> list[str]:
    """The problems of HEAD + `body` (dedented unless told not to)."""
    return problems_after(HEAD, body, dedent)


def item(show_if: str, key: str = "show_if", item_type: str = "text") -> list[str]:
    """Problems when the next item (line 19) has `key: show_if`."""
    line = f'      - {{id: later_q, type: {item_type}, text: Q, {key}: "{show_if}"}}\n'
    return problems(line, dedent=False)


def test_valid_expressions():
    assert item("used_online == 1 and 4 in services and ease.book != 2 and age >= 16") == []
    assert item(". >= 0 and . <= age", key="constraint", item_type="integer") == []
    assert item("used_online in [1, 2] and answered(ease.rx)") == []


def test_expression_that_does_not_parse():
    assert item("used_online ==== 1") == [
        "demo.yaml:19: show_if of item 'later_q': unexpected '=='"
    ]


def test_forbidden_construct():
    [problem] = item("__import__('os').system('ls')")
    assert problem.startswith("demo.yaml:19: show_if of item 'later_q': ")


def test_expression_must_be_text():
    assert problems("      - {id: later_q, type: text, text: Q, show_if: 5}\n", dedent=False) == [
        "demo.yaml:19: item 'later_q': 'show_if' must be an expression in quotes, "
        'e.g. show_if: "used_online == 1", not 5'
    ]


def test_unknown_item_suggests_the_close_one():
    assert item("usd_online == 1") == [
        "demo.yaml:19: show_if of item 'later_q' refers to unknown item 'usd_online'; "
        "did you mean 'used_online'?"
    ]


def test_item_that_comes_later():
    body = (
        '      - {id: q1, type: text, text: Q1, show_if: "q2 == 1"}\n'
        "      - {id: q2, type: single, text: Q2, choices: yes_no}\n"
    )
    assert problems(body, dedent=False) == [
        "demo.yaml:19: show_if of item 'q1' refers to 'q2', which comes later (line 20); "
        "an expression may only refer to items before it"
    ]


def test_item_referring_to_itself():
    assert item("later_q == 'x'") == [
        "demo.yaml:19: show_if of item 'later_q' refers to the item itself; it may only use "
        "items that come before it"
    ]


def test_constraint_uses_dot_for_itself():
    assert item("later_q > 3", key="constraint", item_type="integer") == [
        "demo.yaml:19: constraint of item 'later_q' refers to 'later_q' by name; write '.' for "
        "the item's own value"
    ]


def test_dot_only_in_constraints():
    assert item(". == 1") == [
        "demo.yaml:19: show_if of item 'later_q' uses '.', which stands for the item's own value "
        "and only works in a constraint"
    ]


def test_grid_without_a_row():
    assert item("ease == 1") == [
        "demo.yaml:19: show_if of item 'later_q' refers to grid 'ease' without a row; "
        "write ease.book (rows: book, rx)"
    ]


def test_row_the_grid_lacks():
    assert item("ease.bok == 1") == [
        "demo.yaml:19: show_if of item 'later_q' refers to 'ease.bok', but grid 'ease' has no "
        "row 'bok' (rows: book, rx); did you mean 'book'?"
    ]


def test_row_of_something_that_is_not_a_grid():
    assert item("age.years > 1") == [
        "demo.yaml:19: show_if of item 'later_q' refers to 'age.years', but 'age' is not a grid "
        "(only grid rows take a dot)"
    ]


def test_note_has_no_answer():
    assert item("answered(intro_note)") == [
        "demo.yaml:19: show_if of item 'later_q' refers to note 'intro_note', which takes no answer"
    ]


def test_code_the_choice_item_does_not_have():
    assert item("used_online == 3") == [
        "demo.yaml:19: show_if of item 'later_q' compares 'used_online' with 3, which is not one "
        "of its codes (1 = Yes, 2 = No)"
    ]
    assert item("5 in services or ease.rx in [1, 7]") == [
        "demo.yaml:19: show_if of item 'later_q' compares 'ease.rx' with 7, which is not one of "
        "its codes (1 = Yes, 2 = No)",
        "demo.yaml:19: show_if of item 'later_q' compares 'services' with 5, which is not one "
        "of its codes (1 = Booking, 4 = Forms)",
    ]


def test_constraint_compares_its_own_codes():
    line = '      - {id: q9, type: single, text: Q, choices: yes_no, constraint: ". != 3"}\n'
    assert problems(line, dedent=False) == [
        "demo.yaml:19: constraint of item 'q9' compares '.' with 3, which is not one of its "
        "codes (1 = Yes, 2 = No)"
    ]


def test_section_show_if_only_uses_earlier_sections():
    body = """\
  - id: second
    title: Second
    show_if: "used_online == 1 and q2 == 1"
    items:
      - {id: q2, type: single, text: Q2, choices: yes_no}
"""
    assert problems(body, dedent=False) == [
        "demo.yaml:21: show_if of section 'second' refers to 'q2', which is not in an earlier "
        "section; a section's show_if may only use items of earlier sections"
    ]


def test_scores_use_any_item_and_earlier_scores():
    assert problems(
        """\
        scores:
          - {id: total, label: Total, expr: "sum(ease.book, ease.rx)"}
          - {id: twice, label: Twice, expr: "total * 2 + later", valid_if: "twice > 0"}
          - {id: later, label: Later, expr: "age"}
        """
    ) == [
        "demo.yaml:21: expr of score 'twice' refers to score 'later', which comes later; "
        "a score may only use earlier scores",
        "demo.yaml:21: valid_if of score 'twice' refers to the score itself",
    ]


def test_items_may_not_use_scores():
    body = """\
      - {id: q2, type: text, text: Q2, show_if: "total > 1"}
scores:
  - {id: total, label: Total, expr: "age"}
"""
    assert problems(body, dedent=False) == [
        "demo.yaml:19: show_if of item 'q2' refers to score 'total'; scores are computed for "
        "export, so only scores may use them"
    ]


def test_score_uses_dot():
    assert problems('scores:\n  - {id: total, label: Total, expr: ". + 1"}\n') == [
        "demo.yaml:20: expr of score 'total' uses '.', which stands for the item's own value "
        "and only works in a constraint"
    ]


def test_text_compared_with_codes_or_numbers_is_never_true():
    assert item("used_online == 'yes'") == [
        "demo.yaml:19: show_if of item 'later_q' compares 'used_online' with the text 'yes', "
        "which is never true: its answers are codes (1 = Yes, 2 = No); write a code without "
        "quotes, e.g. used_online == 1"
    ]
    assert item("'Forms' in services or ease.rx in ['No']") == [
        "demo.yaml:19: show_if of item 'later_q' compares 'ease.rx' with the text 'No', which "
        "is never true: its answers are codes (1 = Yes, 2 = No); write a code without quotes, "
        "e.g. ease.rx == 1",
        "demo.yaml:19: show_if of item 'later_q' compares 'services' with the text 'Forms', "
        "which is never true: its answers are codes (1 = Booking, 4 = Forms); write a code "
        "without quotes, e.g. 1 in services",
    ]
    assert item("age >= '16'") == [
        "demo.yaml:19: show_if of item 'later_q' compares 'age' with the text '16', which is "
        "never true: its answers are numbers; write the number without quotes"
    ]
    assert item("'16' < .", key="constraint", item_type="integer") == [
        "demo.yaml:19: constraint of item 'later_q' compares '.' with the text '16', which is "
        "never true: its answers are numbers; write the number without quotes"
    ]


def test_text_compared_with_text_or_a_date_in_iso_form_is_allowed():
    body = (
        "      - {id: town, type: text, text: Town?}\n"
        "      - {id: seen, type: date, text: When?}\n"
        "      - {id: later_q, type: text, text: Q, "
        "show_if: \"town == 'Leeds' and seen >= '2024-01-31'\"}\n"
    )
    assert problems(body, dedent=False) == []
    body = body.replace("2024-01-31", "31/01/2024")
    assert problems(body, dedent=False) == [
        "demo.yaml:21: show_if of item 'later_q' compares 'seen' with the text '31/01/2024', "
        "which is never true: its answers are dates; write the date as 'YYYY-MM-DD', "
        "e.g. '2024-03-31'"
    ]


def test_a_number_alone_beside_and_or_or_is_not_a_condition():
    assert item("used_online == 1 or 2") == [
        "demo.yaml:19: show_if of item 'later_q' has 'or 2', but a number on its own is not a "
        "condition (it is always true); write used_online in [1, 2]"
    ]
    assert item("age > 16 and 4") == [
        "demo.yaml:19: show_if of item 'later_q' has 'and 4', but a number on its own is not a "
        "condition (it is always true); compare it with an answer, e.g. age == 4"
    ]


def test_a_tick_all_that_apply_question_compared_with_a_code_asks_with_in():
    assert item("services == 4") == [
        "demo.yaml:19: show_if of item 'later_q' compares 'services' with == 4, which is never "
        "true: its answer is the set of boxes ticked; write 4 in services"
    ]
    assert item("services != 1") == [
        "demo.yaml:19: show_if of item 'later_q' compares 'services' with != 1, which is never "
        "true: its answer is the set of boxes ticked; write 1 not in services"
    ]
    assert item("4 in services and count(services) >= 1") == []


def test_a_date_or_a_text_compared_with_a_number_is_never_true():
    body = (
        "      - {id: town, type: text, text: Town?}\n"
        "      - {id: seen, type: date, text: When?}\n"
        '      - {id: later_q, type: text, text: Q, show_if: "seen > 2020 or town == 1"}\n'
    )
    assert problems(body, dedent=False) == [
        "demo.yaml:21: show_if of item 'later_q' compares 'seen' with the number 2020, which is "
        "never true: its answers are dates; write the date as 'YYYY-MM-DD', e.g. '2024-03-31'",
        "demo.yaml:21: show_if of item 'later_q' compares 'town' with the number 1, which is "
        "never true: its answers are texts; write the text in quotes, e.g. 'Leeds'",
    ]


def test_a_lone_zero_is_always_false_and_only_or_suggests_a_list_of_codes():
    assert item("0 and used_online == 1") == [
        "demo.yaml:19: show_if of item 'later_q' has 'and 0', but a number on its own is not a "
        "condition (it is always false); compare it with an answer, e.g. used_online == 0"
    ]
    assert item("used_online == 1 and 2") == [
        "demo.yaml:19: show_if of item 'later_q' has 'and 2', but a number on its own is not a "
        "condition (it is always true); compare it with an answer, e.g. used_online == 2"
    ]
    assert item("1 or used_online == 1") == [
        "demo.yaml:19: show_if of item 'later_q' has 'or 1', but a number on its own is not a "
        "condition (it is always true); compare it with an answer, e.g. used_online == 1"
    ]


def test_text_after_not_in_makes_the_condition_always_true_not_never_true():
    assert item("used_online not in ['No']") == [
        "demo.yaml:19: show_if of item 'later_q' compares 'used_online' with the text 'No', "
        "which never matches, so 'not in' is always true: its answers are codes (1 = Yes, "
        "2 = No); write a code without quotes, e.g. used_online == 1"
    ]
