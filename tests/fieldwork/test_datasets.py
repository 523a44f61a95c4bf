"""Exports from the database: the command, the analysts' page, roles, filters, the job."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import select

from fieldwork.db import db
from fieldwork.models import AuditEvent, Job, User
from tests.conftest import csrf_token
from tests.fieldwork.datasets_world import build, write_instruments


@pytest.fixture
def instruments_dir(tmp_path):
    return write_instruments(tmp_path / "instruments")


@pytest.fixture
def world(app):
    build(app)
    return app


def _read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data)).set_index("response_id")


def test_the_command_exports_both_versions_in_start_order(world, runner, tmp_path):
    out = tmp_path / "bundle"
    result = runner.invoke(args=["export", "--instrument", "clinic", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 responses exported" in result.output
    data = pd.read_csv(out / "data.csv").set_index("response_id")
    assert list(data.index) == ["P0001", "P0002", "P0006", "P0004", "P0005"]  # started order
    assert data.loc["P0001", "what_1"] == 1 and data.loc["P0002", "what_1"] == -98
    assert data.loc["P0001", "rate_rx"] == -95 and data.loc["P0004", "rate_rx"] == 2
    assert data.loc["P0004", "rate_book"] == -99 and data.loc["P0001", "kids"] == -95
    assert data.loc["P0001", "started"] == "2026-03" and data.loc["P0001", "region"] == "North West"
    assert "why" not in data.columns and "phone" not in data.columns
    assert sorted(p.name for p in out.iterdir()) == [
        "codebook.csv", "codebook.html", "data.csv", "data.sav", "datapackage.json",
    ]  # fmt: skip


def test_filters_and_a_zip_repeat_byte_for_byte(world, runner, tmp_path):
    args = ["export", "--instrument", "clinic", "--status", "all", "--practice", "Y90001",
            "--format", "csv,parquet,dta", "--since", "2026-03-04",
            "--until", "2026-03-04"]  # fmt: skip
    first = runner.invoke(args=[*args, "--out", str(tmp_path / "a.zip")])
    assert first.exit_code == 0, first.output
    runner.invoke(args=[*args, "--out", str(tmp_path / "b.zip")])
    a = _read_zip((tmp_path / "a.zip").read_bytes())
    b = _read_zip((tmp_path / "b.zip").read_bytes())
    assert list(_csv(a["data.csv"]).index) == ["P0001", "P0003"]
    assert _csv(a["data.csv"]).loc["P0003", "rate_book"] == -97  # partial: not reached
    for name in ("data.csv", "data.parquet", "data.dta"):
        assert a[name] == b[name], name


def test_command_mistakes_are_clear(world, runner, tmp_path):
    result = runner.invoke(args=["export", "--instrument", "nope", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1 and "no instrument called 'nope'" in result.output
    result = runner.invoke(
        args=["export", "--instrument", "clinic", "--format", "pdf", "--out", str(tmp_path)]
    )
    assert "unknown format 'pdf'" in result.output


def test_a_full_bundle_from_the_command_carries_free_text_and_is_audited(world, runner, tmp_path):
    out = tmp_path / "full"
    args = ["export", "--instrument", "clinic", "--full", "--format", "csv,free_text,contacts"]
    assert runner.invoke(args=[*args, "--out", str(out)]).exit_code == 0
    text = pd.read_csv(out / "free_text.csv")
    assert text.values.tolist() == [["P0001", "why", "'=because"]]
    contacts = pd.read_csv(out / "contacts.csv", dtype=str)
    assert contacts.values.tolist() == [["P0001", "phone", "07700 900000"]]
    assert "07700" not in (out / "data.csv").read_text()
    plain = runner.invoke(args=["export", "--instrument", "clinic", "--format", "csv,contacts",
                                "--out", str(tmp_path / "x")])  # fmt: skip
    assert "free text and contacts go only into full bundles" in plain.output
    assert pd.read_csv(out / "data.csv")["started"][0] == "2026-03-04T09:01:00Z"
    with world.app_context():
        assert db.session.scalar(
            select(AuditEvent.action).where(AuditEvent.action == "export_full")
        )


def _post(client, **fields):
    token = csrf_token(client, "/staff/datasets/")
    return client.post("/staff/datasets/", data={"csrf_token": token, **fields})


def test_the_page_counts_then_exports_and_lists_it(world, auth, client):
    auth.login("analyst@example.org", role="analyst")
    page = _post(client, instrument="clinic", action="count", status="complete")
    assert page.status_code == 200, page.text[-3000:]
    assert "<strong>5</strong> responses match" in page.text
    assert "Complete: submitted online or returned on paper" in page.text
    started = _post(client, instrument="clinic", action="start", formats=["csv", "codebook"])
    assert started.status_code == 302
    job_page = client.get(started.headers["Location"]).text
    assert "Download clinic-deidentified-" in job_page
    with world.app_context():
        job = db.session.scalar(select(Job))
        assert (job.state, job.done, job.total) == ("done", 5, 5)
    with client.get(f"/staff/jobs/{job.id}/download") as download:
        files = _read_zip(download.data)
    assert sorted(files) == ["codebook.csv", "codebook.html", "data.csv", "datapackage.json"]
    listing = client.get("/staff/datasets/").text
    assert "analyst@example.org" in listing and "de-identified, clean" in listing


def test_analysts_cannot_have_full_bundles_and_coordinators_see_their_practices(
    world, auth, client
):
    auth.login("analyst@example.org", role="analyst")
    refused = _post(client, instrument="clinic", action="start", full="1", formats=["csv"])
    assert refused.status_code == 400 and "only an administrator" in refused.text
    auth.logout()
    auth.login("coord@example.org", role="coordinator", practices="Y90002")
    page = _post(client, instrument="clinic", action="count", status="all")
    assert "<strong>2</strong> responses match" in page.text
    other = _post(client, instrument="clinic", action="count", practices="Y90001")
    assert "<strong>0</strong> responses match" in other.text


def test_a_full_bundle_is_for_admins_only_even_its_maker_once_no_longer_one(world, auth, client):
    auth.create("other@example.org", role="admin")
    auth.login("boss@example.org", role="admin")
    started = _post(client, instrument="clinic", action="start", full="1", formats=["csv"])
    assert started.status_code == 302
    job_url = started.headers["Location"]
    with client.get(f"{job_url}/download") as download:
        assert download.status_code == 200
    with world.app_context():
        boss = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    auth.logout()
    auth.login("other@example.org")
    changed = client.post(
        f"/staff/admin/users/{boss.id}",
        data={"csrf_token": csrf_token(client, "/staff/admin/users"), "role": "analyst"},
    )
    assert changed.status_code == 302
    auth.logout()
    auth.login("boss@example.org")  # an analyst now
    for url in (job_url, f"{job_url}.json", f"{job_url}/download"):
        assert client.get(url).status_code == 404, url


def test_bad_choices_give_the_page_back_with_errors(world, auth, client):
    auth.login(role="admin")
    page = _post(client, instrument="clinic", action="count", since="31/03/2026")
    assert page.status_code == 400 and "the from date must look like 2026-03-31" in page.text
    page = _post(client, action="count")
    assert page.status_code == 400 and "Choose a questionnaire" in page.text
    many = " ".join(f"Y{n:05d}" for n in range(70_000))  # more than a query can carry
    page = _post(client, instrument="clinic", action="count", practices=many)
    assert page.status_code == 400 and "list at most 10,000 practices" in page.text
    page = _post(client, instrument="clinic", action="count", regions=["North"] * 70_000)
    assert page.status_code == 400 and "list at most 10,000 regions" in page.text
    for versions in ("²", "1 ²", "9" * 25):  # "²".isdigit() is true, int("²") fails
        page = _post(client, instrument="clinic", action="count", versions=versions)
        assert page.status_code == 400 and "Enter version numbers" in page.text


def test_no_matching_responses_gives_headers_and_a_codebook(world, runner, tmp_path):
    out = tmp_path / "empty"
    args = ["export", "--instrument", "clinic", "--practice", "Y90005",
            "--format", "csv,labels,sav,dta,parquet,xlsx,codebook"]  # fmt: skip
    result = runner.invoke(args=[*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "data.csv").read_text().startswith('"response_id","instrument"')
    assert pd.read_parquet(out / "data.parquet").shape[0] == 0
    assert "0 responses exported" in result.output


def test_rows_as_csv_give_the_chunks_the_cursor_gives(world):
    """Rows formatted as CSV by the database (PostgreSQL COPY … TO STDOUT, SQLite printf)
    and parsed by pyarrow equal the cursor's rows: same values and types, awkward text
    (quotes, commas, line breaks, empty), decimals and fractions of seconds included."""
    from fieldwork import answers
    from fieldwork.catalogue import get_catalogue
    from fieldwork.datasets import stream
    from fieldwork.datasets.filters import Request
    from fieldwork.models import Response

    with world.app_context():
        one = db.session.scalar(select(Response).where(Response.public_id == "P0002"))
        one.started_at = one.started_at.replace(microsecond=123456)
        one.paper_states = '{"age": -96}'
        catalogue = get_catalogue()
        instrument = catalogue.instrument_for(one.instrument_version_id)
        answers.save_items(db.session, instrument, one.id, instrument.items,
                           {"used": 2, "why": 'say "no", then\nnew line'})  # fmt: skip
        db.session.flush()
        for request in (
            Request("clinic", status="all"),
            Request("clinic", practices=["Y90001", "Y90002"], since="2026-03-04", status="all"),
            Request("clinic", practices=["Y90003"], until="2026-03-01"),  # matches nothing
        ):
            ids = stream.version_ids(request)
            versions = {v: catalogue.instrument_for(i) for v, i in ids.items()}
            copied = list(stream.stream_chunks(versions, ids, request, frozenset()))
            cursor = list(stream.stream_chunks(versions, ids, request, frozenset(), copy=False))
            assert len(copied) == len(cursor)
            for a, b in zip(copied, cursor, strict=True):
                assert a.column_names == b.column_names
                for name in a.column_names:
                    if not pa.types.is_null(b.column(name).type):  # all empty: typed by COPY
                        assert a.column(name).type == b.column(name).type, name
                    assert a.column(name).to_pylist() == b.column(name).to_pylist(), name
            if request.practices == ["Y90003"]:
                assert copied == []
            elif not request.practices:
                rows = pa.concat_tables(copied)
                assert rows.num_rows == 6 and 'say "no", then\nnew line' in rows["why"].to_pylist()


def _streamed(request, allowed=frozenset(), copy=True) -> pa.Table | None:
    from fieldwork.catalogue import get_catalogue
    from fieldwork.datasets import stream

    ids = stream.version_ids(request)
    versions = {v: get_catalogue().instrument_for(i) for v, i in ids.items()}
    chunks = list(stream.stream_chunks(versions, ids, request, allowed, copy=copy))
    return pa.concat_tables(chunks) if chunks else None


_NAMED = ("practices", "regions", "instrument_versions")


def _fields(output: str) -> int:
    """How many expressions a plan's output list holds (commas outside brackets)."""
    depth, count = 0, 1
    for char in output:
        depth += {"(": 1, ")": -1}.get(char, 0)
        count += char == "," and depth == 0
    return count


