"""`fieldwork pdf`: print an instrument as an A4 PDF with its box map."""

from __future__ import annotations

from pathlib import Path

import click

from fieldwork.commands.instruments import find_instrument
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
    output.write_bytes(form.pdf)
    boxmap_path(output).write_text(form.boxmap.to_json(), encoding="utf-8")
    click.echo(f"{output}: {loaded.id} v{loaded.version} ({form.boxmap.lang}), {form.pages} pages")
    click.echo(f"{boxmap_path(output)}: {len(form.boxmap.boxes)} boxes")


def register(group: click.Group) -> None:
    """Add the paper commands to `group`."""
    group.add_command(pdf_command)
