"""Item and choice-list checks, each fed a broken file written inline.

Every file starts with the same 7-line header, so section lines start at 8.
"""

from __future__ import annotations

import textwrap

from forms.loader import load_text
from tests.forms.authoring import HEAD, problems_after


def problems(body: str) -> list[str]:
    """The problems of HEAD + `body` (dedented), as `FILE:LINE: message` strings."""
    return problems_after(HEAD, body)


def one_item(item: str, lists: str = "") -> list[str]:
    """Problems of a file whose only item is `item` (a block at 6 spaces; first line 12)."""
    body = (
        lists
        + "sections:\n  - id: s1\n    title: Start\n    items:\n"
        + textwrap.indent(textwrap.dedent(item), " " * 6)
    )
    return problems(body)


YES_NO = """\
choice_lists:
  yes_no: {1: Yes, 2: No}
"""


def test_valid_items_of_every_type():
    assert (
        one_item(
            """\
            - {id: a, type: single, text: A, choices: {1: Yes, 2: No}, required: true}
            - {id: b, type: multiple, text: B, choices: {1: X, 9: None}, exclusive: [9]}
            - {id: c, type: grid, text: C, choices: {1: Easy, 2: Hard}, rows: {x: Row x}}
            - {id: d, type: text, text: D, max_length: 100}
            - {id: e, type: textarea, text: E, lines: 4, paper: false}
            - {id: f, type: integer, text: F, min: 0, max: 10, unit: years}
            - {id: g, type: decimal, text: G, min: 0.5, max: 2}
            - {id: h, type: date, text: H, identifying: true}
            - {id: i, type: note, text: I, web: false}
            """
        )
        == []
    )


def test_unknown_item_key_suggests_show_if():
    assert one_item(
        """\
        - id: q1
          type: text
          text: Name?
          showif: "1 == 1"
        """
    ) == ["demo.yaml:15: item 'q1' has unknown key 'showif'; did you mean 'show_if'?"]


def test_missing_item_keys():
    assert one_item("- {id: q1}\n") == [
        "demo.yaml:12: item 'q1' has no 'text'",
        "demo.yaml:12: item 'q1' has no 'type'",
    ]


def test_item_without_id_is_named_by_its_place():
    assert one_item("- {type: text, text: Name?}\n") == [
        "demo.yaml:12: item 1 of section 's1' has no 'id'"
    ]


def test_item_that_is_not_a_mapping():
    assert one_item("- q1\n") == [
        "demo.yaml:12: item 1 of section 's1' must be a mapping with id, type and text, not 'q1'"
    ]


def test_unknown_type_names_the_types():
    assert one_item("- {id: q1, type: colour, text: Name?}\n") == [
        "demo.yaml:12: item 'q1' has unknown type 'colour' (types: single, multiple, grid, "
        "text, textarea, integer, decimal, date, note)"
    ]


def test_xlsform_type_names_are_translated():
    [problem] = one_item("- {id: q1, type: select_one, text: Name?, choices: {1: A}}\n")
    assert "unknown type 'select_one'; for this use single" in problem


def test_required_must_be_true_or_false():
    assert one_item("- {id: q1, type: text, text: Name?, required: yes please}\n") == [
        "demo.yaml:12: item 'q1': 'required' must be true or false, not 'yes please'"
    ]


def test_yes_and_no_are_accepted_as_true_and_false():
    instrument = load_text(
        HEAD + "sections:\n- id: s\n  title: S\n  items:\n"
        "  - {id: q1, type: text, text: Name?, required: yes, paper: no}\n"
    )
    assert instrument.item("q1").required is True
    assert instrument.item("q1").paper is False


def test_min_must_be_a_number():
    assert one_item("- {id: q1, type: integer, text: Age?, min: ten}\n") == [
        "demo.yaml:12: item 'q1': 'min' must be a whole number, not 'ten'"
    ]
    assert one_item("- {id: q1, type: integer, text: Age?, max: 1.5}\n") == [
        "demo.yaml:12: item 'q1': 'max' must be a whole number, not 1.5"
    ]
    assert one_item("- {id: q1, type: decimal, text: Kg?, max: .inf}\n") == [
        "demo.yaml:12: item 'q1': 'max' must be a number, not inf"
    ]


def test_min_greater_than_max():
    assert one_item("- {id: q1, type: integer, text: Age?, min: 120, max: 16}\n") == [
        "demo.yaml:12: item 'q1': 'min' (120) is greater than 'max' (16)"
    ]


