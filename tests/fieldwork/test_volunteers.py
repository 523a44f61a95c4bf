"""The interview-volunteer list: only volunteers, filters, contacts for recruiters and admins
only (each view audited), progress, counts against targets, and what the purge leaves."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldwork.catalogue import get_catalogue
from fieldwork.db import db
from fieldwork.models import AuditEvent, InterviewTarget, Response, VolunteerProgress
from fieldwork.models.base import utcnow
from fieldwork.volunteers.services import reference, tallies, volunteers
from fieldwork.withdrawal import forget_response
from tests.conftest import csrf_token
from tests.fieldwork.volunteer_world import CONFIDENT, add, build, volunteer

LIST = "/staff/volunteers/patient"
CARD = re.compile(r'id="v-([A-Z2-7]{4}-[A-Z2-7]{4})"')
_NAMES: dict[str, str] = {}  # the list's name of each volunteer -> the response's id


@pytest.fixture
def world(app):
    build(app)
    ids = [f"V{n:04d}" for n in range(1, 50)]
    _NAMES.clear()
    _NAMES.update({reference(i, app.config["SECRET_KEY"]): i for i in ids})


def _cards(page: str) -> list[str]:
    """The response ids of the volunteers a page shows (it names them otherwise)."""
    return [_NAMES[name] for name in CARD.findall(page)]


def _ref(public_id: str) -> str:
    """How the list names the volunteer of a response."""
    return next(name for name, i in _NAMES.items() if i == public_id)


def _shown(client, query: str = "") -> list[str]:
    page = client.get(f"{LIST}?{query}" if query else LIST)
    assert page.status_code == 200
    return _cards(page.get_data(as_text=True))


def _views(app) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == "volunteer_contacts_viewed")
        return db.session.scalars(query.order_by(AuditEvent.id)).all()


def test_the_list_shows_only_volunteers_with_their_contacts_and_audits_it(app, auth, world):
    auth.login("rita@example.org", role="recruiter")
    page = auth.client.get(LIST).get_data(as_text=True)
    assert _cards(page) == ["V0001", "V0002", "V0004", "V0006"]  # V0003, V0005 said no
    # Never the response's id, which the de-identified dataset carries as `response_id`.
    assert not re.search(r"V\d{4}", page)
    assert "Person 1 Quillon" in page and "07700 900001" in page
    assert "Person 4 Quillon" in page and "<dt>Contact detail</dt>" in page
    (event,) = _views(app)
    assert event.actor == "rita@example.org"
    assert event.detail == {
        "instrument": "patient", "contacts": 4, "responses": ["V0001", "V0002", "V0004", "V0006"]
    }  # fmt: skip


def test_filters_by_practice_attribute_and_progress(app, auth, world):
    auth.login("rita@example.org", role="recruiter")
    client = auth.client
    assert _shown(client, "practice=Y90002") == ["V0004"]
    assert _shown(client, "a.age_band=7") == ["V0002", "V0004"]
    assert _shown(client, "a.age_band=7&practice=y90001") == ["V0002"]
    assert _shown(client, "a.conf_score=b0") == ["V0002", "V0004"]  # under 2.5
    assert _shown(client, "a.conf_score=b1") == ["V0001"]
    assert _shown(client, "a.used_online=2&a.gender=1") == ["V0006"]
    assert _shown(client, "status=new") == ["V0001", "V0002", "V0004", "V0006"]
    assert _shown(client, "a.age_band=nonsense&practice=NOPE&status=x") == [
        "V0001",
        "V0002",
        "V0004",
        "V0006",
    ]  # fmt: skip  (values that are not levels are ignored)
    # Only the volunteers shown are audited as seen.
    assert _views(app)[0].detail["responses"] == ["V0004"]


def test_the_list_comes_a_page_at_a_time_and_only_the_page_shown_is_audited(
    app, auth, world, monkeypatch
):
    from fieldwork.volunteers import views

    monkeypatch.setattr(views, "PER_PAGE", 3)
    auth.login("rita@example.org", role="recruiter")
    client = auth.client
    first = client.get(f"{LIST}?status=new").get_data(as_text=True)
    assert _cards(first) == ["V0001", "V0002", "V0004"]
    assert "Showing 1 to 3 of 4 matching volunteers (4 in all)." in first
    assert f'href="{LIST}?page=2&amp;status=new"' in first and "Previous" not in first
    assert _shown(client, "status=new&page=2") == ["V0006"]
    assert _shown(client, "page=99") == ["V0006"]  # past the end: the last page
    assert _shown(client, "page=x") == ["V0001", "V0002", "V0004"]
    assert [event.detail["responses"] for event in _views(app)] == [
        ["V0001", "V0002", "V0004"], ["V0006"], ["V0006"], ["V0001", "V0002", "V0004"],
    ]  # fmt: skip
    token = csrf_token(client, LIST)
    done = client.post(f"{LIST}/{_ref('V0006')}", data={
        "csrf_token": token, "status": "contacted", "query": "status=new&page=2",
    })  # fmt: skip
    assert done.headers["Location"].endswith(f"{LIST}?status=new&page=2#v-{_ref('V0006')}")


def test_contact_details_are_for_recruiters_and_admins_only(app, auth, world):
    for role in ("coordinator", "analyst", "data_entry"):
        auth.login(f"{role}@example.org", role=role)
        page = auth.client.get(LIST)
        assert page.status_code == 403 and "Quillon" not in page.get_data(as_text=True)
        auth.logout()
    assert _views(app) == []
    auth.login("boss@example.org", role="admin")
    assert "Person 2 Quillon" in auth.client.get(LIST).get_data(as_text=True)
    auth.logout()
    auth.login("near@example.org", role="recruiter", practices="Y90002")
    assert _shown(auth.client) == ["V0004"]  # a recruiter restricted to one practice
    token = csrf_token(auth.client, LIST)
    refused = auth.client.post(
        f"{LIST}/{_ref('V0001')}", data={"csrf_token": token, "status": "contacted"}
    )
    assert refused.status_code == 404
    assert auth.client.get(f"{LIST}/targets").status_code == 403
    # Every opening of the list is a view of contact details (the token came from one).
    views = [(e.actor, e.detail["responses"]) for e in _views(app)]
    assert views == [
        ("boss@example.org", ["V0001", "V0002", "V0004", "V0006"]),
        ("near@example.org", ["V0004"]), ("near@example.org", ["V0004"]),
    ]  # fmt: skip


def test_progress_is_recorded_and_counted_against_targets(app, auth, world):
    auth.login("rita@example.org", role="recruiter")
    client = auth.client
    token = csrf_token(client, f"{LIST}/targets")
    saved = client.post(f"{LIST}/targets", data={
        "csrf_token": token, "t--": "3", "t--Y90001": "2", "t-age_band-7": "1",
        "t-conf_score-b0": "2",
    })  # fmt: skip
    assert saved.status_code == 303
    for public_id, status, note in (
        ("V0002", "interviewed", "Interviewed 3 June, transcript T02"),
        ("V0001", "arranged", ""),
        ("V0004", "declined", "Too busy"),
    ):
        done = client.post(f"{LIST}/{_ref(public_id)}", data={
            "csrf_token": token, "status": status, "note": note, "query": "practice=Y90001",
        })  # fmt: skip
        assert done.status_code == 303
        assert done.headers["Location"].endswith(f"{LIST}?practice=Y90001#v-{_ref(public_id)}")
    odd = client.post(f"{LIST}/{_ref('V0006')}", data={
        "csrf_token": token, "status": "contacted", "query": "x=1\r\nSet-Cookie: a=b&status=new",
    })  # fmt: skip
    assert odd.headers["Location"].endswith(f"{LIST}?status=new#v-{_ref('V0006')}")
    odd_name = client.post(f"{LIST}/%C3%A9", data={"csrf_token": token, "status": "contacted"})
    assert odd_name.status_code == 404  # not ASCII: no 500
    bad = client.post(f"{LIST}/{_ref('V0006')}", data={"csrf_token": token, "status": "married"})
    assert bad.status_code == 400
    long = client.post(f"{LIST}/{_ref('V0006')}", data={"csrf_token": token, "status": "contacted",
                                              "note": "x" * 1001})  # fmt: skip
    assert long.status_code == 400
    with app.app_context():
        rows = {p.response_id: p for p in db.session.scalars(select(VolunteerProgress))}
        ids = dict(db.session.execute(select(Response.public_id, Response.id)).all())
        assert rows[ids["V0002"]].note == "Interviewed 3 June, transcript T02"
        assert rows[ids["V0006"]].status == "contacted"
        patient = get_catalogue().current["patient"]
        found = volunteers(patient, None)
        tables = tallies(patient, found, [("Y90001", "One"), ("Y90002", "Two")])
        (total,) = tables[""]
        assert (total.volunteers, total.arranged, total.interviewed, total.target) == (4, 1, 1, 3)
        assert total.short == 2
        one, two = tables["practice"]
        assert (one.volunteers, one.interviewed, one.target, one.short) == (3, 1, 2, 1)
        assert (two.volunteers, two.interviewed, two.target) == (1, 0, None)
        ages = {t.key: t for t in tables["age_band"]}
        assert (ages["7"].volunteers, ages["7"].interviewed, ages["7"].short) == (2, 1, 0)
        assert ages["2"].volunteers == 1 and ages["2"].target is None
        bands = {t.key: t for t in tables["conf_score"]}
        assert (bands["b0"].volunteers, bands["b1"].volunteers, bands[""].volunteers) == (2, 1, 1)
        progress = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "volunteer_progress")
        ).all()
        assert [e.detail["status"] for e in progress] == [
            [None, "interviewed"], [None, "arranged"], [None, "declined"], [None, "contacted"]
        ]  # fmt: skip
        assert all("note" not in e.detail for e in progress)  # notes stay out of the log
    page = client.get(f"{LIST}?status=interviewed").get_data(as_text=True)
    assert _cards(page) == ["V0002"] and "transcript T02" in page


def _progress_choice(page: str, public_id: str) -> str:
    """The option selected in a volunteer's progress drop-down."""
    box = page.split(f'id="status-{_ref(public_id)}"', 1)[1].split("</select>", 1)[0]
    return re.search(r'<option value="(\w+)" selected>', box).group(1)


