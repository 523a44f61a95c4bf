"""UK phone numbers in an instrument's own signposting become tel: links, safely."""

from __future__ import annotations

from pathlib import Path

from fieldwork.i18n import linked_phones
from forms.loader import load_instrument

ROOT = Path(__file__).resolve().parents[2]


def test_the_mental_health_signposting_links_its_numbers():
    instrument = load_instrument(ROOT / "instruments" / "mental_health.yaml")
    html = str(linked_phones(instrument.signposting.get("en")))
    assert '<a href="tel:116123">116 123</a>' in html
    assert '<a href="tel:111">111</a> or go to 111.nhs.uk' in html  # not the web address
    assert '<a href="tel:999">999</a>' in html
    assert "<strong>In an emergency</strong>" in html
    sensitive = [i for i in instrument.items if i.signposting is not None]
    assert sensitive, "the mental-health survey marks a sensitive question"
    for question in sensitive:
        assert 'href="tel:116123"' in str(linked_phones(question.signposting.get("en")))


def test_long_numbers_are_linked_and_other_figures_are_not():
    html = str(linked_phones("Call 0300 123 3393, +44 20 7946 0000 or 020-7946-0000."))
    assert '<a href="tel:03001233393">0300 123 3393</a>' in html
    assert '<a href="tel:+442079460000">+44 20 7946 0000</a>' in html
    assert '<a href="tel:02079460000">020-7946-0000</a>' in html
    plain = "In the past 12 months, 1984, 100 people, option 2, 1111, 0123 4, 999.5"
    assert "<a" not in str(linked_phones(plain))


def test_text_is_escaped_before_numbers_are_linked():
    html = str(linked_phones("<a href=\"tel:666\">x</a> & '999' <script>111</script>"))
    assert "<script>" not in html and 'href="tel:666"' not in html
    assert "&lt;script&gt;" in html
    assert '&#39;<a href="tel:999">999</a>&#39;' in html