def test_max_length_and_lines_are_positive_whole_numbers():
    assert one_item("- {id: q1, type: textarea, text: Tell us, max_length: 0, lines: many}\n") == [
        "demo.yaml:12: item 'q1': 'lines' must be a whole number of at least 1, not 'many'",
        "demo.yaml:12: item 'q1': 'max_length' must be a whole number of at least 1, not 0",
    ]


def test_keys_that_do_not_fit_the_type():
    assert one_item(
        """\
        - id: q1
          type: single
          text: Pick
          choices: {1: A}
          rows: {a: Row}
        - id: q2
          type: text
          text: Name
          choices: {1: A}
        - id: q3
          type: integer
          text: Age
          max_length: 3
        """
    ) == [
        "demo.yaml:16: item 'q1': 'rows' does not apply to a single item (only to grid items)",
        "demo.yaml:20: item 'q2': 'choices' does not apply to a text item "
        "(only to single, multiple and grid items)",
        "demo.yaml:24: item 'q3': 'max_length' does not apply to an integer item "
        "(only to text and textarea items)",
    ]


def test_notes_take_no_answer_keys():
    assert one_item("- {id: n1, type: note, text: Hello, required: true}\n") == [
        "demo.yaml:12: item 'n1': 'required' does not apply to a note (notes take no answer)"
    ]


def test_choice_item_needs_choices():
    assert one_item("- {id: q1, type: single, text: Pick}\n") == [
        "demo.yaml:12: item 'q1' has no 'choices' (a single item needs them)"
    ]


def test_choices_of_the_wrong_type():
    assert one_item("- {id: q1, type: single, text: Pick, choices: 5}\n") == [
        "demo.yaml:12: item 'q1': 'choices' must be the name of a choice list or a mapping "
        "of code: label, not 5"
    ]


def test_unknown_choice_list_names_the_known_ones():
    lists = "choice_lists:\n  yes_no: {1: Yes, 2: No}\n  agree5: {1: Agree, 2: Disagree}\n"
    assert one_item("- {id: services, type: single, text: Pick, choices: services5}\n", lists) == [
        "demo.yaml:15: item 'services' uses unknown choice list 'services5' (known: yes_no, agree5)"
    ]


def test_choice_codes_are_whole_numbers_from_0_to_9999():
    lists = "choice_lists:\n  scale: {a: A, -1: Minus, 10000: Big, '3': Quoted, 2.5: Half}\n"
    assert one_item("- {id: q1, type: single, text: Pick, choices: scale}\n", lists) == [
        "demo.yaml:9: choice list 'scale' has no choices; write them as code: label, "
        "e.g. {1: Yes, 2: No}",
        "demo.yaml:9: choice list 'scale': code '3' is quoted; write the code as a plain number",
        "demo.yaml:9: choice list 'scale': code 'a' is not a whole number from 0 to 9999",
        "demo.yaml:9: choice list 'scale': code -1 is not a whole number from 0 to 9999 "
        "(negative codes are reserved for missing values)",
        "demo.yaml:9: choice list 'scale': code 10000 is not a whole number from 0 to 9999",
        "demo.yaml:9: choice list 'scale': code 2.5 is not a whole number from 0 to 9999",
    ]


def test_duplicate_choice_codes():
    lists = "choice_lists:\n  scale:\n    1: Agree\n    2: Neutral\n    1: Disagree\n"
    assert one_item("- {id: q1, type: single, text: Pick, choices: scale}\n", lists) == [
        "demo.yaml:12: choice list 'scale' has code 1 twice (first on line 10)"
    ]


def test_inline_choices_are_checked_like_lists():
    assert one_item("- {id: q1, type: single, text: Pick, choices: {1: A, 1: B}}\n") == [
        "demo.yaml:12: item 'q1': 'choices' has code 1 twice (first on line 12)"
    ]


def test_missing_codes_must_be_in_the_list():
    lists = "choice_lists:\n  scale: {1: Agree, 2: Disagree, 9: Don't know, missing: [8, 9]}\n"
    assert one_item("- {id: q1, type: single, text: Pick, choices: scale}\n", lists) == [
        "demo.yaml:9: choice list 'scale': missing code 8 is not one of its codes (1, 2, 9)"
    ]


def test_misspelt_missing_is_suggested():
    lists = "choice_lists:\n  scale: {1: Agree, 9: Don't know, mising: [9]}\n"
    [problem] = one_item("- {id: q1, type: single, text: Pick, choices: scale}\n", lists)
    assert problem.endswith(
        "code 'mising' is not a whole number from 0 to 9999; did you mean 'missing'?"
    )


