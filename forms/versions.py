"""Content hashes of instrument files, and the rule that a version with responses is frozen.

The hash is taken over the parsed content, not the bytes: comments, spacing, key order
and quoting do not change it, while any change to a question, code or label does.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from forms.errors import Problem
from forms.model import Instrument


def canonical(data: Any, parent: Any = None) -> Any:
    """`data` with mapping keys as text, ready to dump with sorted keys.

    Mappings whose order respondents see (choices keyed by code, grid `rows`) become
    lists of pairs, so reordering them changes the hash.
    """
    if isinstance(data, Mapping):
        ordered = parent == "rows" or any(
            isinstance(key, int) and not isinstance(key, bool) for key in data
        )
        pairs = [(_key(key), canonical(value, key)) for key, value in data.items()]
        if not ordered:
            return dict(pairs)
        # Codes and rows keep their order; other keys (such as `missing`) do not count.
        keyed = [key for key in data if parent == "rows" or isinstance(key, int)]
        in_order = [[_key(key), canonical(data[key], key)] for key in keyed]
        return [in_order, {k: v for k, v in pairs if k not in {_key(x) for x in keyed}}]
    if isinstance(data, list | tuple):
        return [canonical(value) for value in data]
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    return data


def _key(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    return str(key)


def content_hash(data: Any) -> str:
    """The sha256 (hex) of the canonical JSON form of an instrument file's parsed content.

    Comments, layout and key order do not count; any change of wording, codes, routing,
    or of the order of choices and grid rows (which respondents see, and which orders
    the export's variables) does.
    """
    text = json.dumps(canonical(data), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class HashStore(Protocol):
    """Where the hashes of instrument versions already seen, and their responses, are kept."""

    def recorded_hash(self, instrument_id: str, version: int) -> str | None:
        """The hash recorded for this version, or None if the version is new."""
        ...

    def has_responses(self, instrument_id: str, version: int) -> bool:
        """Whether any response has been given to this version."""
        ...


class MemoryHashStore:
    """A HashStore held in a dict (tests, and the CLI's `--hashes FILE`)."""

    def __init__(self) -> None:
        self.hashes: dict[tuple[str, int], str] = {}
        self.responses: dict[tuple[str, int], int] = {}

    def record(
        self, instrument_id: str, version: int, content_hash: str, responses: int = 0
    ) -> None:
        """Remember the hash of a version and how many responses it has."""
        self.hashes[(instrument_id, version)] = content_hash
        self.responses[(instrument_id, version)] = responses

    def recorded_hash(self, instrument_id: str, version: int) -> str | None:
        """The hash recorded for this version, or None if the version is new."""
        return self.hashes.get((instrument_id, version))

    def has_responses(self, instrument_id: str, version: int) -> bool:
        """Whether any response has been given to this version."""
        return self.responses.get((instrument_id, version), 0) > 0

    @classmethod
    def from_json(cls, path: str | Path) -> MemoryHashStore:
        """A store read from a JSON list of {instrument, version, hash, responses} records."""
        store = cls()
        records = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(records, list):
            raise ValueError("expected a list of {instrument, version, hash, responses} records")
        for record in records:
            try:
                store.record(
                    str(record["instrument"]),
                    int(record["version"]),
                    str(record["hash"]),
                    int(record.get("responses", 0)),
                )
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ValueError(f"bad record {record!r}: {exc}") from exc
        return store


def check_version(instrument: Instrument, store: HashStore) -> list[Problem]:
    """Refuse a changed file under an unchanged version once that version has responses."""
    recorded = store.recorded_hash(instrument.id, instrument.version)
    if recorded is None or recorded == instrument.content_hash:
        return []
    if not store.has_responses(instrument.id, instrument.version):
        return []
    version = instrument.version
    message = (
        f"instrument '{instrument.id}' version {version} already has responses with "
        f"different questions; raise 'version' to {version + 1} to change it "
        f"(old responses stay under version {version})"
    )
    return [Problem(instrument.source or "<instrument>", 1, message)]
