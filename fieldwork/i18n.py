"""Words of the respondent pages themselves (not of questionnaires), from gettext catalogues.

The words are English msgids (`WORDS`, keyed for templates) translated through
`forms.i18n`, the catalogues shared with the paper form; a study adds or overrides
languages with `.po` files in FIELDWORK_TRANSLATIONS. `t(key, lang, **values)` is a
Jinja global (Markup values, such as links, stay markup); `rich` a Jinja filter.
Languages without a catalogue fall back to English, word by word.
"""

from __future__ import annotations

import os
import re

from babel.lists import format_list
from flask import Flask, url_for
from markupsafe import Markup, escape

from forms import i18n, words
from forms.i18n import N_, NN_

DEFAULT_LANGUAGE = "en"

WORDS: dict[str, str | tuple[str, str]] = {
    "skip_link": N_("Skip to main content"),
    "continue": N_("Continue"),
    "back": N_("Back"),
    "page_of": N_("Question page {n} of {total}"),
    "error_summary_title": N_("There is a problem"),
    "error_title_prefix": N_("Error: "),
    "error": N_("Error"),
    "required": N_("(required)"),
    "skip_note": N_(
        "You can skip any question you would rather not answer. "
        "Questions you need to answer are marked (required)."
    ),
    "skip_note_any": N_("You can skip any question you would rather not answer."),
    "or": words.OR,
    "day": words.DAY,
    "month": words.MONTH,
    "year": words.YEAR,
    "date_hint": N_("For example, 15 3 1984"),
    "max_length_hint": NN_(
        "You can enter up to {max} character", "You can enter up to {max} characters"
    ),
    "homepage": N_("NHS {service} homepage"),
    "support_links": N_("Support links"),
    "start_title": N_("Take part in the survey"),
    "start_intro": N_(
        "Thank you for helping with this research. "
        "Your letter or message gives you a personal access code."
    ),
    "code_label": N_("Enter your access code"),
    "code_hint": N_(
        "It has {length} letters and numbers, for example {example}. "
        "Capital or small letters, with or without the dashes."
    ),
    "code_missing": N_("Enter your access code"),
    "code_unknown": N_("Access code not recognised. Check the code on your letter"),
    "resume_link": N_(
        "Started from a link your practice sent and want to carry on? Use your resume code"
    ),
    "resume_title": N_("Carry on with your survey"),
    "resume_label": N_("Enter your resume code"),
    "resume_hint": N_(
        "It has {length} letters and numbers, for example {example}. "
        "You were given it when you started."
    ),
    "resume_expiry": N_("It stops working after {days} days without a saved page."),
    "resume_unknown": N_("Resume code not recognised or expired. Check the code you were given"),
    "languages": N_("Other languages"),
    "welcome_title": N_("About this survey"),
    "choose_language": N_("Which language do you want to answer in?"),
    "choose_language_error": N_("Select the language you want to use"),
    "language_missing": N_(
        "This questionnaire is not available in your language. You can answer it in: {languages}."
    ),
    "start_now": N_("Start now"),
    "continue_survey": N_("Continue where you left off"),
    "section_part": N_("{title} (part {part} of {parts})"),
    "information": N_("Information"),
    "signposting_title": N_("If you need support"),
    "resume_code_note": N_(
        "Your answers are saved each time you continue. "
        "To come back later, use the resume code {code}."
    ),
    # Said when an answer stops applying: one typed into a question this Continue routes
    # out is not saved; one saved earlier stays stored (it comes back if the earlier answer
    # is changed back; a clean dataset codes it -98, a raw one keeps it). "Set aside" is
    # true of both; "deleted" or "will not be used" would not be (docs/data-conventions.md).
    "not_kept": N_(
        "Your answer to '{question}' has been set aside, because that question does not "
        "apply to you."
    ),
    "check_title": N_("Check your answers before sending them"),
    "change": N_("Change"),
    "change_section": N_("Change your answers to '{section}'"),
    "not_answered": words.NOT_ANSWERED,
    "submit_heading": N_("Now send your answers"),
    "submit_note": N_("Once you send your answers you cannot change them."),
    "submit": N_("Send my answers"),
    "done_title": words.THANK_YOU,
    "done_sent": N_("Your answers have been sent."),
    "assist_return": N_("Hand the device back to a member of staff"),
    "closed_used_title": N_("This access code has already been used"),
    "closed_used_body": N_(
        "The questionnaire for this code has been completed and sent. Thank you. "
        "If you think this is wrong, contact the study team."
    ),
    "closed_closed_title": N_("This survey is closed"),
    "closed_closed_body": N_(
        "This code or link can no longer be used. "
        "If you think this is wrong, contact the study team."
    ),
    "too_many_title": N_("Too many attempts"),
    "too_many_body": NN_(
        "Too many codes were entered that we did not recognise. "
        "For your security, please wait {minutes} minute before you try again.",
        "Too many codes were entered that we did not recognise. "
        "For your security, please wait {minutes} minutes before you try again.",
    ),
    "unavailable_title": N_("Sorry, please try again"),
    "unavailable_body": N_(
        "The service is busy or briefly unavailable. Your answers on this page were not saved: "
        "go back and press Continue again in a minute. Answers you saved before are kept."
    ),
    "not_served_body": N_(
        "This survey is temporarily unavailable. Please try again later. "
        "Answers you saved before are kept."
    ),
    "help_now": words.NEED_HELP,
    "help_111": N_("Call NHS 111 on {phone} or go to {website}"),
    "help_samaritans": N_("Call Samaritans free, day or night, on {phone}"),
    "help_practice_phone": N_("Call your GP practice on {phone}"),
    "help_practice": N_("Contact your GP practice"),
    "help_999": N_("In an emergency, call {phone}"),
    "sensitive_title": N_("Support if this question affects you"),
    "contact_title": N_("Contact the study team"),
    "contact_email": N_("Email {email}"),
    "contact_phone": N_("Phone {phone}"),
    "privacy": N_("Privacy notice"),
    "consent_title": N_("Taking part"),
    "consent_legend": N_("Do you agree?"),
    "consent_hint": N_(
        "Tick each box you agree with. You need to agree to take part to start the survey."
    ),
    "consent_required": N_(
        "Tick the box to say you agree to take part, or choose 'I do not want to take part'"
    ),
    "consent_decline": words.DECLINE,
    "declined_title": N_("You have chosen not to take part"),
    "declined_body": N_("Thank you for letting us know. No answers or details of yours were kept."),
    "declined_change_mind": N_("If you change your mind, contact the study team."),
    "withdraw_title": N_("Withdraw my answers"),
    "withdraw_intro": N_(
        "If you no longer want to take part, you can withdraw the answers you gave. "
        "You need the code you were given."
    ),
    "withdraw_label": N_("Enter your access code or resume code"),
    "withdraw_hint": N_(
        "Your access code is on your letter. If you started from a link, "
        "use the resume code you were given."
    ),
    "withdraw_unknown": N_("Code not recognised. Check the code you were given"),
    "withdraw_already": N_("The answers for this code have already been withdrawn"),
    "withdraw_confirm_title": N_("Are you sure you want to withdraw your answers?"),
    "withdraw_what_happens": N_("What will happen"),
    "withdraw_effect_delete": N_(
        "Your answers and any contact details you gave will be deleted. You cannot undo this."
    ),
    "withdraw_effect_keep_answers": N_(
        "The answers you have given so far will be kept and used for the research, as the "
        "information about the study explains. Any contact details you gave will be deleted "
        "and nobody will contact you. You cannot undo this."
    ),
    "withdraw_button": N_("Yes, withdraw my answers"),
    "withdrawn_title": N_("Your answers have been withdrawn"),
    "withdrawn_delete": N_("Your answers and contact details have been deleted."),
    "withdrawn_keep_answers": N_(
        "Your contact details have been deleted. The answers you had given are kept, as the "
        "information about the study explains."
    ),
    "withdrawn_no_reminders": N_("We will not remind you about this survey again."),
    "done_withdraw": N_("If you change your mind, you can withdraw your answers."),
    "withdraw_later_access": N_(
        "You can also do it later at {link}, with the access code from your letter."
    ),
    "withdraw_later_resume": N_(
        "You can also do it later at {link}, with this code: {code}. Keep it safe."
    ),
}


