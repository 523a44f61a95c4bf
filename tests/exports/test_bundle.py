"""The export bundle read back in every format: codes, labels, missing codes, versions, scores."""

from __future__ import annotations

import datetime
import json

import frictionless
import pandas as pd
import pyreadstat
import pytest

from exports.bundle import FORMATS, write_bundle, zip_bundle
from exports.codebook import TYPES
from exports.coders import CODERS
from exports.dataset import Dataset, Options
from exports.tables import ARROW_TYPES
from exports.writers import DATES, MEASURES
from forms.model import ITEM_TYPES
from forms.stored import READERS, STATES
from forms.web_fields import KINDS
from tests.exports.samples import WHEN, record, versions

DATA = ["csv", "labels", "sav", "dta", "parquet", "xlsx", "codebook", "free_text"]


def _records():
    return [
        record(1, used=1, what_1=1, what_2=0, rate_book=1, rate_pay=2, age=40,
               born=datetime.date(1980, 1, 2), why="=cmd", phone="07700 900000"),
        record(2, used=2, what_1=1, what_2=1, rate_book=1, age=-5),
        record(3, version=2, status=2, used=1, _reached="what"),
        record(4, version=2, used=9, rate_book=1, rate_pay=1, rate_rx=2, kids=2),
        record(5, _mode=2, used=-96, rate_book=-96, **{STATES: {"age": -96}}),
    ]  # fmt: skip


def _bundle(tmp_path, formats=DATA, **options):
    dataset = Dataset(list(versions()), Options(**options))
    records = _records()
    bundle = write_bundle(dataset, [records[:2], records[2:]], tmp_path, formats, {"made_by": "t"})
    return dataset, bundle


def test_every_item_type_has_a_coder_beside_its_web_field():
    assert set(CODERS) == set(ITEM_TYPES) == set(KINDS) == set(READERS)


def test_every_kind_of_variable_has_a_type_a_codebook_type_and_a_measure():
    assert set(ARROW_TYPES) == set(TYPES) == set(MEASURES)
    assert set(DATES) < set(MEASURES)


def test_csv_codes_every_missing_code_dummies_grids_and_versions(tmp_path):
    _bundle(tmp_path)
    data = pd.read_csv(tmp_path / "data.csv").set_index("response_id")
    assert list(data.loc["R00001", ["used", "what_1", "what_2", "rate_book", "rate_pay"]]) == [
        1, 1, 0, 1, 2,
    ]  # fmt: skip
    assert data.loc["R00002", "what_1"] == -98  # routed past: the given tick is set aside
    assert data.loc["R00002", "rate_pay"] == -99 and data.loc["R00002", "age"] == -5
    assert data.loc["R00003", "rate_book"] == -97 and data.loc["R00003", "what_1"] == -99
    assert data.loc["R00005", "used"] == -96 and data.loc["R00005", "rate_book"] == -96
    assert data.loc["R00005", "age"] == -96
    assert (
        data.loc["R00001", "rate_rx"] == -95
        and data.loc["R00004", "born"] != data.loc["R00004", "born"]
    )  # a date not in the version is empty
    assert data.loc["R00001", "kids"] == -95 and data.loc["R00004", "kids"] == 2
    assert data.loc["R00001", "ease_sum"] == 3 and pd.isna(data.loc["R00002", "ease_sum"])
    assert "why" not in data.columns and "phone" not in data.columns
    assert data.loc["R00001", "region"] == "'=North"  # neutralised; numbers stay numbers
    assert data.loc["R00001", "started"] == "2026-03"  # de-identified: the month only


