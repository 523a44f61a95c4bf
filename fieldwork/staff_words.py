"""The staff pages' words for the platform's own values: a questionnaire's language by
name, how codes are sent, and routing as the paper form words it.

Staff pages are in English; each value has one table or function here, shared by every
page that shows it (templates call them as Jinja globals).
"""

from __future__ import annotations

from flask import Flask

from fieldwork.models.responses import DISPOSITIONS
from forms import i18n
from forms.keying import problem_summary
from forms.model import Instrument
from forms.paper.routing_words import FilterWords
from forms.paper.words import words

# How an access code's letter reaches people (fieldwork.models.responses.INVITATION_MODES).
MODE_NAMES = {"web": "Web", "paper": "Paper", "both": "Web and paper"}


def mode_name(mode: str) -> str:
    """`both` -> `Web and paper`."""
    return MODE_NAMES.get(mode, mode)


def outcome_label(outcome: str | None) -> str:
    """A code's or response's outcome as staff pages name it: `break_off` -> `Break-off (2.12)`."""
    return DISPOSITIONS.get(outcome or "", outcome or "not yet counted")


def language_label(code: str) -> str:
    """A questionnaire language for staff: `English`, `Chinese (Simplified) – 中文（简体）`."""
    try:
        here = i18n.locale(code)
        english, own = here.get_display_name("en"), here.get_display_name(here)
    except (ValueError, LookupError):
        return code
    if not english:
        return code
    return english if not own or own == english else f"{english} – {own}"


def paper_filters(instrument: Instrument, lang: str) -> FilterWords:
    """The paper form's routing words for one instrument and language: its `line(expr)`
    reads `Answer this if you ticked 'Something else' at Q4`, as printed."""
    return FilterWords(instrument, lang, words(lang))


def init_app(app: Flask) -> None:
    """Register the functions as Jinja globals."""
    app.jinja_env.globals.update(
        mode_name=mode_name,
        language_label=language_label,
        paper_filters=paper_filters,
        keying_summary=problem_summary,  # a keying page's error summary names each question
    )
