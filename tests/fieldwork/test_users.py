"""Staff accounts: the admin pages, password rules, role changes that end sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldwork.db import db
from fieldwork.models import User
from fieldwork.users.services import Account, AccountError, create_user, set_active, update_user
from tests.fieldwork.staff_factories import actions, make_practice, post

PASSWORD = "a long enough password"


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_sign_in_page_renders_and_wrong_password_says_so(client, auth):
    auth.create()
    page = client.get("/staff/sign-in")
    assert page.status_code == 200
    assert "Sign in" in page.get_data(as_text=True)
    wrong = auth.login(password="not the password at all")
    assert wrong.status_code == 400
    assert "Enter a correct email address and password" in wrong.get_data(as_text=True)


def test_home_shows_only_what_the_role_may_do(client, auth):
    auth.login(role="analyst")
    html = client.get("/staff/").get_data(as_text=True)
    assert "Practices" in html and "Response rates" in html
    assert "Access codes" not in html and "Staff accounts" not in html and "Audit log" not in html


def test_admin_home_links_everything(client, auth):
    auth.login(role="admin")
    html = client.get("/staff/").get_data(as_text=True)
    for text in ("Practices", "Access codes", "Response rates", "Staff accounts", "Audit log"):
        assert text in html


def test_admin_adds_a_restricted_coordinator(app, client, auth):
    auth.login(role="admin")
    with app.app_context():
        make_practice("Y90001")
        db.session.commit()
    response = post(
        client,
        "/staff/admin/users/new",
        {
            "email": "Coord@Example.org",
            "name": "Coord",
            "role": "coordinator",
            "practices": "y90001",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = _user("coord@example.org")
        assert (user.role, user.practice_codes) == ("coordinator", "Y90001")
        assert "user_created" in actions()
    assert "coord@example.org" in client.get("/staff/admin/users").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter an email address"),
        ({"email": "x@example.org", "role": "boss", "password": PASSWORD}, "Choose a role"),
        ({"email": "x@example.org", "role": "analyst", "password": "short"}, "at least 12"),
        (
            {"email": "x@example.org", "role": "admin", "practices": "Y1", "password": PASSWORD},
            "Admins see every practice",
        ),
        (
            {
                "email": "x@example.org",
                "role": "analyst",
                "practices": "Q1234",
                "password": PASSWORD,
            },
            "No practice with code Q1234",
        ),
        ({"email": "staff@example.org", "role": "analyst", "password": PASSWORD}, "already"),
    ],
)
def test_bad_new_account_shows_the_form_with_an_error(client, auth, data, message):
    auth.login(role="admin")
    response = post(client, "/staff/admin/users/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html


def _summary(html: str) -> list[tuple[str, str]]:
    """(link target, message) of each line of the page's error summary."""
    import re

    box = html.split('class="nhsuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li><a href="#([\w-]+)">([^<]+)</a></li>', box)


def test_a_new_account_form_reports_every_problem_at_once(client, auth):
    auth.login(role="admin")
    blank = client.get("/staff/admin/users/new").get_data(as_text=True)
    assert '<option value="" selected>Choose a role</option>' in blank  # no role by default
    empty = post(client, "/staff/admin/users/new", {})
    assert empty.status_code == 400
    assert _summary(empty.get_data(as_text=True)) == [
        ("email", "Enter an email address like name@example.org"),
        ("role", "Choose a role"),
        ("password", "Password must be at least 12 characters"),
    ]
    data = {"email": "x@", "role": "admin", "practices": "Q1234", "password": "short"}
    wrong = post(client, "/staff/admin/users/new", data)
    assert _summary(wrong.get_data(as_text=True)) == [
        ("email", "Enter an email address like name@example.org"),
        ("practices", "Admins see every practice: leave practices empty"),
        ("password", "Password must be at least 12 characters"),
    ]
    data = {"email": "x@example.org", "role": "analyst", "practices": "Q1234", "password": "x"}
    html = post(client, "/staff/admin/users/new", data).get_data(as_text=True)
    assert _summary(html) == [
        ("practices", "No practice with code Q1234"),
        ("password", "Password must be at least 12 characters"),
    ]
    assert '<option value="analyst" selected>' in html  # what was chosen is kept


def test_role_change_ends_the_users_sessions(app, client, auth):
    auth.login(role="coordinator", email="c@example.org")
    assert client.get("/staff/codes/").status_code == 200
    with app.app_context():
        update_user(_user("c@example.org"), Account("c@example.org", "analyst"))
        db.session.commit()
    assert client.get("/staff/codes/").status_code == 302  # back to sign-in


