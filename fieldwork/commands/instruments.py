"""`fieldwork validate` and `fieldwork show`: check and read instrument files from the shell."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import ScriptInfo
from sqlalchemy import URL, inspect
from sqlalchemy.exc import SQLAlchemyError

from forms import i18n
from forms.errors import Problem
from forms.loader import check_file, check_files, instrument_files
from forms.model import Instrument
from forms.outline import render_outline
from forms.versions import HashStore, MemoryHashStore

DEFAULT_FOLDER = "instruments"


def summary(instrument: Instrument) -> str:
    """`patient v1, 45 questions, 2 languages, hash 3f2a…` for one valid instrument."""
    questions = sum(1 for _ in instrument.iter_questions())
    languages = len(instrument.languages)
    return (
        f"{instrument.id} v{instrument.version}, {questions} questions, "
        f"{languages} language{'s' if languages != 1 else ''}, "
        f"hash {instrument.content_hash[:8]}…"
    )


def _store(hashes: str | None) -> MemoryHashStore | None:
    if hashes is None:
        return None
    try:
        return MemoryHashStore.from_json(hashes)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the hashes file {hashes}: {exc}") from exc


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--hashes",
    type=click.Path(exists=True, dir_okay=False),
    help="JSON list of {instrument, version, hash, responses} recorded so far: "
    "refuse changed questions under a version that has responses.",
)
@click.option(
    "--database/--no-database",
    default=None,
    help="Also refuse changed questions under a version that already has responses in the "
    "app's database, as the app would (default: when FIELDWORK_DATABASE_URL is set).",
)
@click.option(
    "--translations",
    envvar="FIELDWORK_TRANSLATIONS",
    default="",
    help="The study's folders of .po files (as FIELDWORK_TRANSLATIONS), besides the shipped ones.",
)
def validate_command(
    paths: tuple[str, ...], hashes: str | None, database: bool | None, translations: str
) -> None:
    """Check instrument files (default: the instruments/ folder); exit 1 on any problem.

    Warns (without failing) when a language has no catalogue of the platform's words.
    With a database (FIELDWORK_DATABASE_URL, or --database), a file whose questions changed
    under a version that already has responses is a problem: the app would not serve it.
    """
    paths = paths or (DEFAULT_FOLDER,)
    for path in paths:
        if not Path(path).exists():
            raise click.ClickException(f"{path}: no such file or folder")
    if not instrument_files(paths):
        raise click.ClickException(f"no instrument files (*.yaml) in {', '.join(paths)}")
    if database is None:
        database = hashes is None and bool(os.environ.get("FIELDWORK_DATABASE_URL"))
    with _recorded_versions(database) as recorded:
        instruments, problems = check_files(paths, _store(hashes) or recorded)
    folders = [folder for folder in translations.split(os.pathsep) if folder]
    for instrument in instruments:
        click.echo(f"{instrument.source}: {summary(instrument)}")
        for warning in catalogue_warnings(instrument, folders):
            click.echo(f"{instrument.source}: warning: {warning}", err=True)
    if problems:
        _report(problems)
        raise SystemExit(1)


@contextmanager
def _recorded_versions(wanted: bool) -> Iterator[HashStore | None]:
    """The versions and responses recorded in the app's database, while it is open."""
    if not wanted:
        yield None
        return
    from fieldwork.catalogue import DatabaseHashStore
    from fieldwork.db import db

    try:  # a URL of an unknown kind, or whose driver is not installed, fails here
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    except (SQLAlchemyError, ImportError) as exc:
        raise click.ClickException(f"cannot open the app's database: {exc}") from exc
    with app.app_context():
        _no_new_file(db.engine.url)
        try:
            migrated = inspect(db.engine).has_table("instrument_versions")
        except SQLAlchemyError as exc:
            raise click.ClickException(f"cannot open the app's database: {exc}") from exc
        if not migrated:
            click.echo("the app's database has no versions recorded yet", err=True)
        try:
            yield DatabaseHashStore() if migrated else None
        except SQLAlchemyError as exc:  # the connection lost while checking
            raise click.ClickException(f"cannot read the app's database: {exc}") from exc


def _no_new_file(url: URL) -> None:
    """Refuse a SQLite file that is not there: opening it would make an empty one."""
    path = url.database or ""
    in_a_file = path not in ("", ":memory:") and not path.startswith("file:")
    if url.get_backend_name() == "sqlite" and in_a_file and not Path(path).exists():
        raise click.ClickException(f"cannot open the app's database: there is no file {path}")


def catalogue_warnings(instrument: Instrument, folders: list[str], shown: int = 8) -> list[str]:
    """One warning per language whose platform words (buttons, errors…) are not all translated."""
    warnings = []
    for lang in instrument.languages:
        missing = i18n.missing_messages(lang, folders)
        if not missing:
            continue
        listing = ", ".join(repr(word) for word in missing[:shown])
        more = f" and {len(missing) - shown} more" if len(missing) > shown else ""
        if i18n.has_catalogue(lang, folders):
            what = f"the catalogue for language '{lang}' lacks {len(missing)} words"
        else:
            what = (
                f"language '{lang}' has no catalogue of the platform's words "
                "(add LANG.po to a FIELDWORK_TRANSLATIONS folder)"
            )
        warnings.append(f"{what}; respondents would read them in English: {listing}{more}")
    return warnings


def _report(problems: list[Problem]) -> None:
    for problem in sorted(problems):
        click.echo(str(problem), err=True)
    files = len({p.file for p in problems})
    plural = "s" if len(problems) != 1 else ""
    click.echo(
        f"{len(problems)} problem{plural} in {files} file{'s' if files != 1 else ''}", err=True
    )


def find_instrument(name: str, folder: str = DEFAULT_FOLDER) -> Path:
    """The file for `name`: a path, or the id of an instrument in `folder`."""
    path = Path(name)
    if path.is_file():
        return path
    candidate = Path(folder) / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = {}
    for file in instrument_files([folder]) if Path(folder).is_dir() else []:
        instrument, _ = check_file(file)
        if instrument is not None:
            known[instrument.id] = file
    if name in known:
        return known[name]
    listing = ", ".join(sorted(known)) or "none"
    raise click.ClickException(f"no instrument '{name}' in {folder}/ (found: {listing})")


@click.command("show")
@click.argument("instrument")
@click.option("--lang", help="Language to show (default: the instrument's first language).")
def show_command(instrument: str, lang: str | None) -> None:
    """Print a numbered outline of INSTRUMENT (a file, or an id in instruments/)."""
    path = find_instrument(instrument)
    loaded, problems = check_file(path)
    if loaded is None:
        _report(problems)
        raise SystemExit(1)
    if lang is not None and lang not in loaded.languages:
        raise click.ClickException(
            f"{loaded.id} has no language '{lang}' (languages: {', '.join(loaded.languages)})"
        )
    click.echo(render_outline(loaded, lang), nl=False)


def register(group: click.Group) -> None:
    """Add the instrument commands to `group`."""
    group.add_command(validate_command)
    group.add_command(show_command)
