"""Study settings for the rates, and closing fieldwork (a practice's or the study's). Audited.

Services flush; the view or CLI command commits once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from fieldwork.audit import record
from fieldwork.db import db
from fieldwork.models import Practice, PracticeClosure, StudySettings
from fieldwork.models.base import utcnow
from fieldwork.outcomes import reclassify_all, study_settings


class SettingsError(ValueError):
    """A setting out of range; `field` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Fieldwork:
    """Whether fieldwork is closed (study-wide or per practice) and how interim rates count."""

    study_closed: bool = False
    closed_practices: frozenset[int] = frozenset()
    with_not_returned: bool = False  # interim rates keep not-yet-returned in denominators

    def closed(self, practice_id: int | None) -> bool:
        """Whether no-replies of this practice are final non-contacts."""
        return self.study_closed or practice_id in self.closed_practices

    @property
    def mixed(self) -> bool:
        """Some practices closed, the study open: figures must be worked out per practice."""
        return not self.study_closed and bool(self.closed_practices)


def load_fieldwork() -> Fieldwork:
    """The state of fieldwork as the rates need it."""
    settings = db.session.get(StudySettings, 1)  # None: the defaults, nothing closed
    closed = frozenset(db.session.scalars(select(PracticeClosure.practice_id)))
    if settings is None:
        return Fieldwork(closed_practices=closed)
    return Fieldwork(settings.closed_at is not None, closed, settings.interim_includes_not_returned)


def update_settings(
    *, complete: int, partial: int, with_not_returned: bool, target_rate: int | None
) -> bool:
    """Change the study settings (reclassifying responses if thresholds move); True if changed."""
    if not 1 <= partial <= complete <= 100:
        raise SettingsError(
            "Enter thresholds from 1 to 100, the partial one no higher than the complete one",
            "partial" if 1 <= complete <= 100 else "complete",
        )
    if target_rate is not None and not 0 <= target_rate <= 100:
        raise SettingsError("Enter a target response rate from 0 to 100", "target_rate")
    settings = study_settings()
    new = {
        "complete_percent": complete,
        "partial_percent": partial,
        "interim_includes_not_returned": with_not_returned,
        "target_rate": target_rate,
    }
    old = {name: getattr(settings, name) for name in new}
    if old == new:
        return False
    for name, value in new.items():
        setattr(settings, name, value)
    record("rate_settings_changed", old=old, new=new)
    db.session.flush()
    if (old["complete_percent"], old["partial_percent"]) != (complete, partial):
        reclassify_all()
    return True


def close_practice(practice: Practice) -> bool:
    """Close a practice's fieldwork: its no-replies become non-contacts; False if already."""
    if db.session.get(PracticeClosure, practice.id) is not None:
        return False
    db.session.add(PracticeClosure(practice_id=practice.id, closed_at=utcnow()))
    record("practice_fieldwork_closed", practice=practice.code)
    db.session.flush()
    return True


def reopen_practice(practice: Practice) -> bool:
    """Reopen a practice's fieldwork (its no-replies are not yet returned again)."""
    gone = db.session.execute(
        delete(PracticeClosure).where(PracticeClosure.practice_id == practice.id)
    )
    if not gone.rowcount:
        return False
    record("practice_fieldwork_reopened", practice=practice.code)
    return True


def set_study_closed(closed: bool) -> bool:
    """Close (or reopen) fieldwork for the whole study; True if it changed."""
    settings = study_settings()
    if (settings.closed_at is not None) == closed:
        return False
    settings.closed_at = utcnow() if closed else None
    record("study_fieldwork_closed" if closed else "study_fieldwork_reopened")
    db.session.flush()
    return True
