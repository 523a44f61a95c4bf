"""Response rates: AAPOR figures for a seeded scenario worked out by hand, pages, CSV.

The scenario (codes, outcomes and open links):
    A small seeded study whose AAPOR figures are worked out by hand (see test_rates.py).

    Practice A (Y90001, North), questionnaire "patient", 20 codes:
      web (12): 6 complete, 2 partial, 2 refusal, 2 no reply
      paper (8): 2 complete (1 keyed, 1 set complete by hand with no response), 1 refusal,
                 1 not eligible, 2 returned undelivered, 2 no reply
      open link: 10 invited, 3 complete + 1 partial responses -> 6 link non-contacts
      target 30
    Practice B (Y90002, North):
      "patient", 10 codes, mode both: 2 complete, 1 other, 1 non-contact, 1 unknown, 5 no reply;
                 target 20, nobody invited by link
      "staff": open link, 1 invited but 2 complete responses (more than reported: NC stays 0);
               no target
    Practice C (Y90003, South):
      "patient", 4 web codes, all not eligible (every denominator 0)
      "staff": target 5, nothing else
    Practice E (Y90004, South): "patient", 10 web codes; 12 questions apply to each
      response, outcomes by the share answered (AAPOR defaults: complete 80 %, partial 50 %):
      0/12 (clicked past the intro) and 5/12 (42 %): break-offs, counted in R;
      6/12 (50 %) and 9/12 (75 %): partials; 10/12 (83 %, not sent): complete;
      5 no reply
    Practice D (Y90005, South): no codes, no targets, nothing at all
    The study's fieldwork is closed (final rates) unless a test reopens it.
    Submitted per day: 1 Nov 3 (A web), 2 Nov 2 (B), 3 Nov 7 (A: 4 coded, 3 link), 5 Nov 2 (B link).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest

from fieldwork.db import db
from fieldwork.models import (
    InstrumentVersion,
    Invitation,
    Practice,
    PracticeTarget,
    Region,
    Response,
)
from fieldwork.models.responses import COMPLETE, PARTIAL
from fieldwork.outcomes import apply_outcome
from fieldwork.rates.aapor import FORMULAS, Counts, percent, ratio
from fieldwork.rates.download import safe_cell
from fieldwork.rates.fieldwork_status import set_study_closed
from fieldwork.rates.report import build_report
from fieldwork.rates.selection import Selection, read_selection

_serial = itertools.count(1)


def _version(instrument: str) -> InstrumentVersion:
    version = InstrumentVersion(
        instrument=instrument, version=1, content_hash="x" * 64, source="", filename="x.yaml"
    )
    db.session.add(version)
    return version


def _response(practice, version, status, invitation=None, day=None, mode=1) -> Response:
    n = next(_serial)
    submitted = datetime(2026, 11, day, 10, n % 60) if status == COMPLETE else None
    response = Response(
        public_id=f"r{n:08d}",
        instrument_version=version,
        practice=practice,
        invitation=invitation,
        mode=mode,
        language="en",
        status=status,
        started_at=datetime(2026, 10, 31, 9, 0),
        submitted_at=submitted,
    )
    db.session.add(response)
    return response


def _codes(practice, instrument, mode, count, disposition=None) -> list[Invitation]:
    made = []
    for _ in range(count):
        code = f"C{next(_serial):07d}"
        made.append(
            Invitation(
                code=code,
                practice=practice,
                instrument=instrument,
                mode=mode,
                disposition=disposition,
            )
        )
    db.session.add_all(made)
    return made


def _answered(practice, version, mode, statuses_days, disposition=None) -> None:
    """Codes with responses: (status, day) each; the code's disposition follows the status."""
    for status, day in statuses_days:
        [code] = _codes(practice, version.instrument, mode, 1)
        code.disposition = disposition or ("complete" if status == COMPLETE else "partial")
        _response(practice, version, status, code, day, 2 if mode == "paper" else 1)


