"""Staff sign-in under attack: redirects, sessions that end, assisted devices, lock-outs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldwork.db import db
from fieldwork.demo import seed
from fieldwork.models import Practice, Region
from tests.conftest import csrf_token
from tests.fieldwork.staff_factories import make_practice, post, use_cheap_hashes

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Argon2 with small costs: these tests try many passwords, not the hash's strength."""
    use_cheap_hashes(monkeypatch)


def _sign_in(client, email="staff@example.org", password=PASSWORD, next_=None):
    token = csrf_token(client, "/staff/sign-in")
    query = {"next": next_} if next_ is not None else None
    return client.post(
        "/staff/sign-in",
        query_string=query,
        data={"email": email, "password": password, "csrf_token": token},
    )


OFF_SITE = ["/\t/evil.com", "/\n/evil.com", "/\r/evil.com", "//evil.com", "/\\evil.com"]
OFF_SITE += ["https://evil.com/", "/ /evil.com", "\t/staff/"]


def test_sign_in_never_redirects_off_site(app, auth):
    """Finding 3: `next=%2F%09%2Fevil.com` answered `Location: //evil.com`; `%0A` a 500."""
    auth.create()
    for target in OFF_SITE:
        response = _sign_in(app.test_client(), next_=target)
        assert response.status_code == 302, repr(target)
        assert response.headers["Location"] == "/staff/", repr(target)


def test_sign_in_follows_a_same_site_path(app, client, auth):
    auth.create()
    response = _sign_in(client, next_="/staff/codes/?page=2")
    assert response.headers["Location"] == "/staff/codes/?page=2"


