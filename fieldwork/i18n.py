"""Words of the respondent pages themselves (not of questionnaires), in English and Chinese.

`t(key, lang, **values)` is a Jinja global and `rich` a Jinja filter (see `init_app`).
Languages without a catalogue here fall back to English, key by key.
"""

from __future__ import annotations

import re

from flask import Flask
from markupsafe import Markup, escape

DEFAULT_LANGUAGE = "en"

# "optional" carries its own leading space: Chinese needs none before a full-width bracket.
UI: dict[str, dict[str, str]] = {
    "en": {
        "skip_link": "Skip to main content",
        "continue": "Continue",
        "back": "Back",
        "page_of": "Question page {n} of {total}",
        "error_summary_title": "There is a problem",
        "error_title_prefix": "Error: ",
        "error": "Error",
        "optional": " (optional)",
        "or": "or",
        "day": "Day",
        "month": "Month",
        "year": "Year",
        "date_hint": "For example, 15 3 1984",
        "max_length_hint": "You can enter up to {max} characters",
        "homepage": "NHS {service} homepage",
        "support_links": "Support links",
    },
    "zh": {
        "skip_link": "跳到主要内容",
        "continue": "继续",
        "back": "返回",
        "page_of": "问题第 {n} 页，共 {total} 页",
        "error_summary_title": "出现问题",
        "error_title_prefix": "错误：",
        "error": "错误",
        "optional": "（选填）",
        "or": "或",
        "day": "日",
        "month": "月",
        "year": "年",
        "date_hint": "例如：15 3 1984",
        "max_length_hint": "您最多可以输入 {max} 个字符",
        "homepage": "NHS {service} 主页",
        "support_links": "支持链接",
    },
}


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The UI string `key` in `lang` (English when missing), with `{name}` values filled in."""
    catalogue = UI.get(lang or DEFAULT_LANGUAGE, {})
    text = catalogue.get(key) or UI[DEFAULT_LANGUAGE][key]
    return text.format(**values) if values else text


_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def rich(text: str | None) -> Markup:
    """Questionnaire text as HTML: escaped, `**bold**` made strong, line breaks kept."""
    html = str(escape(text or ""))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return Markup(html.replace("\r\n", "\n").replace("\n", "<br>\n"))  # noqa: S704 - escaped above


def init_app(app: Flask) -> None:
    """Make `t` and the `rich` filter available to every template."""
    app.jinja_env.globals["t"] = t
    app.jinja_env.filters["rich"] = rich
