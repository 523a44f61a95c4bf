"""`fieldwork validate` and `fieldwork show`, run through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fieldwork.cli import cli
from forms.loader import load_instrument
from tests.forms.test_outline import WELSH

VALID = """\
instrument: {id}
version: 1
title: {{en: Demo survey, zh: 演示}}
languages: [en, zh]
audience: staff
intro: {{en: Hello, zh: 你好}}
outro: {{en: Thanks, zh: 谢谢}}
sections:
  - id: s1
    title: {{en: Start, zh: 开始}}
    items:
      - id: q1
        type: single
        text: {{en: Used it?, zh: 用过吗？}}
        choices: {{1: {{en: "Yes", zh: 是}}, 2: {{en: "No", zh: 否}}}}
      - id: q2
        type: text
        text: {{en: Why?, zh: 为什么？}}
        show_if: "q1 == 1"
"""

BROKEN = """\
instrument: broken
version: 1
title: Broken
languages: [en]
audience: staff
intro: Hello
outro: Thanks
sections:
  - id: s1
    title: Start
    items:
      - {id: q1, type: single, text: Pick, choices: yes_no5}
      - {id: q2, type: text, text: Why, showif: "q1 == 1"}
"""


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working directory with an instruments/ folder holding two valid files."""
    instruments = tmp_path / "instruments"
    instruments.mkdir()
    (instruments / "alpha.yaml").write_text(VALID.format(id="alpha"), encoding="utf-8")
    (instruments / "beta.yaml").write_text(VALID.format(id="beta"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return instruments


def test_validate_defaults_to_the_instruments_folder(runner, folder):
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    short = {n: load_instrument(folder / f"{n}.yaml").content_hash[:8] for n in ("alpha", "beta")}
    assert result.stdout.splitlines() == [
        f"instruments/alpha.yaml: alpha v1, 2 questions, 2 languages, hash {short['alpha']}…",
        f"instruments/beta.yaml: beta v1, 2 questions, 2 languages, hash {short['beta']}…",
    ]
    assert result.stderr == ""


def test_validate_reports_problems_and_exits_1(runner, folder):
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert "instruments/alpha.yaml: alpha v1" in result.stdout
    assert result.stderr.splitlines() == [
        "instruments/broken.yaml:12: item 'q1' uses unknown choice list 'yes_no5' (known: none)",
        "instruments/broken.yaml:13: item 'q2' has unknown key 'showif'; did you mean 'show_if'?",
        "2 problems in 1 file",
    ]


def test_validate_named_files(runner, folder):
    result = runner.invoke(cli, ["validate", "instruments/beta.yaml"])
    assert result.exit_code == 0
    assert result.stdout.startswith("instruments/beta.yaml: beta v1, 2 questions")


def test_validate_syntax_error(runner, folder):
    (folder / "alpha.yaml").write_text("title: {en: Which: one}\n", encoding="utf-8")
    result = runner.invoke(cli, ["validate", "instruments/alpha.yaml"])
    assert result.exit_code == 1
    assert result.stderr.startswith("instruments/alpha.yaml:1: invalid YAML: ")
    assert "must be quoted" in result.stderr
    assert "Traceback" not in result.output


def test_validate_missing_path_or_empty_folder(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert "Error: instruments: no such file or folder" in result.stderr
    (tmp_path / "empty").mkdir()
    result = runner.invoke(cli, ["validate", "empty"])
    assert "Error: no instrument files (*.yaml) in empty" in result.stderr


def test_validate_with_recorded_hashes(runner, folder):
    hashes = folder.parent / "hashes.json"
    record = {"instrument": "alpha", "version": 1, "hash": "0" * 64, "responses": 12}
    hashes.write_text(json.dumps([record]))
    result = runner.invoke(cli, ["validate", "--hashes", str(hashes)])
    assert result.exit_code == 1
    assert (
        "instruments/alpha.yaml:1: instrument 'alpha' version 1 already has responses with "
        "different questions; raise 'version' to 2 to change it "
        "(old responses stay under version 1)"
    ) in result.stderr
    hashes.write_text("{not json")
    result = runner.invoke(cli, ["validate", "--hashes", str(hashes)])
    assert result.exit_code == 1
    assert "Error: cannot read the hashes file" in result.stderr


def test_show_by_id(runner, folder):
    result = runner.invoke(cli, ["show", "beta"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "beta v1: Demo survey"
    assert "  Q1    q1: single" in lines
    assert "        1 = Yes, 2 = No" in lines
    assert "        Answer this if you answered 'Yes' to Q1" in lines


def test_show_by_id_when_the_file_name_differs(runner, folder):
    (folder / "beta.yaml").rename(folder / "second.yaml")
    result = runner.invoke(cli, ["show", "beta"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("beta v1: Demo survey")


def test_show_by_path_in_another_language(runner, folder):
    result = runner.invoke(cli, ["show", "instruments/alpha.yaml", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("alpha v1: 演示")
    assert "        1 = 是, 2 = 否" in result.stdout
    # Routing in the language's words too, as the web page says it (not "Asked if Q1 is").
    assert "        如果您在Q1回答了'是'，请回答此题" in result.stdout.splitlines()


def test_show_in_welsh_words_its_routing_in_welsh(runner, folder):
    (folder / "demo.yaml").write_text(WELSH, encoding="utf-8")
    result = runner.invoke(cli, ["show", "demo", "--lang", "cy"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "        Atebwch hwn os gwnaethoch ateb 'Do' i Q1" in lines
    assert "  Atebwch yr adran hon os mae Q1 yn 'Do' a mae Q2 yn llai na 30" in lines
    assert "Answer this" not in result.stdout and "Asked if" not in result.stdout


def test_show_user_mistakes(runner, folder):
    result = runner.invoke(cli, ["show", "gamma"])
    assert result.exit_code == 1
    assert "Error: no instrument 'gamma' in instruments/ (found: alpha, beta)" in result.stderr
    result = runner.invoke(cli, ["show", "alpha", "--lang", "fr"])
    assert result.exit_code == 1
    assert "Error: alpha has no language 'fr' (languages: en, zh)" in result.stderr


def test_show_a_broken_file_lists_its_problems(runner, folder):
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(cli, ["show", "broken"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "instruments/broken.yaml:12: item 'q1' uses unknown choice list"
    )


def test_the_commands_are_on_the_apps_own_cli_too(app):
    """`flask --app fieldwork validate` works as `fieldwork validate` does."""
    from tests.conftest import INSTRUMENTS

    runner = app.test_cli_runner()
    result = runner.invoke(args=["validate", str(INSTRUMENTS)])
    assert result.exit_code == 0, result.output
    assert "patient v1" in result.output
    assert {"validate", "show", "demo", "user", "practices", "codes"} <= set(
        app.cli.list_commands(None)
    )


def test_validate_with_a_database_file_that_is_not_there_says_so_and_makes_none(runner, folder):
    missing = folder.parent / "typo.sqlite"
    env = {"FIELDWORK_DATABASE_URL": f"sqlite:///{missing}", "FIELDWORK_SECRET_KEY": "x"}
    result = runner.invoke(cli, ["validate"], env=env)
    assert result.exit_code == 1, result.output
    assert f"Error: cannot open the app's database: there is no file {missing}" in result.stderr
    assert sorted(p.name for p in folder.parent.iterdir()) == ["instruments"]


@pytest.mark.parametrize("url", ["nosuchdialect://host/db", "mysql://user@host/db"])
def test_validate_with_a_database_url_it_cannot_use_says_so_without_a_traceback(
    runner, folder, url
):
    env = {"FIELDWORK_DATABASE_URL": url, "FIELDWORK_SECRET_KEY": "x"}
    result = runner.invoke(cli, ["validate"], env=env)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Error: cannot open the app's database: " in result.stderr
    assert "Traceback" not in result.output
