"""The variables of a coded dataset: fixed response variables, item variables, scores.

Several versions of one instrument give one dataset: the union of their variables, in
the order of the newest version (variables only older versions had follow the variable
they followed there). Each variable records which versions it comes from, and a code
whose label differs between versions is flagged, never silently merged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from forms.describe import InstrumentDescriber, describe_show_if
from forms.expressions import all_of
from forms.model import Instrument, Item
from forms.variables import CODE, DECIMAL, FLAG, INTEGER, item_variables

# Kinds of the fixed variables and of scores, besides forms.variables' storage kinds.
STRING = "string"
TIMESTAMP = "timestamp"
MONTH = "month"  # a timestamp cut to the month (`2026-03`), in de-identified datasets
SCORE = "score"
NUMERIC_KINDS = frozenset({CODE, FLAG, INTEGER, DECIMAL, SCORE})

MODES = {1: "Online", 2: "Paper", 3: "Assisted online"}
# Sent or not, however many questions were answered (the response rates' complete,
# partial and break-off go by the share answered: a different thing).
STATUSES = {
    1: "Complete (submitted online or returned on paper)",
    2: "Partial (started, not submitted)",
}


@dataclass
class Column:
    """One variable of the dataset, with what its codebook entry says."""

    name: str
    label: str
    kind: str
    item_id: str | None = None
    code: int | None = None  # FLAG: the choice this 0/1 stands for
    row: str | None = None  # grid rows
    values: dict[int, str] = field(default_factory=dict)
    user_missing: tuple[int, ...] = ()
    versions: list[int] = field(default_factory=list)
    routing: str = ""
    formula: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def numeric(self) -> bool:
        """Whether the variable holds numbers (and so carries the reserved codes)."""
        return self.kind in NUMERIC_KINDS

    @property
    def carries_codes(self) -> bool:
        """Whether the reserved missing codes (-99 to -95) can appear in it."""
        return self.item_id is not None and self.kind in (CODE, FLAG, INTEGER, DECIMAL)


MONTH_NOTE = "month only (YYYY-MM): text in data.sav and data.dta, whose dates need a day"


def _when(name: str, label: str, months: bool) -> Column:
    """A time of the response's own: the month only (as text) when de-identified."""
    if months:
        return Column(name, label, MONTH, notes=[MONTH_NOTE])
    return Column(name, label, TIMESTAMP)


def response_columns(months: bool = False) -> list[Column]:
    """The fixed variables every dataset starts with (`months`: times cut to the month)."""
    return [
        Column("response_id", "Response (pseudonymous id)", STRING),
        Column("instrument", "Instrument", STRING),
        Column("version", "Instrument version", INTEGER),
        Column("practice", "Practice code", STRING),
        Column("region", "Region", STRING),
        Column("mode", "Mode of completion", CODE, values=dict(MODES)),
        Column("language", "Language used", STRING),
        Column("status", "Status", CODE, values=dict(STATUSES)),
        _when("started", "Started (UTC)", months),
        _when("submitted", "Submitted (UTC)", months),
    ]


CONSENT_HOW = ("online", "assisted", "paper_return")
GIVEN = {1: "Given", 0: "Not given"}


def consent_columns(versions: Sequence[Instrument], months: bool = False) -> list[Column]:
    """The consent variables, when any version asks for consent: the statement version,
    how and when it was given (`months`: the month only), and one 0/1 per optional
    consent (newest wording)."""
    asking = [v for v in sorted(versions, key=lambda v: -v.version) if v.consent is not None]
    if not asking:
        return []
    found = [
        Column("consent_version", "Consent statement version agreed", STRING),
        Column("consent_how", "How consent was given (online, assisted, paper_return)", STRING),
        _when("consented", "Consent given (UTC; paper: the date the form was returned)",
              months),
    ]  # fmt: skip
    extras: dict[str, Column] = {}
    for instrument in asking:
        for choice in instrument.consent.extras:
            column = extras.get(choice.id)
            if column is None:
                label = choice.text.get(instrument.default_language)
                column = Column(f"consent_{choice.id}", label, CODE, values=dict(GIVEN))
                column.notes.append("not asked on paper: empty for paper returns")
                extras[choice.id] = column
            column.versions.insert(0, instrument.version)
    return found + list(extras.values())