def t(key: str, lang: str | None = None, *, count: int | None = None, **values: object) -> str:
    """The word `key` in `lang` (English where untranslated), `{name}` values filled in.

    Markup values (links) are kept as markup and the result is Markup then; other values
    are escaped by Jinja as usual. `count` picks the plural form (CLDR rules).
    """
    if any(isinstance(value, Markup) for value in values.values()):
        template = i18n.text(lang or DEFAULT_LANGUAGE, WORDS[key], count=count)
        return Markup(escape(template)).format(**values)  # noqa: S704 - escaped, values too
    return i18n.text(lang or DEFAULT_LANGUAGE, WORDS[key], count=count, **values)


def language_name(code: str) -> str:
    """A language's name in itself (CLDR): `polski`, `اردو`, `中文（简体）`."""
    try:
        name = i18n.locale(code).get_display_name(i18n.locale(code)) or code
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:] if code.split("-")[0] not in ("zh",) else name


def language_list(codes: list[str] | tuple[str, ...], lang: str, *, links: bool = False) -> Markup:
    """Languages by their own names, each marked with its `lang`, listed as `lang` writes a
    list ("English i 中文 (简体)" in Polish); with `links`, each chooses it on the welcome page."""
    names = []
    for code in codes:
        if links:
            href = url_for("survey.welcome", lang=code)
            html = Markup('<a href="{}" lang="{}" hreflang="{}">{}</a>')
            names.append(html.format(href, code, code, language_name(code)))
        else:
            names.append(Markup('<span lang="{}">{}</span>').format(code, language_name(code)))
    try:
        return Markup(format_list([str(name) for name in names], locale=i18n.locale(lang)))  # noqa: S704 - each name escaped above
    except (ValueError, LookupError):
        return Markup(", ").join(names)


