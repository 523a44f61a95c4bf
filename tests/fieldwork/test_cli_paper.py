"""`fieldwork pdf`: a questionnaire as a PDF with its box map; mistakes are messages."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fieldwork.cli import cli
from tests.fieldwork.test_cli_instruments import BROKEN, VALID

ARABIC = VALID.replace("zh", "ar").replace("演示", "تجربة").replace("你好", "مرحبا")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working directory with an instruments/ folder."""
    instruments = tmp_path / "instruments"
    instruments.mkdir()
    (instruments / "alpha.yaml").write_text(VALID.format(id="alpha"), encoding="utf-8")
    (instruments / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    (instruments / "arabic.yaml").write_text(ARABIC.format(id="arabic"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return instruments


def test_pdf_by_id_writes_the_pdf_and_its_box_map(runner, folder, tmp_path):
    result = runner.invoke(
        cli, ["pdf", "alpha", "--lang", "zh", "--large-print", "-o", "out/a.pdf"]
    )
    assert result.exit_code == 1 and "out" in result.output  # no such folder: a message
    (tmp_path / "out").mkdir()
    result = runner.invoke(
        cli, ["pdf", "alpha", "--lang", "zh", "--large-print", "-o", "out/a.pdf"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "a.pdf").read_bytes().startswith(b"%PDF")
    boxmap = json.loads((tmp_path / "out" / "a.boxmap.json").read_text())
    assert (boxmap["instrument"], boxmap["lang"], boxmap["large_print"]) == ("alpha", "zh", True)
    assert {b["item"] for b in boxmap["boxes"]} == {"q1", "q2"}


def test_pdf_mistakes_are_messages(runner, folder):
    unknown = runner.invoke(cli, ["pdf", "nothing", "-o", "x.pdf"])
    assert unknown.exit_code == 1 and "no instrument 'nothing'" in unknown.output
    wrong_lang = runner.invoke(cli, ["pdf", "alpha", "--lang", "pl", "-o", "x.pdf"])
    assert "alpha has no language 'pl'" in wrong_lang.output
    broken = runner.invoke(cli, ["pdf", "instruments/broken.yaml", "-o", "x.pdf"])
    assert broken.exit_code == 1 and "broken.yaml:" in broken.output
    shaped = runner.invoke(cli, ["pdf", "arabic", "--lang", "ar", "-o", "x.pdf"])
    assert shaped.exit_code == 1 and "Arabic needs text shaping" in shaped.output
    assert shaped.exception is None or isinstance(shaped.exception, SystemExit)
