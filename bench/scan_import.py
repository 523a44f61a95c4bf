"""The app's cost of reading scans: the `scan_batch` job against the reading core alone.

Prints a pack of the patient questionnaire (serials = mailings of a fresh SQLite study),
fills every copy as people do (`bench.scanfill`), writes one multi-page TIFF, then in this
process times (a) `forms.scan.read_batch(rasterise(tiff))`, the core, and (b) the app's
`scan_batch` job on the same file (`fieldwork scans import` runs it so): reading page by
page, each page's image encrypted to a file, pages and copies written to the database.

    .venv/bin/python bench/scan_import.py [--copies 3] [--repeat 2]

Prints pages, pages per minute of each (best of --repeat) and the app's time against the
core's.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scanfill import draw_page, plan_copy, print_pack
from forms.loader import load_instrument
from forms.scan import rasterise, read_batch

ROOT = Path(__file__).resolve().parent.parent


def _tiff(pack, rng) -> bytes:
    buffer = io.BytesIO()
    with TiffImagePlugin.AppendingTiffWriter(buffer, new=True) as tiff:
        for number in range(len(pack.serials)):
            plan = plan_copy(pack.form, rng)
            for page, image in pack.pages[number].items():
                marks = [m for m in plan.marks if m.page == page]
                Image.fromarray(draw_page(image, marks, rng)).save(
                    tiff, "TIFF", compression="tiff_adobe_deflate", dpi=(300, 300)
                )
                tiff.newFrame()
    return buffer.getvalue()


def _app(folder: Path):
    from cryptography.fernet import Fernet
    from flask_migrate import upgrade

    from fieldwork import MIGRATIONS, create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "SCANS": str(folder / "scans"),
            "SECRET_KEY": "bench",
            "IDENTIFYING_KEY": Fernet.generate_key().decode(),
        }
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    return app


def _mail(app, copies: int) -> None:
    """Codes for one practice and a mailing each: mailing ids 1… are the pack's serials."""
    from fieldwork.db import db
    from fieldwork.invitations.services import issue_codes
    from fieldwork.models import Mailing, Practice, Region

    with app.app_context():
        practice = Practice(code="Y90001", name="Bench", region=Region(name="North"))
        db.session.add(practice)
        db.session.flush()
        for invitation in issue_codes(practice, "patient", copies, "paper").invitations:
            db.session.add(
                Mailing(
                    invitation_id=invitation.id,
                    batch=invitation.batch,
                    wave=1,
                    mailed_on=datetime.date(2026, 5, 1),
                    language="en",
                )
            )
        db.session.commit()


def _run_app(app, tiff: bytes) -> tuple[float, int, int]:
    from fieldwork.db import db
    from fieldwork.jobs.runner import run_job
    from fieldwork.models import Job, ScanCopy, ScanPage
    from fieldwork.scans.services import start_batch

    with app.app_context():
        batch = start_batch([("batch.tiff", tiff)], datetime.date(2026, 5, 4), None)
        db.session.commit()
        job_id, batch_id = batch.job_id, batch.id
        started = time.perf_counter()
        run_job(job_id)
        seconds = time.perf_counter() - started
        job = db.session.get(Job, job_id)
        if job.state != "done":
            raise SystemExit(f"the job failed: {job.error}")
        pages = db.session.query(ScanPage).filter_by(batch_id=batch_id, status="placed").count()
        problems = {p.problem for p in db.session.query(ScanPage).filter_by(batch_id=batch_id)}
        if problems - {""}:
            print("pages not placed:", problems - {""})
        tied = (
            db.session.query(ScanCopy)
            .filter(ScanCopy.batch_id == batch_id, ScanCopy.invitation_id.is_not(None))
            .count()
        )
        return seconds, pages, tied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    patient = load_instrument(ROOT / "instruments" / "patient.yaml")
    pack = print_pack(patient, args.copies, first_serial=1)
    tiff = _tiff(pack, np.random.default_rng(14))
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder))
        _mail(app, args.copies)
        core, app_runs = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            batch = read_batch(rasterise(tiff, "batch.tiff"), lambda _payload: pack.form)
            core.append(time.perf_counter() - started)
            seconds, pages, tied = _run_app(app, tiff)
            app_runs.append(seconds)
    print(f"{batch.pages} pages ({args.copies} patient copies), {pages} placed by the app, "
          f"{tied} copies tied to their codes")  # fmt: skip
    best_core, best_app = min(core), min(app_runs)
    print(f"core read_batch:    {batch.pages / best_core * 60:6.1f} pages/min ({best_core:.1f} s)")
    print(f"app scan_batch job: {pages / best_app * 60:6.1f} pages/min ({best_app:.1f} s)")
    print(f"app / core time: {best_app / best_core:.2f}")


if __name__ == "__main__":
    main()