_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def rich(text: str | None) -> Markup:
    """Questionnaire text as HTML: escaped, `**bold**` made strong, line breaks kept."""
    html = str(escape(text or ""))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return Markup(html.replace("\r\n", "\n").replace("\n", "<br>\n"))  # noqa: S704 - escaped above


# UK numbers as people write them: 999, 111, 116 123, 101, 119; or 10 to 11 digits from
# 0 or +44 in groups ("0300 123 3393", "+44 20 7946 0000"). Not inside a word, a number,
# an entity (&#39;) or a web address ("111.nhs.uk").
_PHONE = re.compile(
    r"(?<![\w&#.+/-])"
    r"(?:116 ?\d{3}|999|111|112|101|119|(?:\+44 ?|0)\d{2,4}(?:[ -]?\d{3,4}){1,2})"
    r"(?![\w/-]|\.\w|[ -]?\d)"
)


def _phone_digits_ok(number: str) -> bool:
    """Whether a long number has the digits of a UK number (short codes always do)."""
    digits = re.sub(r"\D", "", number)
    if number.startswith("+44"):
        return len(digits) in (11, 12)
    return not number.startswith("0") or len(digits) in (10, 11)


def linked_phones(text: str | None) -> Markup:
    """Signposting text as HTML, like `rich`, with UK phone numbers as `tel:` links."""
    html = str(rich(text))
    return Markup(  # noqa: S704 - the text was escaped by rich; numbers are digits
        _PHONE.sub(lambda m: tel_link(m[0]) if _phone_digits_ok(m[0]) else m[0], html)
    )


def tel_link(number: str, css_class: str = "") -> Markup:
    """A phone number as a `tel:` link (digits and + only in the href)."""
    href = "tel:" + re.sub(r"[^0-9+]", "", number)
    attr = Markup(' class="{}"').format(css_class) if css_class else ""
    return Markup('<a{} href="{}">{}</a>').format(attr, href, number)


def code_text(code: str) -> Markup:
    """An access or resume code as respondents see it: on one line, left to right even on
    a right-to-left page, and never machine-translated."""
    return Markup('<span class="fw-code" dir="ltr" translate="no">{}</span>').format(code)


def mail_link(email: str, css_class: str = "") -> Markup:
    """An e-mail address as a `mailto:` link."""
    attr = Markup(' class="{}"').format(css_class) if css_class else ""
    return Markup('<a{} href="mailto:{}">{}</a>').format(attr, email, email)


def init_app(app: Flask) -> None:
    """Make `t` and the `rich` filter available to every template; read study catalogues."""
    folders = app.config.get("TRANSLATIONS") or ""
    i18n.set_study_folders(folder for folder in folders.split(os.pathsep) if folder)
    app.jinja_env.globals.update(
        t=t,
        direction=i18n.direction,
        language_name=language_name,
        language_list=language_list,
        tel_link=tel_link,
        mail_link=mail_link,
    )
    app.jinja_env.filters["rich"] = rich
    app.jinja_env.filters["phones"] = linked_phones
    app.jinja_env.filters["code"] = code_text
