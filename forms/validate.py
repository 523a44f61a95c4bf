"""Build frozen instrument objects from parsed YAML, collecting every problem on the way.

Stage two of the pipeline (after `forms.loader` reads the YAML with line numbers):
each level of the file is read by its own function, which reports what is wrong and
carries on with a harmless default, so one run finds every problem. Cross-references
(ids, export names, expressions) are checked afterwards by `forms.checks`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from forms import checks
from forms.consent import read_consent
from forms.errors import Problem
from forms.items import ALL_ITEM_KEYS, Draft, read_choice_list, read_expression, read_id, read_item
from forms.model import ChoiceList, Instrument, Score, Section, Text
from forms.schema import LANGUAGE_PATTERN, Collector, Fields, check_id, did_you_mean, shown
from forms.volunteers import read_volunteers
from forms.yaml_lines import LineDict, LineList

log = logging.getLogger(__name__)

INSTRUMENT_ID = re.compile(r"[a-z][a-z0-9_]{0,23}")
AUDIENCES = ("patient", "staff")
TOP_KEYS = (
    "instrument",
    "version",
    "title",
    "languages",
    "audience",
    "intro",
    "outro",
    "signposting",
    "privacy_notice",
    "contact_email",
    "contact_phone",
    "choice_lists",
    "sections",
    "scores",
    "consent",
    "volunteers",
)
TOP_REQUIRED = ("instrument", "version", "title", "languages", "audience", "intro", "outro")
SECTION_KEYS = ("id", "title", "intro", "show_if", "items")
SCORE_KEYS = ("id", "label", "expr", "valid_if")
FORMAT_KEYS = frozenset(TOP_KEYS + SECTION_KEYS + ALL_ITEM_KEYS + SCORE_KEYS)
TOP = "the instrument"


def build_instrument(data: Any, filename: str) -> tuple[Instrument | None, list[Problem]]:
    """The instrument described by `data`, or None with every problem found in it."""
    col = Collector(filename)
    col.format_keys = FORMAT_KEYS
    if not isinstance(data, LineDict):
        col.add(
            getattr(data, "line", 1),
            f"the file must be a mapping of keys such as 'instrument:', 'version:' and "
            f"'sections:', not {shown(data)}",
        )
        return None, col.problems
    draft = Draft(col)
    top = Fields(col, data, TOP, top=True)
    header = _guarded(col, "the top level", lambda: _read_header(top)) or {}
    _guarded(col, "choice lists", lambda: _read_choice_lists(top, draft))
    _guarded(col, "sections", lambda: _read_sections(top, draft))
    _guarded(col, "scores", lambda: _read_scores(top, draft))
    volunteers = _guarded(col, "volunteers", lambda: read_volunteers(top, draft))
    _guarded(col, "ids and export names", lambda: checks.check_names(draft))
    _guarded(col, "expressions", lambda: checks.check_expressions(draft))
    if col.problems:
        return None, col.problems
    instrument = Instrument(
        sections=tuple(draft.sections),
        choice_lists=MappingProxyType(dict(draft.choice_lists)),
        scores=tuple(draft.scores),
        volunteers=volunteers,
        source=filename,
        **header,
    )
    return instrument, []


def _guarded(col: Collector, stage: str, step: Callable[[], Any]) -> Any:
    """Run one stage; a bug in it becomes a problem (and a logged traceback), not a crash."""
    try:
        return step()
    except Exception as exc:
        log.exception("internal error while checking %s of %s", stage, col.file)
        col.add(
            1,
            f"internal error while checking {stage} ({type(exc).__name__}: {exc}); "
            "please report this to the Fieldwork developers",
        )
        return None


def _read_header(top: Fields) -> dict[str, Any]:
    """Everything at the top level except choice lists, sections and scores."""
    top.check_keys(TOP_KEYS, TOP_REQUIRED)
    languages = _read_languages(top)
    top.col.languages = languages
    return {
        "id": _read_instrument_id(top),
        "version": _read_version(top),
        "title": top.text("title") or Text({}),
        "languages": languages or (),
        "audience": _read_audience(top),
        "intro": top.text("intro") or Text({}),
        "outro": top.text("outro") or Text({}),
        "signposting": top.text("signposting"),
        "consent": read_consent(top),
        **_read_contact(top),
    }


_URL = re.compile(r"(https?://|/)\S+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 ]{2,19}")


def _read_contact(top: Fields) -> dict[str, str | None]:
    """The study's privacy notice link, e-mail address and phone number (all optional)."""
    found: dict[str, str | None] = {}
    for key, pattern, expected in (
        ("privacy_notice", _URL, "a link such as https://example.org/privacy"),
        ("contact_email", _EMAIL, "an e-mail address such as study@example.org"),
        ("contact_phone", _PHONE, "a phone number such as 020 7946 0000"),
    ):
        value = top.get(key)
        if value is not None and not (isinstance(value, str) and pattern.fullmatch(value)):
            top.wrong(key, expected)
            value = None
        found[key] = value
    return found


def _read_instrument_id(top: Fields) -> str:
    value = top.get("instrument")
    if value is not None and not (isinstance(value, str) and INSTRUMENT_ID.fullmatch(value)):
        top.col.add(
            top.line_of("instrument"),
            f"instrument id {shown(value)} is not valid: it must start with a lowercase letter "
            "and hold at most 24 lowercase letters, digits and _",
        )
    return str(value or "")


def _read_version(top: Fields) -> int:
    value = top.get("version")
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        top.wrong("version", "a positive whole number such as 1")
        return 0
    return value


