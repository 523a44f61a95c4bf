"""`fieldwork user create|list|disable|enable`: staff accounts from the shell."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from fieldwork.db import db
from fieldwork.models.staff import ROLES
from fieldwork.users.services import (
    Account,
    AccountError,
    create_user,
    find_user,
    list_users,
    set_active,
)


@click.group("user")
def user_group() -> None:
    """Staff accounts."""


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_group.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the person may do.")
@click.option(
    "--practices", default="", help='Practice codes, e.g. "Y90001 Y90002" (default: all).'
)
@click.option("--name", default="", help="The person's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_command(email: str, role: str, practices: str, name: str, password_stdin: bool) -> None:
    """Add a staff account (asks for the password twice unless --password-stdin)."""
    password = _password(password_stdin)
    try:
        user = create_user(Account(email, role, practices, name), password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    practices = f": {user.practice_codes}" if user.practice_codes else ""
    click.echo(f"Added {user.email} ({user.role}{practices})")


@user_group.command("list")
@with_appcontext
def list_command() -> None:
    """List staff accounts: email, role, practices, state."""
    for user in list_users():
        state = "active" if user.active else "disabled"
        click.echo(f"{user.email}\t{user.role}\t{user.practice_codes or 'all'}\t{state}")


def _set_active(email: str, active: bool) -> None:
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    try:
        set_active(user, active)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{user.email} {'enabled' if active else 'disabled'}")


@user_group.command("disable")
@click.argument("email")
@with_appcontext
def disable_command(email: str) -> None:
    """Disable an account (its sessions end)."""
    _set_active(email, False)


@user_group.command("enable")
@click.argument("email")
@with_appcontext
def enable_command(email: str) -> None:
    """Enable a disabled account."""
    _set_active(email, True)


def register(group: click.Group) -> None:
    """Add the user commands to `group`."""
    group.add_command(user_group)
