"""The Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldwork.db import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, *_: (
                    not (
                        type_ == "table"
                        and (name.startswith("answers_") or name == "alembic_version")
                    )
                ),
            },
        )
        assert compare_metadata(context, db.metadata) == []


def test_answer_tables_are_created_per_instrument_version(app):
    from sqlalchemy import inspect

    from fieldwork.catalogue import get_catalogue

    with app.app_context():
        catalogue = get_catalogue()
        tables = set(inspect(db.engine).get_table_names())
        for instrument in catalogue.current.values():
            name = f"answers_{instrument.id}_v{instrument.version}"
            assert name in tables
            columns = {c["name"] for c in inspect(db.engine).get_columns(name)}
            assert "response_id" in columns and len(columns) > 30


def test_audit_events_of_keyed_answers_keep_only_the_field_names(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from fieldwork import MIGRATIONS
    from fieldwork.models import AuditEvent

    with app.app_context():
        downgrade(directory=MIGRATIONS, revision="fixstaff_a")
        details = {
            "keying.resolve": {"code": "ABCD", "chosen": {"gender": "4", "other": "Slow"}},
            "scan.confirm": {"copy": 3, "corrected": {"ease.book": ["1", "2"]}},
            "withdrawal": {"route": "phone", "setting": "delete"},
        }
        for action, detail in details.items():
            db.session.add(AuditEvent(action=action, detail=detail))
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        kept = {e.action: e.detail for e in db.session.scalars(select(AuditEvent))}
    assert kept["keying.resolve"] == {"code": "ABCD", "chosen": ["gender", "other"]}
    assert kept["scan.confirm"] == {"copy": 3, "corrected": ["ease.book"]}
    assert kept["withdrawal"] == details["withdrawal"]


def _old_mailing_with_a_keyed_pass(revision: str, **columns) -> None:
    """Downgrade to `revision`, then write mailing 7 (a zh questionnaire, with `columns`
    of that schema) and a keying pass pointing at it, in that schema's SQL."""
    from datetime import date

    from flask_migrate import downgrade
    from sqlalchemy import column, insert, select, table, text

    from fieldwork import MIGRATIONS
    from fieldwork.models import Invitation, User
    from tests.fieldwork.staff_factories import make_codes

    make_codes(count=1)
    invitation_id = db.session.scalar(select(Invitation.id))
    user = User(email="k@example.org", name="k", role="data_entry", password_hash="x")
    db.session.add(user)
    db.session.flush()
    user_id = user.id  # read before the commit: no transaction left open for downgrade
    db.session.commit()
    downgrade(directory=MIGRATIONS, revision=revision)
    mailing = {"id": 7, "invitation_id": invitation_id, "batch": "b1", "wave": 1}
    mailing |= {"mailed_on": date(2026, 5, 1), "questionnaire": True, "language": "zh"}
    mailings = table("mailings", *(column(name) for name in {**mailing, **columns}))
    db.session.execute(insert(mailings).values(**mailing, **columns))
    db.session.execute(
        text(
            "INSERT INTO keying_passes (invitation_id, mailing_id, user_id, pass_no, "
            "language, returned_on, fields, keyed_at) VALUES (:i, 7, :u, 1, 'zh', "
            "'2026-05-04', '{}', '2026-05-04 10:00:00')"
        ),
        {"i": invitation_id, "u": user_id},
    )
    db.session.commit()


def test_mailings_gain_their_print_size_with_keyed_passes_pointing_at_them(app):
    """The column is added in place: copying the table and dropping the old one (a batch
    operation on SQLite) is refused while keying passes or scanned copies refer to it."""
    from flask_migrate import upgrade

    from fieldwork import MIGRATIONS
    from fieldwork.models import Mailing

    with app.app_context():
        _old_mailing_with_a_keyed_pass("audit_names")
        upgrade(directory=MIGRATIONS)
        mailing = db.session.get(Mailing, 7)
        assert (mailing.language, mailing.large_print) == ("zh", False)


def test_mailings_made_before_layouts_were_kept_have_none_and_keep_their_passes(app):
    """The layout column is added in place (keying passes and scanned copies refer to
    mailings), empty for the mailings made before: those copies read as they always did."""
    from flask_migrate import upgrade
    from sqlalchemy import inspect, select

    from fieldwork import MIGRATIONS
    from fieldwork.models import KeyingPass, Mailing, PrintedLayout

    with app.app_context():
        _old_mailing_with_a_keyed_pass("mailing_large_print", large_print=True)
        assert "printed_layouts" not in inspect(db.engine).get_table_names()
        upgrade(directory=MIGRATIONS)
        mailing = db.session.get(Mailing, 7)
        assert (mailing.language, mailing.large_print) == ("zh", True)
        assert mailing.printed_layout_id is None and mailing.printed_layout is None
        assert db.session.scalar(select(KeyingPass.mailing_id)) == 7
        layout = PrintedLayout(content_hash="0" * 64, instrument="patient", version=1,
                               language="zh", large_print=True, pages=2, boxmap="{}")  # fmt: skip
        mailing.printed_layout = layout
        db.session.commit()
        assert db.session.get(Mailing, 7).printed_layout.language == "zh"


