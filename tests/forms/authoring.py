"""Helpers for tests that write instruments inline, in the format authors use."""

from __future__ import annotations

import textwrap

from forms.errors import InstrumentError
from forms.loader import load_text

# The smallest valid head of an instrument file: 7 lines, so a body starts on line 8.
HEAD = """\
instrument: demo
version: 1
title: Demo
languages: [en]
audience: patient
intro: Hello
outro: Thanks
"""


def problems_of(text: str, filename: str = "demo.yaml") -> list[str]:
    """The problems of an inline instrument file, as `FILE:LINE: message` strings."""
    try:
        load_text(text, filename)
    except InstrumentError as error:
        return [str(p) for p in error.problems]
    return []


def problems_after(head: str, body: str, dedent: bool = True) -> list[str]:
    """The problems of `head` followed by `body` (dedented unless told not to)."""
    return problems_of(head + (textwrap.dedent(body) if dedent else body))
