"""The platform's catalogues: shipped languages, study overrides, CLDR formats, the template."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from forms import i18n, words

SHIPPED = ["cy", "pl", "ro", "pa", "ur", "pt", "es", "ar", "bn", "gu", "it", "zh", "zh_Hant"]


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_shipped_language_translates_every_word_and_asks_for_review(lang):
    assert i18n.missing_messages(lang) == []
    po = i18n.CATALOGUE_DIR / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    assert "NEEDS REVIEW" in catalogue.header_comment
    for message in catalogue:
        if message.id and isinstance(message.id, str):
            assert _fields(message.id) == _fields(message.string), (lang, message.id)


def _fields(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_instrument_codes_map_to_catalogues():
    assert i18n.text("zh", words.TURN_OVER) == "请翻页"
    for code in ("zh-Hant", "zh_Hant", "zh-TW", "zh-HK"):
        assert i18n.text(code, words.TURN_OVER) == "請翻頁", code
    assert i18n.text("pt-BR", words.DAY) == "Dia"
    assert i18n.text("en", words.DAY) == "Day"
    assert i18n.text("fr", words.DAY) == "Day"
    assert not i18n.has_catalogue("fr") and i18n.has_catalogue("en") and i18n.has_catalogue("pl")


def test_words_are_filled_in_after_translation():
    assert i18n.text("pl", words.PAGE_OF, page=2, pages=9) == "Strona 2 z 9"
    assert i18n.text("en", words.GO_TO, question="Q12") == "Go to Q12"


def test_a_study_folder_overrides_some_words_and_adds_a_language(tmp_path: Path):
    (tmp_path / "pl.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: pl\\n"\n\nmsgid "Day"\nmsgstr "Dzionek"\n',
        encoding="utf-8",
    )
    french = tmp_path / "fr" / "LC_MESSAGES"
    french.mkdir(parents=True)
    (french / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\nmsgid "Day"\nmsgstr "Jour"\n', encoding="utf-8"
    )
    assert i18n.text("pl", words.DAY, [tmp_path]) == "Dzionek"
    assert i18n.text("pl", words.MONTH, [tmp_path]) == "Miesiąc"  # the shipped word stays
    assert i18n.text("fr", words.DAY, [tmp_path]) == "Jour"
    assert i18n.has_catalogue("fr", [tmp_path])
    missing = i18n.missing_messages("fr", [tmp_path])
    assert words.MONTH in missing and words.DAY not in missing


def test_plural_forms_and_formats_come_from_cldr():
    polish = i18n.translations("pl")
    assert polish.ngettext("a", "b", 5) == "b"  # untranslated plural falls back to English
    assert i18n.format_number(1234.5, "pl") == "1\xa0234,5"
    assert i18n.format_date(date(1984, 3, 15), "cy") == "15 Mawrth 1984"
    assert i18n.format_date(date(1984, 3, 15), "en") == "15 March 1984"
    assert i18n.direction("ur") == i18n.direction("ar") == "rtl"
    assert i18n.direction("pl") == i18n.direction("zh") == "ltr"


def test_the_template_holds_every_word_of_the_code(tmp_path: Path):
    out = tmp_path / "messages.pot"
    root = Path(__file__).resolve().parents[2]
    pybabel = Path(sys.executable).parent / "pybabel"
    ignored = ".* ._ node_modules instance tests bench build"
    options = ["-F", "babel.cfg", "-k", "N_", "--no-location", "--ignore-dirs", ignored]
    subprocess.run(
        [str(pybabel), "-q", "extract", *options, "-o", str(out), "."],
        cwd=root,
        check=True,
    )
    with out.open("rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert extracted == set(i18n.template_ids()), "run bin/extract-catalogues"
