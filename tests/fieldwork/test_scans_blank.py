"""Paper returns with nothing written, and copies whose code's form was keyed by hand.

A questionnaire mailed back blank is an implicit refusal (AAPOR 2.11), whichever way it
reaches the study: the keying page's "Returned blank", keyed field by field with every
answer empty, or scanned (confirmed by a person, or accepted without one). None keeps a
response. A scanned copy of a serial keyed by hand is settled as not used.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fieldwork.db import db
from fieldwork.keying import services as keying
from fieldwork.keying.progress import by_batch
from fieldwork.mailings.services import not_responded
from fieldwork.models import AuditEvent, Invitation, Response, ScanCopy, ScanPage, User
from fieldwork.models.keying import FIRST, SECOND
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
    # The batch page names who confirmed it, as it does a copy made into a response.
    said = "Confirmed by desk@example.org. Nothing was filled in: recorded as returned blank"
    assert said in shown and "Settled:" not in shown
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


def _reminder_copy(serial: str) -> str:
    """A second questionnaire mailed to the code of `serial` (a reminder wave): its serial."""
    from fieldwork.models import Mailing

    first = db.session.get(Mailing, int(serial))
    mailing = Mailing(invitation_id=first.invitation_id, batch=first.batch, wave=2,
                      mailed_on=RETURNED, language="en")  # fmt: skip
    db.session.add(mailing)
    db.session.commit()
    return str(mailing.serial)


def test_a_filled_in_copy_of_another_serial_after_one_keyed_blank_waits_for_a_person(app, serials):
    """The first questionnaire came back blank and was keyed so; the reminder's copy comes
    back filled in. It is not the serial keyed by hand: its readings are kept for a person
    (not dropped as 'serial ... was already keyed by hand'), and keying it is allowed."""
    with app.app_context():
        later = _reminder_copy(serials[0])
        copy = keying.find_copy(serials[0])
        result = keying.key_pass(copy, _short(), {}, user=_keyer(), returned_on=RETURNED)
        assert isinstance(result, keying.ReturnedBlank)
        db.session.commit()
        _read(_ticked(later))
        [scanned] = _copies(later)
        assert scanned.state == "to_verify" and not scanned.problem
        assert scanned.fields.get("used") == "1"  # what the respondent ticked is kept
        assert all(page.readings is not None for page in scanned.pages)


def test_a_reminders_copy_filled_in_is_keyed_after_the_first_was_keyed_blank(app, serials):
    """Keyed by hand both: the first questionnaire blank, the reminder's filled in. The
    second is keyed (the blank one is not keyed again), with double entry as without."""
    with app.app_context():
        later = _reminder_copy(serials[0])
        keyer = _keyer()
        result = keying.key_pass(keying.find_copy(serials[0]), _short(), {}, user=keyer,
                                 returned_on=RETURNED)  # fmt: skip
        assert isinstance(result, keying.ReturnedBlank)
        db.session.commit()
        with pytest.raises(keying.KeyingError, match="recorded as returned blank"):
            keying.next_pass(keying.find_copy(serials[0]), keyer)
        study_settings().double_entry = True
        db.session.commit()
        copy = keying.find_copy(later)
        assert keying.next_pass(copy, keyer) == FIRST
        keyed = keying.key_pass(copy, _short(), {"used": "2"}, user=keyer, returned_on=RETURNED)
        assert not isinstance(keyed, (Response, keying.ReturnedBlank))  # waits for pass 2
        db.session.commit()
        assert keying.waiting() == 1
        other, third = (User(email=f"{name}@example.org", name=name, role="data_entry",
                             password_hash="x") for name in ("second", "third"))  # fmt: skip
        db.session.add_all([other, third])
        db.session.commit()
        assert keying.next_pass(copy, other) == SECOND
        keying.key_pass(copy, _short(), {"used": "1"}, user=other, returned_on=RETURNED)
        db.session.commit()
        assert [name for name, *_ in keying.open_differences(copy, _short())] == ["used"]
        [row] = by_batch()
        assert (row.open, row.done) == (1, 0)
        made = keying.resolve(copy, _short(), {"used": "2"}, user=third)
        db.session.commit()
        assert isinstance(made, Response) and copy.invitation.response.id == made.id
        assert keying.waiting() == 0
        # the answered reminder's copy is what the case came to: no longer a refusal
        assert copy.invitation.disposition == made.outcome != "refusal"
        counts = _counts()
        assert counts["refusal"] == 0 and counts[made.outcome] == 1


def test_a_response_keyed_after_a_refusal_or_undelivered_replaces_it_not_a_withdrawal(app, serials):
    """Refused by phone, or returned undelivered, then a questionnaire comes back filled
    in: the code's outcome is the response's (audited). A withdrawal's refusal stands: its
    code cannot be keyed at all."""
    from fieldwork.models.base import utcnow

    with app.app_context():
        for serial, outcome in zip(serials[:2], ("refusal", "undelivered"), strict=True):
            keying.find_copy(serial).invitation.disposition = outcome
        withdrawn = keying.find_copy(serials[2]).invitation
        withdrawn.disposition, withdrawn.withdrawn_at = "refusal", utcnow()
        db.session.commit()
        keyer = _keyer()
        for serial, was in zip(serials[:2], ("refusal", "undelivered"), strict=True):
            copy = keying.find_copy(serial)
            made = keying.key_pass(copy, _short(), {"used": "1", "what": "2"}, user=keyer,
                                   returned_on=RETURNED)  # fmt: skip
            assert isinstance(made, Response)
            db.session.commit()
            assert copy.invitation.disposition == made.outcome
            event = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "keying.outcome_replaced")
            ).all()[-1]
            assert (event.detail["was"], event.detail["now"]) == (was, made.outcome)
        with pytest.raises(keying.KeyingError, match="withdrawn"):
            keying.key_pass(keying.find_copy(serials[2]), _short(), {"used": "1"}, user=keyer,
                            returned_on=RETURNED)  # fmt: skip
        assert keying.find_copy(serials[2]).invitation.disposition == "refusal"


def test_a_blank_copy_leaves_an_outcome_set_by_hand(app, serials):
    """A code set by hand as not eligible (or returned undelivered: the envelope's unused
    questionnaire scanned with the returns) whose copy is then read blank, unseen: the
    coordinator's outcome stands, as a declined consent leaves it; the staff are told."""
    with app.app_context():
        study_settings().scan_auto_accept = True
        for serial, outcome in zip(serials[:2], ("not_eligible", "undelivered"), strict=True):
            keying.find_copy(serial).invitation.disposition = outcome
        db.session.commit()
        _read(_blank(serials[0]) + _blank(serials[1]))
        for serial, outcome in zip(serials[:2], ("not_eligible", "undelivered"), strict=True):
            [copy] = _copies(serial)
            assert copy.state == "accepted" and copy.response_id is None
            assert copy.invitation.disposition == outcome
            assert "stands" in copy.problem
        copy = keying.find_copy(serials[2])
        copy.invitation.disposition = "not_eligible"
        result = keying.key_pass(copy, _short(), {}, user=_keyer(), returned_on=RETURNED)
        assert copy.invitation.disposition == "not_eligible"
        assert result.message.endswith("its outcome set by hand, Not eligible (4.0), stands")


