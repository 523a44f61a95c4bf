"""`fieldwork keys rotate`: re-encrypt identifying answers with a new (or the first) key."""

from __future__ import annotations

import os
from pathlib import Path

import click
from cryptography.fernet import Fernet
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, select

from fieldwork import identifying
from fieldwork.audit import record
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.models import InstrumentVersion


def _write_keys(path: Path, keys: list[str]) -> None:
    """Replace the key file atomically (owner-only)."""
    temporary = path.with_suffix(".new")
    temporary.write_text("\n".join(keys) + "\n")
    temporary.chmod(0o600)
    os.replace(temporary, path)


@click.group("keys")
def keys_group() -> None:
    """Keys encrypting identifying answers."""


@keys_group.command("rotate")
@with_appcontext
def rotate_command() -> None:
    """Re-encrypt every identifying answer with a new key (instance key file) or the first
    key of FIELDWORK_IDENTIFYING_KEY (put the new key first, keep the old ones after it)."""
    keys = [k for k in current_app.config["IDENTIFYING_KEY"].split(",") if k.strip()]
    key_file = current_app.config.get("IDENTIFYING_KEY_FILE") or ""
    if key_file:
        # The new key joins the file first, so no token is ever under a key not on disk.
        keys = [Fernet.generate_key().decode(), *keys]
        _write_keys(Path(key_file), keys)
    done = identifying.rotate(db.session, identifying.cipher(",".join(keys)))
    record("keys_rotate", answers=done, where="instance file" if key_file else "configuration")
    db.session.commit()
    if key_file:
        _write_keys(Path(key_file), keys[:1])
        current_app.config["IDENTIFYING_KEY"] = keys[0]
        click.echo(f"{done} identifying answer(s) re-encrypted with a new key in {key_file}")
    else:
        click.echo(
            f"{done} identifying answer(s) re-encrypted with the first configured key; "
            "the other keys in FIELDWORK_IDENTIFYING_KEY may now be removed"
        )


@keys_group.command("seal")
@with_appcontext
def seal_command() -> None:
    """Encrypt identifying answers an older version left as plain answer-table columns,
    and drop those columns (run once after upgrading; audited)."""
    catalogue = get_catalogue()
    moved = 0
    for row in db.session.scalars(select(InstrumentVersion)):
        if not inspect(db.session.connection()).has_table(row.answer_table):
            continue
        instrument = catalogue.instrument_for(row.id)
        moved += identifying.seal_legacy(db.session, instrument, row.answer_table)
    record("keys_seal", answers=moved)
    db.session.commit()
    click.echo(f"{moved} plaintext identifying answer(s) encrypted and their columns dropped")


def register(group: click.Group) -> None:
    """Add the keys commands to `group`."""
    group.add_command(keys_group)