def seed(name_a: str = "Riverside Medical Centre", *, closed: bool = True) -> None:
    """Add the scenario (practice A's name can be changed, to try CSV injection).

    By default the study's fieldwork is closed (final rates: no reply is non-contact).
    """
    north, south = Region(name="North"), Region(name="South")
    a = Practice(code="Y90001", name=name_a, region=north, status="active")
    b = Practice(code="Y90002", name="Moorland Surgery", region=north, status="active")
    c = Practice(code="Y90003", name="Canal Street", region=south, status="active")
    db.session.add_all([a, b, c])
    patient, staff = _version("patient"), _version("staff")
    # Practice A, web.
    _answered(a, patient, "web", [(COMPLETE, 1)] * 3 + [(COMPLETE, 3)] * 3)
    _answered(a, patient, "web", [(PARTIAL, None)] * 2)
    _codes(a, "patient", "web", 2, "refusal")
    _codes(a, "patient", "web", 2)
    # Practice A, paper.
    _answered(a, patient, "paper", [(COMPLETE, 3)])
    _codes(a, "patient", "paper", 1, "complete")
    _codes(a, "patient", "paper", 1, "refusal")
    _codes(a, "patient", "paper", 1, "not_eligible")
    _codes(a, "patient", "paper", 2, "undelivered")
    _codes(a, "patient", "paper", 2)
    # Practice A, open link.
    for status in (COMPLETE, COMPLETE, COMPLETE, PARTIAL):
        _response(a, patient, status, day=3)
    # Practice B.
    _answered(b, patient, "both", [(COMPLETE, 2)] * 2)
    for disposition in ("other", "non_contact", "unknown"):
        _codes(b, "patient", "both", 1, disposition)
    _codes(b, "patient", "both", 5)
    _response(b, staff, COMPLETE, day=5)
    _response(b, staff, COMPLETE, day=5)
    # Practice C.
    _codes(c, "patient", "web", 4, "not_eligible")
    # Practice E: outcomes from the share of applicable questions answered, by the service.
    e = Practice(code="Y90004", name="Harbour Lane", region=south, status="active")
    db.session.add_all([e, Practice(code="Y90005", name="Quayside", region=south)])
    for answered in (0, 5, 6, 9, 10):
        [code] = _codes(e, "patient", "web", 1)
        apply_outcome(_response(e, patient, PARTIAL, code), answered, 12)
    _codes(e, "patient", "web", 5)
    db.session.add_all(
        [
            PracticeTarget(practice=a, instrument="patient", target=30, invited_by_link=10),
            PracticeTarget(practice=b, instrument="patient", target=20, invited_by_link=0),
            PracticeTarget(practice=b, instrument="staff", target=None, invited_by_link=1),
            PracticeTarget(practice=c, instrument="staff", target=5, invited_by_link=0),
        ]
    )
    db.session.flush()
    set_study_closed(closed)
    db.session.commit()