def test_labels_and_free_text(tmp_path):
    _bundle(tmp_path, free_text=True, deidentified=False)
    labels = pd.read_csv(tmp_path / "labels.csv", dtype=str).set_index("response_id")
    assert list(labels.loc["R00001", ["used", "what_1", "rate_book"]]) == [
        "Yes", "Ticked", "Very easy",
    ]  # fmt: skip
    assert labels.loc["R00003", "rate_pay"] == "Not reached"
    assert labels.loc["R00004", "rate_rx"] == "Hard" and labels.loc["R00001", "kids"] == (
        "Not in this version"
    )
    text = pd.read_csv(tmp_path / "free_text.csv", dtype=str)
    assert text.values.tolist() == [["R00001", "why", "'=cmd"]]
    data = pd.read_csv(tmp_path / "data.csv", dtype=str).set_index("response_id")
    assert data.loc["R00001", "started"] == WHEN.isoformat() + "Z"


def test_sav_has_labels_and_user_missing_codes(tmp_path):
    _bundle(tmp_path)
    frame, meta = pyreadstat.read_sav(tmp_path / "data.sav", user_missing=True)
    assert meta.column_names_to_labels["rate_book"] == "How easy? - Booking"
    assert meta.variable_value_labels["used"][9.0] == "Don't know"
    assert meta.variable_value_labels["used"][-96.0] == "Invalid on paper"
    assert meta.missing_ranges["used"] == [{"lo": -99.0, "hi": -95.0}, {"lo": 9.0, "hi": 9.0}]
    assert frame["what_1"].tolist() == [1, -98, -99, -98, -98]
    assert frame["rate_book"].tolist() == [1, 1, -97, 1, -96]
    plain, _ = pyreadstat.read_sav(tmp_path / "data.sav")  # user-missing read as missing
    assert plain["what_1"].isna().tolist() == [False, True, True, True, True]
    assert plain["used"].isna().tolist() == [False, False, False, True, True]  # 9 Don't know


@pytest.mark.parametrize("fmt", ["sav", "dta"])
@pytest.mark.parametrize("full", [False, True])
def test_dates_read_back_as_dates_and_no_date_as_missing(tmp_path, fmt, full):
    """A date question is a date in SPSS (DATE11) and Stata (%td); the response's own times
    are datetimes (DATETIME20, %tc) in a full bundle, text (the month) when de-identified."""
    _bundle(tmp_path, formats=[fmt], deidentified=not full)
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = read(tmp_path / f"data.{fmt}", user_missing=True)
    assert meta.original_variable_types["born"] == ("DATE11" if fmt == "sav" else "%td")
    born = frame.set_index("response_id")["born"]
    assert born["R00001"] == datetime.date(1980, 1, 2)
    assert born[["R00002", "R00003", "R00004", "R00005"]].isna().all()  # not 1582 or 1960
    submitted = frame.set_index("response_id")["submitted"]
    if full:
        assert meta.original_variable_types["started"] == ("DATETIME20" if fmt == "sav" else "%tc")
        assert frame["started"][0] == pd.Timestamp(WHEN)
        assert pd.isna(submitted["R00003"])  # partial: not submitted
    else:
        assert frame["started"].tolist() == ["2026-03"] * 5  # the month only, as text
        assert submitted["R00003"] == ""
    used = [1, 2, 1, 9, -96] if fmt == "sav" else [1, 2, 1, 9, "d"]
    assert frame["used"].tolist() == used  # codes and missing codes as before
    assert meta.variable_value_labels["used"][1] == "Yes"


def test_sav_sets_measurement_levels_by_kind_of_variable(tmp_path):
    _bundle(tmp_path, formats=["sav"], deidentified=False)
    _, meta = pyreadstat.read_sav(tmp_path / "data.sav", metadataonly=True)
    measure = meta.variable_measure
    assert measure["used"] == measure["what_1"] == measure["rate_book"] == "nominal"
    assert measure["mode"] == measure["status"] == "nominal"
    assert measure["age"] == measure["ease_sum"] == measure["born"] == "scale"
    assert measure["started"] == "scale" and measure["region"] == "nominal"
    _bundle(tmp_path / "d", formats=["sav"])
    _, meta = pyreadstat.read_sav(tmp_path / "d" / "data.sav", metadataonly=True)
    assert meta.variable_measure["started"] == "nominal"  # the month, as text
    assert "unknown" not in meta.variable_measure.values()


