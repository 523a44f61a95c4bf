"""The audit log: admins only, newest first, paginated, filtered; CSV download made safe."""

from __future__ import annotations

import io

import pytest

from fieldwork.audit import record
from fieldwork.csvout import csv_text, safe_cell, write_csv
from fieldwork.db import db
from tests.fieldwork.staff_factories import actions, read_csv


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-1", "-1"),  # numbers stay numbers: a coded -99 is not a formula
        (-99, "-99"),
        ("-cmd", "'-cmd"),
        ("@cmd", "'@cmd"),
        ("\tindent", "'\tindent"),
        ("\rreturn", "'\rreturn"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
        (42, "42"),
    ],
)
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe


def test_write_csv_makes_every_cell_safe():
    out = io.StringIO()
    assert write_csv(["=h", "ok"], [["=1+1", "-2"], ["x", "@y"]], out) == 2
    assert out.getvalue() == "'=h,ok\r\n'=1+1,-2\r\nx,'@y\r\n"
    assert csv_text(["a"], []) == "a\r\n"


def _seed(app, count: int) -> None:
    with app.app_context():
        for n in range(count):
            record("codes_issued" if n % 2 else "practice_changed", email="x", n=n)
        db.session.commit()


def test_log_page_newest_first_and_paginated(app, client, auth):
    auth.login(role="admin")
    _seed(app, 60)
    first = client.get("/staff/admin/audit").get_data(as_text=True)
    assert "61 events, page 1 of 2" in first  # 60 and the sign-in
    assert first.index("n: 59") < first.index("n: 58")
    second = client.get("/staff/admin/audit?page=2").get_data(as_text=True)
    assert "sign_in" in second and "n: 59" not in second
    assert client.get("/staff/admin/audit?page=zz").status_code == 200
    assert client.get("/staff/admin/audit?page=999").status_code == 200


def test_log_filtered_by_action(app, client, auth):
    auth.login(role="admin")
    _seed(app, 6)
    html = client.get("/staff/admin/audit?action=codes_issued").get_data(as_text=True)
    assert "3 events" in html and "practice_changed</td>" not in html
    assert "0 events" in client.get("/staff/admin/audit?action=nothing").get_data(as_text=True)


def test_csv_download_is_safe_and_recorded(app, client, auth):
    auth.login(role="admin")
    with app.app_context():
        record("sign_in_failed", email='=HYPERLINK("http://evil")')
        db.session.commit()
    response = client.get("/staff/admin/audit.csv")
    assert response.mimetype == "text/csv"
    header, *rows = read_csv(response)
    assert header == ["at", "actor", "action", "detail", "client"]
    assert [row[2] for row in rows] == ["audit_downloaded", "sign_in_failed", "sign_in"]
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    with app.app_context():
        assert actions()[-1] == "audit_downloaded"
    only = read_csv(client.get("/staff/admin/audit.csv?action=sign_in"))
    assert [row[2] for row in only[1:]] == ["sign_in"]


@pytest.mark.parametrize("role", ["coordinator", "data_entry", "analyst"])
def test_only_admins_see_the_log(client, auth, role):
    auth.login(role=role)
    assert client.get("/staff/admin/audit").status_code == 403
    assert client.get("/staff/admin/audit.csv").status_code == 403


def test_sign_in_failures_are_in_the_log(app, client, auth):
    auth.create()
    auth.login(password="wrong password entirely")
    auth.login()
    with app.app_context():
        assert actions() == ["sign_in_failed", "sign_in"]