def _read_audience(top: Fields) -> str:
    value = top.get("audience")
    if value is not None and value not in AUDIENCES:
        hint = did_you_mean(value, AUDIENCES) if isinstance(value, str) else ""
        top.col.add(
            top.line_of("audience"),
            f"'audience' must be patient or staff, not {shown(value)}{hint}",
        )
    return str(value or "")


def _read_languages(top: Fields) -> tuple[str, ...] | None:
    """The declared languages, or None when they cannot be used to check texts."""
    value = top.get("languages")
    if isinstance(value, str) and LANGUAGE_PATTERN.fullmatch(value):
        return (value,)
    if value is None:
        return None
    if not isinstance(value, LineList) or not value:
        expected = "a list of language codes such as [en, zh]"
        codes = value.replace(",", " ").split() if isinstance(value, str) else []
        if codes and all(map(_is_language, codes)):  # `languages: en, cy`
            top.col.add(
                top.line_of("languages"),
                f"{top.subject('languages')} must be {expected}, not {shown(value)}; "
                f"write [{', '.join(codes)}]",
            )
        else:
            top.wrong("languages", expected)
        return None
    usable = True
    for index, lang in enumerate(value):
        line = value.line_of(index)
        if not isinstance(lang, str) or not LANGUAGE_PATTERN.fullmatch(lang):
            fix = f"; write '{lang.lower()}'" if _is_language(str(lang).lower()) else ""
            top.col.add(
                line, f"language {shown(lang)} is not a language code such as en or zh{fix}"
            )
            usable = False
        elif value.index(lang) != index:
            top.col.add(line, f"language '{lang}' is listed twice in 'languages'")
            usable = False
    return tuple(value) if usable else None


def _is_language(code: str) -> bool:
    return bool(LANGUAGE_PATTERN.fullmatch(code))


def _read_choice_lists(top: Fields, draft: Draft) -> None:
    lists = top.mapping("choice_lists", "a mapping of list name: {code: label, …}")
    if lists is None:
        return
    for name, value in lists.items():
        line = lists.line_of(name)
        check_id(draft.col, name, lists.key_lines.get(name, line), "choice list")
        owner = f"choice list {shown(name)}"
        if not isinstance(value, LineDict):
            draft.col.add(line, f"{owner} must be a mapping of code: label, not {shown(value)}")
            draft.choice_lists[str(name)] = ChoiceList(str(name), ())
            continue
        draft.choice_lists[str(name)] = read_choice_list(draft.col, value, owner, str(name))
    for name, line, first in lists.duplicates:
        draft.col.add(line, f"choice list {shown(name)} is defined twice (first on line {first})")


def _read_sections(top: Fields, draft: Draft) -> None:
    if top.get("sections") is None:
        top.col.add(top.line_of("sections"), "the instrument has no sections")
        return
    sections = top.sequence("sections", "a list of sections, each starting with '- id:'")
    if sections is not None and not sections:
        top.col.add(sections.line, "the instrument has no sections")
    for number, value in enumerate(sections or (), start=1):
        if not isinstance(value, LineDict):
            top.col.add(
                sections.line_of(number - 1),
                f"section {number} must be a mapping with id, title and items, not {shown(value)}",
            )
            continue
        draft.sections.append(_read_section(draft, value, number))


def _read_section(draft: Draft, data: LineDict, number: int) -> Section:
    col = draft.col
    raw_id = data.get("id")
    owner = f"section '{raw_id}'" if isinstance(raw_id, str) else f"section {number}"
    fields = Fields(col, data, owner)
    fields.check_keys(SECTION_KEYS, ("id", "title"))  # `items` below: one problem, not two
    section_id = read_id(draft, fields, "section")
    show_if = read_expression(
        draft, fields, "show_if", checks.Site(owner, "section", len(draft.items))
    )
    items = fields.sequence("items", "a list of items, each starting with '- id:'")
    if not fields.has("items"):
        col.add(data.line, f"{owner} has no 'items'")
    elif not items:
        col.add(fields.line_of("items"), f"{owner} has no items")
    built = []
    for index, value in enumerate(items or ()):
        if isinstance(value, LineDict):
            built.append(read_item(draft, value, section_id or "", f"{index + 1} of {owner}"))
        else:
            col.add(
                items.line_of(index),
                f"item {index + 1} of {owner} must be a mapping with id, type and text, "
                f"not {shown(value)}",
            )
    return Section(
        id=section_id or "",
        title=fields.text("title") or Text({}),
        items=tuple(built),
        line=data.line,
        intro=fields.text("intro"),
        show_if=show_if,
    )


def _read_scores(top: Fields, draft: Draft) -> None:
    scores = top.sequence("scores", "a list of scores, each starting with '- id:'")
    for number, value in enumerate(scores or (), start=1):
        if not isinstance(value, LineDict):
            top.col.add(
                scores.line_of(number - 1),
                f"score {number} must be a mapping with id, label and expr, not {shown(value)}",
            )
            continue
        score = _read_score(draft, value, number)
        if score is not None:
            draft.scores.append(score)


def _read_score(draft: Draft, data: LineDict, number: int) -> Score | None:
    raw_id = data.get("id")
    owner = f"score '{raw_id}'" if isinstance(raw_id, str) else f"score {number}"
    fields = Fields(draft.col, data, owner)
    fields.check_keys(SCORE_KEYS, ("id", "label", "expr"))
    score_id = read_id(draft, fields, "score")
    site = checks.Site(owner, "score", len(draft.score_ids), score_id)
    if score_id:
        draft.score_ids.append((score_id, fields.line_of("id")))
    expr = read_expression(draft, fields, "expr", site)
    valid_if = read_expression(draft, fields, "valid_if", site)
    label = fields.text("label")
    if expr is None or label is None:
        return None
    return Score(id=score_id or "", label=label, expr=expr, line=data.line, valid_if=valid_if)
