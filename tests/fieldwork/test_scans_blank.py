"""Paper returns with nothing written, and copies whose code's form was keyed by hand.

A questionnaire mailed back blank is an implicit refusal (AAPOR 2.11), whichever way it
reaches the study: the keying page's "Returned blank", keyed field by field with every
answer empty, or scanned (confirmed by a person, or accepted without one). None keeps a
response. A scanned copy of a serial keyed by hand is settled as not used.
"""

from __future__ import annotations

from sqlalchemy import func, select

from fieldwork.db import db
from fieldwork.keying import services as keying
from fieldwork.mailings.services import not_responded
from fieldwork.models import AuditEvent, Invitation, Response, ScanCopy, ScanPage
from fieldwork.outcomes import study_settings
from fieldwork.rates.aapor import FIELDS
from fieldwork.rates.queries import Scope, code_counts
from tests.conftest import csrf_token
from tests.fieldwork import scan_pages as sp
from tests.fieldwork.test_scans import RETURNED, _short, _ticked, instruments_dir, serials
from tests.fieldwork.test_scans_join import _copies, _keyer, _read

__all__ = ["instruments_dir", "serials"]  # fixtures used by the tests here


def _blank(serial: str):
    return sp.copy_pages(_short(), serial)  # cover and questions, nothing ticked


def _counts() -> dict[str, int]:
    [(_cell, vector, _mailed)] = list(code_counts(Scope(instrument="short"), (False,) * 3))
    return dict(zip(FIELDS, vector, strict=True))


def _is_returned_blank(invitation: Invitation) -> None:
    assert invitation.response is None and invitation.disposition == "refusal"
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    counts = _counts()
    assert (counts["refusal"], counts["break_off"], counts["started"]) == (1, 0, 0)
    assert not not_responded(invitation)  # no reminder
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "keying.return"))
    assert event.detail["kind"] == "blank"


def test_a_scanned_copy_confirmed_with_nothing_filled_in_is_returned_blank(
    app, auth, client, serials
):
    with app.app_context():
        _read(_blank(serials[0]))
        [copy] = _copies(serials[0])
        assert copy.state == "to_verify" and not any(copy.fields.values())
        copy_id = copy.id
    auth.login("desk@example.org", role="data_entry")
    url = f"/staff/scans/copies/{copy_id}"
    token = csrf_token(client, url)
    done = client.post(url, data={"returned_on": "04/05/2026", "csrf_token": token})
    assert done.status_code == 302
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Nothing was filled in: recorded as returned blank (a refusal)" in shown
    with app.app_context():
        copy = db.session.get(ScanCopy, copy_id)
        assert copy.state == "confirmed" and copy.response_id is None
        assert all(page.readings is None for page in copy.pages)
        _is_returned_blank(copy.invitation)


def test_a_scanned_copy_accepted_unseen_with_nothing_filled_in_is_returned_blank(app, serials):
    with app.app_context():
        study_settings().scan_auto_accept = True
        db.session.commit()
        _read(_blank(serials[0]))
        [copy] = _copies(serials[0])
        assert copy.state == "accepted" and copy.response_id is None
        assert copy.problem == keying.NOTHING_FILLED_IN
        _is_returned_blank(copy.invitation)


def test_a_copy_of_a_serial_keyed_by_hand_is_settled_as_not_used(app, serials):
    with app.app_context():
        copy = keying.find_copy(serials[0])
        keyed = keying.key_pass(copy, _short(), {"used": "2"}, user=_keyer(),
                                returned_on=RETURNED)  # fmt: skip
        assert isinstance(keyed, Response)
        db.session.commit()
        response_id = keyed.id
        _read(_ticked(serials[0]))
        [scanned] = _copies(serials[0])
        assert scanned.state != "to_verify" and scanned.response_id is None
        assert scanned.problem.startswith(f"serial {serials[0]} was already keyed by hand on ")
        assert scanned.problem.endswith("; this copy was not used")
        pages = list(db.session.scalars(select(ScanPage)))
        assert all(p.status == "unused" and p.readings is None and p.image for p in pages)
        assert scanned.invitation.response.id == response_id  # the keyed answers stand


def test_a_serial_waiting_to_verify_then_keyed_by_hand_leaves_its_scan_unused(app, serials):
    with app.app_context():
        _read(_ticked(serials[0]))
        [scanned] = _copies(serials[0])
        assert scanned.state == "to_verify"
        copy = keying.find_copy(serials[0])
        keying.key_pass(copy, _short(), {"used": "2"}, user=_keyer(), returned_on=RETURNED)
        db.session.commit()
        [scanned] = _copies(serials[0])
        assert scanned.done and "was already keyed by hand" in scanned.problem
        assert all(p.status == "unused" and p.readings is None for p in scanned.pages)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scan.not_used"))
        assert event.detail["copy"] == scanned.id


def test_a_serial_keyed_blank_by_hand_is_returned_blank_and_its_scan_not_used(app, serials):
    with app.app_context():
        _read(_ticked(serials[0]))
        copy = keying.find_copy(serials[0])
        result = keying.key_pass(copy, _short(), {}, user=_keyer(), returned_on=RETURNED)
        assert isinstance(result, keying.ReturnedBlank)
        db.session.commit()
        [scanned] = _copies(serials[0])
        assert scanned.done and "was already keyed by hand" in scanned.problem
        _is_returned_blank(scanned.invitation)
