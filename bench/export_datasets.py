"""Time coded exports at scale: seed patient responses, export csv, sav, dta and parquet.

For each format it prints rows per second, peak memory (each export runs in a process
of its own), the load average when it finished and the ratio to two baselines
measured in the same run: (a) the same library writing an in-memory frame of the same
shape, and (b) PostgreSQL `COPY (SELECT * FROM the answer table) TO STDOUT`; it also
prints (c), the export's own query through COPY, read and dropped (the database's share).

.venv/bin/python bench/export_datasets.py --rows 1000000            # SQLite and PostgreSQL
.venv/bin/python bench/export_datasets.py --rows 100000,1000000 --backend sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa

# PostgreSQL database to seed (a schema of its own in it); --url, passed on to the children.
PG_URL = os.environ.get("FIELDWORK_BENCH_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "fw_bench_export"
FORMATS = ("csv", "sav", "dta", "parquet")
FORMATS_RUN = ["parquet", "csv", "sav", "dta"]  # --formats
REPEAT = 1  # --repeat: rounds per format (on a shared machine, the median says more)
START = datetime(2026, 9, 1, 8, 0)


def _app(url: str):
    from fieldwork import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})


def _database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite'}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{SCHEMA}"


def _answers(instrument, rows: int, rng) -> dict[str, np.ndarray]:
    """Random valid stored values per column (about 5% left blank)."""
    from forms.variables import CODE, DECIMAL, FLAG, INTEGER, instrument_variables

    found = {}
    for var in instrument_variables(instrument):
        if var.item.identifying:
            continue  # stored apart, encrypted: not a column of the answer table
        if var.kind == CODE:
            values = rng.choice(np.array(var.item.choices.codes), rows).astype(float)
        elif var.kind == FLAG:
            values = rng.integers(0, 2, rows).astype(float)
        elif var.kind in (INTEGER, DECIMAL):
            low = var.item.min if var.item.min is not None else 0
            high = var.item.max if var.item.max is not None else 100
            values = rng.integers(int(low), int(high) + 1, rows).astype(float)
        else:
            continue  # text and dates left blank
        values[rng.random(rows) < 0.05] = np.nan
        found[var.name] = values
    return found


def seed(url: str, rows: int) -> dict:
    """Migrate, load the instruments, and bulk-load `rows` complete patient responses."""
    from flask_migrate import upgrade

    from fieldwork import MIGRATIONS
    from fieldwork.answers import answer_table
    from fieldwork.catalogue import get_catalogue
    from fieldwork.db import db
    from fieldwork.demo import seed as demo_seed
    from fieldwork.models import Practice

    app = _app(url)
    started = time.perf_counter()
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        catalogue = get_catalogue()
        demo_seed(["patient"])
        db.session.commit()
        patient = catalogue.current["patient"]
        version_id = catalogue.version_ids["patient"]
        practices = db.session.scalars(sa.select(Practice.id)).all()
        table = answer_table(patient)
        rng = np.random.default_rng(20261129)
        answers = _answers(patient, rows, rng)
        names = list(answers)
        db.session.close()
        raw = db.engine.raw_connection()
        postgres = db.engine.dialect.name == "postgresql"
        _bulk(raw, postgres, rows, version_id, practices, table.name, names, answers, rng)
        raw.commit()
        if postgres:  # as autovacuum would after a bulk load (SQLite is never analysed)
            raw.cursor().execute("ANALYZE")
            raw.commit()
        raw.close()
    return {"seconds": time.perf_counter() - started, "table": table.name}


def _bulk(raw, postgres, rows, version_id, practices, table, names, answers, rng):
    """Insert responses and their answer rows in blocks: on PostgreSQL as CSV text made by
    pyarrow and sent by COPY; on SQLite by executemany, a transaction per block, sync off."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    cursor = raw.cursor()
    if not postgres:
        cursor.execute("PRAGMA synchronous=OFF")
    response_columns = (
        "id, public_id, instrument_version_id, practice_id, mode, language, status, "
        "started_at, updated_at, submitted_at"
    )
    answer_columns = "response_id, " + ", ".join(names)
    practice = rng.choice(np.array(practices), rows)
    mode = rng.choice(np.array([1, 2, 3]), rows, p=[0.6, 0.3, 0.1])
    start_s = np.datetime64(START, "s")
    for start in range(0, rows, 100_000):
        stop = min(rows, start + 100_000)
        n = np.arange(start, stop)
        started = start_s + n.astype("timedelta64[s]")
        people = pa.table({
            "id": n + 1, "public_id": pa.array([f"B{i:011d}" for i in range(start, stop)]),
            "instrument_version_id": np.full(len(n), version_id),
            "practice_id": practice[start:stop],
            "mode": mode[start:stop], "language": pa.array(["en"] * len(n)),
            "status": np.ones(len(n), dtype=np.int64), "started_at": started,
            "updated_at": started, "submitted_at": started + np.timedelta64(600, "s"),
        })  # fmt: skip
        block = {"response_id": n + 1}
        for name in names:
            values = answers[name][start:stop]
            block[name] = pa.array(values, mask=np.isnan(values)).cast(pa.int64())
        answer_rows = pa.table(block)
        for table_name, columns, batch in (
            ("responses", response_columns, people),
            (table, answer_columns, answer_rows),
        ):
            if postgres:
                text = pa.BufferOutputStream()
                pa_csv.write_csv(batch, text, pa_csv.WriteOptions(include_header=False))
                with cursor.copy(
                    f"COPY {table_name} ({columns}) FROM STDIN WITH (FORMAT csv)"
                ) as copy:
                    copy.write(text.getvalue().to_pybytes())
            else:
                marks = ", ".join("?" * len(columns.split(",")))
                insert = f"INSERT INTO {table_name} ({columns}) VALUES ({marks})"  # noqa: S608
                values = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                if table_name == "responses":  # sqlite3 stores datetimes as ISO text
                    values = [
                        [v.isoformat(" ") for v in col]
                        if col and hasattr(col[0], "isoformat")
                        else col
                        for col in values
                    ]
                cursor.execute("BEGIN")
                cursor.executemany(insert, zip(*values, strict=True))
                cursor.execute("COMMIT")
    cursor.close()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds of this process so far, user and system, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_export(url: str, fmt: str, folder: str) -> dict:
    """One export through the app's own code path (stream -> code -> write)."""
    from exports.bundle import zip_bundle
    from exports.writers import load_libraries
    from fieldwork.catalogue import get_catalogue
    from fieldwork.datasets.filters import Request
    from fieldwork.datasets.services import build_bundle

    app = _app(url)
    with app.app_context():
        get_catalogue()  # loaded before any job, as `fieldwork worker` and `serve` do at start
        load_libraries()  # as `fieldwork worker` does at start
        started, cpu = time.perf_counter(), _cpu_s()
        bundle = build_bundle(Request("patient", formats=[fmt]), None, Path(folder), lambda n: None)
        seconds, cpu = time.perf_counter() - started, _cpu_s() - cpu
    peak = _peak_mb()
    started = time.perf_counter()  # then the export job zips the bundle for download
    size = zip_bundle(bundle, Path(folder).with_suffix(".zip"))
    zipped = time.perf_counter() - started
    Path(folder).with_suffix(".zip").unlink()
    return {
        "seconds": seconds, "cpu_seconds": cpu, "rows": bundle.rows, "peak_mb": peak,
        "zip_seconds": zipped, "zip_mb": size / 1e6,
    }  # fmt: skip


