"""Outcomes for many codes at once from a CSV (code, disposition): all rows or none."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldwork import codes
from fieldwork.audit import record
from fieldwork.db import db
from fieldwork.invitations.services import completed_online
from fieldwork.models import Invitation, User
from fieldwork.models.base import utcnow
from fieldwork.models.responses import DISPOSITIONS
from fieldwork.practices.access import may_touch
from fieldwork.practices.uploads import ImportRejected, header_problems, read_table

# "refusal", "Refusal", "non-contact", "2.20" and the full label all name the same outcome.
_AAPOR_NUMBER = re.compile(r"\(([\d.]+)\)")
_BY_NUMBER = {_AAPOR_NUMBER.search(label).group(1): key for key, label in DISPOSITIONS.items()}


@dataclass
class DispositionReport:
    """What a bulk update did: outcomes changed, by outcome, and rows already so."""

    changed: Counter
    unchanged: int


def disposition_key(raw: str) -> str | None:
    """The DISPOSITIONS key for a typed outcome (key, AAPOR number or label), or None."""
    text = (raw or "").strip().lower()
    key = re.sub(r"[\s\-]+", "_", text)
    if key in DISPOSITIONS:
        return key
    number = _AAPOR_NUMBER.search(raw or "")
    found = _BY_NUMBER.get(number.group(1) if number else text)
    if found:
        return found
    by_label = {label.lower(): k for k, label in DISPOSITIONS.items()}
    return by_label.get(text)


def _find(codes_wanted: list[str]) -> dict[str, Invitation]:
    found = {}
    for start in range(0, len(codes_wanted), 500):
        chunk = codes_wanted[start : start + 500]
        query = (
            select(Invitation)
            .where(Invitation.code.in_(chunk))
            .options(selectinload(Invitation.practice), selectinload(Invitation.response))
        )
        found.update({i.code: i for i in db.session.scalars(query)})
    return found


def _parse(table) -> tuple[list[tuple[int, str, str]], list[str]]:
    """(row number, code, disposition) for good rows, and problems."""
    problems = header_problems(table.header, ("code", "disposition"), lambda name: True)
    if problems:
        return [], problems
    parsed, first_seen = [], {}
    for number, values in table.rows:
        code = codes.normalise(values.get("code", ""))
        disposition = disposition_key(values.get("disposition", ""))
        if not values.get("code"):
            problems.append(f"row {number}: code is required")
        elif code is None:
            problems.append(f"row {number}: {values['code'][:20]} is not an access code")
        elif code in first_seen:
            problems.append(
                f"row {number}: code {codes.grouped(code)} is also on row {first_seen[code]}"
            )
        if disposition is None:
            problems.append(
                f"row {number}: disposition '{values.get('disposition', '')[:30]}' is not known "
                f"(use {', '.join(DISPOSITIONS)})"
            )
        if code and code not in first_seen:
            first_seen[code] = number
            if disposition:
                parsed.append((number, code, disposition))
    return parsed, problems


def import_dispositions(
    raw: bytes | str, user: User | None, *, override: bool = False, filename: str = ""
) -> DispositionReport:
    """Set outcomes from a CSV; every row is checked first, and all or none are set."""
    rows, problems = _parse(read_table(raw))
    invitations = _find([code for _, code, _ in rows])
    for number, code, disposition in rows:
        invitation = invitations.get(code)
        if invitation is None or not may_touch(user, invitation.practice.code):
            problems.append(f"row {number}: code {codes.grouped(code)} not found")
        elif completed_online(invitation) and disposition != "complete" and not override:
            problems.append(
                f"row {number}: {codes.grouped(code)} has a completed response; "
                f"confirm replacing completed outcomes to set {disposition}"
            )
    if problems:
        raise ImportRejected(sorted(problems, key=_row_number))
    changed: Counter = Counter()
    changes = []
    now = utcnow()
    for _, code, disposition in rows:
        invitation = invitations[code]
        if invitation.disposition != disposition:
            changes.append([code, invitation.disposition, disposition])
            invitation.disposition, invitation.disposition_at = disposition, now
            changed[disposition] += 1
    db.session.flush()
    record(
        "dispositions_imported",
        file=filename or None,
        rows=len(rows),
        changed=dict(changed),
        override=True if override else None,
        changes=changes,
    )
    return DispositionReport(changed, len(rows) - sum(changed.values()))


def _row_number(problem: str) -> int:
    found = re.match(r"row (\d+)", problem)
    return int(found.group(1)) if found else 0
