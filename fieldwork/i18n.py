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
        "start_title": "Take part in the survey",
        "start_intro": "Thank you for helping with this research. Your letter or message gives you a personal access code.",
        "code_label": "Enter your access code",
        "code_hint": "It has 8 letters and numbers, for example KX7P-4MQ2. Capital or small letters, with or without the dash.",
        "resume_link": "Started from a link your practice sent and want to carry on? Use your resume code",
        "resume_title": "Carry on with your survey",
        "resume_label": "Enter your resume code",
        "resume_hint": "It has 10 letters and numbers, for example KX7P4-M2QRT. You were given it when you started. It stops working if the survey is left untouched for {days} days.",
        "welcome_title": "About this survey",
        "read_in": "Read this in English",
        "choose_language": "Which language do you want to answer in?",
        "language_name": "English",
        "start_now": "Start now",
        "continue_survey": "Continue where you left off",
        "section_part": "{title} (part {part} of {parts})",
        "information": "Information",
        "signposting_title": "If you need support",
        "resume_code_note": "Your answers are saved each time you continue. To come back later, use the resume code {code}.",
        "check_title": "Check your answers before sending them",
        "change": "Change",
        "not_answered": "Not answered",
        "submit_heading": "Now send your answers",
        "submit_note": "Once you send your answers you cannot change them.",
        "submit": "Send my answers",
        "done_title": "Thank you",
        "done_sent": "Your answers have been sent.",
        "assist_return": "Hand the device back to a member of staff",
        "closed_used_title": "This access code has already been used",
        "closed_used_body": "The questionnaire for this code has been completed and sent. Thank you. If you think this is wrong, contact the study team.",
        "closed_closed_title": "This survey is closed",
        "closed_closed_body": "This code or link can no longer be used. If you think this is wrong, contact the study team.",
        "too_many_title": "Too many attempts",
        "too_many_body": "Too many codes were entered that we did not recognise. For your security, please wait {minutes} minutes before you try again.",
        "unavailable_title": "Sorry, please try again",
        "unavailable_body": "The service is busy or briefly unavailable. Your answers on this page were not saved: go back and press Continue again in a minute. Answers you saved before are kept.",
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
        "start_title": "参与调查",
        "start_intro": "感谢您协助这项研究。您的信件或短信中有一个个人访问码。",
        "code_label": "请输入您的访问码",
        "code_hint": "访问码由8个字母和数字组成，例如 KX7P-4MQ2。大小写均可，可带或不带短横线。",
        "resume_link": "通过诊所发送的链接开始填写，想继续？请使用您的续填码",
        "resume_title": "继续填写调查",
        "resume_label": "请输入您的续填码",
        "resume_hint": "续填码由10个字母和数字组成，例如 KX7P4-M2QRT。开始填写时已提供给您。如果调查连续{days}天未被填写，续填码将失效。",
        "welcome_title": "关于本调查",
        "read_in": "阅读中文版",
        "choose_language": "您想用哪种语言回答？",
        "language_name": "中文（简体）",
        "start_now": "现在开始",
        "continue_survey": "从上次离开的地方继续",
        "section_part": "{title}（第 {part} 部分，共 {parts} 部分）",
        "information": "信息",
        "signposting_title": "如果您需要帮助",
        "resume_code_note": "每次点击继续时，您的答案都会被保存。如需稍后回来，请使用续填码 {code}。",
        "check_title": "提交前请检查您的答案",
        "change": "更改",
        "not_answered": "未回答",
        "submit_heading": "现在提交您的答案",
        "submit_note": "答案提交后将无法更改。",
        "submit": "提交我的答案",
        "done_title": "谢谢",
        "done_sent": "您的答案已提交。",
        "assist_return": "请将设备交还给工作人员",
        "closed_used_title": "此访问码已被使用",
        "closed_used_body": "此访问码对应的问卷已填写并提交。谢谢。如果您认为有误，请联系研究团队。",
        "closed_closed_title": "本调查已关闭",
        "closed_closed_body": "此访问码或链接已无法使用。如果您认为有误，请联系研究团队。",
        "too_many_title": "尝试次数过多",
        "too_many_body": "输入的无法识别的访问码次数过多。为了您的安全，请等待 {minutes} 分钟后再试。",
        "unavailable_title": "抱歉，请稍后再试",
        "unavailable_body": "服务繁忙或暂时无法使用。本页的答案尚未保存：请过一分钟后返回并再次点击继续。您之前保存的答案都会保留。",
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
