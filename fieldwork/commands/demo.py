"""`fieldwork demo`: migrate the database and seed a demo study, printing how to get in."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from fieldwork import MIGRATIONS, demo
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Bring the database up to date and seed the demo study (safe to run again)."""
    upgrade(directory=MIGRATIONS)
    catalogue = get_catalogue()
    if catalogue.problems:
        raise click.ClickException(
            "instruments not served:\n" + "\n".join(str(p) for p in catalogue.problems)
        )
    seeded = demo.seed(sorted(catalogue.current))
    accounts = [(demo.ADMIN_EMAIL, "Admin", seeded.admin_password), *demo.staff_accounts()]
    db.session.commit()
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    click.echo(f"Demo study ready. Respondents start at {base}/")
    click.echo("Access codes (enter on the start page, or open the link):")
    for code, instrument, practice in seeded.codes:
        click.echo(f"  {code}  {instrument:<16} {practice:<28} {base}/c/{code}")
    click.echo("Open practice links:")
    for path, practice in seeded.links:
        click.echo(f"  {base}{path}  ({practice})")
    click.echo(f"Staff sign-in: {base}/staff/sign-in")
    for email, role, password in accounts:
        click.echo(f"  {email:<32} {password or '(password as first printed)':<20} {role}")


def register(group: click.Group) -> None:
    """Add the demo command to `group`."""
    group.add_command(demo_command)
