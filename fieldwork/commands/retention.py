"""`fieldwork retention`, `fieldwork purge [--dry-run]`: keeping identifying data no longer
than the study promised."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fieldwork import retention
from fieldwork.db import db
from fieldwork.outcomes import study_settings


@click.command("retention")
@click.option("--end", "end", type=click.DateTime(["%Y-%m-%d"]), help="The study's end date.")
@click.option("--days", type=click.IntRange(min=0), help="Days identifying data are kept after.")
@with_appcontext
def retention_command(end, days: int | None) -> None:
    """Show, or set, the study's end date and the retention period of identifying data."""
    settings = study_settings()
    if end is not None:
        settings.study_end = end.date()
    if days is not None:
        settings.retention_days = days
    db.session.commit()
    when = retention.purge_date()
    click.echo(f"study end: {settings.study_end or 'not set'}; retention: "
               f"{settings.retention_days} day(s); purge from: {when or 'not set'}")  # fmt: skip


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete identifying answers and scan images once the retention period is over (audited)."""
    when = retention.purge_date()
    if when is None:
        raise click.ClickException("no study end date set (fieldwork retention --end YYYY-MM-DD)")
    if not retention.due():
        raise click.ClickException(f"the retention period runs until {when}: nothing purged")
    found = retention.purge(dry_run=dry_run)
    images = retention.purge_images(dry_run=dry_run)
    keyed = retention.purge_keyed(dry_run=dry_run)
    db.session.commit()
    verb = "would delete" if dry_run else "deleted"
    for item_id, count in found.items():
        click.echo(f"{item_id}: {count} answer(s) {verb}")
    click.echo(f"{sum(found.values())} identifying answer(s) {verb}")
    if images:
        click.echo(f"{images} scanned page image(s) {verb}")
    if keyed:
        click.echo(f"contact details keyed from {keyed} paper form(s) {verb}")


def register(group: click.Group) -> None:
    """Add the retention commands to `group`."""
    group.add_command(retention_command)
    group.add_command(purge_command)