def test_layouts_are_taken_away_again_with_keyed_passes_pointing_at_mailings(app):
    """Downgrading drops the layout column in place too: on SQLite a batch operation's
    copy-and-drop of mailings is refused while keying passes refer to them."""
    from datetime import date

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, select

    from fieldwork import MIGRATIONS
    from fieldwork.models import Invitation, KeyingPass, Mailing, PrintedLayout, User
    from tests.fieldwork.staff_factories import make_codes

    with app.app_context():
        make_codes(count=1, mode="paper")
        invitation_id = db.session.scalar(select(Invitation.id))
        user = User(email="k@example.org", name="k", role="data_entry", password_hash="x")
        layout = PrintedLayout(content_hash="0" * 64, instrument="patient", version=1,
                               language="en", large_print=False, pages=2, boxmap="{}")  # fmt: skip
        mailing = Mailing(invitation_id=invitation_id, batch="b1", wave=1, language="en",
                          mailed_on=date(2026, 5, 1), printed_layout=layout)  # fmt: skip
        db.session.add_all([user, mailing])
        db.session.flush()
        db.session.add(KeyingPass(invitation_id=invitation_id, mailing_id=mailing.id,
                                  user_id=user.id, pass_no=1, language="en",
                                  returned_on=date(2026, 5, 4), fields={}))  # fmt: skip
        mailing_id = mailing.id
        db.session.commit()
        downgrade(directory=MIGRATIONS, revision="mailing_large_print")
        inspector = inspect(db.engine)
        assert "printed_layouts" not in inspector.get_table_names()
        columns = {c["name"] for c in inspector.get_columns("mailings")}
        assert "printed_layout_id" not in columns and "large_print" in columns
        downgrade(directory=MIGRATIONS, revision="audit_names")  # the print size too
        assert "large_print" not in {c["name"] for c in inspect(db.engine).get_columns("mailings")}
        upgrade(directory=MIGRATIONS)
        assert db.session.scalar(select(KeyingPass.mailing_id)) == mailing_id
        assert db.session.get(Mailing, mailing_id).printed_layout is None


def test_scan_pages_lose_and_regain_their_readings_and_unused_pages_go_back_to_duplicates(app):
    """Pages keep their box readings (to propose a copy again when a later batch's page
    joins it) and may be 'unused' (their copy was settled first); downgrading drops the
    readings and lists an unused page as one scanned again, the old schema's nearest."""
    from datetime import date

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, select, text

    from fieldwork import MIGRATIONS
    from fieldwork.models import ScanBatch, ScanCopy, ScanPage

    with app.app_context():
        batch = ScanBatch(returned_on=date(2026, 5, 4), files=[])
        copy = ScanCopy(batch=batch, serial="7", instrument="short", version=1, lang="en")
        reading = {"box": {"item": "used", "page": 2}, "dark": 0.4, "ticked": True}
        reading |= {"filled": False, "confidence": 1.0, "uncertain": False, "spread": 0.8}
        rows = ((1, "placed", [reading]), (2, "unused", None))
        common = {"batch": batch, "copy": copy, "file_name": "a.pdf", "page_no": 2, "serial": "7"}
        pages = [
            ScanPage(position=n, file_page=n, status=status, readings=readings, **common)
            for n, status, readings in rows
        ]
        db.session.add_all([batch, copy, *pages])
        db.session.commit()
        downgrade(directory=MIGRATIONS, revision="printed_layouts")
        assert "readings" not in {c["name"] for c in inspect(db.engine).get_columns("scan_pages")}
        statuses = db.session.execute(text("SELECT status FROM scan_pages ORDER BY position"))
        assert [s for (s,) in statuses] == ["placed", "duplicate"]
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        found = db.session.scalars(select(ScanPage).order_by(ScanPage.position)).all()
        assert [(p.status, p.readings) for p in found] == [("placed", None), ("duplicate", None)]
        found[1].status, found[0].readings = "unused", [reading]
        db.session.commit()
        assert db.session.scalar(select(ScanPage.readings).where(ScanPage.position == 1)) == [
            reading
        ]
