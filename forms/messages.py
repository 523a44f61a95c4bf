"""Validation messages shown to respondents, in English and Simplified Chinese.

Written in the NHS style: say what to do, not what went wrong, in plain words.
Messages refer to the question generically because the error sits right beside it.
Other languages fall back to English until they are added here.
"""

from __future__ import annotations

DEFAULT_LANGUAGE = "en"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "select_one": "Select an answer",
        "select_row": "Select an answer for '{row}'",
        "select_some": "Select at least one answer",
        "select_listed": "Select one of the answers shown",
        "select_at_least": "Select at least {min} answers",
        "select_at_most": "Select no more than {max} answers",
        "exclusive": "'{label}' cannot be selected with other answers",
        "enter_text": "Enter an answer",
        "too_long": "Your answer must be {max} characters or fewer",
        "enter_number": "Enter a number",
        "whole_number": "Enter a whole number",
        "number_size": "Enter a number of {digits} digits or fewer",
        "control_character": "Remove the invisible control characters from your answer",
        "number_between": "Enter a number between {min} and {max}",
        "number_at_least": "Enter a number that is {min} or more",
        "number_at_most": "Enter a number that is {max} or less",
        "enter_date": "Enter a date",
        "date_missing": "The date must include a {parts}",
        "date_real": "Enter a real date",
        "date_year": "The year must include 4 numbers",
        "day": "day",
        "month": "month",
        "year": "year",
        "and": " and ",
        "constraint": "Check your answer",
    },
    "zh": {
        "select_one": "请选择一个答案",
        "select_row": "请为“{row}”选择一个答案",
        "select_some": "请至少选择一个答案",
        "select_listed": "请从列出的答案中选择",
        "select_at_least": "请至少选择 {min} 个答案",
        "select_at_most": "最多只能选择 {max} 个答案",
        "exclusive": "“{label}”不能与其他答案同时选择",
        "enter_text": "请输入答案",
        "too_long": "您的回答不能超过 {max} 个字符",
        "enter_number": "请输入一个数字",
        "whole_number": "请输入一个整数",
        "number_size": "请输入不超过 {digits} 位数的数字",
        "control_character": "请删除回答中的不可见控制字符",
        "number_between": "请输入 {min} 到 {max} 之间的数字",
        "number_at_least": "请输入不小于 {min} 的数字",
        "number_at_most": "请输入不大于 {max} 的数字",
        "enter_date": "请输入日期",
        "date_missing": "日期必须包括{parts}",
        "date_real": "请输入一个真实的日期",
        "date_year": "年份必须是 4 位数字",
        "day": "日",
        "month": "月",
        "year": "年",
        "and": "和",
        "constraint": "请检查您的答案",
    },
}


def message(key: str, lang: str | None = None, **values: object) -> str:
    """The message `key` in `lang` (English when missing), with `{name}` values filled in."""
    catalogue = MESSAGES.get(lang or DEFAULT_LANGUAGE, MESSAGES[DEFAULT_LANGUAGE])
    template = catalogue.get(key) or MESSAGES[DEFAULT_LANGUAGE][key]
    return template.format(**values)
