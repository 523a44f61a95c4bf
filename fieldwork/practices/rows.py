"""What a practice is, checked the same way from the add/edit form and from a CSV row."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from fieldwork.models.study import PRACTICE_STATUSES

COLUMNS = ("code", "name", "region", "list_size", "deprivation_decile", "status", "phone")
REQUIRED = ("code", "name", "region")
_CODE = re.compile(r"^[A-Z0-9]{3,16}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ]{1,18}[0-9]$")


@dataclass
class PracticeRow:
    """A checked practice: None means 'not given' (blank)."""

    code: str
    name: str
    region: str
    list_size: int | None = None
    deprivation_decile: int | None = None
    status: str | None = None
    phone: str | None = None
    targets: dict[str, int | None] = field(default_factory=dict)
    invited: dict[str, int | None] = field(default_factory=dict)


def column_allowed(name: str, instruments: Collection[str]) -> bool:
    """Whether `name` is a practice column (per-instrument columns need a known instrument)."""
    for prefix in ("target_", "invited_"):
        if name.startswith(prefix):
            return name[len(prefix) :] in instruments
    return name in COLUMNS


def _count(raw: str, name: str, errors: dict[str, str], between: tuple[int, int] | None = None):
    """A whole number (0 or more, or within `between`), None when blank; else an error."""
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None
    low, high = between or (0, 10**9)
    if not re.fullmatch(r"\d{1,10}", text) or not low <= int(text) <= high:
        errors[name] = (
            f"{name} must be {low} to {high}"
            if between
            else f"{name} must be a whole number, 0 or more"
        )
        return None
    return int(text)


def _text(values: Mapping[str, str], name: str, limit: int, errors: dict[str, str]) -> str:
    text = " ".join((values.get(name) or "").split())
    if not text:
        errors[name] = f"{name} is required"
    elif len(text) > limit:
        errors[name] = f"{name} must be {limit} characters or fewer"
    return text


def _phone(raw: str, errors: dict[str, str]) -> str | None:
    """A phone number (digits and spaces, + to start), None when blank; else an error."""
    text = " ".join((raw or "").replace("-", " ").split())
    if not text:
        return None
    digits = len(re.sub(r"\D", "", text))
    if len(text) > 20 or not _PHONE.match(text) or not 3 <= digits <= 15:
        errors["phone"] = "phone must be a telephone number, like 0300 123 4567"
        return None
    return text


def parse_practice(
    values: Mapping[str, str], instruments: Collection[str], *, status_required: bool = False
) -> tuple[PracticeRow | None, dict[str, str]]:
    """A PracticeRow from form fields or CSV cells, or the problems by field name."""
    errors: dict[str, str] = {}
    code = (values.get("code") or "").strip().upper()
    if not code:
        errors["code"] = "code is required"
    elif not _CODE.match(code):
        errors["code"] = "code must be 3 to 16 letters and digits, like Y90001"
    name = _text(values, "name", 200, errors)
    region = _text(values, "region", 120, errors)
    list_size = _count(values.get("list_size", ""), "list_size", errors)
    decile = _count(values.get("deprivation_decile", ""), "deprivation_decile", errors, (1, 10))
    phone = _phone(values.get("phone", ""), errors)
    status = (values.get("status") or "").strip().lower() or None
    if status is None and status_required:
        errors["status"] = "status is required"
    elif status is not None and status not in PRACTICE_STATUSES:
        errors["status"] = f"status must be one of {', '.join(PRACTICE_STATUSES)}"
    targets = {
        i: _count(values[f"target_{i}"], f"target_{i}", errors)
        for i in instruments
        if f"target_{i}" in values
    }
    invited = {
        i: _count(values[f"invited_{i}"], f"invited_{i}", errors)
        for i in instruments
        if f"invited_{i}" in values
    }
    if errors:
        return None, errors
    row = PracticeRow(code, name, region, list_size, decile, status, phone, targets, invited)
    return row, {}
