"""Answers in words, as the check-your-answers page lists them."""

from __future__ import annotations

import textwrap

from forms.display import answer_lines
from forms.loader import load_text

GRID = textwrap.dedent("""\
    instrument: demo
    version: 1
    title: {en: Demo, cy: Demo}
    languages: [en, cy]
    audience: patient
    intro: {en: Hello, cy: Helo}
    outro: {en: Thanks, cy: Diolch}
    sections:
      - id: s
        title: {en: S, cy: S}
        items:
          - id: support
            type: grid
            text: {en: How helpful?, cy: Pa mor ddefnyddiol?}
            choices: {1: {en: Very, cy: Iawn}, 2: {en: Not, cy: Ddim}}
            rows:
              gp: {en: GP practice, cy: Practis}
              pharm: {en: Pharmacy, cy: Fferyllfa}
              social: {en: Social services, cy: Gwasanaethau cymdeithasol}
""")


def test_a_grid_row_left_blank_is_listed_as_not_answered_beside_the_rows_answered():
    [grid] = load_text(GRID, "demo.yaml").items
    answer = {"gp": 1, "pharm": None, "social": 2}
    assert answer_lines(grid, answer, "en") == [
        "GP practice: Very",
        "Pharmacy: Not answered",
        "Social services: Not",
    ]
    assert answer_lines(grid, {"social": 2}, "cy") == [
        "Practis: Heb ei ateb",
        "Fferyllfa: Heb ei ateb",
        "Gwasanaethau cymdeithasol: Ddim",
    ]


def test_a_grid_with_no_row_answered_has_no_lines():
    [grid] = load_text(GRID, "demo.yaml").items
    assert answer_lines(grid, None, "en") == []
    assert answer_lines(grid, {"gp": None}, "en") == []
