"""Paper forms: print-ready A4 PDFs of an instrument, with routing, QR codes and a box map."""

from forms.paper.document import RenderedForm, cached_form, render_form
from forms.paper.fonts import UnsupportedLanguage, check_language

__all__ = ["RenderedForm", "UnsupportedLanguage", "cached_form", "check_language", "render_form"]
