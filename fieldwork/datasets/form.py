"""Reading the datasets page's form into an export request, with errors per field."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from fieldwork.bad_input import whole_number
from fieldwork.datasets.filters import Request

FORMAT_NAMES = {
    "csv": "CSV (codes)",
    "labels": "CSV with value labels",
    "sav": "SPSS (.sav)",
    "dta": "Stata (.dta)",
    "parquet": "Parquet",
    "xlsx": "Excel (.xlsx), up to 100,000 rows",
    "codebook": "Codebook (CSV and HTML)",
    "free_text": "Free text (full bundles only)",
    "contacts": "Contact details (full bundles only)",
}


def read_form(form: MultiDict) -> tuple[Request, dict[str, str]]:
    """The request a submitted form makes, and the problems with it by field."""
    errors: dict[str, str] = {}
    versions = []
    for part in form.get("versions", "").replace(",", " ").split():
        number = whole_number(part)  # ASCII digits only: "²".isdigit() is true
        if number is None:
            errors["versions"] = "Enter version numbers, such as 1 2"
            break
        versions.append(number)
    request = Request(
        instrument=form.get("instrument", "").strip(),
        versions=versions,
        practices=form.get("practices", "").replace(",", " ").split(),
        regions=form.getlist("regions"),
        since=form.get("since") or None,
        until=form.get("until") or None,
        status=form.get("status", "complete"),
        formats=[f for f in form.getlist("formats") if f],
        raw=form.get("data") == "raw",
        full=form.get("full") == "1",
    )
    if not request.instrument:
        errors["instrument"] = "Choose a questionnaire"
    return request, errors


def field_of(message: str) -> str:
    """The form field a service error is about (for the error summary's link)."""
    for word, field in (
        ("version", "versions"), ("date", "since"), ("format", "formats"),
        ("free text", "formats"), ("full", "full"), ("status", "status"),
        ("xlsx", "formats"), ("practices", "practices"), ("regions", "regions"),
    ):  # fmt: skip
        if word in message:
            return field
    return "instrument"
