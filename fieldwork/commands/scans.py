"""`fieldwork scans import FILE…`, `fieldwork scans auto-accept`: scanned paper returns."""

from __future__ import annotations

import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from fieldwork.db import db
from fieldwork.jobs.runner import run_job
from fieldwork.models import Job, ScanBatch
from fieldwork.outcomes import study_settings
from fieldwork.scans import display, services


@click.group("scans")
def scans_group() -> None:
    """Scanned paper returns: read them, and whether copies may be accepted unread."""


@scans_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--returned", type=click.DateTime(["%Y-%m-%d"]),
              help="The date the forms came back (default: today).")  # fmt: skip
@with_appcontext
def import_command(files: tuple[str, ...], returned) -> None:
    """Read scanned returns (PDF or TIFF) here, with a progress bar, as the upload page does."""
    returned_on = returned.date() if returned else datetime.date.today()
    try:
        uploads = [(Path(name).name, Path(name).read_bytes()) for name in files]
        batch = services.start_batch(uploads, returned_on, None)
    except OSError as error:
        raise click.ClickException(f"cannot read {error.filename}: {error.strerror}") from error
    except services.ScanError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    batch_id, job_id = batch.id, batch.job_id
    with click.progressbar(length=1, label=f"Batch {batch_id}", show_pos=True) as bar:

        def watch(done: int, total: int | None = None, message: str = "") -> None:
            if total:
                bar.length = total
            bar.update(done - bar.pos)

        run_job(job_id, watch)
    job = db.session.get(Job, job_id)
    if job.state != "done":
        raise click.ClickException(f"reading batch {batch_id} failed: {job.message}")
    _summary(db.session.get(ScanBatch, batch_id))


def _summary(batch: ScanBatch) -> None:
    view = display.batch_view(batch)
    waiting = sum(1 for copy in view.copies if not copy.done)
    click.echo(f"batch {batch.id}: {len(view.pages)} page(s) read, {len(view.copies)} "
               f"cop(ies) found, {waiting} to verify")  # fmt: skip
    for problem in batch.problems:
        click.echo(f"  file not read: {problem}")
    for page in view.unplaced:
        click.echo(f"  page {page.position} ({page.file_name} p. {page.file_page}) not placed: "
                   f"{page.problem}")  # fmt: skip
    for page in [*view.duplicates, *view.unused]:
        click.echo(f"  page {page.position} ({page.file_name} p. {page.file_page}): {page.problem}")
    for page in view.joined:
        click.echo(f"  page {page.position} ({page.file_name} p. {page.file_page}): joined to "
                   f"serial {page.copy.serial} in batch {page.copy.batch_id}")  # fmt: skip
    for copy in view.missing:
        click.echo(f"  serial {copy.serial}: page(s) {', '.join(map(str, copy.missing))} missing")
    for copy in view.untied:
        click.echo(f"  serial {copy.serial}: {copy.problem}")


@scans_group.command("auto-accept")
@click.argument("setting", type=click.Choice(["on", "off"]), required=False)
@with_appcontext
def auto_accept_command(setting: str | None) -> None:
    """Show, or set, whether copies read with confidence become responses without a person."""
    if setting is not None:
        services.set_auto_accept(setting == "on", None)
        db.session.commit()
    click.echo(f"auto-accept: {'on' if study_settings().scan_auto_accept else 'off'}")


def register(group: click.Group) -> None:
    """Add the scans commands to `group`."""
    group.add_command(scans_group)
