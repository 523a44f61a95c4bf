"""The platform's own words (not the questionnaires'), from gettext catalogues, without Flask.

Layout
    forms/translations/messages.pot                      every word, extracted (`babel.cfg`)
    forms/translations/<lang>/LC_MESSAGES/messages.po    one per language; `make install`
                                                         compiles them (bin/compile-catalogues)

Both `forms/` (paper forms, routing in words) and `fieldwork/` (the respondent pages) read
these same catalogues, so the web and paper forms say the same thing in every language.
The messages are English source strings (msgid = the English text, `{name}` placeholders
filled in with `str.format` after translation).

A study adds or overrides a language with no code change: it drops `<lang>.po` (or
`<lang>/LC_MESSAGES/messages.po`) into a folder it names (`FIELDWORK_TRANSLATIONS`);
a message it translates wins over the shipped one, a message it leaves out keeps the shipped
one. Study files are read as .po directly (no compile step needed).

Language codes
    The instrument's codes (`languages: [en, pl, zh, zh-Hant]`) name the catalogues.
    `-` and `_` are the same (`zh-Hant` = `zh_Hant`). `zh` (and `zh-Hans`, `zh-CN`, `zh-SG`)
    is Simplified Chinese; `zh-Hant` (and `zh-TW`, `zh-HK`, `zh-MO`) is Traditional Chinese.
    Otherwise a code with a region falls back to its language (`pt-BR` -> `pt`).
    `en` is the source language: it needs no catalogue.

API (for the paper form, the describer and the web app)
    translations(lang, extra_dirs=()) -> babel.support.Translations   (cached)
        t = translations("pl")
        t.gettext("Please tick one box")
        t.ngettext("{n} page", "{n} pages", n).format(n=n)     # CLDR plural rules
    text(lang, msgid, extra_dirs=(), **values) -> str   gettext + str.format in one call
    catalogue_folder(lang) -> str | None      the shipped folder that serves `lang`
    has_catalogue(lang, extra_dirs=()) -> bool
    missing_messages(lang, extra_dirs=()) -> list[str]   msgids of the .pot not translated
    locale(lang) -> babel.Locale; is_rtl(lang) -> bool; direction(lang) -> "rtl" | "ltr"
    format_number(value, lang), format_date(value, lang)  CLDR formats via Babel
    N_(msgid) marks a message for extraction without translating it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

SOURCE_LANGUAGE = "en"
CATALOGUE_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"
TEMPLATE = CATALOGUE_DIR / f"{DOMAIN}.pot"

# Instrument codes that name a catalogue other than their own (keys lower case, `_`).
ALIASES = {
    "zh_hans": "zh",
    "zh_cn": "zh",
    "zh_sg": "zh",
    "zh_hans_cn": "zh",
    "zh_hant": "zh_Hant",
    "zh_tw": "zh_Hant",
    "zh_hk": "zh_Hant",
    "zh_mo": "zh_Hant",
    "zh_hant_tw": "zh_Hant",
    "zh_hant_hk": "zh_Hant",
}


def N_(msgid: str) -> str:
    """Mark `msgid` for extraction; translate it later with `text` or `translations`."""
    return msgid


def _normal(lang: str) -> str:
    return lang.replace("-", "_")


def candidates(lang: str) -> list[str]:
    """Catalogue names to try for an instrument language code, most specific first."""
    code = _normal(lang)
    names = [code]
    alias = ALIASES.get(code.lower())
    if alias:
        names.append(alias)
    base = code.split("_")[0]
    if base not in names and base.lower() != "zh":
        names.append(base)
    elif base.lower() == "zh" and not alias and code.lower() != "zh":
        names.append("zh")
    return names


def _folder_po(folder: Path, name: str) -> list[Path]:
    return [folder / name / "LC_MESSAGES" / f"{DOMAIN}.po", folder / f"{name}.po"]


def catalogue_folder(lang: str) -> str | None:
    """The shipped catalogue's name (folder under `translations/`) that serves `lang`."""
    for name in candidates(lang):
        if (CATALOGUE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.po").exists():
            return name
    return None


def _study_files(lang: str, extra_dirs: Iterable[str | Path]) -> list[Path]:
    """Study .po files for `lang`, the first folder's first (it wins)."""
    found = []
    for folder in extra_dirs:
        for name in candidates(lang):
            found.extend(p for p in _folder_po(Path(folder), name) if p.is_file())
    return found


def _read_catalogue(path: Path, lang: str) -> Catalog:
    """A .po (or its compiled .mo when that is at least as new) as a Babel catalogue."""
    mo = path.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= path.stat().st_mtime:
        with mo.open("rb") as handle:
            return read_mo(handle)
    with path.open("rb") as handle:
        return read_po(handle, locale=_locale_or_none(lang))


def _shipped_file(lang: str) -> Path | None:
    name = catalogue_folder(lang)
    return CATALOGUE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.po" if name else None


def _as_translations(catalogues: list[Catalog]) -> Translations:
    """One Translations: the first catalogue's messages win over the later ones'."""
    merged = Catalog(locale=catalogues[-1].locale, fuzzy=False)
    for catalogue in reversed(catalogues):
        for message in catalogue:
            if message.id and _translated(message.string) and not message.fuzzy:
                if message.id in merged:
                    del merged[message.id]
                merged[message.id] = message
    buffer = BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(buffer)


def _translated(string: str | tuple[str, ...] | list[str]) -> bool:
    if isinstance(string, str):
        return bool(string)
    return all(string)


def _stamp(paths: list[Path]) -> tuple[tuple[str, float], ...]:
    stamps = []
    for path in paths:
        mo = path.with_suffix(".mo")
        mtime = max(path.stat().st_mtime, mo.stat().st_mtime if mo.exists() else 0.0)
        stamps.append((str(path), mtime))
    return tuple(stamps)


def translations(lang: str | None, extra_dirs: Iterable[str | Path] = ()) -> NullTranslations:
    """The catalogue for `lang`: study folders (in order) over the shipped one; English is none."""
    if not lang or _normal(lang).split("_")[0] == SOURCE_LANGUAGE:
        return NullTranslations()
    paths = _study_files(lang, extra_dirs)
    shipped = _shipped_file(lang)
    if shipped is not None:
        paths.append(shipped)
    if not paths:
        return NullTranslations()
    return _cached(lang, _stamp(paths))


@lru_cache(maxsize=64)
def _cached(lang: str, stamps: tuple[tuple[str, float], ...]) -> Translations:
    return _as_translations([_read_catalogue(Path(path), lang) for path, _ in stamps])


def text(
    lang: str | None, msgid: str, extra_dirs: Iterable[str | Path] = (), **values: object
) -> str:
    """`msgid` translated into `lang`, with `{name}` values filled in."""
    translated = translations(lang, extra_dirs).gettext(msgid)
    return translated.format(**values) if values else translated


def has_catalogue(lang: str, extra_dirs: Iterable[str | Path] = ()) -> bool:
    """Whether `lang` is the source language or has a shipped or study catalogue."""
    if _normal(lang).split("_")[0] == SOURCE_LANGUAGE:
        return True
    return catalogue_folder(lang) is not None or bool(_study_files(lang, extra_dirs))


@lru_cache(maxsize=1)
def template_ids() -> tuple[str, ...]:
    """Every msgid of the extracted template (`messages.pot`), in order."""
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    return tuple(m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id)


def missing_messages(lang: str, extra_dirs: Iterable[str | Path] = ()) -> list[str]:
    """The template's msgids that `lang` does not translate (every one with no catalogue)."""
    if _normal(lang).split("_")[0] == SOURCE_LANGUAGE:
        return []
    known = translations(lang, extra_dirs)
    catalogue = getattr(known, "_catalog", {})
    return [m for m in template_ids() if m not in catalogue and (m, 0) not in catalogue]


def _locale_or_none(lang: str) -> Locale | None:
    try:
        return locale(lang)
    except (UnknownLocaleError, ValueError):
        return None


@lru_cache(maxsize=64)
def locale(lang: str) -> Locale:
    """The CLDR locale of a language code (`zh` is Simplified, `zh-TW` Traditional Chinese)."""
    code = _normal(lang)
    alias = ALIASES.get(code.lower())
    if alias == "zh_Hant":
        return Locale.parse("zh_Hant")
    if alias == "zh":
        return Locale.parse("zh_Hans")
    return Locale.parse(code)


def is_rtl(lang: str | None) -> bool:
    """Whether `lang` is written right to left (Arabic, Urdu, …), from CLDR."""
    if not lang:
        return False
    found = _locale_or_none(lang)
    return found is not None and found.character_order == "right-to-left"


def direction(lang: str | None) -> str:
    """The HTML `dir` value for `lang`."""
    return "rtl" if is_rtl(lang) else "ltr"


def format_number(value: float | int, lang: str | None) -> str:
    """A number in the CLDR format of `lang` (`1 234,5` in Polish)."""
    found = _locale_or_none(lang or SOURCE_LANGUAGE) or Locale.parse(SOURCE_LANGUAGE)
    return babel_numbers.format_decimal(value, locale=found)


def format_date(value: date, lang: str | None, form: str = "long") -> str:
    """A date in the CLDR `form` (`short`, `medium`, `long`) of `lang`."""
    found = _locale_or_none(lang or SOURCE_LANGUAGE) or Locale.parse("en_GB")
    if found.language == SOURCE_LANGUAGE and not found.territory:
        found = Locale.parse("en_GB")
    return babel_dates.format_date(value, format=form, locale=found)