# ---- Hand computation -------------------------------------------------------------------
# RR1 = I/D, RR2 = (I+P)/D, REF1 = R/D with D = (I+P) + (R+NC+O) + (UH+UO); COOP1 = I/((I+P)+R+O)
#
# A, codes: I 8, P 2, R 3, NC 4 (no reply), O 0, U 2 (undelivered), NE 1 -> D = 19
#   RR1 = 8/19, RR2 = 10/19, COOP1 = 8/13, REF1 = 3/19
# A, link: 10 invited; I 3, P 1, NC 10-4 = 6 -> D = 10
# A, all: I 11, P 3, R 3, NC 10, O 0, U 2, NE 1 -> D = 29
#   RR1 = 11/29, RR2 = 14/29, COOP1 = 11/17, REF1 = 3/29; issued 20 + 10 = 30;
#   started = every complete or partial outcome: codes 8 + 2, link 3 + 1 = 14
# B, patient: I 2, NC 1 + 5 = 6, O 1, U 1 -> D = 10: RR1 = RR2 = 2/10, COOP1 = 2/3, REF1 = 0
# B, staff link: 1 invited, 2 complete -> I 2, NC max(1-2, 0) = 0 -> D = 2, RR1 = 1
# B, all: I 4, NC 6, O 1, U 1 -> D = 12: RR2 = 4/12 (33.3%)
# C: NE 4, nothing else -> D = 0: every rate undefined ("–")
# E: I 1, P 2, R 2 (break-offs), NC 5 (no reply) -> D = 10
#   RR1 = 1/10, RR2 = 3/10, COOP1 = 1/5, REF1 = 2/10; issued 10, started 5 (break-offs began)
# D: nothing: a row of noughts, every rate undefined, flagged as nothing issued
# North (A + B): I 15, P 3, R 3, NC 16, O 1, U 3, NE 1 -> D = 41
#   RR1 = 15/41, RR2 = 18/41, COOP1 = 15/22, REF1 = 3/41; issued 34 + 11 - 4 = 41
# Study: I 16, P 5, R 5, NC 21, O 1, U 3, NE 5 -> D = 51
#   RR1 = 16/51, RR2 = 21/51, COOP1 = 16/27, REF1 = 5/51; issued 44 + 11 = 55, started 23;
#   target 30+20+5
# By mode: web (A web + C + E): I 7, P 4, R 4, NC 7, NE 4 -> D 22: 7/22, 11/22, 7/15, 4/22
#   paper: I 2, R 1, NC 2, U 2, NE 1 -> D 7: 2/7, 2/7, 2/3, 1/7
#   both (B): D 10: 2/10, 2/10, 2/3, 0
#   link: I 3+2, P 1, NC 6 -> D 12: 5/12, 6/12, 5/6, 0
# By questionnaire: patient: I 14, P 5, R 5, NC 21, O 1, U 3, NE 5 -> D 49:
#   14/49, 19/49, 14/25, 5/49; staff: I 2 -> D 2: 1, 1, 1, 0
#
# During fieldwork (study open), no reply is not yet returned (NYR), not NC:
#   NYR = codes 2 (A web) + 2 (A paper) + 5 (B) + 5 (E) + link 6 (A) = 20; NC = 1 (B, by hand)
#   Excluded (the default): D = 16 + 5 + 5 + 1 + 1 + 3 = 31:
#     RR1 = 16/31, RR2 = 21/31, COOP1 = 16/27 (never had NC), REF1 = 5/31
#   Included (the study's choice): D = 31 + 20 = 51: the final figures, NYR still shown apart
#   A closed, study open (excluded): A's 4 + 6 are NC: NC 11, NYR 10 -> D = 41:
#     RR1 16/41, RR2 21/41, REF1 5/41; A = PRACTICE_A; B: I 4, NC 1, O 1, U 1 -> D 7
NORTH = {"RR1": 15 / 41, "RR2": 18 / 41, "COOP1": 15 / 22, "REF1": 3 / 41}
STUDY = {"RR1": 16 / 51, "RR2": 21 / 51, "COOP1": 16 / 27, "REF1": 5 / 51}
PRACTICE_E = {"RR1": 1 / 10, "RR2": 3 / 10, "COOP1": 1 / 5, "REF1": 2 / 10}
PRACTICE_A = {"RR1": 11 / 29, "RR2": 14 / 29, "COOP1": 11 / 17, "REF1": 3 / 29}
UNDEFINED = {"RR1": None, "RR2": None, "COOP1": None, "REF1": None}


def counts_of(row) -> tuple:
    """(issued, started, I, P, R, NC, O, U, NE, target) of a report row (R with break-offs)."""
    c = row.counts
    return (
        c.issued, c.started, c.complete, c.partial, c.refusals, c.contacts_lost,
        c.other, c.unknown, c.not_eligible, c.target,
    )  # fmt: skip


def report(by=(), restricted=frozenset(), **choices):
    """The report for a breakdown and filters, as the service builds it."""
    return build_report(Selection(by=tuple(by), **choices), restricted)


def rows_by(result, dimension) -> dict:
    return {row.labels[dimension]: row for row in result.rows}


@pytest.fixture
def study(ctx):
    """The seeded scenario in an app context."""
    seed()
    return ctx