def test_dta_has_reserved_codes_as_extended_missing(tmp_path):
    _bundle(tmp_path)
    assert (tmp_path / "data.dta").read_bytes()[:40].startswith(b"<stata_dta><header><release>118")
    frame, meta = pyreadstat.read_dta(tmp_path / "data.dta", user_missing=True)
    assert frame["rate_book"].tolist() == [1, 1, "c", 1, "d"]
    assert frame["kids"].tolist()[:2] == ["e", "e"]
    assert meta.variable_value_labels["used"]["a"] == "Not answered"
    assert meta.variable_value_labels["used"][1] == "Yes"


def test_parquet_and_xlsx(tmp_path):
    _bundle(tmp_path)
    parquet = pd.read_parquet(tmp_path / "data.parquet")
    assert parquet["what_1"].tolist() == [1, -98, -99, -98, -98]
    sheets = pd.read_excel(tmp_path / "data.xlsx", sheet_name=None)
    assert sheets["data"]["what_1"].tolist() == [1, -98, -99, -98, -98]
    assert sheets["data"]["region"][0] == "'=North"
    assert "rate_book" in sheets["codebook"]["variable"].tolist()


def test_codebook_says_routing_versions_formulas_and_changed_labels(tmp_path):
    _bundle(tmp_path)
    book = pd.read_csv(tmp_path / "codebook.csv", dtype=str).fillna("").set_index("variable")
    assert book.loc["what_1", "routing"] == "Asked if Q1 is 'Yes'"
    assert book.loc["rate_rx", "versions"] == "2" and book.loc["born", "versions"] == "1"
    assert "code 1 is 'Easy' in version 1" in book.loc["rate_book", "notes"]
    assert book.loc["ease_sum", "formula"].startswith("sum(rate.book, rate.pay) (valid if")
    assert "Don't know (9, user-missing)" in book.loc["used", "missing"]
    assert book.loc["started", "type"] == "timestamp"
    assert "text in data.sav and data.dta" in book.loc["started", "notes"]  # the month only
    page = (tmp_path / "codebook.html").read_text()
    assert '<th scope="row"><code>rate_rx</code></th>' in page


def test_datapackage_describes_every_file_and_validates(tmp_path):
    _, bundle = _bundle(tmp_path, formats=FORMATS)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert frictionless.Package.validate_descriptor(tmp_path / "datapackage.json").valid
    paths = [r["path"] for r in descriptor["resources"]]
    assert paths == [name for name in bundle.files if name != "datapackage.json"]
    for entry in descriptor["resources"]:
        assert entry["bytes"] == (tmp_path / entry["path"]).stat().st_size
        assert entry["hash"].startswith("sha256:") and len(entry["hash"]) == 71
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert {"value": 9, "label": "Don't know"} in fields["used"]["categories"]
    assert {"value": "-97", "label": "Not reached"} in fields["used"]["missingValues"]
    about = descriptor["fieldwork"]
    assert about["rows"] == 5 and about["answers_set_aside"] == 1 and about["deidentified"]
    assert [v["version"] for v in about["instrument"]["versions"]] == [1, 2]
    assert _csv_resource(tmp_path).validate().valid


def _csv_resource(folder):
    package = frictionless.Package(str(folder / "datapackage.json"))
    return package.get_resource("data-csv")


def test_the_csv_reads_through_its_schema_and_rejects_values_outside_it(tmp_path):
    _bundle(tmp_path, formats=["csv"])
    resource = _csv_resource(tmp_path)
    assert resource.validate().valid
    rows = resource.read_rows()
    assert rows[1]["what_1"] is None and rows[1]["age"] == -5  # -98 read as missing
    text = (tmp_path / "data.csv").read_text().replace('"R00001","clinic",1', '"R00001","clinic",x')
    (tmp_path / "data.csv").write_text(text)
    report = _csv_resource(tmp_path).validate()
    assert not report.valid and "type-error" in {e.type for e in report.tasks[0].errors}


