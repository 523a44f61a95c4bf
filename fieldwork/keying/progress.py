"""Keying progress by batch and practice, and the agreement between passes per keyer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from fieldwork.db import db
from fieldwork.keying.services import current_round, pass_instrument
from fieldwork.models import Invitation, KeyingPass, Practice, Response, User
from fieldwork.models.keying import FIRST, RESOLVED, SECOND
from fieldwork.models.responses import PAPER
from forms.keying import differences, field_names


@dataclass
class Row:
    """One batch at one practice: how far its returned copies have gone."""

    batch: str
    practice: str
    returned: int = 0
    once: int = 0
    twice: int = 0
    open: int = 0
    done: int = 0
    open_codes: list[str] = field(default_factory=list)


def _passes() -> dict[int, dict[int, KeyingPass]]:
    rows: dict[int, list[KeyingPass]] = defaultdict(list)
    for row in db.session.scalars(select(KeyingPass).order_by(KeyingPass.id)):
        rows[row.invitation_id].append(row)
    return {code: current_round(kept) for code, kept in rows.items()}


def by_batch(allowed: frozenset[str] | set[str] | None = None) -> list[Row]:
    """Per batch and practice: returned, keyed once, twice, differences open, done."""
    kept = _passes()
    paper = set(db.session.scalars(select(Response.invitation_id).where(Response.mode == PAPER)))
    query = select(Invitation, Practice.code).join(Practice).order_by(Invitation.batch)
    query = query.where(
        Invitation.id.in_(set(kept) | paper) | (Invitation.disposition == "undelivered")
    )
    rows: dict[tuple[str, str], Row] = {}
    for invitation, practice in db.session.execute(query):
        if allowed and practice not in allowed:
            continue
        key = (invitation.batch or "", practice)
        row = rows.setdefault(key, Row(*key))
        row.returned += 1
        passes = kept.get(invitation.id, {})
        if invitation.id in paper or RESOLVED in passes:  # a response, or keyed blank
            row.done += 1
        elif SECOND in passes:
            row.twice += 1
            if _differing(invitation, passes):
                row.open += 1
                row.open_codes.append(invitation.code)
        elif FIRST in passes:
            row.once += 1
    return list(rows.values())


def _differing(invitation: Invitation, passes: dict[int, KeyingPass]) -> list[str]:
    instrument = pass_instrument(passes[FIRST])
    if instrument is None:  # the questionnaire is no longer served: shown as open
        return ["?"]
    return differences(instrument, passes[FIRST].fields, passes[SECOND].fields)


def agreement() -> list[tuple[str, int, float]]:
    """(keyer, fields compared, share of them agreed) for every keyer of a double pass.

    Each form keyed twice compares every keying field of its printed version; a field
    where the two passes differ counts against both keyers (the paper decides who erred,
    but either may have).
    """
    compared: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for passes in _passes().values():
        if SECOND not in passes:
            continue
        instrument = pass_instrument(passes[FIRST])
        if instrument is None:
            continue
        names = field_names(instrument)
        differ = len(differences(instrument, passes[FIRST].fields, passes[SECOND].fields))
        for keyed in (passes[FIRST], passes[SECOND]):
            compared[keyed.user_id][0] += len(names)
            compared[keyed.user_id][1] += len(names) - differ
    users = {u.id: u.email for u in db.session.scalars(select(User).where(User.id.in_(compared)))}
    found = [(users[uid], n, agreed / n if n else 1.0) for uid, (n, agreed) in compared.items()]
    return sorted(found)
