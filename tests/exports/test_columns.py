"""The codebook's view of each variable: routing in words."""

from __future__ import annotations

import textwrap

from exports.columns import item_columns
from forms.loader import load_text

ROUTED = textwrap.dedent("""\
    instrument: demo
    version: 1
    title: Demo
    languages: [en]
    audience: patient
    intro: Hello
    outro: Thanks
    sections:
      - id: first
        title: First
        items:
          - {id: cares, type: single, text: Caring?, choices: {1: Partner, 2: Parent, 3: No}}
          - {id: busy, type: single, text: Busy?, choices: {1: "Yes", 2: "No"}}
      - id: support
        title: Support
        show_if: "cares == 1 or cares == 2"
        items:
          - {id: assessed, type: single, text: Assessed?, choices: {1: "Yes", 2: "No"}}
          - {id: when, type: date, text: When?, show_if: "assessed == 1"}
""")


def test_a_routed_item_in_a_routed_section_says_both_conditions_in_one_sentence():
    columns = {c.name: c for c in item_columns([load_text(ROUTED, "demo.yaml")])}
    assert columns["assessed"].routing == "Asked if Q1 is 'Partner' or Q1 is 'Parent'"
    assert columns["when"].routing == (
        "Asked if (Q1 is 'Partner' or Q1 is 'Parent') and Q3 is 'Yes'"
    )
