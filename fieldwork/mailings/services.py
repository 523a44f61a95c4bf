"""Mail-out packs and reminder waves for a batch of codes. Services flush; callers commit."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from fieldwork import codes
from fieldwork.audit import record
from fieldwork.db import db
from fieldwork.invitations.services import batch_invitations, completed_online
from fieldwork.models import Invitation, Mailing
from forms.model import Instrument
from forms.paper import render_form
from forms.paper.fonts import fonts_for
from forms.paper.letter import LetterText, render_letter
from forms.paper.pack import Copy, build_pack

# Outcomes that mean a code has replied or must not be written to again.
ANSWERED = frozenset({"complete", "refusal", "not_eligible", "undelivered"})
MERGE_HEADER = ("copy", "first_page", "serial", "code", "practice_code", "practice_name", "wave")

Progress = Callable[[int, int], None]


class MailingError(ValueError):
    """A pack that cannot be made as asked."""


@dataclass(frozen=True)
class PackRequest:
    """What to mail for one batch: reminder or first pack, questionnaire, language, print size."""

    batch: str
    reminder: bool = False
    questionnaire: bool = True
    lang: str | None = None
    large_print: bool = False


@dataclass
class Pack:
    """A made pack: a zip with the PDF, the mail-merge CSV and the box map."""

    filename: str
    data: bytes
    wave: int
    copies: int


def not_responded(invitation: Invitation) -> bool:
    """Whether a code has neither replied nor been closed (so it gets a reminder)."""
    return not completed_online(invitation) and invitation.disposition not in ANSWERED


def next_wave(batch: str) -> int:
    """The wave the next mailing of `batch` would be: 1, then 2, 3… for reminders."""
    latest = db.session.scalar(select(func.max(Mailing.wave)).where(Mailing.batch == batch))
    return (latest or 0) + 1


def codes_to_mail(request: PackRequest) -> tuple[int, list[Invitation]]:
    """The wave and the codes it goes to: every code at first, then those not responded."""
    invitations = batch_invitations(request.batch)
    if not invitations:
        raise MailingError(f"no batch '{request.batch}'")
    wave = next_wave(request.batch)
    if request.reminder != (wave > 1):
        raise MailingError(
            f"batch {request.batch} has had no first mailing: make that first"
            if request.reminder
            else f"batch {request.batch} was mailed already: make a reminder (wave {wave})"
        )
    if request.reminder:
        ids = [i.id for i in invitations]
        loaded = db.session.scalars(
            select(Invitation)
            .where(Invitation.id.in_(ids))
            .options(selectinload(Invitation.response))
        )
        chosen = {i.id for i in loaded if not_responded(i)}
        invitations = [i for i in invitations if i.id in chosen]
    return wave, invitations


def make_pack(
    request: PackRequest,
    instrument: Instrument,
    *,
    study: str,
    public_url: str,
    contact: str = "",
    today: date | None = None,
    progress: Progress | None = None,
) -> Pack:
    """Record the mailing (wave, date, serials) and make its zip; the caller commits."""
    wave, invitations = codes_to_mail(request)
    if not invitations:
        raise MailingError(f"every code of batch {request.batch} has responded: no reminder needed")
    lang = request.lang or instrument.default_language
    if lang not in instrument.languages:
        raise MailingError(f"{instrument.id} has no language '{lang}'")
    today = today or date.today()
    mailings = [
        Mailing(
            invitation=i,
            batch=request.batch,
            wave=wave,
            mailed_on=today,
            questionnaire=request.questionnaire,
            language=lang,
        )
        for i in invitations
    ]
    db.session.add_all(mailings)
    db.session.flush()
    practice = invitations[0].practice
    base = public_url.rstrip("/")
    letter = render_letter(
        LetterText(
            practice=f"{practice.name} ({practice.code})",
            study=study,
            questionnaire=instrument.title.get(lang),
            url=base,
            contact=contact,
            reminder=wave > 1,
            enclosed=request.questionnaire,
        ),
        lang,
        request.large_print,
    )
    form = None
    if request.questionnaire:
        form = render_form(
            instrument, lang, large_print=request.large_print, contact=contact, qr=False
        )
    copies = [
        Copy(m.serial, codes.grouped(m.invitation.code), f"{base}/c/{m.invitation.code}")
        for m in mailings
    ]
    pdf = build_pack(letter, form, copies, fonts_for(lang).regular, progress)
    record("pack_made", batch=request.batch, wave=wave, count=len(mailings), practice=practice.code)
    stem = f"{practice.code}-{request.batch}-wave{wave}"
    per_copy = 1 + (form.pages if form else 0)
    files = {f"{stem}.pdf": pdf, f"{stem}.csv": _merge_csv(mailings, per_copy, wave).encode()}
    if form is not None:
        files[f"{stem}.boxmap.json"] = form.boxmap.to_json().encode()
    return Pack(f"{stem}.zip", _zip(files), wave, len(mailings))


def _merge_csv(mailings: list[Mailing], per_copy: int, wave: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MERGE_HEADER)
    for number, mailing in enumerate(mailings, start=1):
        practice = mailing.invitation.practice
        writer.writerow(
            (
                number,
                (number - 1) * per_copy + 1,
                mailing.serial,
                codes.grouped(mailing.invitation.code),
                practice.code,
                practice.name,
                wave,
            )
        )
    return out.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
