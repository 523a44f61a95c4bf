"""`fieldwork serve`: the production server (gunicorn), with codes masked in its access log.

Every worker builds its own app after the fork and keeps nothing another process needs:
limits, sessions and responses live in the database, so any number of these processes,
on one machine or several, can serve one PostgreSQL database behind a load balancer.
"""

from __future__ import annotations

import gc
import logging
from typing import Any
from urllib.parse import unquote

import click
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger, SafeAtoms
from sqlalchemy.exc import SQLAlchemyError

from fieldwork.error_pages import mask

log = logging.getLogger(__name__)


class MaskedAtoms(SafeAtoms):
    """Access-log atoms masked as the format reads them: only those it uses cost anything.

    Each string is percent-decoded first (/%63/CODE reaches the same page as /c/CODE),
    masked, then its quotes escaped as gunicorn's own atoms are.
    """

    def __init__(self, atoms: dict[str, Any]):
        dict.__init__(self, atoms)

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        return mask(unquote(value)).replace('"', '\\"') if isinstance(value, str) else value


class MaskedLogger(Logger):
    """gunicorn's logger, with access codes and link tokens masked in every access-log atom."""

    atoms_wrapper_class = MaskedAtoms

    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:
        """The usual atoms, with the request line rebuilt from the decoded path."""
        atoms = super().atoms(resp, req, environ, request_time)
        query = environ.get("QUERY_STRING") or ""
        target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        atoms["r"] = f"{environ['REQUEST_METHOD']} {target} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = environ.get("PATH_INFO", "")
        return atoms


def build_app():
    """The app, loaded once before the workers fork; the instrument catalogue synced now.

    The database connections used for the sync are closed before the fork, so every
    worker opens its own. What the app holds for good (instruments, templates, the
    libraries' tables: about 250,000 objects) is then frozen out of the garbage
    collector's sight (`gc.freeze`, as Python's documentation advises before a fork):
    a worker's full collection otherwise walks all of it, about 140 ms, and the
    request that triggers it waits.
    """
    from fieldwork import create_app
    from fieldwork.catalogue import get_catalogue
    from fieldwork.db import db

    app = create_app()
    with app.app_context():
        try:
            get_catalogue()
        except SQLAlchemyError as error:  # the database is not there yet: sync on first use
            log.warning("catalogue not synced at start: %s", type(error).__name__)
            app.extensions.pop("fieldwork.catalogue", None)
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    gc.collect()
    gc.freeze()
    return app


class Server(BaseApplication):
    """gunicorn run from Python, so `fieldwork serve` needs no config file."""

    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options given on the command line."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """The app (built in the master: workers fork from it and connect on their own)."""
        return build_app()


def options(bind: str, workers: int, timeout: int, access_log: str | None) -> dict[str, Any]:
    """gunicorn settings for `fieldwork serve`."""
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "sync",
        "preload_app": True,
        "timeout": timeout,
        "graceful_timeout": timeout,
        "accesslog": access_log,
        "errorlog": "-",
        "logger_class": MaskedLogger,
        "proc_name": "fieldwork",
    }


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="HOST:PORT to serve.")
@click.option("--workers", default=2, show_default=True, help="Worker processes (≈ cores).")
@click.option("--timeout", default=30, show_default=True, help="Seconds before a stuck worker.")
@click.option("--access-log", default="-", show_default=True, help="File, or - for stdout.")
@click.option(
    "--proxies",
    type=int,
    default=None,
    help="Reverse proxies in front whose X-Forwarded-* headers are trusted "
    "(default FIELDWORK_PROXIES, else 0).",
)
def serve(bind: str, workers: int, timeout: int, access_log: str, proxies: int | None) -> None:
    """Serve the app with gunicorn (sync workers, masked access log)."""
    import os

    if proxies is not None:
        if proxies < 0:
            raise click.ClickException("--proxies must be 0 or more")
        os.environ["FIELDWORK_PROXIES"] = str(proxies)
    if workers < 1:
        raise click.ClickException("--workers must be at least 1")
    Server(options(bind, workers, timeout, access_log or None)).run()


def register(group: click.Group) -> None:
    """Add `serve` to a command group."""
    group.add_command(serve)
