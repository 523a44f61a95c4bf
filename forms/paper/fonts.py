"""Fonts for paper forms: always embedded TrueType, chosen by language.

DejaVu Sans (Debian fonts-dejavu) prints Latin, Greek and Cyrillic; WenQuanYi Zen Hei
(Debian fonts-wqy-zenhei) prints Chinese; Lohit (fonts-lohit-beng-bengali, -gujr,
-guru) prints Bengali, Gujarati and Gurmukhi, shaped by HarfBuzz (uharfbuzz), which
reportlab 5 then prints correctly. Right-to-left scripts (Arabic, Urdu, Hebrew) are
refused: reportlab joins the letters but misplaces punctuation and numbers and
aligns lines to the left (rendered and looked at, November 2026), and scripts not
tried are refused too rather than printed broken (see `REFUSED`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = os.environ.get("FIELDWORK_FONT_DIR", "/usr/share/fonts/truetype")

# Languages whose script reportlab does not print correctly, or has not been seen to
# (checked by rendering a sentence to PNG with reportlab 5.1 and uharfbuzz 0.57).
REFUSED = {
    "ar": "Arabic",
    "fa": "Persian (Arabic script)",
    "ur": "Urdu (Arabic script)",
    "ps": "Pashto (Arabic script)",
    "he": "Hebrew",
    "yi": "Yiddish (Hebrew script)",
    "hi": "Hindi (Devanagari)",
    "ne": "Nepali (Devanagari)",
    "ta": "Tamil",
    "te": "Telugu",
    "ml": "Malayalam",
    "si": "Sinhala",
}


class UnsupportedLanguage(ValueError):
    """A language whose script cannot be printed correctly."""


@dataclass(frozen=True)
class FontSet:
    """The regular and bold font names registered with reportlab for one language."""

    regular: str
    bold: str
    shaping: bool = False


_FILES = {
    "latin": (
        ("DejaVuSans", "dejavu/DejaVuSans.ttf"),
        ("DejaVuSans-Bold", "dejavu/DejaVuSans-Bold.ttf"),
    ),
    "cjk": (("WenQuanYiZenHei", "wqy/wqy-zenhei.ttc"),),
    "bn": (("LohitBengali", "lohit-bengali/Lohit-Bengali.ttf"),),
    "gu": (("LohitGujarati", "lohit-gujarati/Lohit-Gujarati.ttf"),),
    "pa": (("LohitGurmukhi", "lohit-punjabi/Lohit-Gurmukhi.ttf"),),
}
_PACKAGES = {
    "latin": "fonts-dejavu",
    "cjk": "fonts-wqy-zenhei",
    "bn": "fonts-lohit-beng-bengali",
    "gu": "fonts-lohit-gujr",
    "pa": "fonts-lohit-guru",
}
_FAMILY = {"zh": "cjk", "bn": "bn", "gu": "gu", "pa": "pa"}
_SHAPED = {"bn", "gu", "pa"}


def check_language(lang: str) -> None:
    """Raise UnsupportedLanguage if `lang` needs shaping that reportlab cannot do."""
    base = _base(lang)
    if base in REFUSED:
        raise UnsupportedLanguage(
            f"cannot print '{lang}': {REFUSED[base]} needs text shaping "
            "(joined or reordered letters) that the PDF renderer does not do correctly; "
            "print this language from a word processor instead"
        )


@cache
def fonts_for(lang: str) -> FontSet:
    """Register (once) and return the embedded fonts for `lang`."""
    check_language(lang)
    family = _FAMILY.get(_base(lang), "latin")
    names = []
    for name, path in _FILES[family]:
        if name not in pdfmetrics.getRegisteredFontNames():
            full = os.path.join(FONT_DIR, path)
            if not os.path.exists(full):
                package = _PACKAGES[family]
                raise FileNotFoundError(f"font {full} is missing: install Debian's {package}")
            font = (
                TTFont(name, full, subfontIndex=0) if full.endswith(".ttc") else TTFont(name, full)
            )
            pdfmetrics.registerFont(font)
        names.append(name)
    regular, bold = names[0], names[-1]
    for bold_flag, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
        # No italics (hard to read in print); bold text stays bold whatever is nested in it.
        addMapping(regular, bold_flag, italic, bold if bold_flag else regular)
        if bold != regular:
            addMapping(bold, bold_flag, italic, bold)
    return FontSet(regular, bold, shaping=family in _SHAPED)


def _base(lang: str) -> str:
    return lang.split("-")[0].split("_")[0].lower()
