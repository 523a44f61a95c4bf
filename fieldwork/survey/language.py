"""The language of the pages seen before a questionnaire is chosen (start, resume, closed).

A link on the start page (`?lang=pl`) sets it for the visit; otherwise the browser's
Accept-Language is a hint; English when nothing matches a catalogue.
"""

from __future__ import annotations

from flask import request, session

from forms import i18n

SESSION_KEY = "page_lang"


def available() -> list[str]:
    """English and every language with a catalogue (shipped or the study's), as page codes."""
    codes = ["en"]
    for folder in sorted(p.name for p in i18n.CATALOGUE_DIR.iterdir() if p.is_dir()):
        codes.append(folder.replace("_", "-"))
    for folder in i18n.study_folders():
        for path in sorted(folder.glob("*.po")) + sorted(folder.glob("*/LC_MESSAGES/*.po")):
            name = path.stem if path.parent == folder else path.parents[1].name
            code = name.replace("_", "-")
            if code not in codes:
                codes.append(code)
    return codes


def _match(wanted: str, codes: list[str]) -> str | None:
    """The page code serving a browser language such as `pl-PL` or `zh-TW`, if any."""
    normal = {code.replace("-", "_").lower(): code for code in codes}
    for candidate in i18n.candidates(wanted):
        if candidate.lower() in normal:
            return normal[candidate.lower()]
    return None


def unserved(choices: list[str]) -> str | None:
    """The visitor's own language (the start page's: a link, the visit's choice or the
    browser's) when `choices`, a questionnaire's languages, do not include it; else None."""
    wanted = page_language()
    return None if _match(wanted, choices) else wanted


def page_language(choices: list[str] | None = None) -> str:
    """`?lang=`, else the visit's choice, else the best Accept-Language match, else English.

    `choices` narrows the languages (an instrument's); the first is the fallback.
    """
    codes = choices or available()
    chosen = request.args.get("lang")
    if chosen in codes:
        session[SESSION_KEY] = chosen
        return chosen
    remembered = _match(session.get(SESSION_KEY) or "", codes) if session.get(SESSION_KEY) else None
    if remembered:
        return remembered
    for wanted, _ in request.accept_languages:
        found = _match(wanted, codes)
        if found:
            return found
    return codes[0]