def test_an_unquoted_comma_in_a_label_is_explained():
    [problem] = one_item("- {id: q1, type: single, text: Pick, choices: {1: Yes, I do, 2: No}}\n")
    assert problem.startswith(
        "demo.yaml:12: item 'q1': 'choices' has 'I do' where a code should be"
    )


def test_exclusive_codes_must_be_in_the_list():
    assert one_item(
        "- {id: q1, type: multiple, text: Pick, choices: {1: A, 99: None}, exclusive: [98]}\n"
    ) == ["demo.yaml:12: item 'q1': exclusive code 98 is not one of its codes (1, 99)"]


def test_exclusive_only_on_multiple_items():
    assert one_item("- {id: q1, type: single, text: Pick, choices: {1: A}, exclusive: [1]}\n") == [
        "demo.yaml:12: item 'q1': 'exclusive' does not apply to a single item "
        "(only to multiple items)"
    ]


def test_grid_without_rows():
    assert one_item("- {id: g, type: grid, text: Rate, choices: {1: Good, 2: Bad}}\n") == [
        "demo.yaml:12: grid item 'g' has no 'rows'"
    ]
    assert one_item("- {id: g, type: grid, text: Rate, choices: {1: Good}, rows: {}}\n") == [
        "demo.yaml:12: grid item 'g' has no rows"
    ]


def test_grid_row_ids_and_duplicates():
    assert one_item(
        """\
        - id: g
          type: grid
          text: Rate
          choices: {1: Good}
          rows:
            Booking: Booking
            rx: Prescriptions
            rx: Again
        """
    ) == [
        "demo.yaml:17: item 'g': row id 'Booking' is not valid: ids start with a lowercase letter "
        "and hold only lowercase letters, digits and _; e.g. 'booking'",
        "demo.yaml:19: item 'g' has row 'rx' twice (first on line 18)",
    ]


def test_never_asked_item():
    assert one_item("- {id: q1, type: text, text: Name?, web: false, paper: false}\n") == [
        "demo.yaml:12: item 'q1' has web: false and paper: false, so it is never asked; "
        "remove the item instead"
    ]


def test_constraint_message_needs_a_constraint():
    assert one_item("- {id: q1, type: integer, text: Age?, constraint_message: Too old}\n") == [
        "demo.yaml:12: item 'q1' has a 'constraint_message' but no 'constraint'"
    ]


def test_section_checks():
    assert problems(
        """\
        sections:
          - id: s1
            titel: Start
            items: []
          - just a string
        """
    ) == [
        "demo.yaml:9: section 's1' has no 'title'",
        "demo.yaml:10: section 's1' has unknown key 'titel'; did you mean 'title'?",
        "demo.yaml:11: section 's1' has no items",
        "demo.yaml:12: section 2 must be a mapping with id, title and items, not 'just a string'",
    ]


def test_score_checks():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
              - {id: q1, type: integer, text: Age?}
        scores:
          - id: sc
            label: Score
            exprr: "q1 + 1"
          - 5
        """
    ) == [
        "demo.yaml:14: score 'sc' has no 'expr'",
        "demo.yaml:16: score 'sc' has unknown key 'exprr'; did you mean 'expr'?",
        "demo.yaml:17: score 2 must be a mapping with id, label and expr, not 5",
    ]


def test_a_section_with_items_left_blank_is_one_problem():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
          - id: s2
            title: Next
            items:
              - {id: q, type: text, text: Q}
        """
    ) == ["demo.yaml:11: section 's1' has no items"]


def test_an_item_key_indented_into_the_text_above_it_is_explained():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
              - id: age
                type: integer
                text:
                  en: How old are you?
                  max: 110
        """
    ) == [
        "demo.yaml:16: item 'age': 'text' uses language 'max', which is not in 'languages' (en); "
        "'max:' is a key, not a language: is it indented too far?"
    ]


def test_min_and_max_fit_the_nine_digits_a_number_is_kept_with():
    assert one_item("- {id: q1, type: integer, text: Hours?, max: 99999999999999999999}\n") == [
        "demo.yaml:12: item 'q1': 'max' (99999999999999999999) has more than 9 digits before "
        "the point; answers are kept with at most 9, so keep it within -999999999 to 999999999"
    ]
    assert one_item("- {id: q1, type: decimal, text: Kg?, min: -1234567890.5}\n") == [
        "demo.yaml:12: item 'q1': 'min' (-1234567890.5) has more than 9 digits before "
        "the point; answers are kept with at most 9, so keep it within -999999999 to 999999999"
    ]
    widest = "- {id: q1, type: integer, text: Pence?, min: -999999999, max: 999999999}\n"
    assert one_item(widest) == []