def measure_frame(fmt: str, folder: str) -> dict:
    """Baseline (a): the same library writing the same coded data from an in-memory frame."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq
    import pyreadstat

    table = pq.read_table(Path(folder) / "data.parquet")
    frame = table.to_pandas() if fmt in ("sav", "dta") else None
    if frame is not None:
        for name in frame.columns:
            if frame[name].dtype.kind in "iu":
                frame[name] = frame[name].astype("float64")
    out = Path(folder) / f"frame.{fmt}"
    started = time.perf_counter()
    if fmt == "csv":
        pa_csv.write_csv(table, out)
    elif fmt == "parquet":
        pq.write_table(table, out, compression="snappy")
    elif fmt == "sav":
        pyreadstat.write_sav(frame, out)
    else:
        pyreadstat.write_dta(frame, out, version=14)
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def measure_copy(url: str, table: str) -> dict:
    """Baseline (b): PostgreSQL COPY of the answer table to STDOUT (read and dropped)."""
    import psycopg

    dsn = PG_URL.replace("postgresql+psycopg", "postgresql")
    started = time.perf_counter()
    size = 0
    query = f"COPY (SELECT * FROM {table}) TO STDOUT WITH CSV"  # noqa: S608 (our table)
    with (
        psycopg.connect(dsn, options=f"-csearch_path={SCHEMA}") as conn,
        conn.cursor() as cur,
        cur.copy(query) as copy,
    ):
        for block in copy:
            size += len(block)
    return {"seconds": time.perf_counter() - started, "bytes": size}


def measure_query(url: str) -> dict:
    """Baseline (c): the export's own query through COPY as CSV (as the export runs it),
    read and dropped: the database's part of an export, without the client's."""
    from fieldwork.catalogue import get_catalogue
    from fieldwork.datasets import stream
    from fieldwork.datasets.filters import Request
    from fieldwork.db import db

    app = _app(url)
    with app.app_context():
        request = Request("patient")
        ids = stream.version_ids(request)
        versions = {v: get_catalogue().instrument_for(i) for v, i in ids.items()}
        query = stream._query(versions, ids, request, frozenset())
        connection = db.session.connection()
        compiled = query.compile(
            dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
        )
        statement = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv)"
        size = 0
        with connection.connection.dbapi_connection.cursor() as cursor:
            cursor.execute(stream.NO_PARALLEL)
            started = time.perf_counter()
            with cursor.copy(statement, compiled.params) as copy:
                for block in copy:
                    size += len(block)
            seconds = time.perf_counter() - started
    return {"seconds": seconds, "bytes": size}


def _child(*args: str) -> dict:
    """Run one measurement in a fresh process (so peak memory is its own)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(backend: str, rows: int, copy: dict | None) -> dict:
    """Seed one backend, export each format, measure the baselines; print a table."""
    folder = Path(tempfile.mkdtemp(prefix=f"fw-bench-{backend}-"))
    url = _database(backend, folder)
    seeded = _child("seed", url, str(rows))
    print(f"{backend}: seeded {rows:,} responses in {seeded['seconds']:.1f} s", flush=True)
    if backend == "postgresql":
        copy = _child("copy", url, seeded["table"])
        copy["query"] = _child("query", url)["seconds"]
        print(
            f"{backend}: COPY of the answer table {copy['seconds']:.2f} s, of the export's "
            f"query {copy['query']:.2f} s (b, c) | load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    parquet_dir = folder / "parquet"
    results = {}
    for fmt in FORMATS_RUN:
        out = folder / fmt
        rounds = []
        for _ in range(REPEAT):  # each round: the export, its frame, and on PostgreSQL a COPY
            if backend == "postgresql" and (rounds or fmt != FORMATS_RUN[0]):
                copy = _child("copy", url, seeded["table"])
            found = _child("export", url, fmt, str(out))
            found["frame"] = _child("frame", fmt, str(parquet_dir))
            found["copy"] = copy
            rounds.append(found)
            print(_line(backend, fmt, found, copy), flush=True)
        if len(rounds) > 1:
            print(_median(backend, fmt, rounds), flush=True)
        results[fmt] = rounds
    shutil.rmtree(folder, ignore_errors=True)
    if backend == "postgresql":
        _drop_schema()
    return {"copy": copy, "results": results}


def _median(backend: str, fmt: str, rounds: list[dict]) -> str:
    """The median round's export seconds and the medians of the rounds' ratios."""
    seconds = statistics.median(r["seconds"] for r in rounds)
    cpu = statistics.median(r["cpu_seconds"] for r in rounds)
    frame = statistics.median(r["seconds"] / r["frame"]["seconds"] for r in rounds)
    copies = [r["seconds"] / r["copy"]["seconds"] for r in rounds if r["copy"]]
    vs_copy = f"{statistics.median(copies):.2f}x" if copies else "n/a"
    return (
        f"{backend:10} {fmt:8} median of {len(rounds)}: {seconds:.2f} s, {cpu:.1f} CPU-s "
        f"(best {min(r['seconds'] for r in rounds):.2f} s) | vs frame {frame:.2f}x "
        f"| vs COPY {vs_copy} | peak {max(r['peak_mb'] for r in rounds):.0f} MB"
    )


def _drop_schema() -> None:
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()


def _line(backend: str, fmt: str, result: dict, copy: dict | None) -> str:
    seconds = result["seconds"]
    rate = result["rows"] / seconds if seconds else 0
    frame = seconds / result["frame"]["seconds"]
    vs_copy = f"{seconds / copy['seconds']:.2f}x (COPY {copy['seconds']:.2f} s)" if copy else "n/a"
    return (
        f"{backend:10} {fmt:8} {result['rows']:>9,} rows {seconds:7.2f} s "
        f"({result['cpu_seconds']:.1f} CPU-s) {rate:9,.0f} rows/s "
        f"peak {result['peak_mb']:6.0f} MB | vs frame {frame:5.2f}x "
        f"(frame {result['frame']['seconds']:.2f} s, {result['frame']['peak_mb']:.0f} MB) "
        f"| vs COPY {vs_copy} | then zipped in {result['zip_seconds']:.2f} s"
        f" ({result['zip_mb']:.0f} MB) | load {os.getloadavg()[0]:.1f}"
    )


def child(args: list[str]) -> None:
    """The measurements run in their own processes."""
    kind = args[0]
    if kind == "seed":
        result = seed(args[1], int(args[2]))
    elif kind == "export":
        result = measure_export(args[1], args[2], args[3])
    elif kind == "frame":
        result = measure_frame(args[1], args[2])
    elif kind == "query":
        result = measure_query(args[1])
    else:
        result = measure_copy(args[1], args[2])
    print(json.dumps(result))


def main() -> None:
    """Parse the options and run the benchmark."""
    global PG_URL, REPEAT  # the children read PG_URL from the environment
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows",
        default="1000000",
        help="responses; several sizes comma-separated (100000,1000000)",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--formats", default=",".join(FORMATS_RUN), help="formats to export")
    parser.add_argument(
        "--url", default=PG_URL, help="PostgreSQL database to seed (a schema in it)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds per format (export, frame, COPY)"
    )
    options = parser.parse_args()
    REPEAT = max(1, options.repeat)
    PG_URL = os.environ["FIELDWORK_BENCH_URL"] = options.url
    wanted = options.formats.split(",")
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown:
        parser.error(f"no such format: {', '.join(unknown)} (choose from {', '.join(FORMATS)})")
    # parquet always, and first: the frame baselines are read from its file
    FORMATS_RUN[:] = sorted({"parquet", *wanted}, key=["parquet", *FORMATS].index)
    os.environ.setdefault("FIELDWORK_JOBS_IMMEDIATE", "1")
    backends = ["postgresql", "sqlite"] if options.backend == "both" else [options.backend]
    for rows in [int(size) for size in options.rows.split(",")]:
        copy = None
        for backend in backends:
            copy = run(backend, rows, copy)["copy"]


if __name__ == "__main__":
    main()