def test_a_note_saved_alone_does_not_move_the_volunteer_on(app, auth, world):
    auth.login("rita@example.org", role="recruiter")
    client = auth.client
    page = client.get(LIST).get_data(as_text=True)
    assert _progress_choice(page, "V0001") == "new"  # not "Contacted": nothing happened yet
    assert '<option value="new" selected>Not contacted yet</option>' in page
    token = csrf_token(client, LIST)
    # The form as it comes (its current status chosen), and a post with no status at all.
    for status in ("new", None):
        data = {"csrf_token": token, "note": "Left voicemail? no - just a note"}
        saved = client.post(
            f"{LIST}/{_ref('V0001')}", data=data | ({"status": status} if status else {})
        )
        assert saved.status_code == 303
    assert _shown(client, "status=new") == ["V0001", "V0002", "V0004", "V0006"]
    client.post(f"{LIST}/{_ref('V0002')}", data={"csrf_token": token, "status": "arranged"})
    client.post(f"{LIST}/{_ref('V0002')}", data={"csrf_token": token, "note": "Thursday 10:00"})
    page = client.get(LIST).get_data(as_text=True)
    assert _progress_choice(page, "V0001") == "new" and "just a note" in page
    assert _progress_choice(page, "V0002") == "arranged" and "Thursday 10:00" in page
    with app.app_context():
        ids = dict(db.session.execute(select(Response.public_id, Response.id)).all())
        rows = {p.response_id: p for p in db.session.scalars(select(VolunteerProgress))}
        assert (rows[ids["V0001"]].status, rows[ids["V0001"]].note) == (
            None, "Left voicemail? no - just a note"
        )  # fmt: skip
        assert rows[ids["V0002"]].status == "arranged"
        audited = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "volunteer_progress")
        ).all()
        assert [e.detail["status"] for e in audited] == [
            [None, None], [None, None], [None, "arranged"], ["arranged", "arranged"]
        ]  # fmt: skip


