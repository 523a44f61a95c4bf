"""A broken instrument file takes out only itself (finding 7: one deeply nested file broke all)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from fieldwork.catalogue import get_catalogue
from fieldwork.cli import cli
from tests.conftest import INSTRUMENTS
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot

DEEP = "instrument: deep\nversion: 1\ntitle: " + "[" * 600 + "]" * 600 + "\n"


@pytest.fixture
def instruments_dir(tmp_path):
    """The real instruments and one file nested 600 deep."""
    folder = tmp_path / "instruments"
    shutil.copytree(INSTRUMENTS, folder)
    (folder / "deep.yaml").write_text(DEEP, encoding="utf-8")
    return folder


def test_the_other_instruments_are_still_served(app, client, codes, instruments_dir):
    with app.app_context():
        catalogue = get_catalogue()
        assert sorted(catalogue.current) == ["mental_health", "patient", "practice_staff"]
        assert [(p.file, p.line) for p in catalogue.problems] == [
            (str(instruments_dir / "deep.yaml"), 3)
        ]
    robot = Robot(client, instrument(app, "patient"))
    assert robot.enter_code(codes["patient"][0]).headers["Location"] == "/welcome"
    assert robot.welcome("en").status_code == 302


def test_validate_reports_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "deep.yaml").write_text(DEEP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "deep.yaml"])
    assert result.exit_code == 1
    assert result.stderr.startswith("deep.yaml:3: lists and mappings nest more than")
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
