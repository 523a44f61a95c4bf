"""Content hashes, and refusing changed questions under a version that has responses."""

from __future__ import annotations

import json

import pytest

from forms.errors import InstrumentError
from forms.loader import load_instruments, load_text
from forms.versions import MemoryHashStore, check_version, content_hash

FLOW = """\
instrument: demo
version: 2
title: Demo
languages: [en]
audience: patient
intro: Hello
outro: Thanks
sections:
  - {id: s1, title: Start, items: [{id: q1, type: single, text: Used?, choices: {1: Yes, 2: No}}]}
"""

BLOCK = """\
# The same instrument, written differently: comments, block style, quotes, key order.
version: 2
instrument: "demo"
title: 'Demo'
languages:
  - en
audience: patient
outro: Thanks
intro: Hello

sections:
  - id: s1
    title: Start
    items:
      - id: q1
        type: single
        text: "Used?"   # the question
        choices:
          1: Yes
          2: No
"""


def test_hash_ignores_comments_layout_quotes_and_key_order():
    assert load_text(FLOW).content_hash == load_text(BLOCK).content_hash


def test_hash_changes_with_any_question_change():
    original = load_text(FLOW).content_hash
    assert load_text(FLOW.replace("Used?", "Used it?")).content_hash != original
    assert load_text(FLOW.replace("2: No", "3: No")).content_hash != original
    assert load_text(FLOW.replace("version: 2", "version: 3")).content_hash != original


def test_hash_changes_when_choices_or_rows_are_reordered():
    original = load_text(FLOW).content_hash
    assert load_text(FLOW.replace("{1: Yes, 2: No}", "{2: No, 1: Yes}")).content_hash != original
    assert content_hash({"rows": {"a": "A", "b": "B"}}) != content_hash(
        {"rows": {"b": "B", "a": "A"}}
    )


def test_content_hash_is_sha256_of_canonical_json():
    assert content_hash({"b": 1, "a": [1, 2]}) == content_hash({"a": [1, 2], "b": 1})
    assert len(content_hash({})) == 64
    # Choice lists mix integer codes with `missing:`; keys are compared as text.
    assert content_hash({1: "Yes", "missing": [9]}) == content_hash({"missing": [9], 1: "Yes"})
    assert content_hash({"x": float("nan")}) == content_hash({"x": float("nan")})


def store_with(hash_: str, responses: int) -> MemoryHashStore:
    store = MemoryHashStore()
    store.record("demo", 2, hash_, responses)
    return store


def test_new_or_unchanged_versions_pass():
    instrument = load_text(FLOW, "demo.yaml")
    assert check_version(instrument, MemoryHashStore()) == []
    assert check_version(instrument, store_with(instrument.content_hash, 10)) == []


def test_a_changed_version_without_responses_may_still_change():
    instrument = load_text(FLOW, "demo.yaml")
    assert check_version(instrument, store_with("0" * 64, 0)) == []


def test_a_changed_version_with_responses_is_refused():
    instrument = load_text(FLOW, "demo.yaml")
    [problem] = check_version(instrument, store_with("0" * 64, 3))
    assert str(problem) == (
        "demo.yaml:1: instrument 'demo' version 2 already has responses with different "
        "questions; raise 'version' to 3 to change it (old responses stay under version 2)"
    )


def test_load_instruments_applies_the_store(tmp_path):
    (tmp_path / "demo.yaml").write_text(FLOW)
    assert load_instruments([tmp_path], store=store_with("0" * 64, 0))
    with pytest.raises(InstrumentError) as caught:
        load_instruments([tmp_path], store=store_with("0" * 64, 1))
    [problem] = caught.value.problems
    assert problem.file == str(tmp_path / "demo.yaml")
    assert "already has responses" in problem.message


def test_memory_store_from_json(tmp_path):
    path = tmp_path / "hashes.json"
    path.write_text(
        json.dumps([{"instrument": "demo", "version": 2, "hash": "abc", "responses": 4}])
    )
    store = MemoryHashStore.from_json(path)
    assert store.recorded_hash("demo", 2) == "abc"
    assert store.has_responses("demo", 2)
    assert store.recorded_hash("demo", 1) is None
    assert not store.has_responses("demo", 1)


@pytest.mark.parametrize("records", ['{"demo": 1}', '[{"instrument": "demo"}]', "[5]"])
def test_memory_store_rejects_bad_json(tmp_path, records):
    path = tmp_path / "hashes.json"
    path.write_text(records)
    with pytest.raises(ValueError):
        MemoryHashStore.from_json(path)