def test_the_card_shows_the_language_a_volunteer_wants_to_be_interviewed_in(app, auth, world):
    with app.app_context():
        add("Y90001", 7, volunteer(7, 3, 2, CONFIDENT, interview_lang=3))
        db.session.commit()
    auth.login("rita@example.org", role="recruiter")
    page = auth.client.get(LIST).get_data(as_text=True)
    card = page.split(f'id="v-{_ref("V0007")}"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Interview language</dt><dd>Cantonese</dd>" in card
    assert _shown(auth.client, "a.interview_lang=3") == ["V0007"]


def test_a_target_that_is_not_a_number_is_refused(app, auth, world):
    auth.login("rita@example.org", role="recruiter")
    token = csrf_token(auth.client, f"{LIST}/targets")
    page = auth.client.post(f"{LIST}/targets", data={
        "csrf_token": token, "t--Y90002": "lots", "t-gender-2": "-1", "t-age_band-3": "2",
    })  # fmt: skip
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Moorland Surgery (Y90002): enter a whole number from 0 to 10,000" in text
    assert "Male (gender): enter a whole number" in text
    assert 'value="2"' in text  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(InterviewTarget)) is None  # nothing saved


def test_after_the_purge_volunteers_stay_without_contact_details(app, auth, world, runner):
    end = (utcnow() - timedelta(days=10)).date().isoformat()
    assert runner.invoke(args=["retention", "--end", end, "--days", "5"]).exit_code == 0
    assert runner.invoke(args=["purge"]).exit_code == 0
    auth.login("rita@example.org", role="recruiter")
    page = auth.client.get(LIST).get_data(as_text=True)
    assert _cards(page) == ["V0001", "V0002", "V0004", "V0006"]
    assert "Quillon" not in page and "07700 90" not in page
    assert "none held" in page
    assert _views(app)[0].detail == {"instrument": "patient", "contacts": 0, "responses": []}


