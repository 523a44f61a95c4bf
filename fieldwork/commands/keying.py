"""`fieldwork keying-settings [--double-entry | --single-entry]
[--keyers-may-resolve | --third-person-resolves]`: double entry of returned paper forms."""

from __future__ import annotations

from dataclasses import replace

import click
from flask.cli import with_appcontext

from fieldwork.db import db
from fieldwork.keying import settings
from fieldwork.keying.services import waiting


@click.command("keying-settings")
@click.option("--double-entry/--single-entry", "double", default=None,
              help="Key every returned form twice, blind (or once).")  # fmt: skip
@click.option("--keyers-may-resolve/--third-person-resolves", "own", default=None,
              help="Whether a keyer of either pass may resolve that form.")  # fmt: skip
@with_appcontext
def keying_settings_command(double: bool | None, own: bool | None) -> None:
    """Show, or set, double entry of returned paper forms and who resolves (audited)."""
    chosen = settings.current()
    if double is not None:
        chosen = replace(chosen, double_entry=double)
    if own is not None:
        chosen = replace(chosen, keyers_may_resolve=own)
    try:
        settings.update(chosen)
    except settings.KeyingSettingsError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    now = settings.current()
    resolver = "keyers too" if now.keyers_may_resolve else "a third person (or an admin)"
    click.echo(
        f"double entry: {'on' if now.double_entry else 'off'}; differences resolved by: "
        f"{resolver}; forms waiting: {waiting()}"
    )


def register(group: click.Group) -> None:
    """Add the keying commands to `group`."""
    group.add_command(keying_settings_command)
