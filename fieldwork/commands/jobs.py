"""`fieldwork worker`: run huey's consumer, which runs the app's background jobs."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from exports.writers import load_libraries
from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.jobs.services import mark_interrupted


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Jobs run at once (threads).")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run background jobs (exports, paper packs, the nightly purge) until stopped with Ctrl-C."""
    if current_app.config.get("JOBS_IMMEDIATE"):
        raise click.ClickException("jobs run immediately here (JOBS_IMMEDIATE): no worker needed")
    stale = mark_interrupted()
    db.session.commit()
    # The instruments loaded and checked now, as `fieldwork serve` does before its workers
    # start: the first export does not wait for them, and a broken file shows at once.
    get_catalogue()
    load_libraries()  # nor for the writers' libraries
    if stale:
        click.echo(f"{stale} job(s) whose worker had stopped are marked interrupted")
    huey = current_app.extensions["huey"]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"Worker for {type(huey).__name__} queue {huey.name!r}, {workers} thread(s)")
    # Poll at least every 2 s when idle (a SQLite or Redis read): jobs start promptly.
    consumer = huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, max_delay=2.0
    )
    consumer.run()


def register(group: click.Group) -> None:
    """Add the worker command to `group`."""
    group.add_command(worker_command)
