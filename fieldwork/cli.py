"""The `fieldwork` command: a Flask CLI group with the project's own commands."""

from __future__ import annotations

from flask.cli import FlaskGroup

from fieldwork.commands import demo, instruments
from fieldwork.commands import fieldwork as fieldwork_commands
from fieldwork.commands import users as user_commands


def _create_app():
    from fieldwork import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help="Fieldwork: survey instruments and fieldwork.")
instruments.register(cli)
demo.register(cli)
user_commands.register(cli)
fieldwork_commands.register(cli)


def main() -> None:
    """Entry point of the `fieldwork` console script."""
    cli.main(prog_name="fieldwork")
