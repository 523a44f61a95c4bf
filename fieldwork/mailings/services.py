"""Mail-out packs and reminder waves for a batch of codes. Services flush; callers commit."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import selectinload

from fieldwork import codes
from fieldwork.audit import record
from fieldwork.catalogue import get_catalogue
from fieldwork.csvout import csv_text
from fieldwork.db import db
from fieldwork.invitations.services import batch_invitations, completed_online
from fieldwork.models import Invitation, Mailing, Response
from fieldwork.models.responses import COMPLETE
from fieldwork.printed_layouts import keep_layout
from forms.model import Instrument
from forms.paper import RenderedForm, UnsupportedLanguage, cached_form, check_language
from forms.paper.boxes import BoxMap
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
    """A made pack: a zip with the PDF, the mail-merge CSV and the box map; the
    questionnaire as printed (None: letters only)."""

    filename: str
    data: bytes
    wave: int
    copies: int
    form: RenderedForm | None = None


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


@dataclass(frozen=True)
class PackPlan:
    """A recorded mailing as plain values: enough to draw the pack without the database."""

    request: PackRequest
    wave: int
    lang: str
    practice_code: str
    practice_name: str
    copies: tuple[tuple[int, str, str], ...]  # (mailing id, serial, code)
    online: bool = True  # False: paper-only codes (they cannot answer online)


def plan_pack(request: PackRequest, instrument: Instrument, today: date | None = None) -> PackPlan:
    """Record the mailing of a batch (wave, date, serial per code); the caller commits."""
    wave, invitations = codes_to_mail(request)
    if not invitations:
        raise MailingError(f"every code of batch {request.batch} has responded: no reminder needed")
    online = any(i.mode != "paper" for i in invitations)
    if not online and not request.questionnaire:
        raise MailingError(
            f"batch {request.batch}'s codes are for paper only (they cannot answer online):"
            " enclose the questionnaire"
        )
    lang = request.lang or instrument.default_language
    if lang not in instrument.languages:
        raise MailingError(f"{instrument.id} has no language '{lang}'")
    try:
        check_language(lang)
    except UnsupportedLanguage as error:
        raise MailingError(str(error)) from error
    # The version printed in the pack, so a returned copy is keyed against it.
    version_id = get_catalogue().version_ids.get(instrument.id) if request.questionnaire else None
    mailings = [
        Mailing(
            invitation=i,
            batch=request.batch,
            wave=wave,
            mailed_on=today or date.today(),
            questionnaire=request.questionnaire,
            language=lang,
            instrument_version_id=version_id,
            large_print=request.questionnaire and request.large_print,
        )
        for i in invitations
    ]
    db.session.add_all(mailings)
    db.session.flush()
    practice = invitations[0].practice
    record(
        "pack_made", batch=request.batch, wave=wave, count=len(mailings), practice=practice.code,
        version=instrument.version if request.questionnaire else None,
    )  # fmt: skip
    copies = tuple((m.id, m.serial, m.invitation.code) for m in mailings)
    return PackPlan(request, wave, lang, practice.code, practice.name, copies, online)


def study_contact(config: Mapping[str, Any], instrument: Instrument) -> str:
    """Whom participants ask about the study, on letters: the configured line, else the
    questionnaire's own e-mail address and phone number. (The questionnaire's cover takes
    the configured line only: scans are read against a form drawn the same way.)"""
    found = config.get("STUDY_CONTACT", "")
    if found:
        return found
    return " · ".join(c for c in (instrument.contact_email, instrument.contact_phone) if c)


def render_pack(
    plan: PackPlan,
    instrument: Instrument,
    config: Mapping[str, Any],
    progress: Progress | None = None,
) -> Pack:
    """Draw a planned pack: PDF, mail-merge CSV and box map in a zip (no database)."""
    base, contact = config["PUBLIC_URL"].rstrip("/"), config.get("STUDY_CONTACT", "")
    request, lang = plan.request, plan.lang
    text = LetterText(
        practice=f"{plan.practice_name} ({plan.practice_code})",
        study=config["STUDY_NAME"],
        questionnaire=instrument.title.get(lang),
        url=base,
        contact=study_contact(config, instrument),
        privacy=instrument.privacy_notice or config.get("PRIVACY_URL", ""),
        reminder=plan.wave > 1,
        enclosed=request.questionnaire,
        online=plan.online,
        audience=instrument.audience,
        declinable_online=instrument.consent is not None,
    )
    letter = render_letter(text, lang, request.large_print)
    form = None
    if request.questionnaire:
        form = cached_form(
            instrument, lang, large_print=request.large_print, contact=contact, qr=False
        )
    # The QR code opens the survey in the letter's language (the browser's otherwise).
    opens_in = "" if lang == instrument.default_language else f"?lang={lang.replace('_', '-')}"
    copies = [
        Copy(serial, codes.grouped(code), f"{base}/c/{code}{opens_in}")
        for _, serial, code in plan.copies
    ]
    pdf = build_pack(letter, form, copies, fonts_for(lang).regular, progress)
    stem = f"{plan.practice_code}-{request.batch}-wave{plan.wave}"
    per_copy = 1 + (form.pages if form else 0)
    files = {f"{stem}.pdf": pdf, f"{stem}.csv": merge_csv(plan, per_copy).encode()}
    if form is not None:
        files[f"{stem}.boxmap.json"] = form.boxmap.to_json().encode()
        keep_boxmap(form.boxmap, config["BOXMAPS"])
    return Pack(f"{stem}.zip", _zip(files), plan.wave, len(copies), form)


def keep_printed_layout(plan: PackPlan, pack: Pack) -> None:
    """Record the layout the pack's questionnaire was printed with, for its mailings, so
    returned copies are read as printed (nothing for letters only; the caller commits)."""
    if pack.form is not None:
        keep_layout(pack.form, [mailing_id for mailing_id, _, _ in plan.copies])


def boxmap_file(folder: str | Path, boxmap: BoxMap) -> Path:
    """Where a box map is kept: FOLDER/<instrument>/v<version>/<lang>-<std|large>.json."""
    size = "large" if boxmap.large_print else "std"
    return Path(folder) / boxmap.instrument / f"v{boxmap.version}" / f"{boxmap.lang}-{size}.json"


def keep_boxmap(boxmap: BoxMap, folder: str | Path) -> Path:
    """Keep the box map of a printed form with its instrument version and language."""
    path = boxmap_file(folder, boxmap)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(boxmap.to_json(), encoding="utf-8")
    return path


def batch_instrument(batch: str) -> Instrument:
    """The questionnaire a batch's codes are for (MailingError if none)."""
    invitations = batch_invitations(batch)
    if not invitations:
        raise MailingError(f"no batch '{batch}'")
    instrument = get_catalogue().current.get(invitations[0].instrument)
    if instrument is None:
        raise MailingError(f"questionnaire '{invitations[0].instrument}' is not in the catalogue")
    return instrument


