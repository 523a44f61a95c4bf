"""Ids unique in the whole instrument, and export variable names short and distinct."""

from __future__ import annotations

from tests.forms.authoring import HEAD, problems_after


def problems(body: str) -> list[str]:
    """The problems of HEAD + `body` (dedented); sections start on line 8."""
    return problems_after(HEAD, body)


def test_ids_are_unique_across_sections_items_and_scores():
    assert problems(
        """\
        sections:
          - id: about
            title: About
            items:
              - {id: age, type: integer, text: Age?}
              - {id: about, type: text, text: About you}
          - id: more
            title: More
            items:
              - {id: age, type: integer, text: Age again?}
        scores:
          - {id: more, label: More, expr: "age + 1"}
        """
    ) == [
        "demo.yaml:13: item id 'about' is already used by the section on line 9; "
        "ids must be unique in the whole instrument",
        "demo.yaml:17: item id 'age' is already used by the item on line 12; "
        "ids must be unique in the whole instrument",
        "demo.yaml:19: score id 'more' is already used by the section on line 14; "
        "ids must be unique in the whole instrument",
    ]


def test_invalid_ids_suggest_a_valid_one():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
              - {id: Used-Online, type: text, text: Used?}
              - {id: 2nd, type: text, text: Second?}
              - {id: 7, type: text, text: Seven?}
        """
    ) == [
        "demo.yaml:12: item id 'Used-Online' is not valid: ids start with a lowercase letter "
        "and hold only lowercase letters, digits and _; e.g. 'used_online'",
        "demo.yaml:13: item id '2nd' is not valid: ids start with a lowercase letter "
        "and hold only lowercase letters, digits and _",
        "demo.yaml:14: item id must be a word such as 'used_online', not 7",
    ]


def test_ids_may_not_be_words_of_the_expression_language():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
              - {id: if, type: text, text: If?}
        """
    ) == ["demo.yaml:12: item id 'if' is a word of the expression language; choose another id"]


def test_export_names_at_most_32_characters():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
              - id: how_often_did_you_use_the_nhs_app
                type: integer
                text: How often?
              - id: services_used_in_the_last_year
                type: multiple
                text: Which?
                choices: {1: Booking, 1000: Other}
              - id: ease_of_doing_things_online
                type: grid
                text: Ease?
                choices: {1: Easy}
                rows: {book: Booking, prescriptions: Prescriptions}
        """
    ) == [
        "demo.yaml:12: item 'how_often_did_you_use_the_nhs_app' gives export variable "
        "'how_often_did_you_use_the_nhs_app' (33 characters); names may have at most 32, "
        "so shorten the id",
        "demo.yaml:15: item 'services_used_in_the_last_year' (multiple, code 1000) gives export "
        "variable 'services_used_in_the_last_year_1000' (35 characters); names may have at "
        "most 32, so shorten the id or the codes",
        "demo.yaml:19: item 'ease_of_doing_things_online' (grid, row prescriptions) gives export "
        "variable 'ease_of_doing_things_online_prescriptions' (41 characters); names may have "
        "at most 32, so shorten the id or the row ids",
    ]


def test_an_item_colliding_with_a_multiple_items_variable():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
              - {id: a, type: multiple, text: Which?, choices: {1: One, 2: Two}}
              - {id: a_1, type: text, text: Other?}
        """
    ) == [
        "demo.yaml:13: item 'a_1' gives export variable 'a_1', which item 'a' (multiple, code 1) "
        "on line 12 also gives; rename one of them"
    ]


def test_a_grid_row_colliding_with_an_item_and_a_score():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
              - {id: ease_book, type: integer, text: Days?}
              - {id: ease, type: grid, text: Ease?, choices: {1: Easy}, rows: {book: Booking}}
        scores:
          - {id: ease_book2, label: Fine, expr: "ease_book"}
          - {id: ease_book, label: Clash, expr: "ease.book"}
        """
    ) == [
        "demo.yaml:13: item 'ease' (grid, row book) gives export variable 'ease_book', which "
        "item 'ease_book' on line 12 also gives; rename one of them",
        "demo.yaml:16: score id 'ease_book' is already used by the item on line 12; ids must be "
        "unique in the whole instrument",
    ]


def test_score_colliding_with_a_multiple_items_variable():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
              - {id: a, type: multiple, text: Which?, choices: {1: One}}
        scores:
          - {id: a_1, label: Clash, expr: "count(a)"}
        """
    ) == [
        "demo.yaml:14: score 'a_1' gives export variable 'a_1', which item 'a' (multiple, code 1) "
        "on line 12 also gives; rename one of them"
    ]


def test_reserved_export_names():
    assert problems(
        """\
        sections:
          - id: s1
            title: Start
            items:
              - {id: language, type: text, text: Which language do you speak at home?}
        """
    ) == [
        "demo.yaml:12: item 'language' gives export variable 'language', which is reserved for "
        "the respondent's language; rename it"
    ]
