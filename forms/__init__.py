"""The instrument model: load, check and render questionnaires written in YAML.

Pure: no Flask, no database. `fieldwork` and `exports` build on it.
"""

from forms.errors import ExpressionError, InstrumentError, Problem
from forms.model import Choice, ChoiceList, Instrument, Item, Row, Score, Section, Text

__all__ = [
    "Choice",
    "ChoiceList",
    "ExpressionError",
    "Instrument",
    "InstrumentError",
    "Item",
    "Problem",
    "Row",
    "Score",
    "Section",
    "Text",
]