def test_password_reset_ends_sessions_and_needs_twelve_characters(app, client, auth):
    other = app.test_client()
    auth.create("c@example.org", role="coordinator")
    auth.login(role="admin")
    from tests.conftest import AuthActions

    AuthActions(app, other).login("c@example.org")
    assert other.get("/staff/").status_code == 200
    with app.app_context():
        user_id = _user("c@example.org").id
    short = post(client, f"/staff/admin/users/{user_id}/password", {"password": "too short"})
    assert short.status_code == 400 and "at least 12" in short.get_data(as_text=True)
    done = post(client, f"/staff/admin/users/{user_id}/password", {"password": PASSWORD})
    assert done.status_code == 302
    assert other.get("/staff/").status_code == 302
    assert AuthActions(app, other).login("c@example.org", PASSWORD).status_code == 302
    with app.app_context():
        assert "password_reset" in actions()


def test_admin_resetting_own_password_stays_signed_in(app, client, auth):
    auth.login(role="admin")
    with app.app_context():
        me = _user("staff@example.org").id
    post(client, f"/staff/admin/users/{me}/password", {"password": PASSWORD})
    assert client.get("/staff/admin/users").status_code == 200


def test_disable_and_enable(app, client, auth):
    auth.create("c@example.org", role="coordinator")
    auth.login(role="admin")
    with app.app_context():
        user_id = _user("c@example.org").id
    assert post(client, f"/staff/admin/users/{user_id}/active", {"active": "0"}).status_code == 302
    with app.app_context():
        assert not _user("c@example.org").active
    assert post(client, f"/staff/admin/users/{user_id}/active", {"active": "1"}).status_code == 302
    with app.app_context():
        assert _user("c@example.org").active
        assert actions()[-2:] == ["user_disabled", "user_enabled"]


def test_junk_posts_to_account_pages_show_errors(app, client, auth):
    auth.login(role="admin")
    with app.app_context():
        me = _user("staff@example.org").id
    assert post(client, f"/staff/admin/users/{me}/active", {"active": "maybe"}).status_code == 400
    own = post(client, f"/staff/admin/users/{me}/active", {"active": "0"})
    assert own.status_code == 400 and "your own account" in own.get_data(as_text=True)
    assert post(client, f"/staff/admin/users/{me}", {"role": "king"}).status_code == 400
    assert post(client, "/staff/admin/users/99999", {"role": "admin"}).status_code == 404


def test_the_last_admin_cannot_be_demoted_or_disabled(ctx):
    admin = create_user(Account("a@example.org", "admin"), PASSWORD)
    with pytest.raises(AccountError, match="at least one active admin"):
        update_user(admin, Account(admin.email, "analyst"))
    with pytest.raises(AccountError, match="at least one active admin"):
        set_active(admin, False)


def test_edit_page_changes_role_and_practices(app, client, auth):
    auth.create("c@example.org", role="coordinator")
    auth.login(role="admin")
    with app.app_context():
        make_practice("Y90002")
        db.session.commit()
        user_id = _user("c@example.org").id
    assert client.get(f"/staff/admin/users/{user_id}").status_code == 200
    data = {"role": "data_entry", "practices": "Y90002", "name": "Dee"}
    assert post(client, f"/staff/admin/users/{user_id}", data).status_code == 302
    with app.app_context():
        user = _user("c@example.org")
        assert (user.role, user.practice_codes, user.name, user.session_version) == (
            "data_entry",
            "Y90002",
            "Dee",
            2,
        )


def test_the_demo_seeds_one_account_per_role_and_prints_each_password_once(app, client):
    from fieldwork import demo
    from fieldwork.models.staff import ROLES
    from tests.conftest import AuthActions

    with app.app_context():
        made = demo.staff_accounts()
        db.session.commit()
        again = demo.staff_accounts()
        users = {u.email: u for u in db.session.scalars(select(User))}
    assert {users[email].role for email, _, _ in made} | {"admin"} == set(ROLES)
    assert users["coordinator.y90001@example.org"].practice_codes == "Y90001"
    assert all(len(password) >= 12 for _, _, password in made)
    assert [password for _, _, password in again] == [None] * len(made)
    recruiter = dict((email, password) for email, _, password in made)["recruiter@example.org"]
    signed_in = AuthActions(app, client).login("recruiter@example.org", recruiter)
    assert signed_in.status_code == 302


def test_the_demo_command_prints_every_account_with_its_password(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    lines = result.output.split("Staff sign-in:", 1)[1].splitlines()[1:]
    printed = {line.split()[0]: line.split()[1] for line in lines if line.strip()}
    assert set(printed) == {
        "admin@example.org", "coordinator@example.org", "coordinator.y90001@example.org",
        "dataentry@example.org", "analyst@example.org", "recruiter@example.org",
    }  # fmt: skip
    assert all(len(password) >= 12 for password in printed.values())
