"""`fieldwork user|practices|codes` commands: thin wrappers over the same services as the pages."""

from __future__ import annotations

import csv

from sqlalchemy import func, select

from fieldwork import codes
from fieldwork.cli import cli
from fieldwork.db import db
from fieldwork.models import Invitation, Practice, User
from tests.fieldwork.staff_factories import actions, make_codes, make_practice, respond

PASSWORD = "a long enough password"


def _run(runner, *args, input=None):
    return runner.invoke(cli, args=list(args), input=input)


def test_user_create_prompts_twice(app, runner):
    result = _run(
        runner,
        "user",
        "create",
        "A@Example.org",
        "--role",
        "admin",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Added a@example.org (admin)" in result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.email == "a@example.org")) == "admin"
        assert actions() == ["user_created"]


def test_user_create_from_stdin_with_practices(app, runner):
    with app.app_context():
        make_practice("Y90001")
        make_practice("Y90002")
        db.session.commit()
    result = _run(
        runner,
        "user",
        "create",
        "c@example.org",
        "--role",
        "coordinator",
        "--practices",
        "Y90001 y90002",
        "--name",
        "Cee",
        "--password-stdin",
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    listed = _run(runner, "user", "list")
    assert "c@example.org\tcoordinator\tY90001 Y90002\tactive" in listed.output


def test_user_mistakes_are_messages_not_tracebacks(app, runner):
    short = _run(
        runner,
        "user",
        "create",
        "a@example.org",
        "--role",
        "admin",
        "--password-stdin",
        input="short\n",
    )
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    assert short.exception is None or isinstance(short.exception, SystemExit)
    bad_role = _run(runner, "user", "create", "a@example.org", "--role", "boss", "--password-stdin")
    assert bad_role.exit_code == 2
    missing = _run(runner, "user", "disable", "nobody@example.org")
    assert missing.exit_code == 1 and "no account for nobody@example.org" in missing.output


def test_user_disable(app, runner, auth):
    auth.create("admin@example.org", role="admin")
    auth.create("c@example.org", role="coordinator")
    result = _run(runner, "user", "disable", "C@example.org")
    assert result.exit_code == 0 and "c@example.org disabled" in result.output
    assert "c@example.org\tcoordinator\tall\tdisabled" in _run(runner, "user", "list").output
    last_admin = _run(runner, "user", "disable", "admin@example.org")
    assert last_admin.exit_code == 1 and "at least one active admin" in last_admin.output
    assert _run(runner, "user", "enable", "c@example.org").exit_code == 0


def test_practices_import(app, runner, tmp_path):
    path = tmp_path / "practices.csv"
    path.write_text("code,name,region,target_patient\nY90001,Riverside,North West,100\n")
    result = _run(runner, "practices", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "1 practices added, 0 updated" in result.output
    with app.app_context():
        assert db.session.scalar(select(Practice.name)) == "Riverside"


def test_practices_import_bad_rows(app, runner, tmp_path):
    path = tmp_path / "practices.csv"
    path.write_text("code,name,region,deprivation_decile\nY90001,A,B,3\nY90002,A,B,11\n,A,B,1\n")
    result = _run(runner, "practices", "import", str(path))
    assert result.exit_code == 1
    assert "nothing imported, 2 problem(s)" in result.output
    assert f"{path}: row 3: deprivation_decile must be 1 to 10" in result.output
    assert f"{path}: row 4: code is required" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Practice.id))) == 0
    missing = _run(runner, "practices", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_codes_issue_writes_the_mail_merge_file(app, runner, tmp_path):
    app.config["PUBLIC_URL"] = "https://survey.example.org"
    with app.app_context():
        make_practice("Y90001", name="Riverside")
        db.session.commit()
    out = tmp_path / "codes.csv"
    args = ["codes", "issue", "--practice", "y90001", "--instrument", "patient", "--count", "25"]
    result = _run(runner, *args, "--mode", "paper", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "25 codes issued for Y90001 patient" in result.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == ["code", "link", "practice_code", "practice_name", "instrument", "mode"]
    assert len({row[0] for row in rows}) == 25
    code = rows[0][0].replace("-", "")
    assert rows[0][1:] == [
        f"https://survey.example.org/c/{code}",
        "Y90001",
        "Riverside",
        "patient",
        "paper",
    ]
    assert codes.normalise(rows[0][0]) == code
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == 25
        assert actions() == ["codes_issued"]


def test_codes_issue_mistakes(app, runner, tmp_path):
    with app.app_context():
        make_practice("Y90001")
        db.session.commit()
    out = str(tmp_path / "codes.csv")
    base = ["codes", "issue", "--instrument", "patient", "-o", out]
    no_practice = _run(runner, *base, "--practice", "Q1", "--count", "3")
    assert no_practice.exit_code == 1 and "no practice with code Q1" in no_practice.output
    too_many = _run(runner, *base, "--practice", "Y90001", "--count", "5001")
    assert too_many.exit_code == 1 and "from 1 to 5000" in too_many.output
    bad_instrument = _run(
        runner,
        "codes",
        "issue",
        "--practice",
        "Y90001",
        "--instrument",
        "x",
        "--count",
        "1",
        "-o",
        out,
    )
    assert bad_instrument.exit_code == 1
    assert "no questionnaire x (mental_health, patient, practice_staff)" in bad_instrument.output
    unwritable = _run(
        runner, *base[:-1], str(tmp_path / "no" / "dir.csv"), "--practice", "Y90001", "--count", "2"
    )
    assert unwritable.exit_code == 1 and "cannot write" in unwritable.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_codes_dispositions(app, runner, tmp_path):
    with app.app_context():
        (a, b), _ = make_codes(count=2)
        respond(b)
    path = tmp_path / "outcomes.csv"
    path.write_text(f"code,disposition\n{codes.grouped(a)},refusal\n{b},unknown\n")
    refused = _run(runner, "codes", "dispositions", str(path))
    assert (
        refused.exit_code == 1
        and "row 3:" in refused.output
        and "completed response" in refused.output
    )
    done = _run(runner, "codes", "dispositions", str(path), "--override-completed")
    assert done.exit_code == 0, done.output
    assert "2 outcomes changed, 0 already so" in done.output
    with app.app_context():
        found = dict(db.session.execute(select(Invitation.code, Invitation.disposition)).all())
        assert found == {a: "refusal", b: "unknown"}
