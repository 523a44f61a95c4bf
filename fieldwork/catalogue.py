"""The instruments this app serves, kept in step with the database.

Files are loaded from FIELDWORK_INSTRUMENTS. Each version is recorded in
`instrument_versions` with its content hash and YAML source; a changed file under an
unchanged version that already has responses is refused (and not served), and old
versions are rebuilt from their stored source so their responses stay readable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from fieldwork import answers
from fieldwork.db import db
from fieldwork.models import InstrumentVersion, Response
from forms.errors import InstrumentError, Problem
from forms.loader import load_instrument, load_text
from forms.model import Instrument
from forms.versions import check_version

log = logging.getLogger(__name__)


class DatabaseHashStore:
    """The instrument language's HashStore, on `instrument_versions` and `responses`."""

    def recorded_hash(self, instrument_id: str, version: int) -> str | None:
        """The hash recorded for a version, if it was seen before."""
        return db.session.scalar(
            select(InstrumentVersion.content_hash).filter_by(
                instrument=instrument_id, version=version
            )
        )

    def has_responses(self, instrument_id: str, version: int) -> bool:
        """Whether any response was given to that version."""
        query = select(
            exists()
            .where(Response.instrument_version_id == InstrumentVersion.id)
            .where(InstrumentVersion.instrument == instrument_id)
            .where(InstrumentVersion.version == version)
        )
        return bool(db.session.scalar(query))


@dataclass
class Catalogue:
    """Current instruments by id, every known version by row id, and the problems found."""

    current: dict[str, Instrument] = field(default_factory=dict)
    version_ids: dict[str, int] = field(default_factory=dict)
    by_version_id: dict[int, Instrument] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def instrument_for(self, version_id: int) -> Instrument:
        """The instrument a response was given with, rebuilt from its stored source if old."""
        if version_id not in self.by_version_id:
            row = db.session.get(InstrumentVersion, version_id)
            if row is None:
                raise KeyError(version_id)
            self.by_version_id[version_id] = load_text(row.source, row.filename)
        return self.by_version_id[version_id]

    def why_not_served(self, instrument_id: str) -> str:
        """For staff: why an instrument that has codes or responses is not served now (its
        file as last recorded: missing, or the problems found in it)."""
        filename = db.session.scalar(
            select(InstrumentVersion.filename)
            .filter_by(instrument=instrument_id)
            .order_by(InstrumentVersion.version.desc())
            .limit(1)
        )
        if filename is None:
            return f"instrument '{instrument_id}' has no recorded file"
        found = [str(p) for p in self.problems if p.file == filename]
        if found:
            return f"instrument '{instrument_id}' is not served: " + "; ".join(found)
        if not Path(filename).is_file():
            return f"instrument '{instrument_id}' is not served: its file {filename} is missing"
        return f"instrument '{instrument_id}' is not served: its file {filename} was not loaded"


def _record(instrument: Instrument, path: Path) -> int:
    """Insert or refresh a version's row and its answer table; return the row id."""
    row = db.session.scalar(
        select(InstrumentVersion).filter_by(instrument=instrument.id, version=instrument.version)
    )
    source = path.read_text(encoding="utf-8")
    if row is None:
        row = InstrumentVersion(
            instrument=instrument.id,
            version=instrument.version,
            content_hash=instrument.content_hash,
            source=source,
            filename=str(path),
        )
        db.session.add(row)
        db.session.flush()
    elif row.content_hash != instrument.content_hash:
        # check_version has ruled out responses: the table is empty and may be rebuilt.
        answers.drop_table(db.session, instrument.id, instrument.version)
        row.content_hash, row.source, row.filename = instrument.content_hash, source, str(path)
    answers.create_table(db.session, instrument)
    return row.id


def sync(folder: str | Path) -> Catalogue:
    """Load every instrument file in `folder` and record its version; commits."""
    catalogue = Catalogue()
    store = DatabaseHashStore()
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            instrument = load_instrument(path)
        except InstrumentError as error:
            catalogue.problems.extend(error.problems)
            continue
        except Exception as error:  # one broken file never takes out the rest
            log.exception("instrument file %s could not be loaded", path)
            catalogue.problems.append(Problem(str(path), 1, f"cannot be loaded: {error!r}"))
            continue
        problems = check_version(instrument, store)
        if problems:
            catalogue.problems.extend(problems)
            continue
        try:
            version_id = _record(instrument, path)
            db.session.commit()
        except IntegrityError:  # another process recorded it first
            db.session.rollback()
            version_id = _record(instrument, path)
            db.session.commit()
        catalogue.current[instrument.id] = instrument
        catalogue.version_ids[instrument.id] = version_id
        catalogue.by_version_id[version_id] = instrument
    for problem in catalogue.problems:
        log.error("instrument not served: %s", problem)
    return catalogue


def get_catalogue() -> Catalogue:
    """The app's catalogue, synced on first use."""
    ext = current_app.extensions
    if "fieldwork.catalogue" not in ext:
        ext["fieldwork.catalogue"] = sync(current_app.config["INSTRUMENTS"])
    return ext["fieldwork.catalogue"]


def reset_catalogue() -> None:
    """Forget the catalogue (tests, or after instruments changed on disk)."""
    current_app.extensions.pop("fieldwork.catalogue", None)