def test_rates_are_pure_arithmetic_and_undefined_without_denominator():
    counts = Counts(complete=8, partial=2, refusal=3, no_reply=4, unknown=2, not_eligible=1)
    assert counts.rates() == {"RR1": 8 / 19, "RR2": 10 / 19, "COOP1": 8 / 13, "REF1": 3 / 19}
    assert Counts(not_eligible=4).rates() == UNDEFINED
    assert Counts(no_reply=5).rates() == {"RR1": 0, "RR2": 0, "COOP1": None, "REF1": 0}
    assert [percent(x) for x in (None, 0.0, 8 / 19, 1.0)] == ["–", "0.0%", "42.1%", "100.0%"]
    assert ratio(1, 0) is None
    assert Counts(codes=1).add(Counts(codes=2, link_invited=3)).issued == 6


def test_study_totals_match_the_hand_computation(study):
    result = report()
    assert result.rows == [] or [r.labels for r in result.rows] == [{}]
    assert counts_of(result.total) == (55, 23, 16, 5, 5, 21, 1, 3, 5, 55)
    assert result.total.rates == STUDY


def test_a_deliberate_override_of_a_completed_code_counts(study):
    """The invitation's outcome decides: a coordinator who marks a submitted response's
    code not eligible (after confirming the override) moves it from I to NE."""
    code = db.session.scalars(
        db.select(Invitation).where(Invitation.disposition == "complete").limit(1)
    ).one()
    code.disposition = "not_eligible"
    db.session.commit()
    total = report().total
    assert (total.counts.complete, total.counts.not_eligible) == (15, 6)
    assert total.rates["RR1"] == 15 / 50


def test_by_practice(study):
    rows = rows_by(report(["practice"]), "practice")
    assert list(rows) == ["Y90001", "Y90002", "Y90003", "Y90004", "Y90005"]
    assert counts_of(rows["Y90001"]) == (30, 14, 11, 3, 3, 10, 0, 2, 1, 30)
    assert rows["Y90001"].rates == PRACTICE_A
    assert rows["Y90002"].rates == {"RR1": 4 / 12, "RR2": 4 / 12, "COOP1": 4 / 5, "REF1": 0}
    assert rows["Y90003"].rates == UNDEFINED
    assert rows["Y90003"].counts.target == 5
    assert counts_of(rows["Y90004"]) == (10, 5, 1, 2, 2, 5, 0, 0, 0, 0)
    assert rows["Y90004"].counts.break_off == 2 and rows["Y90004"].rates == PRACTICE_E
    # A practice with no codes appears, with noughts and no rate.
    assert counts_of(rows["Y90005"]) == (0,) * 10 and rows["Y90005"].rates == UNDEFINED


def test_by_region(study):
    rows = rows_by(report(["region"]), "region")
    assert counts_of(rows["North"]) == (41, 18, 15, 3, 3, 16, 1, 3, 1, 50)
    assert rows["North"].rates == NORTH
    assert counts_of(rows["South"]) == (14, 5, 1, 2, 2, 5, 0, 0, 4, 5)
    assert rows["South"].rates == PRACTICE_E


def test_by_questionnaire(study):
    rows = rows_by(report(["instrument"]), "instrument")
    assert rows["patient"].rates == {
        "RR1": 14 / 49, "RR2": 19 / 49, "COOP1": 14 / 25, "REF1": 5 / 49,
    }  # fmt: skip
    assert rows["staff"].rates == {"RR1": 1, "RR2": 1, "COOP1": 1, "REF1": 0}
    assert (rows["patient"].counts.target, rows["staff"].counts.target) == (50, 5)


def test_by_mode_of_invitation(study):
    rows = rows_by(report(["mode"]), "mode")
    assert rows["Web code"].rates == {
        "RR1": 7 / 22,
        "RR2": 11 / 22,
        "COOP1": 7 / 15,
        "REF1": 4 / 22,
    }
    assert rows["Paper code"].rates == {"RR1": 2 / 7, "RR2": 2 / 7, "COOP1": 2 / 3, "REF1": 1 / 7}
    assert rows["Web and paper code"].rates == {"RR1": 0.2, "RR2": 0.2, "COOP1": 2 / 3, "REF1": 0}
    assert rows["Open link"].rates == {"RR1": 5 / 12, "RR2": 6 / 12, "COOP1": 5 / 6, "REF1": 0}
    assert all(row.counts.target == 0 for row in rows.values())
    assert report(["mode"]).total.rates == STUDY


