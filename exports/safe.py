"""One rule against spreadsheet formula injection, for every CSV and xlsx the platform writes.

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return can be run as
a formula by Excel or LibreOffice; it gets a leading apostrophe so it shows as text.
Numbers are left alone, whether given as numbers or as text that reads as a number: a
coded -99 stays the number -99.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")


def needs_neutralising(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula (numbers never are)."""
    return text.startswith(FORMULA_STARTS) and not _NUMBER.match(text)


def safe_value(value: Any) -> Any:
    """`value` made safe for a spreadsheet: numbers as they are, risky text with a `'`."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if needs_neutralising(text) else text


def safe_cell(value: Any) -> str:
    """A value as CSV text, neutralised if a spreadsheet could read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    return str(safe_value(value))


def safe_array(array):
    """A pyarrow string array made safe cell by cell, by the same rule, without a loop."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first = pc.utf8_slice_codeunits(array, 0, 1)
    starts = pc.fill_null(pc.is_in(first, value_set=pa.array(FORMULA_STARTS)), False)
    if not pc.any(starts).as_py():
        return array  # the usual case, found without a regular expression a cell
    number = pc.match_substring_regex(array, "^" + _NUMBER.pattern.replace(r"\Z", "$"))
    risky = pc.and_(starts, pc.invert(pc.fill_null(number, False)))
    return pc.if_else(risky, pc.binary_join_element_wise("'", array, ""), array)
