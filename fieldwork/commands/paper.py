"""`fieldwork pdf` (an instrument as an A4 PDF with its box map) and `fieldwork packs`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from fieldwork.commands.instruments import find_instrument
from fieldwork.db import db
from fieldwork.mailings.services import MailingError, PackRequest, make_batch_pack
from forms.errors import InstrumentError
from forms.loader import load_instrument
from forms.paper import UnsupportedLanguage, render_form


def boxmap_path(pdf_path: Path) -> Path:
    """Where the box map of a PDF goes: beside it, `NAME.boxmap.json`."""
    return pdf_path.with_name(pdf_path.stem + ".boxmap.json")


@click.command("pdf")
@click.argument("instrument")
@click.option("--lang", help="Language to print (default: the instrument's first language).")
@click.option("--large-print", is_flag=True, help="16 pt text and larger boxes.")
@click.option(
    "--contact",
    envvar="FIELDWORK_STUDY_CONTACT",
    default="",
    help="Study contact for the cover page.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="PDF to write.",
)
def pdf_command(
    instrument: str, lang: str | None, large_print: bool, contact: str, output: Path
) -> None:
    """Print INSTRUMENT (a file, or an id in instruments/) as an A4 PDF, and its box map."""
    try:
        loaded = load_instrument(find_instrument(instrument))
    except InstrumentError as error:
        raise click.ClickException("\n".join(str(p) for p in error.problems)) from error
    if lang is not None and lang not in loaded.languages:
        raise click.ClickException(
            f"{loaded.id} has no language '{lang}' (languages: {', '.join(loaded.languages)})"
        )
    try:
        form = render_form(loaded, lang, large_print=large_print, contact=contact)
    except (UnsupportedLanguage, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    try:
        output.write_bytes(form.pdf)
        boxmap_path(output).write_text(form.boxmap.to_json(), encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from error
    click.echo(f"{output}: {loaded.id} v{loaded.version} ({form.boxmap.lang}), {form.pages} pages")
    click.echo(f"{boxmap_path(output)}: {len(form.boxmap.boxes)} boxes")


@click.command("packs")
@click.argument("batch")
@click.option(
    "--reminder", is_flag=True, help="A reminder wave: only codes that have not responded."
)
@click.option(
    "--questionnaire/--letter-only",
    default=True,
    help="Enclose a (replacement) paper questionnaire, or send the letter only.",
)
@click.option("--lang", help="Language of the letter and questionnaire.")
@click.option("--large-print", is_flag=True, help="16 pt text and larger boxes.")
@click.option(
    "-o",
    "--output",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the zip (PDF, mail-merge CSV, box map).",
)
@with_appcontext
def packs_command(
    batch: str,
    reminder: bool,
    questionnaire: bool,
    lang: str | None,
    large_print: bool,
    output: Path,
) -> None:
    """Make the mail-out pack (or a reminder wave) for BATCH and record it as mailed today."""
    request = PackRequest(batch, reminder, questionnaire, lang, large_print)
    try:
        pack = make_batch_pack(
            request,
            current_app.config,
            lambda done, total: click.echo(f"{done} of {total} copies", err=True),
        )
        output.mkdir(parents=True, exist_ok=True)
        (output / pack.filename).write_bytes(pack.data)
    except MailingError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    except OSError as error:
        db.session.rollback()  # nothing is recorded as mailed without its file
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from error
    db.session.commit()
    click.echo(f"{output / pack.filename}: wave {pack.wave}, {pack.copies} copies")


def register(group: click.Group) -> None:
    """Add the paper commands to `group`."""
    group.add_command(pdf_command)
    group.add_command(packs_command)