def _item_column(instrument: Instrument, item: Item, var, describer) -> Column:
    """A new column for one of an item's variables, as this version has it."""
    lang = instrument.default_language
    values = {}
    if var.kind == CODE and item.choices is not None:
        values = {c.code: c.label.get(lang) for c in item.choices.choices}
    elif var.kind == FLAG:
        values = {1: "Ticked", 0: "Not ticked"}
    show_if = item.show_if
    section = instrument.section_of(item.id)
    conditions = [e for e in (section.show_if, show_if) if e]
    routing = [describe_show_if(all_of(conditions), describer, lang)] if conditions else []
    missing = tuple(sorted(item.choices.missing)) if var.kind == CODE and item.choices else ()
    return Column(
        var.name, var.label(lang), var.kind, item.id, var.code, var.row,
        values, missing, routing=" and ".join(routing),
    )  # fmt: skip


def _merge(column: Column, new: Column, version: int) -> None:
    """Fold an older version's view of a variable into the column, flagging changes."""
    column.versions.append(version)
    for code, label in new.values.items():
        if code not in column.values:
            column.notes.append(f"code {code} ({label}) only in version {version}")
            column.values[code] = label
        elif column.values[code] != label:
            column.notes.append(
                f"code {code} is '{label}' in version {version}, '{column.values[code]}' later"
            )
    if new.label != column.label:
        column.notes.append(f"worded '{new.label}' in version {version}")


def item_columns(versions: Sequence[Instrument]) -> list[Column]:
    """The union of item variables over `versions`, newest version first in order."""
    ordered = sorted(versions, key=lambda v: v.version, reverse=True)
    columns: dict[str, Column] = {}
    order: list[str] = []
    for instrument in ordered:
        describer = InstrumentDescriber(instrument)
        previous = None
        for item in instrument.iter_questions():
            if item.identifying or item.type in ("text", "textarea"):
                continue  # never in data files: contacts and free text travel apart
            for var in item_variables(item):
                new = _item_column(instrument, item, var, describer)
                if var.name in columns:
                    _merge(columns[var.name], new, instrument.version)
                else:
                    new.versions.append(instrument.version)
                    columns[var.name] = new
                    at = order.index(previous) + 1 if previous in order else len(order)
                    order.insert(at, var.name)
                previous = var.name
    for column in columns.values():
        column.versions.sort()
    return [columns[name] for name in order]


def score_columns(versions: Sequence[Instrument]) -> list[Column]:
    """One column per score (the newest version's definition), with its formula."""
    newest = max(versions, key=lambda v: v.version)
    found = []
    for score in newest.scores:
        formula = f"{score.expr.source}"
        if score.valid_if is not None:
            formula += f" (valid if {score.valid_if.source})"
        used = [v.version for v in versions if any(s.id == score.id for s in v.scores)]
        label = score.label.get(newest.default_language)
        found.append(Column(score.id, label, SCORE, formula=formula, versions=used))
    return found


def free_text_items(versions: Sequence[Instrument], identifying: bool = False) -> list[str]:
    """Ids of the free-text items of any version, in order (or, with `identifying`, the
    items marked identifying: contact details, whatever their type)."""
    seen: dict[str, None] = {}
    for instrument in sorted(versions, key=lambda v: v.version, reverse=True):
        for item in instrument.iter_questions():
            text = item.type in ("text", "textarea") and not item.identifying
            if (item.identifying and item.type != "multiple") if identifying else text:
                seen.setdefault(item.id)
    return list(seen)
