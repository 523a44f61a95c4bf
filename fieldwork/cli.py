"""The `fieldwork` command: a Flask CLI group with the project's own commands.

The same commands are on the app's own `cli`, so `flask --app fieldwork …` has them too.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from fieldwork import serve
from fieldwork.commands import (
    datasets,
    demo,
    instruments,
    jobs,
    keying,
    keys,
    paper,
    retention,
    scans,
    withdrawals,
)
from fieldwork.commands import fieldwork as fieldwork_commands
from fieldwork.commands import users as user_commands


def register_commands(group: click.Group) -> None:
    """Add every project command to `group`."""
    for module in (
        instruments,
        demo,
        user_commands,
        fieldwork_commands,
        serve,
        jobs,
        datasets,
        paper,
        keys,
        keying,
        withdrawals,
        retention,
        scans,
    ):
        module.register(group)


def _create_app():
    from fieldwork import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help="Fieldwork: survey instruments and fieldwork.")
register_commands(cli)


def main() -> None:
    """Entry point of the `fieldwork` console script."""
    cli.main(prog_name="fieldwork")
