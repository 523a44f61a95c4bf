"""The words printed on paper forms and letters, from the platform's gettext catalogues.

Every printed word is a msgid (English source, `{name}` placeholders) in
`forms/translations`; words the web form shares are named in `forms.words`.
`words(lang)` gives the one translation function the paper renderer uses.
"""

from __future__ import annotations

from collections.abc import Callable

from forms.i18n import N_, text

Translate = Callable[..., str]

_ = N_


def words(lang: str) -> Translate:
    """`t(msgid, **values)`: the msgid in `lang` (English where untranslated), values filled in."""

    def translate(msgid: str, **values: object) -> str:
        return text(lang, msgid, **values)

    return translate
