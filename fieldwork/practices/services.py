"""Regions and practices: add, change, import from CSV, targets. Callers commit."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from fieldwork.audit import record
from fieldwork.db import db
from fieldwork.models import Practice, PracticeTarget, Region, User
from fieldwork.practices.access import may_touch
from fieldwork.practices.rows import REQUIRED, PracticeRow, column_allowed, parse_practice
from fieldwork.practices.uploads import ImportRejected, extra_cells, header_problems, read_table


@dataclass
class ImportReport:
    """What an import did."""

    created: int
    updated: int


def find_region(name: str, *, create: bool = True) -> Region | None:
    """The region with this name (any case), added if missing when `create`."""
    name = " ".join(name.split())
    region = db.session.scalar(select(Region).where(func.lower(Region.name) == name.lower()))
    if region is None and create:
        region = Region(name=name)
        db.session.add(region)
    return region


def _set_targets(practice: Practice, row: PracticeRow, *, keep_blanks: bool) -> None:
    by_instrument = {t.instrument: t for t in practice.targets}
    for instrument in sorted(set(row.targets) | set(row.invited)):
        target = by_instrument.get(instrument)
        if target is None:
            target = PracticeTarget(instrument=instrument, invited_by_link=0)
            practice.targets.append(target)
        if instrument in row.targets and not (keep_blanks and row.targets[instrument] is None):
            target.target = row.targets[instrument]
        invited = row.invited.get(instrument)
        if instrument in row.invited and not (keep_blanks and invited is None):
            target.invited_by_link = invited or 0


def save_practice(
    row: PracticeRow,
    practice: Practice | None = None,
    *,
    keep_blanks: bool = False,
    regions: dict[str, Region] | None = None,
) -> tuple[Practice, bool]:
    """Add or change a practice; (practice, whether added). Imports keep what is blank."""
    key = row.region.lower()
    region = regions.get(key) if regions is not None else None
    if region is None:
        region = find_region(row.region)
        if regions is not None:
            regions[key] = region
    created = practice is None
    if practice is None:
        practice = Practice(code=row.code, status="approached")
        db.session.add(practice)
    practice.name, practice.region = row.name, region
    if row.list_size is not None or not keep_blanks:
        practice.list_size = row.list_size
    if row.deprivation_decile is not None or not keep_blanks:
        practice.deprivation_decile = row.deprivation_decile
    if row.phone is not None or not keep_blanks:
        practice.phone = row.phone
    if row.status is not None:
        practice.status = row.status
    _set_targets(practice, row, keep_blanks=keep_blanks)
    return practice, created


def record_saved(practice: Practice, created: bool) -> None:
    """Audit one practice added or changed from the form."""
    record("practice_added" if created else "practice_changed", practice=practice.code)


def _check_rows(table, instruments: Collection[str], user: User | None) -> tuple[list, list]:
    """Every row checked; (PracticeRows, problems). Problems name the row and the column."""
    allowed = lambda name: column_allowed(name, instruments)  # noqa: E731
    problems = header_problems(table.header, REQUIRED, allowed)
    if problems:
        return [], problems
    checked, first_seen = [], {}
    for number, values in table.rows:
        row, errors = parse_practice(values, instruments)
        problems += [f"row {number}: {message}" for message in errors.values()]
        if extra_cells(values):
            problems.append(f"row {number}: more cells than the header has columns")
        # The code and the region are checked whenever they can be read, whatever else
        # is wrong with the row: every problem is reported at once.
        code = None if "code" in errors else (values.get("code") or "").strip().upper()
        region = None if "region" in errors else " ".join(values.get("region", "").split())
        if code is not None and code in first_seen:
            problems.append(f"row {number}: code {code} is also on row {first_seen[code]}")
        elif code is not None and not may_touch(user, code):
            problems.append(f"row {number}: {code} is not one of your practices")
        if region and not may_add_regions(user) and find_region(region, create=False) is None:
            problems.append(f"row {number}: there is no region called {region}")
        if code is not None:
            first_seen.setdefault(code, number)
        if row is not None:
            checked.append(row)
    return checked, problems


def import_practices(
    raw: bytes | str, instruments: Collection[str], user: User | None, filename: str = ""
) -> ImportReport:
    """Add or update practices from a CSV; every row is checked first, and all or none go in."""
    rows, problems = _check_rows(read_table(raw), instruments, user)
    if problems:
        raise ImportRejected(problems)
    query = select(Practice).options(selectinload(Practice.targets))
    existing = {p.code: p for p in db.session.scalars(query)}
    regions = {r.name.lower(): r for r in db.session.scalars(select(Region))}
    created = 0
    with db.session.no_autoflush:
        for row in rows:
            _, new = save_practice(row, existing.get(row.code), keep_blanks=True, regions=regions)
            created += new
    db.session.flush()
    report = ImportReport(created=created, updated=len(rows) - created)
    record("practices_imported", file=filename or None, created=created, updated=report.updated)
    return report


def may_add_regions(user: User | None) -> bool:
    """Admins and coordinators of every practice (and the CLI) may add regions."""
    return user is None or user.role == "admin" or not user.restricted_to


def list_regions(user: User | None = None) -> list[tuple[Region, int]]:
    """Regions with their number of practices, by name; a restricted user sees only theirs."""
    query = (
        select(Region, func.count(Practice.id))
        .outerjoin(Practice, Practice.region_id == Region.id)
        .group_by(Region.id)
        .order_by(Region.name)
    )
    if user is not None and user.restricted_to:
        query = query.where(Practice.code.in_(sorted(user.restricted_to)))
    return [(region, count) for region, count in db.session.execute(query)]


def rename_region(region: Region, name: str) -> None:
    """Give a region a new name (refused if another region has it)."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise ValueError("Enter a region name of 120 characters or fewer")
    other = find_region(name, create=False)
    if other is not None and other is not region:
        raise ValueError(f"There is already a region called {other.name}")
    record("region_renamed", old=region.name, new=name)
    region.name = name
