"""`fieldwork practices import`, `fieldwork codes issue|dispositions`: fieldwork from a shell."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from fieldwork.catalogue import get_catalogue
from fieldwork.csvout import write_csv
from fieldwork.db import db
from fieldwork.invitations.bulk import import_dispositions
from fieldwork.invitations.services import (
    MAIL_MERGE_HEADER,
    CodesError,
    check_batch_request,
    issue_codes,
    mail_merge_rows,
)
from fieldwork.models import Practice
from fieldwork.models.responses import INVITATION_MODES
from fieldwork.practices.services import import_practices
from fieldwork.practices.uploads import ImportRejected, UploadError


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror}") from error


def _rejected(path: str, error: UploadError | ImportRejected) -> click.ClickException:
    problems = getattr(error, "problems", None) or [str(error)]
    lines = "\n".join(f"{path}: {problem}" for problem in problems)
    return click.ClickException(f"nothing imported, {len(problems)} problem(s):\n{lines}")


@click.group("practices")
def practices_group() -> None:
    """Regions and practices."""


@practices_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def import_command(file: str) -> None:
    """Add and update practices from FILE.csv (all rows, or none if any is wrong)."""
    instruments = sorted(get_catalogue().current)
    try:
        report = import_practices(_read(file), instruments, None, Path(file).name)
    except (UploadError, ImportRejected) as error:
        db.session.rollback()
        raise _rejected(file, error) from error
    db.session.commit()
    click.echo(f"{report.created} practices added, {report.updated} updated")


@click.group("codes")
def codes_group() -> None:
    """Access codes and their outcomes."""


@codes_group.command("issue")
@click.option("--practice", "practice_code", required=True, help="Practice code, e.g. Y90001.")
@click.option("--instrument", required=True, help="Questionnaire id, e.g. patient.")
@click.option("--count", required=True, type=int, help="Number of codes (at most 5000).")
@click.option("--mode", default="web", type=click.Choice(INVITATION_MODES), show_default=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Mail-merge CSV to write.",
)
@with_appcontext
def issue_command(practice_code: str, instrument: str, count: int, mode: str, output: str) -> None:
    """Issue a batch of codes and write its mail-merge CSV."""
    instruments = sorted(get_catalogue().current)
    code = practice_code.strip().upper()
    practice = db.session.scalar(select(Practice).where(Practice.code == code))
    if practice is None:
        raise click.ClickException(f"no practice with code {code}")
    if instrument not in instruments:
        raise click.ClickException(f"no questionnaire {instrument} ({', '.join(instruments)})")
    try:
        count = check_batch_request(practice, instrument, count, mode, instruments)
    except CodesError as error:
        raise click.ClickException(str(error)) from error
    batch = issue_codes(practice, instrument, count, mode)
    rows = mail_merge_rows(batch.invitations, current_app.config["PUBLIC_URL"])
    try:
        with open(output, "w", encoding="utf-8-sig", newline="") as out:
            write_csv(MAIL_MERGE_HEADER, rows, out)
    except OSError as error:
        db.session.rollback()
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from error
    db.session.commit()
    click.echo(
        f"{count} codes issued for {practice.code} {instrument} (batch {batch.id}): {output}"
    )


@codes_group.command("dispositions")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--override-completed", is_flag=True, help="Also replace outcomes of submitted responses."
)
@with_appcontext
def dispositions_command(file: str, override_completed: bool) -> None:
    """Record outcomes from FILE.csv (columns code, disposition): all rows, or none."""
    try:
        report = import_dispositions(
            _read(file), None, override=override_completed, filename=Path(file).name
        )
    except (UploadError, ImportRejected) as error:
        db.session.rollback()
        raise _rejected(file, error) from error
    db.session.commit()
    changed = sum(report.changed.values())
    click.echo(f"{changed} outcomes changed, {report.unchanged} already so")


def register(group: click.Group) -> None:
    """Add the practices and codes commands to `group`."""
    group.add_command(practices_group)
    group.add_command(codes_group)
