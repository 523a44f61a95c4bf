"""`fieldwork withdraw CODE --by phone`, `fieldwork withdrawal-setting`: withdrawals."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fieldwork.db import db
from fieldwork.outcomes import study_settings
from fieldwork.survey.services import find_invitation
from fieldwork.withdrawal import ROUTES, SETTINGS, WithdrawalError, withdraw


@click.command("withdraw")
@click.argument("code")
@click.option("--by", "route", type=click.Choice(ROUTES[1:]), required=True,
              help="How the withdrawal reached the study.")  # fmt: skip
@with_appcontext
def withdraw_command(code: str, route: str) -> None:
    """Record a withdrawal received by phone, letter or email for an access code (audited)."""
    invitation = find_invitation(code)
    if invitation is None:
        raise click.ClickException(f"no access code {code!r}")
    try:
        done = withdraw(invitation, route)
    except WithdrawalError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{invitation.grouped_code} withdrawn ({route}): {done.described()}")


@click.command("withdrawal-setting")
@click.argument("setting", type=click.Choice(SETTINGS), required=False)
@with_appcontext
def setting_command(setting: str | None) -> None:
    """Show, or set, what a withdrawal does: delete the response or keep its answers."""
    settings = study_settings()
    if setting is not None:
        settings.withdrawal = setting
        db.session.commit()
    click.echo(f"withdrawal: {settings.withdrawal}")


def register(group: click.Group) -> None:
    """Add the withdrawal commands to `group`."""
    group.add_command(withdraw_command)
    group.add_command(setting_command)