def test_open_link_denominator_is_the_number_invited(study):
    result = report(["practice", "instrument"], mode="link")
    rows = {(r.labels["practice"], r.labels["instrument"]): r for r in result.rows}
    a_link = rows[("Y90001", "patient")].counts
    assert (a_link.link_invited, a_link.complete, a_link.partial, a_link.link_no_reply) == (
        10, 3, 1, 6,
    )  # fmt: skip
    assert rows[("Y90001", "patient")].rates["RR2"] == 4 / 10
    # More link responses than people reported invited: the responses count, NC stays 0.
    b_staff = rows[("Y90002", "staff")]
    assert (b_staff.counts.link_no_reply, b_staff.rates["RR1"]) == (0, 1)


def test_filters_combine(study):
    result = report(["practice"], instrument="patient", mode="web")
    # Every practice appears: B has no web codes, so a row of noughts.
    assert [r.labels["practice"] for r in result.rows] == [f"Y9000{n}" for n in range(1, 6)]
    assert result.rows[1].counts.issued == 0
    assert result.total.rates == {"RR1": 7 / 22, "RR2": 11 / 22, "COOP1": 7 / 15, "REF1": 4 / 22}
    south = report(region_id=2)
    assert south.total.rates == PRACTICE_E


def test_restriction_limits_every_figure(study):
    result = report(["region", "practice"], restricted=frozenset({"Y90001"}))
    assert [r.labels["practice"] for r in result.rows] == ["Y90001"]
    assert result.total.rates == PRACTICE_A
    assert counts_of(result.total) == (30, 14, 11, 3, 3, 10, 0, 2, 1, 30)
    assert dict(result.per_day) == {
        date(2026, 11, 1): 3,
        date(2026, 11, 2): 0,
        date(2026, 11, 3): 7,
    }


def test_completions_per_day_fill_the_gaps(study):
    assert report().per_day == [
        (date(2026, 11, 1), 3), (date(2026, 11, 2), 2), (date(2026, 11, 3), 7),
        (date(2026, 11, 4), 0), (date(2026, 11, 5), 2),
    ]  # fmt: skip
    assert dict(report(mode="link").per_day) == {
        date(2026, 11, 3): 3, date(2026, 11, 4): 0, date(2026, 11, 5): 2,
    }  # fmt: skip
    assert sum(n for _, n in report(mode="paper").per_day) == 1


def test_practices_below_the_threshold(study):
    result = report(["practice"], threshold=40.0)
    # D has nothing issued (flagged, lowest); E 3/10, B 4/12; never the total.
    assert [r.labels["practice"] for r in result.below] == ["Y90005", "Y90004", "Y90002"]
    assert [r.labels["practice"] for r in result.rows if r.below] == [
        "Y90002", "Y90004", "Y90005",
    ]  # fmt: skip
    only = report(["practice"], threshold=40.0, below_only=True)
    assert [r.labels["practice"] for r in only.rows] == ["Y90002", "Y90004", "Y90005"]
    assert report(["practice"]).below == []
    assert not report(["practice"], threshold=99.0).total.below
    assert not any(row.below for row in report(["region"], threshold=99.0).rows)


def test_roles_on_both_routes(app, client, auth):
    with app.app_context():
        seed()
    for url in ("/staff/rates/", "/staff/rates/rates.csv"):
        assert client.get(url).status_code == 302
    for n, role in enumerate(["data_entry", "analyst", "coordinator", "admin"]):
        auth.login(email=f"u{n}@example.org", role=role)
        expected = 403 if role == "data_entry" else 200
        for url in ("/staff/rates/", "/staff/rates/rates.csv"):
            assert client.get(url).status_code == expected, (role, url)
        auth.logout()


