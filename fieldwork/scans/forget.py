"""Scan images are identifying data: deleted on withdrawal and by the retention purge."""

from __future__ import annotations

from sqlalchemy import func, select

from fieldwork.db import db
from fieldwork.keying.services import drop_fields
from fieldwork.models import Invitation, ScanCopy, ScanPage
from fieldwork.models.scans import WITHDRAWN
from fieldwork.scans.storage import forget_images


def forget_code(invitation: Invitation) -> int:
    """Delete the scan images and read answers of every copy of a withdrawn code.

    Copies still waiting for a person are withdrawn (they never become a response);
    confirmed ones keep their state and lose their images. Returns the images deleted.
    """
    copies = db.session.scalars(select(ScanCopy).where(ScanCopy.invitation_id == invitation.id))
    deleted = 0
    for copy in copies:
        deleted += forget_images(_pages_of(copy))
        copy.fields, copy.uncertain, copy.marks = {}, [], []
        if not copy.done:
            copy.state = WITHDRAWN
    db.session.flush()
    return deleted


def _pages_of(copy: ScanCopy) -> list[ScanPage]:
    """A copy's pages, its duplicates included."""
    return list(db.session.scalars(select(ScanPage).where(ScanPage.copy_id == copy.id)))


def images_kept() -> int:
    """How many scanned page images are kept."""
    query = select(func.count()).select_from(ScanPage).where(ScanPage.image.is_not(None))
    return db.session.scalar(query) or 0


def forget_identifying_text(hidden: dict[str, set[str]], *, dry_run: bool = False) -> int:
    """Drop identifying answers' text from the fields of every scanned copy (the retention
    purge; confirmed copies keep what the person typed); how many copies held some.
    `hidden` is `keying.services.identifying_fields_by_instrument()`."""
    copies = db.session.scalars(select(ScanCopy)).all()
    return drop_fields([(c, c.instrument) for c in copies], hidden, dry_run=dry_run)


def forget_all() -> int:
    """Delete every scanned page image (the retention period is over); how many."""
    pages = db.session.scalars(select(ScanPage).where(ScanPage.image.is_not(None)))
    deleted = forget_images(pages)
    db.session.flush()
    return deleted
