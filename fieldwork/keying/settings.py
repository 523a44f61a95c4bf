"""The study's keying settings: double entry, and who may resolve differences. Audited.

Both live on the one row of study settings (`StudySettings.double_entry`,
`StudySettings.keyers_may_resolve`). Services flush; the view or CLI command commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldwork.audit import record
from fieldwork.db import db
from fieldwork.keying.services import waiting
from fieldwork.models import StudySettings, User
from fieldwork.outcomes import study_settings


class KeyingSettingsError(ValueError):
    """A change that would strand forms already under way."""


@dataclass(frozen=True)
class KeyingSettings:
    """Whether forms are keyed twice, and whether a keyer may resolve their own form."""

    double_entry: bool = False
    keyers_may_resolve: bool = False


def current() -> KeyingSettings:
    """The study's keying settings (the defaults before any were saved; no writes)."""
    row = db.session.get(StudySettings, 1)
    if row is None:
        return KeyingSettings()
    return KeyingSettings(row.double_entry, row.keyers_may_resolve)


def update(new: KeyingSettings, *, user: User | None = None) -> bool:
    """Save the keying settings; True if they changed (KeyingSettingsError if refused).

    Double entry is not switched off while forms wait for their second pass or for
    their differences to be resolved: they would be left with no way to become responses.
    """
    old = current()
    if old == new:
        return False
    pending = waiting()
    if old.double_entry and not new.double_entry and pending:
        raise KeyingSettingsError(
            f"{pending} form(s) wait for a second pass or a resolution: finish them "
            "before switching double entry off"
        )
    row = study_settings()
    row.double_entry, row.keyers_may_resolve = new.double_entry, new.keyers_may_resolve
    record(
        "keying_settings_changed", user=user,
        old={"double_entry": old.double_entry, "keyers_may_resolve": old.keyers_may_resolve},
        new={"double_entry": new.double_entry, "keyers_may_resolve": new.keyers_may_resolve},
    )  # fmt: skip
    db.session.flush()
    return True
