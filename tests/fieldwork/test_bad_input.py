"""Bad input gets a 400 or the page back with an error message, never a 500 (findings 6, 11)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from fieldwork import answers as store
from fieldwork.db import db
from fieldwork.models import Response
from fieldwork.practices.uploads import MAX_BYTES
from forms.paging import web_pages
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import PAGE_RE, Robot, csrf
from tests.fieldwork.staff_factories import make_codes, make_practice, post

HUGE = "9" * 25
ODD_NUMBERS = ["²", "١٢", HUGE, "-1", "1.5", "0x10", "\x00"]


@pytest.fixture
def staff_world(app, auth):
    with app.app_context():
        make_practice("Y90001")
        make_codes("Y90001", "patient", 2)
    auth.login(role="admin")


QUERIES = [
    "/staff/practices/?page={v}",
    "/staff/practices/?region={v}",
    "/staff/codes/practices/Y90001/patient?page={v}",
    "/staff/admin/audit?page={v}",
    "/staff/rates/?region={v}",
    "/staff/rates/?page={v}",
]


def test_odd_numbers_in_queries(app, client, staff_world):
    for path in QUERIES:
        for value in ODD_NUMBERS:
            response = client.get(path.format(v=value))
            expected = {400} if "\x00" in value else {200, 400}
            assert response.status_code in expected, (path, value, response.status_code)


def test_ids_too_big_for_the_database_are_not_found(app, client, staff_world):
    assert client.get(f"/staff/admin/users/{HUGE}").status_code == 404
    assert post(client, f"/staff/admin/users/{HUGE}/password", {}).status_code == 404
    assert post(client, f"/staff/practices/regions/{HUGE}", {}).status_code == 404
    assert client.get(f"/page/{HUGE}").status_code == 404
    assert client.get(f"/staff/codes/batches/{HUGE}").status_code == 404


def test_odd_numbers_of_codes_to_issue(app, client, staff_world):
    for count in ("²", HUGE):
        data = {"practice": "Y90001", "instrument": "patient", "count": count, "mode": "web"}
        response = post(client, "/staff/codes/issue", data)
        assert response.status_code == 400
        assert "whole number from 1 to" in response.get_data(as_text=True)


def test_nul_bytes_in_staff_forms(app, client, staff_world):
    data = {"code": "Y90009", "name": "Bad\x00Name", "region": "North West", "status": "active"}
    for url in ("/staff/practices/new", "/staff/practices/regions", "/staff/codes/issue"):
        response = post(client, url, data)
        assert response.status_code == 400, url
        assert "control character" in response.get_data(as_text=True)


def test_nul_bytes_in_sign_in_and_links(app, client, auth):
    auth.create()
    html = client.get("/staff/sign-in").get_data(as_text=True)
    data = {"email": "staff@example.org\x00", "password": "x", "csrf_token": csrf(html)}
    assert client.post("/staff/sign-in", data=data).status_code == 400
    assert client.get("/s/patient/abc%00def").status_code == 400
    assert client.get("/?x=%00").status_code == 400


def test_a_nul_byte_in_free_text_gets_the_page_back(app, client, codes):
    """On PostgreSQL a NUL in a text answer was a 500 and the page was lost."""
    inst = instrument(app, "patient")
    robot = Robot(client, inst, {"gender": 4, "gender_self": "my answer\x00with a NUL"})
    robot.enter_code(codes["patient"][0])
    location = robot.welcome("en").headers["Location"]
    refused = []
    while found := PAGE_RE.search(location):
        number = int(found.group(1))
        response = robot.answer_page(number)
        if response.status_code == 400:
            refused.append(response.get_data(as_text=True))
            robot.overrides["gender_self"] = "my answer"
            response = robot.answer_page(number)
        location = response.headers["Location"]
    assert len(refused) == 1
    assert "There is a problem" in refused[0] and "invisible control characters" in refused[0]
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
        saved = store.load_answers(db.session, inst, response.id)
        assert saved["gender_self"] == "my answer"


def test_a_5000_digit_choice_gets_the_page_back(app, client, codes):
    inst = instrument(app, "patient")
    robot = Robot(client, inst)
    robot.enter_code(codes["patient"][0])
    location = robot.welcome("en").headers["Location"]
    while found := PAGE_RE.search(location):
        number = int(found.group(1))
        html = client.get(location).get_data(as_text=True)
        items = web_pages(inst)[number - 1].items
        single = [i for i in items if i.type == "single" and f'name="{i.id}"' in html]
        if single:
            response = robot.answer_page(number, {single[0].id: "7" * 5000})
            assert response.status_code == 400
            assert "There is a problem" in response.get_data(as_text=True)
            return
        location = robot.answer_page(number).headers["Location"]
    raise AssertionError("no single-choice item was reached")


def _post_page(client, number, data):
    html = client.get(f"/page/{number}").get_data(as_text=True)
    return client.post(f"/page/{number}", data={**data, "csrf_token": csrf(html)})


def test_numbers_too_big_to_store_get_the_page_back(app, client, codes):
    with app.app_context():
        make_practice("Y99999")
        (code,), _ = make_codes("Y99999", "mental_health", 1)
    inst = instrument(app, "mental_health")
    robot = Robot(client, inst)
    robot.enter_code(code)
    location = robot.welcome("en").headers["Location"]
    while found := PAGE_RE.search(location):
        number = int(found.group(1))
        html = client.get(location).get_data(as_text=True)
        numeric = [
            i
            for i in web_pages(inst)[number - 1].items
            if i.type in ("integer", "decimal") and f'name="{i.id}"' in html
        ]
        if numeric:
            for value in ("9" * 5000, "3000000000", "-3000000000", "1" * 20 + ".5"):
                response = _post_page(client, number, {numeric[0].id: value})
                assert response.status_code == 400, value
                assert "digits or fewer" in response.get_data(as_text=True)
            return
        location = robot.answer_page(number).headers["Location"]
    raise AssertionError("no number item was reached")


def test_a_huge_anonymous_post_is_refused_before_it_is_read(app, client):
    """Finding 11: a 64 MB multipart post was read and spooled before the CSRF check.

    Refused on its declared length, before the form is parsed (or the CSRF token read).
    """
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert MAX_BYTES < limit <= 32 * 1024 * 1024
    response = client.post(
        "/",
        data=b"x" * (limit + 1),
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)


def test_the_csv_import_reads_no_more_than_its_limit(app):
    """Finding 11: the CSV import read the whole upload before its own 20 MB check."""
    from flask import request
    from werkzeug.test import EnvironBuilder

    from fieldwork.practices.uploads import read_table
    from fieldwork.upload_form import run_import

    seen = []

    def importer(raw, filename):
        seen.append(len(raw))
        return read_table(raw)

    data = {"file": (io.BytesIO(b"a,b\n" * (MAX_BYTES // 4 + 100)), "big.csv")}
    builder = EnvironBuilder(path="/", method="POST", data=data)
    environ = builder.get_environ()
    try:
        with app.request_context(environ):
            report, problems = run_import(importer)
            request.files["file"].close()
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert seen == [MAX_BYTES + 1]
    assert report is None and problems == ["The file is too big (the limit is 20 MB)"]