def test_the_query_reads_responses_and_answers_only_and_sends_what_it_orders_by(world):
    """The export's query joins no practices, regions or versions (their names are put in
    by arrow, by id) and sends the columns it is ordered by: PostgreSQL makes no join a row
    for names, and no second copy of each row to leave out a column it sorted by (its
    plan's output is the columns sent, no more)."""
    from fieldwork.catalogue import get_catalogue
    from fieldwork.datasets import stream
    from fieldwork.datasets.filters import Request

    with world.app_context():
        request = Request("clinic", regions=["North West", "Midlands"], practices=["Y90001"])
        ids = stream.version_ids(request)
        versions = {v: get_catalogue().instrument_for(i) for v, i in ids.items()}
        query = stream._query(versions, ids, request, frozenset({"Y90001", "Y90002"}))
        joined = str(query.compile()).split(" WHERE ")[0]
        assert not any(table in joined for table in _NAMED), joined
        selected = {c.element if hasattr(c, "element") else c for c in query.selected_columns}
        for column in query._order_by_clauses:
            assert column in selected, column
        if db.session.connection().dialect.name == "postgresql":
            connection = db.session.connection()
            compiled = query.compile(
                dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
            )
            cursor = connection.connection.dbapi_connection.cursor()
            cursor.execute(f"EXPLAIN (VERBOSE) {compiled.string}", compiled.params)
            plan = [row[0] for row in cursor.fetchall()]
            assert not any(table in line for line in plan for table in _NAMED), plan
            output = next(line for line in plan if line.strip().startswith("Output:"))
            assert _fields(output.split("Output:", 1)[1]) == len(query.selected_columns), output


