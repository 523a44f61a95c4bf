"""Staff pages name things in words: questionnaire titles, how codes are sent, languages by
name, routing as the paper form words it (never ids, codes or expressions)."""

from __future__ import annotations

from fieldwork.db import db
from fieldwork.staff_words import language_label, mode_name
from tests.fieldwork.staff_factories import make_practice, post


def test_modes_and_languages_have_names():
    assert [mode_name(m) for m in ("web", "paper", "both")] == ["Web", "Paper", "Web and paper"]
    assert language_label("en") == "English"
    assert language_label("zh").startswith("Chinese (Simplified) – 中文")  # and its own name
    assert language_label("not a language") == "not a language"


def test_a_batch_its_packs_and_datasets_are_named_in_words(app, client, auth):
    with app.app_context():
        make_practice("Y90001")
        db.session.commit()
    auth.login(role="coordinator")
    data = {"practice": "Y90001", "instrument": "patient", "count": "3", "mode": "both"}
    issued = post(client, "/staff/codes/issue", data)
    batch = client.get(issued.headers["Location"]).get_data(as_text=True)
    assert '<dd class="nhsuk-summary-list__value">Web and paper</dd>' in batch
    listing = client.get("/staff/codes/").get_data(as_text=True)
    assert "Web and paper" in listing and ">both<" not in listing
    batch_id = issued.headers["Location"].rsplit("/", 1)[1]
    packs = client.get(f"/staff/paper/batches/{batch_id}").get_data(as_text=True)
    assert "3 codes for Using online services at your GP practice." in packs
    assert '<option value="en" selected>English</option>' in packs
    assert f'<option value="zh">{language_label("zh")}</option>' in packs
    datasets = client.get("/staff/datasets/").get_data(as_text=True)
    assert ">Using online services at your GP practice (version 1)</option>" in datasets
    assert ">patient (version" not in datasets
