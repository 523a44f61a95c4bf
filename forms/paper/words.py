"""The words printed on paper forms and letters, looked up through one function.

Every printed word is a gettext msgid (English source). `words(lang)` gives the
translation function for a language; it is the one place that knows where the
translations come from.
"""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str], str]

# Interim catalogue until the platform's gettext catalogues hold these msgids.
_ZH: dict[str, str] = {}


def words(lang: str) -> Translate:
    """The translation function for paper words in `lang` (English when untranslated)."""
    catalogue = _ZH if lang == "zh" else {}

    def translate(msgid: str) -> str:
        return catalogue.get(msgid) or msgid

    return translate


def _(msgid: str) -> str:
    """Marks a msgid for extraction; translated later through `words(lang)`."""
    return msgid