@pytest.mark.parametrize("clean", [True, False])
def test_raw_keeps_answers_routed_past(tmp_path, clean):
    _bundle(tmp_path, formats=["csv"], clean=clean)
    data = pd.read_csv(tmp_path / "data.csv").set_index("response_id")
    assert data.loc["R00002", "what_1"] == (-98 if clean else 1)


def test_data_files_are_byte_identical_when_repeated(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    _bundle(first)
    _bundle(second)
    for name in [
        "data.csv",
        "labels.csv",
        "data.sav",
        "data.dta",
        "data.parquet",
        "data.xlsx",
        "codebook.csv",
        "codebook.html",
    ]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_zip_holds_the_bundle(tmp_path):
    import zipfile

    _, bundle = _bundle(tmp_path / "b", formats=["csv", "codebook"])
    size = zip_bundle(bundle, tmp_path / "out.zip")
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        assert archive.namelist() == [
            "data.csv",
            "codebook.csv",
            "codebook.html",
            "datapackage.json",
        ]
    assert size == (tmp_path / "out.zip").stat().st_size


def test_chunk_states_agree_with_forms_routing_response_by_response():
    """The columnar coding judges exactly as forms.routing.item_states does, one by one."""
    import itertools

    from exports.dataset import records_table
    from exports.states import states_for
    from forms.routing import item_states
    from forms.stored import record_answers, record_marks

    v1, _ = versions()
    uses = [None, 1, 2, 9, -96]
    ticks = [(None, None), (1, 0), (0, 1), (0, 0)]
    records = [
        record(n, status=1 + n % 2, _mode=1 + n % 3, _reached=["used", "what", None][n % 3],
               used=used, what_1=what[0], what_2=what[1], rate_book=n % 3 or None,
               age=n % 4 or None, **({STATES: {"age": -96}} if n % 7 == 0 else {}))
        for n, (used, what) in enumerate(itertools.product(uses, ticks))
    ]  # fmt: skip
    for clean in (True, False):
        chunk, _ = states_for(v1, records_table(records), clean)
        for row, rec in enumerate(records):
            answers = record_answers(v1, rec)
            expected = item_states(
                v1, answers, complete=rec["_status"] == 1, reached=rec["_reached"],
                marks=record_marks(v1, rec), mode={1: "web", 2: "paper", 3: "web"}[rec["_mode"]],
                clean=clean,
            )  # fmt: skip
            got = {item: int(chunk[item][row]) for item in expected}
            assert got == {item: state.value for item, state in expected.items()}, rec


def test_a_grid_row_marked_in_the_states_entry_is_invalid_on_paper(tmp_path):
    dataset = Dataset(list(versions()), Options())
    coded = dataset.code([record(1, used=2, rate_book=1, **{STATES: {"rate.pay": -96}})])
    assert coded.column("rate_book").to_pylist() == [1]
    assert coded.column("rate_pay").to_pylist() == [-96]


def test_the_zip_deflates_text_fast_stores_parquet_and_is_the_same_twice(tmp_path):
    import zipfile

    _, bundle = _bundle(tmp_path / "b", formats=["csv", "parquet", "codebook"])
    zip_bundle(bundle, tmp_path / "one.zip")
    zip_bundle(bundle, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        kinds = {info.filename: info.compress_type for info in archive.infolist()}
        assert kinds.pop("data.parquet") == zipfile.ZIP_STORED
        assert set(kinds.values()) == {zipfile.ZIP_DEFLATED}
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        for name in bundle.files:
            assert archive.read(name) == (bundle.folder / name).read_bytes(), name
