"""`fieldwork export`: a coded dataset bundle from the command line, with a progress bar."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from exports.bundle import FORMATS, zip_bundle
from exports.xlsx import XLSX_ADVISED_ROWS
from fieldwork.audit import record
from fieldwork.datasets.filters import FilterError, Request
from fieldwork.datasets.services import build_bundle, check_for, count_for
from fieldwork.db import db


def _formats(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@click.command("export")
@click.option("--instrument", required=True, help="Questionnaire id, e.g. patient.")
@click.option("--version", "versions", multiple=True, type=int, help="Only these versions.")
@click.option(
    "--format", "formats", default="csv,sav,codebook", show_default=True,
    help=f"Comma-separated: {','.join(FORMATS)}.",
)  # fmt: skip
@click.option("--raw", is_flag=True, help="Keep answers routing set aside (default: clean).")
@click.option("--full", is_flag=True, help="Full, identifying bundle (audited).")
@click.option("--practice", "practices", multiple=True, help="Practice code (repeatable).")
@click.option("--region", "regions", multiple=True, help="Region name (repeatable).")
@click.option("--since", help="Started on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Started on or before this date (YYYY-MM-DD).")
@click.option(
    "--status", default="complete", show_default=True,
    type=click.Choice(["complete", "partial", "all"]),
)  # fmt: skip
@click.option("--out", required=True, type=click.Path(), help="A folder, or a FILE.zip.")
@with_appcontext
def export_command(instrument, versions, formats, raw, full, practices, regions, since, until,
                   status, out) -> None:  # fmt: skip
    """Export a coded dataset: data files, codebook and datapackage.json."""
    request = Request(
        instrument, list(versions), list(practices), list(regions), since, until, status,
        _formats(formats), raw, full,
    )  # fmt: skip
    try:
        request = check_for(request, None)
    except FilterError as error:
        raise click.ClickException(str(error)) from error
    total = count_for(request, None)
    if "xlsx" in request.formats and total > XLSX_ADVISED_ROWS:
        raise click.ClickException(
            f"{total:,} responses are too many for xlsx (at most {XLSX_ADVISED_ROWS:,}): "
            "choose csv, sav, dta or parquet instead"
        )
    target = Path(out)
    zipped = target.suffix.lower() == ".zip"
    folder = Path(tempfile.mkdtemp(prefix="fieldwork-export-")) if zipped else target
    if not zipped and target.exists() and any(target.iterdir()):
        raise click.ClickException(f"{target} is not empty: choose a new folder or a .zip")
    try:
        with click.progressbar(length=total, label=f"{total:,} responses", show_pos=True) as bar:
            done = [0]

            def progress(rows: int) -> None:
                bar.update(rows - done[0])
                done[0] = rows

            bundle = build_bundle(request, None, folder, progress)
        if zipped:
            zip_bundle(bundle, target)
    except OSError as error:
        raise click.ClickException(f"cannot write {target}: {error.strerror}") from error
    finally:
        if zipped:
            shutil.rmtree(folder, ignore_errors=True)
    if full:
        record("export_full", instrument=instrument, file=str(target))
        db.session.commit()
    click.echo(f"{bundle.rows:,} responses exported to {target}")


def register(group: click.Group) -> None:
    """Add the export command to `group`."""
    group.add_command(export_command)
