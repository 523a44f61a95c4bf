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

import html
import os
import re
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

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


# Paragraph markup: a tag, or an entity (escaped text), between runs of plain characters.
_MARKUP = re.compile(r"(<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);)")


@cache
def _characters(font: str) -> frozenset[int] | None:
    """The code points a registered TrueType font has glyphs for (None: one of the PDF's
    standard fonts, left as it is)."""
    face = pdfmetrics.getFont(font).face
    return frozenset(face.charToGlyph) if hasattr(face, "charToGlyph") else None


class _Unshaped(TTFont):
    """A TrueType font reportlab never shapes: `shapeFragWord` leaves a word alone when
    its font gives no HarfBuzz font. Latin in a shaped paragraph then stays plain
    letters, without discretionary ligatures (DejaVu's "st")."""

    def hbFont(self, fontSize=10):
        raise AttributeError("never shaped")


@cache
def fallback_font() -> str:
    """The font for the characters a script's font lacks: DejaVu Sans (Latin, Greek,
    Cyrillic) registered again unshaped as `DejaVuSans-Plain`, with its bold."""
    fonts = fonts_for("en")
    names = []
    for name in (fonts.regular, fonts.bold):
        plain = f"{name}-Plain"
        if plain not in pdfmetrics.getRegisteredFontNames():
            font = _Unshaped(plain, pdfmetrics.getFont(name).face.filename)
            font.face.name = plain.encode()  # reportlab keeps one font per face name
            pdfmetrics.registerFont(font)
        names.append(plain)
    regular, bold = names
    for bold_flag, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
        addMapping(regular, bold_flag, italic, bold if bold_flag else regular)
        addMapping(bold, bold_flag, italic, bold)
    return regular


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """`text` cut into (run, font) pieces: `font` where it has the characters, the
    fallback font where it lacks them (the Latin of a practice's name, a web address or
    an access code in a Bengali letter: Lohit has no Latin letters). Characters both
    fonts have (spaces, digits, punctuation) stay with the run they are in, except at
    the start of a word, where they go with the word's first letter: "(Y90001)" and
    '"NHS' are one Latin run each, not a bracket or quote left behind."""
    own, other = _characters(font), _characters(fallback_font())
    if own is None or other is None:
        return [(text, font)]
    pieces: list[tuple[str, str]] = []
    current, start, word, letter = font, 0, 0, -1  # `letter`: the last not in both fonts
    for index, char in enumerate(text):
        code = ord(char)
        if _parts_words(char):
            word = index + 1
            continue
        if _either(char, own, other):
            continue  # either font: no change of run
        wanted = font if code in own or code not in other else fallback_font()
        if wanted != current:
            cut = max(start, word) if letter < word else index  # a word's leading marks
            if cut > start:
                pieces.append((text[start:cut], current))
            current, start = wanted, cut
        letter = index
    if len(text) > start:
        pieces.append((text[start:], current))
    return pieces


def covered(markup: str, font: str) -> str:
    """Paragraph markup for a paragraph in `font`, the characters the font lacks set in
    the fallback font (`<font face=…>`; bold stays bold by the fonts' mappings).

    reportlab shapes a word (text between spaces) with the font it starts in, even where
    the word changes font, which draws the wrong glyphs (tofu): where runs of the two
    fonts meet inside a word ("practice-এ"), a space is put between them.
    """
    own = _characters(font)
    if (
        font == fallback_font()
        or own is None
        or all(ord(c) in own or c.isspace() for c in html.unescape(_MARKUP.sub("", markup)))
    ):
        return markup  # the usual case: nothing to change
    other = _characters(fallback_font()) or frozenset()
    out: list[str] = []
    last_font, last_char = font, " "
    for part in _MARKUP.split(markup):
        if not part:
            continue
        if part.startswith("<"):
            out.append(part)
            continue
        text = html.unescape(part) if part.startswith("&") else part
        if all(_either(c, own, other) for c in text):
            pieces = [(text, last_font)]  # either font (`&amp;` in "A&amp;E"): the run goes on
        else:
            pieces = runs(text, font)
        for run, run_font in pieces:
            if run_font != last_font and not (_parts_words(last_char) or _parts_words(run[0])):
                out.append(" ")
            piece = escape(run)
            out.append(piece if run_font == font else f'<font face="{run_font}">{piece}</font>')
            last_font, last_char = run_font, run[-1]
    return "".join(out)


def _either(char: str, own: frozenset[int], other: frozenset[int]) -> bool:
    """Whether `char` prints in either font (white space, digits, most punctuation)."""
    return char.isspace() or (ord(char) in own and ord(char) in other)


def _parts_words(char: str) -> bool:
    """Whether reportlab ends a word at `char`: white space, but not a no-break space
    (`&nbsp;` keeps a word together, for shaping too)."""
    return char.isspace() and char != "\xa0"


def paragraph(markup: str, style) -> Paragraph:
    """A reportlab Paragraph whose characters its style's font lacks are set in the
    fallback font (`covered`): every paragraph of a paper form or letter is made here."""
    return Paragraph(covered(markup, style.fontName), style)


def draw_string(canvas, x: float, y: float, text: str, font: str, size: float, *,
                right: bool = False) -> None:  # fmt: skip
    """Draw `text` at (x, y), left-aligned or ending there (`right`), in `font`, the
    characters it lacks in the fallback font (an access code on a Bengali letter)."""
    pieces = runs(text, font)
    if right:
        x -= _width(pieces, size)
    for run, run_font in pieces:
        canvas.setFont(run_font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, run_font, size)


def string_width(text: str, font: str, size: float) -> float:
    """The width of `text` as `draw_string` and `paragraph` set it: each run in its font."""
    return _width(runs(text, font), size)


def _width(pieces: list[tuple[str, str]], size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for run, font in pieces)