def test_page_shows_table_formulas_charts_and_highlights(app, client, auth):
    with app.app_context():
        seed()
    auth.login(role="analyst")
    page = client.get("/staff/rates/?by=practice&threshold=40&instrument=all").text
    for formula in FORMULAS.values():
        assert formula in page
    assert "non-contact" in page and "registered list" in page
    assert "31.4%" in page  # RR1 of the study: 16/51
    assert "Total (all questionnaires together)" in page and "Final rates." in page
    assert page.count("RR2 below the 40% threshold") == 4  # B and E: the row and the list
    assert page.count("nothing issued to this practice") == 2  # D: the row and the list
    assert '<span aria-hidden="true">&#9660; Below</span>' in page
    svgs = re.findall(r"<svg xmlns=.*?</svg>", page, flags=re.S)
    charts = [ET.fromstring(s) for s in svgs if "per-day-title" in s]  # noqa: S314 (ours)
    assert len(charts) == 1 and len(charts[0].findall("{*}polyline")) == 2  # patient, staff
    assert "Completions per day as a table" in page and "2026-11-04" in page
    assert "Completes against target: 16 of 55 (29%)" in page
    # Without a choice, one questionnaire (the first in the list), never all together.
    default = client.get("/staff/rates/?by=practice").text
    assert "Total (all questionnaires together)" not in default and "31.4%" not in default
    patient = client.get("/staff/rates/?by=practice&instrument=patient").text
    assert "28.6%" in patient and "Total</th>" in patient  # RR1 of patient: 14/49
    assert "Canal Street" in page and "–" in page


def test_coordinator_sees_only_their_practices(app, client, auth):
    with app.app_context():
        seed()
    auth.login(role="coordinator", practices="Y90001")
    page = client.get("/staff/rates/?by=region&by=practice").get_data(as_text=True)
    assert "Y90001" in page and "Y90002" not in page and "South" not in page
    assert "37.9%" in page  # RR1 of practice A alone: 11/29
    rows = list(csv.reader(io.StringIO(client.get("/staff/rates/rates.csv?by=practice").text)))
    assert [r[0] for r in rows[1:]] == ["Y90001", "Total"]


def test_csv_download_has_the_table_and_neutralises_formulas(app, client, auth):
    with app.app_context():
        seed(name_a='=HYPERLINK("http://evil.example","x")')
    auth.login(role="analyst")
    response = client.get("/staff/rates/rates.csv?by=practice&threshold=40&instrument=all")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    a, b, c, e, d, total = rows
    assert a["practice_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert (a["issued"], a["complete_I"], a["non_contact_NC"], a["target"]) == (
        "30",
        "11",
        "10",
        "30",
    )
    assert float(a["RR2"]) == round(14 / 29, 6) and b["below_threshold"] == "1"
    assert c["RR1"] == "" and c["COOP1"] == ""
    assert (total["practice"], total["RR1"]) == ("Total", str(round(16 / 51, 6)))
    assert (e["of_which_break_off"], e["refused_R"], d["issued"]) == ("2", "2", "0")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20", "'+44 20"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.5", "-12.5"),
        (-3, -3),
        (0.25, 0.25),
        (None, ""),
        ("Riverside", "Riverside"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_empty_study_and_bad_parameters(client, auth):
    auth.login(role="admin")
    page = client.get("/staff/rates/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "No questionnaire has been submitted yet." in text and "–" in text
    bad = client.get("/staff/rates/?threshold=abc&mode=fax&by=colour&region=x")
    assert bad.status_code == 400
    assert "Enter a response rate between 0 and 100" in bad.get_data(as_text=True)


def test_read_selection():
    from werkzeug.datastructures import MultiDict

    chosen = read_selection(MultiDict([("by", ""), ("by", "mode"), ("by", "region")]))
    assert chosen.by == ("region", "mode") and not chosen.errors
    assert read_selection(MultiDict()).by == ("region",)
    assert read_selection(MultiDict([("by", "")])).by == ()
    assert read_selection(MultiDict([("threshold", "12.5%"), ("page", "3")])).threshold == 12.5
    assert read_selection(MultiDict([("threshold", "nan")])).errors == {
        "threshold": "Enter a response rate between 0 and 100"
    }
