"""Practices and regions: list, add, edit, CSV import (all or nothing), restriction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fieldwork.db import db
from fieldwork.models import Practice, PracticeTarget, Region
from fieldwork.practices.services import ImportRejected, import_practices
from tests.fieldwork.staff_factories import actions, make_practice, post, upload

GOOD = """code,name,region,list_size,deprivation_decile,status,target_patient,invited_patient
Y90001,Riverside Medical Centre,North West,12400,3,active,120,40
Y90002,Moorland Surgery,North East,"6,800",5,recruited,80,
"""

BAD = """code,name,region,list_size,deprivation_decile,status,target_patient
Y90001,Riverside Medical Centre,North West,12400,3,active,120
,No Code Surgery,North West,100,3,active,10
Y90003,Bad Decile,London,100,11,active,10
Y90004,Bad Status,London,-5,3,closed,10
Y90005,,London,100,3,active,ten
Y90001,Twice,North West,1,1,active,1
"""


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_adds_practices_regions_and_targets(ctx):
    report = import_practices(GOOD, ["patient", "practice_staff"], None, "good.csv")
    db.session.commit()
    assert (report.created, report.updated) == (2, 0)
    riverside = db.session.scalar(select(Practice).where(Practice.code == "Y90001"))
    assert (riverside.list_size, riverside.deprivation_decile, riverside.status) == (
        12400,
        3,
        "active",
    )
    assert riverside.region.name == "North West"
    target = riverside.targets[0]
    assert (target.instrument, target.target, target.invited_by_link) == ("patient", 120, 40)
    moorland = db.session.scalar(select(Practice).where(Practice.code == "Y90002"))
    assert moorland.list_size == 6800 and moorland.targets[0].invited_by_link == 0
    assert sorted(db.session.scalars(select(Region.name))) == ["North East", "North West"]
    assert actions() == ["practices_imported"]


def test_import_updates_existing_codes_and_keeps_blank_cells(ctx):
    import_practices(GOOD, ["patient"], None)
    db.session.commit()
    report = import_practices(
        "code,name,region,status,target_patient\ny90001,Riverside MC,north west,,150\n",
        ["patient"],
        None,
    )
    db.session.commit()
    assert (report.created, report.updated) == (0, 1)
    riverside = db.session.scalar(select(Practice).where(Practice.code == "Y90001"))
    assert (riverside.name, riverside.status, riverside.list_size) == (
        "Riverside MC",
        "active",
        12400,
    )
    assert riverside.targets[0].target == 150 and riverside.targets[0].invited_by_link == 40
    assert _count(Region) == 2  # "north west" is the same region


def test_bad_rows_are_all_reported_and_nothing_is_imported(ctx):
    with pytest.raises(ImportRejected) as rejected:
        import_practices(BAD, ["patient"], None)
    db.session.rollback()
    assert rejected.value.problems == [
        "row 3: code is required",
        "row 4: deprivation_decile must be 1 to 10",
        "row 5: list_size must be a whole number, 0 or more",
        "row 5: status must be one of approached, recruited, active, withdrawn",
        "row 6: name is required",
        "row 6: target_patient must be a whole number, 0 or more",
        "row 7: code Y90001 is also on row 2",
    ]
    assert _count(Practice) == 0 and _count(Region) == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("code,name\nY1,A\n", "header: the column region is missing"),
        ("code,name,region,colour\nY90001,A,B,red\n", "header: the column colour is not known"),
        (
            "code,name,region,target_nope\nY90001,A,B,1\n",
            "header: the column target_nope is not known",
        ),
        ("code,name,region,name\nY90001,A,B,C\n", "header: the column name appears twice"),
        ("code,name,region\nY90001,A,B,extra\n", "row 2: more cells than the header has columns"),
    ],
)
def test_header_problems(ctx, text, problem):
    with pytest.raises(ImportRejected) as rejected:
        import_practices(text, ["patient"], None)
    assert problem in rejected.value.problems


def test_import_page_reports_rows_and_imports_nothing(app, client, auth):
    auth.login(role="coordinator", practices="")
    response = upload(client, "/staff/practices/import", BAD)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert "row 4: deprivation_decile must be 1 to 10" in html
    assert "row 7: code Y90001 is also on row 2" in html
    with app.app_context():
        assert _count(Practice) == 0


def test_import_page_imports_a_good_file(app, client, auth):
    auth.login(role="coordinator")
    response = upload(client, "/staff/practices/import", GOOD)
    assert response.status_code == 302
    with app.app_context():
        assert _count(Practice) == 2 and "practices_imported" in actions()


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "code,name,region\n", b"\xff\xfe\x00\x00junk", 'code,name,region\n"unterminated'],
)
def test_import_page_survives_junk_files(client, auth, text):
    auth.login(role="coordinator")
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    response = upload(client, "/staff/practices/import", text)
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True) or "Nothing was imported" in (
        response.get_data(as_text=True)
    )


def test_import_page_without_a_file(client, auth):
    auth.login(role="coordinator")
    response = post(client, "/staff/practices/import", {})
    assert response.status_code == 400
    assert "Choose a CSV file" in response.get_data(as_text=True)


def test_restricted_coordinator_imports_only_own_practices(app, client, auth):
    with app.app_context():
        make_practice("Y90001")
        make_practice("Y90002")
        db.session.commit()
    auth.login(role="coordinator", practices="Y90001")
    text = "code,name,region\nY90001,Mine,North West\nY90002,Not mine,North West\nY90009,New,X\n"
    response = upload(client, "/staff/practices/import", text)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "row 3: Y90002 is not one of your practices" in html
    assert "row 4: Y90009 is not one of your practices" in html
    with app.app_context():
        assert db.session.scalar(select(Practice.name).where(Practice.code == "Y90001")) != "Mine"


def test_an_import_reports_practices_not_yours_beside_other_problems(app, client, auth):
    with app.app_context():
        make_practice("Y90001")
        db.session.commit()
    auth.login(role="coordinator", practices="Y90001")
    text = (
        "code,name,region,list_size,status\n"
        "Y90008,Not mine,North West,lots,active\n"
        "Y90001,Mine,Nowhere,,sleeping\n"
    )
    response = upload(client, "/staff/practices/import", text)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for problem in (
        "row 2: list_size must be a whole number, 0 or more",
        "row 2: Y90008 is not one of your practices",
        "row 3: status must be one of",
        "row 3: there is no region called Nowhere",
    ):
        assert problem in html


def test_list_filters_by_region_and_status(app, client, auth):
    with app.app_context():
        make_practice("Y90001", region="North West", status="active")
        make_practice("Y90002", region="London", status="active")
        make_practice("Y90003", region="London", status="withdrawn")
        db.session.commit()
        london = db.session.scalar(select(Region.id).where(Region.name == "London"))
    auth.login(role="analyst")
    html = client.get(f"/staff/practices/?region={london}&status=active").get_data(as_text=True)
    assert "Y90002" in html and "Y90001" not in html and "Y90003" not in html
    junk = client.get("/staff/practices/?region=abc&status=nonsense&page=-3")
    assert junk.status_code == 200 and "Y90003" in junk.get_data(as_text=True)


def test_add_and_edit_a_practice(app, client, auth):
    auth.login(role="coordinator")
    data = {
        "code": "y90007",
        "name": "Elm Tree Surgery",
        "region": "London",
        "status": "approached",
        "list_size": "7600",
        "deprivation_decile": "4",
        "phone": " 0161-496 0000 ",
        "target_patient": "50",
        "invited_patient": "",
    }
    assert post(client, "/staff/practices/new", data).status_code == 302
    edit = {**data, "status": "active", "invited_patient": "30", "list_size": ""}
    assert post(client, "/staff/practices/Y90007/edit", edit).status_code == 302
    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.code == "Y90007"))
        assert (practice.status, practice.list_size) == ("active", None)
        assert practice.phone == "0161 496 0000"
        target = db.session.scalar(select(PracticeTarget))
        assert (target.target, target.invited_by_link) == (50, 30)
        assert actions() == ["sign_in", "practice_added", "practice_changed"]
    page = client.get("/staff/practices/Y90007").get_data(as_text=True)
    assert "Elm Tree Surgery" in page and "/s/patient/" in page
    assert "0161 496 0000" in page
    assert 'value="0161 496 0000"' in client.get("/staff/practices/Y90007/edit").get_data(
        as_text=True
    )


def test_import_sets_practice_phones_and_refuses_bad_ones(ctx):
    text = "code,name,region,phone\nY90001,Riverside,North West,+44 161 496 0000\n"
    import_practices(text, [], None)
    db.session.commit()
    assert db.session.scalar(select(Practice.phone)) == "+44 161 496 0000"
    with pytest.raises(ImportRejected) as rejected:
        import_practices("code,name,region,phone\nY90001,Riverside,North West,ring us\n", [], None)
    db.session.rollback()
    assert "phone must be a telephone number" in str(rejected.value.problems)
    assert db.session.scalar(select(Practice.phone)) == "+44 161 496 0000"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "code is required"),
        ({"code": "Y9 0001", "name": "A", "region": "B", "status": "active"}, "code must be"),
        ({"code": "Y90001", "name": "A", "region": "B", "status": "open"}, "status must be"),
        (
            {
                "code": "Y90001",
                "name": "A",
                "region": "B",
                "status": "active",
                "deprivation_decile": "0",
            },
            "1 to 10",
        ),
        (
            {
                "code": "Y90001",
                "name": "A",
                "region": "B",
                "status": "active",
                "target_patient": "x",
            },
            "target_patient",
        ),
        (
            {"code": "Y90001", "name": "A" * 201, "region": "B", "status": "active"},
            "200 characters",
        ),
        ({"code": "Y90005", "name": "A", "region": "B", "status": "active"}, "already a practice"),
        (
            {"code": "Y90001", "name": "A", "region": "B", "status": "active", "phone": "<b>1"},
            "phone must be a telephone number",
        ),
    ],
)
def test_bad_practice_form_shows_errors(app, client, auth, data, message):
    with app.app_context():
        make_practice("Y90005")
        db.session.commit()
    auth.login(role="admin")
    response = post(client, "/staff/practices/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html


def test_restricted_coordinator_sees_and_edits_only_own_practices(app, client, auth):
    with app.app_context():
        make_practice("Y90001")
        make_practice("Y90002")
        db.session.commit()
    auth.login(role="coordinator", practices="Y90002")
    listing = client.get("/staff/practices/").get_data(as_text=True)
    assert "Y90002" in listing and "Y90001" not in listing
    assert client.get("/staff/practices/Y90001").status_code == 404
    assert client.get("/staff/practices/Y90001/edit").status_code == 404
    assert post(client, "/staff/practices/Y90001/edit", {"name": "x"}).status_code == 404
    assert client.get("/staff/practices/Y90002/edit").status_code == 200
    assert client.get("/staff/practices/new").status_code == 403


def test_analyst_sees_practices_but_no_links_or_codes(app, client, auth):
    with app.app_context():
        make_practice("Y90001")
        db.session.commit()
    auth.login(role="analyst")
    page = client.get("/staff/practices/Y90001").get_data(as_text=True)
    assert "Practice Y90001" in page and "/s/patient/" not in page and "/staff/codes" not in page
    assert client.get("/staff/practices/Y90001/edit").status_code == 403


def test_regions_add_and_rename(app, client, auth):
    auth.login(role="admin")
    assert post(client, "/staff/practices/regions", {"name": "London"}).status_code == 302
    assert post(client, "/staff/practices/regions", {"name": "london"}).status_code == 400
    assert post(client, "/staff/practices/regions", {}).status_code == 400
    with app.app_context():
        region_id = db.session.scalar(select(Region.id))
    ok = post(
        client, f"/staff/practices/regions/{region_id}", {f"name-{region_id}": "Greater London"}
    )
    assert ok.status_code == 302
    assert post(client, f"/staff/practices/regions/{region_id}", {}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Region.name)) == "Greater London"
        assert actions()[-2:] == ["region_added", "region_renamed"]


def test_import_template_download_is_a_csv(client, auth):
    auth.login(role="coordinator")
    response = client.get("/staff/practices/import-template.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).lstrip("\ufeff").startswith("code,name,region")