def test_practice_region_and_version_are_named_by_their_ids(world):
    """The practice's code, its region and the version's number, named in arrow from the
    response's ids, as the joins gave them: with region, practice and user filters, on
    both ways of reading."""
    from fieldwork.datasets.filters import Request

    with world.app_context():
        for copy in (True, False):
            every = _streamed(Request("clinic", status="all"), copy=copy)
            assert every.column("_id").to_pylist() == [
                "P0001", "P0002", "P0003", "P0006", "P0004", "P0005"]  # fmt: skip
            assert every.column("_practice").to_pylist() == [
                "Y90001", "Y90002", "Y90001", "Y90001", "Y90002", "Y90003"]  # fmt: skip
            assert every.column("_region").to_pylist() == [
                "North West", "North East and Yorkshire", "North West", "North West",
                "North East and Yorkshire", "Midlands"]  # fmt: skip
            assert every.column("_version").to_pylist() == [1, 1, 2, 1, 2, 2]
            assert every.column("_version").type == pa.int64()
            assert "_row" not in every.column_names
            names = every.column_names
            assert names[names.index("_practice") + 1 : names.index("_practice") + 3] == [
                "_region", "_version"]  # fmt: skip
            regions = _streamed(Request("clinic", status="all", regions=["Midlands"]), copy=copy)
            assert regions.column("_id").to_pylist() == ["P0005"]
            both = Request("clinic", status="all", regions=["North West", "Midlands"],
                           practices=["Y90001", "Y90002"])  # fmt: skip
            assert _streamed(both, copy=copy).column("_id").to_pylist() == [
                "P0001", "P0003", "P0006"]  # fmt: skip
            theirs = _streamed(Request("clinic", status="all", regions=["North West"]),
                               frozenset({"Y90002", "Y90003"}), copy=copy)  # fmt: skip
            assert theirs is None
            theirs = _streamed(Request("clinic", status="all", versions=[2]),
                               frozenset({"Y90002", "Y90003"}), copy=copy)  # fmt: skip
            assert theirs.column("_id").to_pylist() == ["P0004", "P0005"]
            assert theirs.column("_version").to_pylist() == [2, 2]


def test_the_page_says_which_dates_a_de_identified_bundle_cuts_to_the_month(world, auth, client):
    """Timestamps become months; answers to date questions (a date of birth) stay whole."""
    auth.login("analyst@example.org", role="analyst")
    page = client.get("/staff/datasets/").text
    assert "months instead of dates" not in page
    assert (
        "only the month of when each response was started, sent and consented; "
        "answers to date questions are kept whole" in page
    )