def _copied(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_sign_out_ends_the_session_on_the_server(app, client, auth):
    """Finding 4: a cookie copied before signing out opened staff pages for 2 hours."""
    auth.login(role="coordinator")
    thief = _copied(app, client)
    assert thief.get("/staff/codes/").status_code == 200
    auth.logout()
    assert thief.get("/staff/codes/").status_code == 302
    assert client.get("/staff/codes/").status_code == 302


@pytest.mark.parametrize("change", ["password", "disable"])
def test_password_change_and_disabling_end_every_session(app, client, auth, change):
    victim = auth.create("victim@example.org", role="coordinator")
    browser = app.test_client()
    _sign_in(browser, "victim@example.org")
    thief = _copied(app, browser)
    assert thief.get("/staff/codes/").status_code == 200
    auth.login("admin@example.org", role="admin")
    if change == "password":
        data, url = {"password": "another long password"}, f"/staff/admin/users/{victim}/password"
    else:
        data, url = {"active": "0"}, f"/staff/admin/users/{victim}/active"
    assert post(client, url, data).status_code == 302
    assert thief.get("/staff/codes/").status_code == 302
    assert browser.get("/staff/codes/").status_code == 302
    assert client.get("/staff/admin/users").status_code == 200  # the admin stays signed in


def test_an_admin_changing_their_own_password_stays_signed_in(app, client, auth):
    me = auth.create(role="admin")
    _sign_in(client)
    old = _copied(app, client)
    url = f"/staff/admin/users/{me}/password"
    assert post(client, url, {"password": "another long password"}).status_code == 302
    assert client.get("/staff/admin/users").status_code == 200
    assert old.get("/staff/admin/users").status_code == 302


def test_assisted_mode_closes_staff_pages_on_the_device(app, client, auth):
    """Finding 5: after /assist the patient could open live access codes in the same browser."""
    auth.login(role="coordinator")
    with app.app_context():
        seed(["patient"])
        db.session.commit()
        practice = db.session.scalars(select(Practice).order_by(Practice.id)).first()
        practice_id, code = practice.id, practice.code
    token = csrf_token(client, "/assist")
    data = {"practice": practice_id, "instrument": "patient", "csrf_token": token}
    assert client.post("/assist", data=data).headers["Location"] == "/welcome"
    assert client.get("/welcome").status_code == 200  # the survey goes on
    for url in ("/staff/", "/staff/codes/", f"/staff/codes/practices/{code}/patient"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]
    assert _copied(app, client).get("/staff/codes/").status_code == 302
    assert client.get("/assist/next").status_code == 200  # the device returns to neutral
    assert _sign_in(client).status_code == 302  # the staff member signs in again
    assert client.get("/staff/codes/").status_code == 200


def test_a_restricted_coordinator_cannot_add_regions(app, client, auth):
    """Finding 10: editing their practice's region to a new name created that region."""
    with app.app_context():
        make_practice("Y90001", region="North West")
        make_practice("Y90002", region="South East")
        make_practice("Y90003", region="South East")
        db.session.commit()
    auth.login(role="coordinator", practices="Y90001")
    form = {"name": "Mine", "region": "Made Up Region", "status": "approached"}
    response = post(client, "/staff/practices/Y90001/edit", form)
    assert response.status_code == 400
    assert "you cannot add regions" in response.get_data(as_text=True)
    with app.app_context():
        names = set(db.session.scalars(select(Region.name)))
        assert names == {"North West", "South East"}
    ok = post(client, "/staff/practices/Y90001/edit", {**form, "region": "South East"})
    assert ok.status_code == 302
    # The region list counts only their practices.
    page = client.get("/staff/practices/regions").get_data(as_text=True)
    assert "South East" in page and "North West" not in page
    assert ">1<" in page and ">2<" not in page


def test_a_restricted_coordinator_cannot_add_regions_by_import(app, client, auth):
    from tests.fieldwork.staff_factories import upload

    with app.app_context():
        make_practice("Y90001", region="North West")
        db.session.commit()
    auth.login(role="coordinator", practices="Y90001")
    csv = "code,name,region\nY90001,Mine,Somewhere New\n"
    response = upload(client, "/staff/practices/import", csv)
    assert response.status_code == 400
    assert "there is no region called Somewhere New" in response.get_data(as_text=True)


def _wrong(client, email="staff@example.org"):
    return _sign_in(client, email, "not the password!")


def test_strangers_cannot_lock_a_staff_member_out(app, client, auth):
    """Finding 12: five wrong passwords from anyone locked the account for everyone."""
    auth.create()
    assert _sign_in(client).status_code == 302  # the owner's own browser, known from now on
    client.post("/staff/sign-out", data={"csrf_token": csrf_token(client, "/staff/")})
    for n in range(15):  # strangers on several machines, each up to its own limit
        stranger = app.test_client()
        stranger.environ_base["REMOTE_ADDR"] = f"10.1.0.{n % 3}"
        _wrong(stranger)
    same = app.test_client()
    same.environ_base["REMOTE_ADDR"] = "10.1.0.0"
    assert _wrong(same).status_code == 429  # that machine has used its 5 guesses
    assert _sign_in(client).status_code == 302  # the owner still signs in
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.2.0.1"
    assert _sign_in(other).status_code == 302  # and so does a new browser elsewhere


def test_guessing_one_account_is_limited_per_client_and_overall(app, client, auth, monkeypatch):
    from fieldwork import signin_limits

    monkeypatch.setattr(signin_limits, "ACCOUNT", (8, 3600))
    auth.create()
    statuses = [_wrong(client).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    assert _sign_in(client).status_code == 429  # even the right password waits
    # From many machines, the account's budget for unknown browsers runs out too.
    limit, _ = signin_limits.ACCOUNT
    for n in range(limit):
        stranger = app.test_client()
        stranger.environ_base["REMOTE_ADDR"] = f"10.3.{n // 250}.{n % 250}"
        _wrong(stranger)
    late = app.test_client()
    late.environ_base["REMOTE_ADDR"] = "10.4.0.1"
    assert _wrong(late).status_code == 429


def test_the_wait_grows_for_a_client_that_keeps_guessing(app, client, auth):
    from datetime import timedelta

    from fieldwork.models import Counter

    auth.create()

    def later(minutes: int) -> None:
        with app.app_context():  # in Python: SQLite has no date arithmetic
            for counter in db.session.scalars(select(Counter)):
                counter.window_start -= timedelta(minutes=minutes)
            db.session.commit()

    assert [_wrong(client).status_code for _ in range(6)] == [400] * 5 + [429]
    later(16)  # the first wait is 15 minutes
    assert [_wrong(client).status_code for _ in range(6)] == [400] * 5 + [429]
    later(16)  # after 10 wrong in a day, 15 minutes are no longer enough
    assert _wrong(client).status_code == 429
    assert _sign_in(client).status_code == 429
    later(24 * 60)
    assert _sign_in(client).status_code == 302


def test_a_long_email_is_a_wrong_sign_in_not_a_crash(app, client, auth):
    """Finding 6: e-mails longer than the 128-character throttle key gave a 500."""
    response = _sign_in(client, "a" * 300 + "@example.org", "whatever it is")
    assert response.status_code == 400
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
