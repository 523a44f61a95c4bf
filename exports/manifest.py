"""datapackage.json: a Frictionless Data Package (v2) describing every file of a bundle."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exports.columns import Column
from forms.routing import MISSING_LABELS

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
TABLE_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
FIELD_TYPES = {
    "code": "integer", "flag": "integer", "integer": "integer", "decimal": "number",
    "score": "number", "date": "date", "string": "string", "text": "string",
    "month": "yearmonth",
}  # fmt: skip
MEDIA = {
    ".csv": ("csv", "text/csv"),
    ".parquet": ("parquet", "application/vnd.apache.parquet"),
    ".sav": ("sav", "application/x-spss-sav"),
    ".dta": ("dta", "application/x-stata-dta"),
    ".xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".html": ("html", "text/html"),
}


def file_facts(path: Path) -> tuple[int, str]:
    """(bytes, sha256 hex) of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return path.stat().st_size, digest.hexdigest()


def table_schema(columns: Sequence[Column], deidentified: bool) -> dict[str, Any]:
    """The Table Schema (v2) of the coded CSV."""
    fields = []
    for c in columns:
        kind = FIELD_TYPES.get(c.kind) or ("yearmonth" if deidentified else "datetime")
        field: dict[str, Any] = {"name": c.name, "type": kind, "title": c.label}
        if c.values:
            field["categories"] = [{"value": k, "label": v} for k, v in c.values.items()]
        missing = [{"value": str(k), "label": v} for k, v in MISSING_LABELS.items()]
        missing = missing if c.carries_codes else []
        missing += [{"value": str(k), "label": c.values.get(k, "")} for k in c.user_missing]
        field["missingValues"] = [{"value": "", "label": "No value"}, *missing]
        fields.append(field)
    return {"$schema": TABLE_PROFILE, "fields": fields, "missingValues": [""]}


def resource(folder: Path, name: str, schema: dict | None = None) -> dict[str, Any]:
    """One resource: path, format, media type, bytes, sha256 (and a schema for tables)."""
    path = folder / name
    size, digest = file_facts(path)
    fmt, media = MEDIA[path.suffix]
    entry: dict[str, Any] = {
        "name": path.stem.replace("_", "-").lower() + "-" + fmt,
        "path": name, "format": fmt, "mediatype": media,
        "bytes": size, "hash": f"sha256:{digest}",
    }  # fmt: skip
    if schema is not None:
        entry.update(type="table", encoding="utf-8", schema=schema)
    return entry


def write_manifest(path: Path, descriptor: dict[str, Any]) -> None:
    """Write datapackage.json (sorted keys, so equal content gives equal text)."""
    text = json.dumps({"$schema": PROFILE, **descriptor}, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
