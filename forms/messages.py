"""Validation messages shown to respondents, as gettext msgids (`forms.i18n` catalogues).

Written in the NHS style: say what to do, not what went wrong, in plain words, and name
the question (`{question}`, its text) where the message stands in the error summary.
Languages without a catalogue fall back to English, message by message.
"""

from __future__ import annotations

from forms import i18n
from forms.i18n import N_

MESSAGES: dict[str, str] = {
    "select_one": N_("Select your answer to '{question}'"),
    "select_row": N_("Select an answer for '{row}'"),
    "select_some": N_("Select at least one answer to '{question}'"),
    "select_listed": N_("Select one of the answers shown"),
    "select_at_least": N_("Select at least {min} answers"),
    "select_at_most": N_("Select no more than {max} answers"),
    "exclusive": N_("'{label}' cannot be selected with other answers"),
    "enter_text": N_("Enter your answer to '{question}'"),
    "too_long": N_("Your answer must be {max} characters or fewer"),
    "enter_number": N_("Enter a number for '{question}'"),
    "whole_number": N_("Enter a whole number"),
    "number_size": N_("Enter a number of {digits} digits or fewer"),
    "control_character": N_("Remove the invisible control characters from your answer"),
    "number_between": N_("Enter a number between {min} and {max}"),
    "number_at_least": N_("Enter a number that is {min} or more"),
    "number_at_most": N_("Enter a number that is {max} or less"),
    "enter_date": N_("Enter a date for '{question}'"),
    "date_missing": N_("The date must include a {parts}"),
    "date_real": N_("Enter a real date"),
    "date_year": N_("The year must include 4 numbers"),
    "day": N_("day"),
    "month": N_("month"),
    "year": N_("year"),
    "and": N_(" and "),
    "constraint": N_("Check your answer"),
    # The error summary's words for a message that does not name its question.
    "about_question": N_("'{question}': {problem}"),
}


def message(key: str, lang: str | None = None, **values: object) -> str:
    """The message `key` in `lang` (English when missing), with `{name}` values filled in."""
    return i18n.text(lang, MESSAGES[key], **values)