def test_a_copy_confirmed_after_accepting_it_failed_is_not_shown_with_that_failure(
    app, auth, client, serials
):
    """Accepting unseen failed (the code had answered online) and a person then confirmed
    the copy with the override: the batch page says who confirmed it, not the old failure
    (a settled copy's problem is what it was settled as: found blank, or not used)."""
    from fieldwork.catalogue import get_catalogue
    from fieldwork.scans import services as scans

    with app.app_context():
        study_settings().scan_auto_accept = True
        invitation = keying.find_copy(serials[0]).invitation
        db.session.add(Response(
            public_id="ONLINE000001", instrument_version_id=get_catalogue().version_ids["short"],
            practice_id=invitation.practice_id, invitation_id=invitation.id, language="en",
        ))  # fmt: skip
        db.session.commit()
        batch_id = _read(_ticked(serials[0], unsure=False))
        [copy] = _copies(serials[0])
        assert copy.state == "to_verify" and "answered online" in copy.problem
        made = scans.confirm(copy, dict(copy.fields), user=_keyer(), returned_on=RETURNED,
                             override=True)  # fmt: skip
        assert isinstance(made, Response)
        db.session.commit()
        assert copy.state == "confirmed" and copy.problem == ""
    auth.login("desk@example.org", role="data_entry")
    page = client.get(f"/staff/scans/batches/{batch_id}").get_data(as_text=True)
    assert "Confirmed by keyer@example.org" in page and "Settled:" not in page
