"""Random form posts and queries at every page, as every role: never a 500 (hypothesis).

The URL map is walked like tests/fieldwork/test_roles.py does; field names are those the
pages really have (plus a few odd ones), values are hostile: NUL bytes, digits that
`isdigit()` accepts but `int()` refuses, numbers too big for the database, long text.
Each request starts from a pristine copy of the role's session cookie.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CSRF_RE
from tests.fieldwork.conftest import instrument
from tests.fieldwork.robot import Robot
from tests.fieldwork.staff_factories import use_cheap_hashes
from tests.fieldwork.test_roles import _rules, _signed_in, _values, world  # noqa: F401

ROLES = (
    "anonymous", "admin", "coordinator", "restricted", "data_entry", "analyst", "recruiter",
    "respondent",
)  # fmt: skip
SKIPPED = {("auth.sign_out", "POST"), ("static", "GET")}  # sign-out ends the shared session
NAME_RE = re.compile(r'name="([^"]+)"')
VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "0", "1", "2", "-1", "²", "١٢", "\x00", "9" * 25, "7" * 5000, "1e400"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["Y90001", "patient", "web", "paper", "admin", "active", "complete"]),
)
QUERY_NAMES = ["page", "region", "status", "next", "instrument", "mode", "by", "threshold", "x"]


@pytest.fixture
def walker(app, auth, world, codes, monkeypatch):  # noqa: F811
    """Session cookies and CSRF tokens per role, the URLs to try, and the field names seen."""
    use_cheap_hashes(monkeypatch)
    sessions = {role: _signed_in(app, auth, role) for role in ROLES[:-1]}
    respondent = app.test_client()
    robot = Robot(respondent, instrument(app, "patient"))
    robot.enter_code(codes["patient"][0])
    robot.welcome("en")
    page = respondent.get("/page/1").get_data(as_text=True)
    sessions["respondent"] = (respondent.get_cookie("session").value, CSRF_RE.search(page)[1])
    targets = []
    with app.test_request_context():
        for (endpoint, method), rule in sorted(_rules(app).items()):
            if (endpoint, method) not in SKIPPED:
                targets.append((method, url_for(endpoint, **_values(endpoint, rule, world))))
    targets += [("GET", f"/page/{n}") for n in range(2, 6)]
    targets += [("POST", f"/page/{n}") for n in range(2, 6)]
    names = {"code", "email", "password", "name", "practice", "count", "file", "x\x00"}
    admin = app.test_client()
    admin.set_cookie("session", sessions["admin"][0])
    for method, url in targets:
        if method == "GET" and "/page/" not in url:
            names.update(NAME_RE.findall(admin.get(url).get_data(as_text=True)))
    names.update(NAME_RE.findall(page))
    names.discard("csrf_token")
    return sessions, sorted(set(targets)), sorted(names)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_requests_never_fail_with_a_500(app, walker, data):
    sessions, targets, names = walker
    role = data.draw(st.sampled_from(ROLES), label="role")
    method, url = data.draw(st.sampled_from(targets), label="target")
    query = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), VALUES, max_size=2))
    form = data.draw(st.dictionaries(st.sampled_from(names), VALUES, max_size=6), label="form")
    cookie, token = sessions[role]
    client = app.test_client()
    if cookie:
        client.set_cookie("session", cookie)
    if method == "GET":
        response = client.get(url, query_string=query)
    else:
        response = client.post(url, query_string=query, data={**form, "csrf_token": token})
    assert response.status_code < 500, (role, method, url, query, form)
