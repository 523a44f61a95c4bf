"""Access codes: batches, mail-merge CSV, outcomes by hand and in bulk, restriction."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from fieldwork import codes
from fieldwork.db import db
from fieldwork.invitations.bulk import disposition_key, import_dispositions
from fieldwork.invitations.services import CodesError, set_disposition
from fieldwork.models import AuditEvent, Invitation
from fieldwork.practices.uploads import ImportRejected
from tests.fieldwork.staff_factories import (
    actions,
    make_codes,
    make_practice,
    post,
    read_csv,
    respond,
    upload,
)


def _invitation(code: str) -> Invitation:
    return db.session.scalar(select(Invitation).where(Invitation.code == code))


def test_a_batch_has_unique_codes_from_the_alphabet(ctx):
    issued, batch = make_codes(count=500)
    assert len(set(issued)) == 500
    assert all(len(c) == codes.LENGTH and set(c) <= set(codes.ALPHABET) for c in issued)
    rows = db.session.scalars(select(Invitation).where(Invitation.batch == batch)).all()
    assert {(i.instrument, i.mode, i.practice.code) for i in rows} == {("patient", "web", "Y90001")}
    assert actions() == ["codes_issued"]


def test_codes_already_taken_are_drawn_again(ctx, monkeypatch):
    first, _ = make_codes(count=1)
    draws = iter([first[0], first[0], "ABCDEFGH", "ABCDEFGH", "HGFEDCBA"])
    monkeypatch.setattr(codes, "new_code", lambda length=8: next(draws))
    issued, _ = make_codes(count=2)
    assert sorted(issued) == ["ABCDEFGH", "HGFEDCBA"]


def test_a_collision_at_insert_time_is_retried(ctx, monkeypatch):
    """Another process takes a code between our check and our insert: we try again."""
    make_codes(count=1)
    from fieldwork.invitations import services

    real = services._unused_codes
    calls = []

    def racing(count):
        calls.append(count)
        if len(calls) == 1:  # pretend the check passed for a code that is in fact taken
            return [db.session.scalar(select(Invitation.code))]
        return real(count)

    monkeypatch.setattr(services, "_unused_codes", racing)
    issued, _ = make_codes(count=1)
    assert len(calls) == 2 and len(issued) == 1
    assert db.session.scalar(select(func.count(Invitation.id))) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a practice"),
        ({"practice": "Y90001", "instrument": "nope", "count": "3"}, "Choose a questionnaire"),
        ({"practice": "Y90001", "instrument": "patient", "count": "0"}, "from 1 to 5000"),
        ({"practice": "Y90001", "instrument": "patient", "count": "5001"}, "from 1 to 5000"),
        ({"practice": "Y90001", "instrument": "patient", "count": "lots"}, "from 1 to 5000"),
        (
            {"practice": "Y90001", "instrument": "patient", "count": "3", "mode": "fax"},
            "Choose how the codes are sent",
        ),
        ({"practice": "Y90009", "instrument": "patient", "count": "3"}, "has withdrawn"),
    ],
)
def test_bad_issue_requests_show_the_form_with_errors(app, client, auth, data, message):
    with app.app_context():
        make_practice("Y90001")
        make_practice("Y90009", status="withdrawn")
        db.session.commit()
    auth.login(role="coordinator")
    response = post(client, "/staff/codes/issue", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_an_empty_issue_form_reports_every_problem_at_once_in_words(app, client, auth):
    auth.login(role="coordinator")
    response = post(client, "/staff/codes/issue", {})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    box = html.split('class="nhsuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'<li><a href="#(\w+)">([^<]+)</a></li>', box) == [
        ("practice", "Choose a practice"),
        ("instrument", "Choose a questionnaire"),
        ("count", "Number of codes must be a whole number from 1 to 5000"),
    ]
    assert "mental_health, patient" not in html  # titles on the page, never ids


def test_issue_page_then_mail_merge_download(app, client, auth):
    app.config["PUBLIC_URL"] = "https://survey.example.org/"
    with app.app_context():
        make_practice("Y90001", name='=HYPERLINK("http://evil")')
        db.session.commit()
    auth.login(role="coordinator")
    data = {"practice": "y90001", "instrument": "patient", "count": "4", "mode": "both"}
    response = post(client, "/staff/codes/issue", data)
    assert response.status_code == 302
    batch_page = client.get(response.headers["Location"])
    assert batch_page.status_code == 200 and "4 codes for Y90001" in batch_page.get_data(
        as_text=True
    )
    batch = response.headers["Location"].rsplit("/", 1)[-1]
    download = client.get(f"/staff/codes/batches/{batch}/mail-merge.csv")
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    header, *rows = read_csv(download)
    assert header == ["code", "link", "practice_code", "practice_name", "instrument", "mode"]
    assert len(rows) == 4
    for grouped, link, practice, name, instrument, mode in rows:
        raw = grouped.replace("-", "")
        assert grouped == f"{raw[:4]}-{raw[4:]}"
        assert link == f"https://survey.example.org/c/{raw}"
        assert (practice, instrument, mode) == ("Y90001", "patient", "both")
        assert name == '\'=HYPERLINK("http://evil")'  # formula neutralised
    with app.app_context():
        assert actions()[-2:] == ["codes_issued", "codes_downloaded"]


def test_code_list_shows_outcome_and_response_status(app, client, auth):
    with app.app_context():
        (done, started, fresh), _ = make_codes(count=3)
        respond(done)
        respond(started, submit=False)
    auth.login(role="coordinator")
    html = client.get("/staff/codes/practices/Y90001/patient").get_data(as_text=True)
    assert html.count("Submitted") == 1 and html.count("Started") == 1
    assert html.count("Not started") == 1
    assert "Complete (1.1)" in html and "Partial (1.2)" in html
    only = client.get("/staff/codes/practices/Y90001/patient?disposition=none")
    assert codes.grouped(fresh) in only.get_data(as_text=True)
    assert codes.grouped(done) not in only.get_data(as_text=True)


def test_disposition_by_hand(app, client, auth):
    with app.app_context():
        (code,), _ = make_codes(count=1)
    auth.login(role="coordinator")
    assert client.get(f"/staff/codes/code/{codes.grouped(code)}").status_code == 200
    response = post(client, f"/staff/codes/code/{code}", {"disposition": "undelivered"})
    assert response.status_code == 302
    with app.app_context():
        assert _invitation(code).disposition == "undelivered"
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "disposition_changed"
        assert event.detail == {"code": code, "new": "undelivered"}


def test_bad_disposition_posts_show_errors(app, client, auth):
    with app.app_context():
        (code,), _ = make_codes(count=1)
    auth.login(role="coordinator")
    for data in ({}, {"disposition": "lost in the post"}):
        response = post(client, f"/staff/codes/code/{code}", data)
        assert response.status_code == 400
        assert "Choose an outcome" in response.get_data(as_text=True)
    assert client.get("/staff/codes/code/NOTACODE").status_code == 404


def test_a_completed_response_is_not_overridden_without_saying_so(app, client, auth):
    with app.app_context():
        (code,), _ = make_codes(count=1)
        respond(code)
    auth.login(role="coordinator")
    page = client.get(f"/staff/codes/code/{code}").get_data(as_text=True)
    assert "has a submitted response" in page
    refused = post(client, f"/staff/codes/code/{code}", {"disposition": "refusal"})
    assert refused.status_code == 400
    assert "has a completed response" in refused.get_data(as_text=True)
    with app.app_context():  # submitted with nothing answered: a break-off (AAPOR 2.12)
        assert _invitation(code).disposition == "break_off"
    done = post(client, f"/staff/codes/code/{code}", {"disposition": "refusal", "override": "1"})
    assert done.status_code == 302
    with app.app_context():
        assert _invitation(code).disposition == "refusal"
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.detail["override"] is True


def test_set_disposition_service(ctx):
    (code,), _ = make_codes(count=1)
    invitation = _invitation(code)
    assert set_disposition(invitation, "non_contact") is True
    assert set_disposition(invitation, "non_contact") is False
    with pytest.raises(CodesError):
        set_disposition(invitation, "gone")


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("refusal", "refusal"),
        ("Non-contact", "non_contact"),
        ("not eligible", "not_eligible"),
        ("3.31", "undelivered"),
        ("Unknown eligibility (3.0)", "unknown"),
        ("bogus", None),
        ("", None),
    ],
)
def test_disposition_names(typed, key):
    assert disposition_key(typed) == key


def test_bulk_dispositions_all_or_nothing(ctx):
    (a, b, c), _ = make_codes(count=3)
    respond(c)
    text = (
        "code,disposition,notes\n"
        f"{codes.grouped(a)},refusal,said no\n"
        f"{b.lower()},3.31,\n"
        f"{c},not_eligible,\n"
        "ZZZZZZZZ,refusal,\n"
        "hello,refusal,\n"
        f"{a},complete,\n"
        f"{b},maybe,\n"
        ",refusal,\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_dispositions(text, None)
    db.session.rollback()
    grouped_c = codes.grouped(c)
    assert rejected.value.problems == [
        f"row 4: {grouped_c} has a completed response; confirm replacing completed outcomes "
        "to set not_eligible",
        "row 5: code ZZZZ-ZZZZ not found",
        "row 6: hello is not an access code",
        f"row 7: code {codes.grouped(a)} is also on row 2",
        f"row 8: code {codes.grouped(b)} is also on row 3",
        "row 8: disposition 'maybe' is not known (use complete, partial, refusal, break_off, "
        "non_contact, other, unknown, undelivered, not_eligible)",
        "row 9: code is required",
    ]
    # c was submitted with nothing answered: a break-off (AAPOR 2.12), not a complete
    assert [_invitation(x).disposition for x in (a, b, c)] == [None, None, "break_off"]


def test_bulk_dispositions_set_outcomes_and_record_one_event(ctx):
    (a, b, c), _ = make_codes(count=3)
    respond(c)
    text = f"code,disposition\n{a},refusal\n{b},undelivered\n{c},not_eligible\n"
    report = import_dispositions(text, None, override=True, filename="out.csv")
    db.session.commit()
    assert dict(report.changed) == {"refusal": 1, "undelivered": 1, "not_eligible": 1}
    assert [_invitation(x).disposition for x in (a, b, c)] == [
        "refusal",
        "undelivered",
        "not_eligible",
    ]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "dispositions_imported" and event.detail["override"] is True
    assert [a, None, "refusal"] in event.detail["changes"]


def test_bulk_page(app, client, auth):
    with app.app_context():
        (a,), _ = make_codes(count=1)
    auth.login(role="coordinator")
    bad = upload(client, "/staff/codes/dispositions", "code,disposition\nQQQQQQQQ,refusal\n")
    assert bad.status_code == 400 and "row 2: code QQQQ-QQQQ not found" in bad.get_data(
        as_text=True
    )
    assert post(client, "/staff/codes/dispositions", {}).status_code == 400
    junk = upload(client, "/staff/codes/dispositions", "colour\nred\n")
    assert junk.status_code == 400 and "the columns code, disposition are missing" in junk.get_data(
        as_text=True
    )
    good = upload(client, "/staff/codes/dispositions", f"code,disposition\n{a},non_contact\n")
    assert good.status_code == 302
    with app.app_context():
        assert _invitation(a).disposition == "non_contact"


def test_restricted_coordinator_touches_only_own_codes(app, client, auth):
    with app.app_context():
        (mine,), my_batch = make_codes("Y90002", count=1)
        (theirs,), their_batch = make_codes("Y90001", count=1)
    auth.login(role="coordinator", practices="Y90002")
    assert client.get("/staff/codes/practices/Y90001/patient").status_code == 404
    assert client.get(f"/staff/codes/code/{theirs}").status_code == 404
    assert (
        post(client, f"/staff/codes/code/{theirs}", {"disposition": "refusal"}).status_code == 404
    )
    assert client.get(f"/staff/codes/batches/{their_batch}").status_code == 404
    assert client.get(f"/staff/codes/batches/{their_batch}/mail-merge.csv").status_code == 404
    index = client.get("/staff/codes/").get_data(as_text=True)
    assert my_batch in index and their_batch not in index
    issue = post(
        client, "/staff/codes/issue", {"practice": "Y90001", "instrument": "patient", "count": "1"}
    )
    assert issue.status_code == 400
    issue_page = client.get("/staff/codes/issue").get_data(as_text=True)
    assert "Y90002" in issue_page and "Y90001" not in issue_page
    bulk = upload(client, "/staff/codes/dispositions", f"code,disposition\n{theirs},refusal\n")
    assert bulk.status_code == 400 and "not found" in bulk.get_data(as_text=True)
    assert client.get(f"/staff/codes/batches/{my_batch}/mail-merge.csv").status_code == 200
    assert client.get(f"/staff/codes/code/{mine}").status_code == 200


@pytest.mark.parametrize("role", ["analyst", "data_entry"])
def test_analysts_and_data_entry_never_see_codes(app, client, auth, role):
    with app.app_context():
        (code,), batch = make_codes(count=1)
    auth.login(role=role)
    for url in (
        "/staff/codes/",
        "/staff/codes/issue",
        f"/staff/codes/batches/{batch}",
        f"/staff/codes/batches/{batch}/mail-merge.csv",
        "/staff/codes/practices/Y90001/patient",
        f"/staff/codes/code/{code}",
        "/staff/codes/dispositions",
    ):
        assert client.get(url).status_code == 403, url
