"""Serving as deployed: gunicorn's access log masks codes, HSTS, trusted proxy headers."""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from gunicorn.config import Config

from fieldwork import create_app
from fieldwork.cli import cli
from fieldwork.db import db
from fieldwork.serve import MaskedLogger, options
from tests.conftest import _config


def _access_line(path: str, query: str = "", referer: str = "-", form: str = "") -> str:
    config = Config()
    config.set("accesslog", "-")
    if form:
        config.set("access_log_format", form)
    logger = MaskedLogger(config)
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.access_log.addHandler(handler)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + (f"?{query}" if query else ""),
        "PATH_INFO": path.replace("%63", "c"),
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.9",
        "HTTP_REFERER": referer,
    }
    response = SimpleNamespace(status="302 FOUND", sent=0, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=3))
    return lines[0]


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("/c/KX7P4MQ2", "KX7P4MQ2"),
        ("/%63/KX7P4MQ2", "KX7P4MQ2"),  # decoded to /c/… by the router: masked too
        ("/s/patient/tok3nT0ken", "tok3nT0ken"),
        ("/s/patient/Y90001/tok3nT0ken", "tok3nT0ken"),
        ("/staff/codes/code/KX7P4MQ2", "KX7P4MQ2"),
    ],
)
def test_gunicorn_access_log_masks_codes_and_tokens(path, secret):
    line = _access_line(path, referer=f"https://example.org{path}")
    assert secret not in line
    assert "***" in line and "10.0.0.9" in line


def test_access_log_masks_any_atom_a_format_uses_and_escapes_quotes():
    """Atoms are masked as the format reads them, header atoms too; quotes decoded from
    the path are escaped like gunicorn's own."""
    form = '%(r)s "%({referer}i)s" %(U)s %(q)s'
    line = _access_line(
        "/c/KX7P4MQ2", query="next=%22x", referer="https://e.org/c/KX7P4MQ2", form=form
    )
    assert "KX7P4MQ2" not in line
    assert line.count("/c/***") == 3
    assert 'next=\\"x' in line and 'next="x' not in line


def test_serve_options_use_the_masking_logger():
    settings = options("127.0.0.1:0", 3, 20, "-")
    assert settings["logger_class"] is MaskedLogger
    assert (settings["workers"], settings["timeout"], settings["worker_class"]) == (3, 20, "sync")


def test_serve_refuses_nonsense():
    outcome = CliRunner().invoke(cli, ["serve", "--workers", "0"])
    assert outcome.exit_code != 0 and "--workers must be at least 1" in outcome.output


def test_hsts_outside_development(app, client):
    app.config["HSTS"] = True
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")
    app.config["HSTS"] = False
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.fixture
def make_app(app, tmp_path):
    """Build more apps on the test's database; their connections are closed afterwards."""
    made = []

    def make(**config):
        extra = create_app({**_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), **config})
        made.append(extra)
        return extra

    yield make
    for extra in made:
        with extra.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


def test_trusted_proxy_headers_give_the_wrong_code_limit_the_real_client(make_app):
    client = make_app(PROXIES=1, CODE_ATTEMPTS=2).test_client()

    def wrong(client_ip: str) -> int:
        return client.get("/c/WRNGCODE", headers={"X-Forwarded-For": client_ip}).status_code

    assert [wrong("10.0.0.1") for _ in range(3)] == [400, 400, 429]
    assert wrong("10.0.0.2") == 400  # another client behind the same proxy
    direct = make_app(CODE_ATTEMPTS=2).test_client()
    forged = [
        direct.get("/c/WRNGCODE", headers={"X-Forwarded-For": f"10.9.9.{n}"}).status_code
        for n in range(3)
    ]
    assert forged == [400, 400, 429]  # with no proxy trusted, the header changes nothing


def test_the_app_built_before_the_fork_is_frozen_out_of_the_garbage_collectors_sight(
    tmp_path, monkeypatch
):
    import gc

    from fieldwork.serve import build_app

    monkeypatch.setenv("FIELDWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite'}")
    monkeypatch.setenv("FIELDWORK_SECRET_KEY", "a test secret key for the frozen app")
    gc.unfreeze()
    try:
        app = build_app()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the app, instruments and libraries: a full collection skips them
        assert gc.is_tracked(app.config) and len(gc.get_objects(generation=2)) < frozen
    finally:
        gc.unfreeze()