def test_a_withdrawn_volunteer_leaves_the_list(app, auth, world):
    with app.app_context():
        response = db.session.scalar(select(Response).where(Response.public_id == "V0002"))
        forget_response(response, delete_answers=False)
        gone = db.session.scalar(select(Response).where(Response.public_id == "V0004"))
        db.session.add(VolunteerProgress(response_id=gone.id, status="contacted"))
        db.session.flush()
        forget_response(gone, delete_answers=True)
        db.session.commit()
        assert db.session.scalar(select(VolunteerProgress)) is None  # deleted with it
    auth.login("rita@example.org", role="recruiter")
    assert _shown(auth.client) == ["V0001", "V0006"]


def test_a_recruiter_is_made_from_the_shell_or_the_admin_pages(app, auth, runner, world):
    made = runner.invoke(
        args=["user", "create", "rob@example.org", "--role", "recruiter", "--practices", "Y90001",
              "--password-stdin"],
        input="correct horse battery\n",
    )  # fmt: skip
    assert made.exit_code == 0 and "Added rob@example.org (recruiter: Y90001)" in made.output
    auth.login("boss@example.org", role="admin")
    form = auth.client.get("/staff/admin/users/new").get_data(as_text=True)
    assert '<option value="recruiter"' in form and "Recruiter" in form
    auth.logout()
    auth.login("rob@example.org")
    home = auth.client.get("/staff/").get_data(as_text=True)
    assert "Interview volunteers" in home and "Access codes" not in home
    assert _shown(auth.client) == ["V0001", "V0002", "V0006"]