def make_batch_pack(
    request: PackRequest, config: Mapping[str, Any], progress: Progress | None = None
) -> Pack:
    """Record and draw a batch's pack in one transaction (the caller commits)."""
    instrument = batch_instrument(request.batch)
    plan = plan_pack(request, instrument)
    pack = render_pack(plan, instrument, config, progress)
    keep_printed_layout(plan, pack)
    return pack


def forget_plan(plan: PackPlan) -> None:
    """Remove a planned mailing whose pack could not be drawn (the caller commits)."""
    ids = [mailing_id for mailing_id, _, _ in plan.copies]
    db.session.execute(delete(Mailing).where(Mailing.id.in_(ids)))
    record("pack_failed", batch=plan.request.batch, wave=plan.wave)


def waves_of(batch: str) -> list[tuple[int, date, int, bool]]:
    """The mailings of a batch so far: (wave, date, codes, with questionnaire), by wave."""
    query = (
        select(
            Mailing.wave,
            func.min(Mailing.mailed_on),
            func.count(),
            func.max(case((Mailing.questionnaire, 1), else_=0)),
        )
        .where(Mailing.batch == batch)
        .group_by(Mailing.wave)
        .order_by(Mailing.wave)
    )
    return [(w, d, n, bool(q)) for w, d, n, q in db.session.execute(query)]


def responses_by_wave(batch: str) -> dict[int, int]:
    """Completed responses of a batch by the wave that preceded them (0: before any mailing).

    A response counts for the latest wave mailed to its code on or before the day it was
    submitted. The rates page can group the same way: max(mailings.wave) where
    mailings.invitation_id = responses.invitation_id and mailed_on <= submitted_at.
    """
    query = (
        select(Mailing.invitation_id, Mailing.wave, Mailing.mailed_on, Response.submitted_at)
        .join(Response, Response.invitation_id == Mailing.invitation_id)
        .where(Mailing.batch == batch, Response.status == COMPLETE)
    )
    latest: dict[int, int] = {}
    for invitation_id, wave, mailed_on, submitted_at in db.session.execute(query):
        latest.setdefault(invitation_id, 0)
        if submitted_at is not None and mailed_on <= submitted_at.date():
            latest[invitation_id] = max(latest[invitation_id], wave)
    counts: dict[int, int] = {}
    for wave in latest.values():
        counts[wave] = counts.get(wave, 0) + 1
    return counts


def merge_csv(plan: PackPlan, per_copy: int) -> str:
    """The pack's mail-merge CSV: a row per copy (every cell safe to open in a spreadsheet)."""
    rows = []
    for number, (_, serial, code) in enumerate(plan.copies, start=1):
        first_page = (number - 1) * per_copy + 1
        row = (number, first_page, serial, codes.grouped(code), plan.practice_code)
        rows.append((*row, plan.practice_name, plan.wave))
    return csv_text(MERGE_HEADER, rows)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
