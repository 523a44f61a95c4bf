"""Reading YAML with line numbers, syntax errors for authors, and loading files and folders."""

from __future__ import annotations

import pytest
import yaml

from forms.errors import InstrumentError
from forms.loader import (
    check_files,
    instrument_files,
    load_instrument,
    load_instruments,
    load_text,
)
from forms.model import Instrument
from forms.yaml_lines import LineDict, LineList, read_yaml

VALID = """\
instrument: {id}
version: 1
title: Demo
languages: [en]
audience: patient
intro: Hello
outro: Thanks
sections:
  - id: s1
    title: Start
    items:
      - {{id: q1, type: single, text: Used?, choices: {{1: Yes, 2: No}}}}
"""


def syntax(text: str) -> str:
    """The single problem reported for `text`."""
    data, problems = read_yaml(text, "f.yaml")
    assert data is None
    [problem] = problems
    return str(problem)


def test_mappings_and_lists_remember_their_lines():
    data, problems = read_yaml("a: 1\nb:\n  - x\n  - {c: 2}\n", "f.yaml")
    assert problems == []
    assert isinstance(data, LineDict) and isinstance(data["b"], LineList)
    assert data.line == 1
    assert data.key_lines == {"a": 1, "b": 2}
    assert data.line_of("b") == 3
    assert data["b"].item_lines == [3, 4]
    assert data["b"][1].line == 4
    assert data.line_of("absent") == 1


def test_scalars_follow_yaml_1_2():
    data, _ = read_yaml(
        "a: {1: Yes, 2: No, 3: on, 4: 010, 5: 1:30, 6: 2024-01-02, 7: 0x1F, 8: true}\n", "f"
    )
    assert data["a"] == {
        1: "Yes",
        2: "No",
        3: "on",
        4: 10,
        5: "1:30",
        6: "2024-01-02",
        7: 31,
        8: True,
    }
    assert data["a"].raw[4] == "010"


def test_labels_yes_and_no_stay_text():
    instrument = load_text(VALID.format(id="demo"))
    assert instrument.item("q1").choices.label(1) == "Yes"
    assert instrument.item("q1").choices.label(2) == "No"


def test_duplicate_keys_are_kept_for_the_checks():
    data, _ = read_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert data == {"a": 1, "b": 2}
    assert data.duplicates == [("a", 3, 1)]


def test_merge_keys_and_aliases():
    data, problems = read_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert problems == []
    assert data["c"] == {"x": 1, "y": 3}
    assert data["c"].duplicates == []


def test_unquoted_colon_in_flow_style_is_explained():
    assert syntax("text: {en: Which of these: a or b}\n") == (
        "f.yaml:1: invalid YAML: expected ',' or '}', but got ':'; in {…} flow style a text "
        'that holds , ? : or # must be quoted, e.g. {en: "Which of these: a or b"} '
        "(or write it in block style, one key per line)"
    )


def test_hash_in_flow_style_is_explained_on_the_next_line():
    assert syntax("choices: {1: Call #1, 2: No}\nx: 1\n") == (
        "f.yaml:2: invalid YAML: expected ',' or '}', but got '<scalar>' (in the {…} or […] "
        "that starts on line 1); in {…} flow style a text that holds , ? : or # must be "
        'quoted, e.g. {en: "Call #1"} (or write it in block style, one key per line)'
    )


def test_question_mark_in_flow_style_is_explained():
    assert "must be quoted" in syntax("text: {en: ? why}\n")


def test_unclosed_bracket():
    assert syntax("languages: [en, zh\naudience: staff\n") == (
        "f.yaml:2: invalid YAML: expected ',' or ']', but got ':' (in the {…} or […] that starts "
        "on line 1); is the {…} or […] opened on line 1 closed?"
    )


def test_colon_in_block_style_text():
    assert syntax("a:\n  text: Note: this\n") == (
        "f.yaml:2: invalid YAML: mapping values are not allowed here; a text holding ': ' must "
        'be put in quotes, e.g. text: "Note: …"'
    )


def test_tabs_and_indentation():
    assert syntax("a:\n\tb: 1\n").endswith("; indent with spaces, not tabs")
    assert syntax("a:\n  b: 1\n c: 2\n").startswith("f.yaml:3: invalid YAML:")
    assert syntax("a:\n  b: 1\n c: 2\n").endswith(
        "check the indentation of this line and the one above"
    )


def test_unclosed_quote_and_second_document():
    assert syntax('a: "abc\n').endswith("; the quote opened on line 1 is never closed")
    assert syntax("a: 1\n---\nb: 2\n").endswith(
        "; a file holds one instrument, so remove the '---' line"
    )


def test_yaml_that_cannot_describe_an_instrument():
    assert syntax("") == "f.yaml:1: the file is empty"
    assert (
        syntax("a: &x [1, *x]\n")
        == "f.yaml:1: an alias refers to the mapping or list that contains it"
    )
    assert syntax("? [a, b]\n: c\n") == "f.yaml:1: a key must be a plain word or number"
    assert syntax("a: !!python/object:os.system x\n").startswith(
        "f.yaml:1: invalid YAML: could not determine a constructor for the tag"
    )
    assert syntax("a: {}\nb:\n  <<: 5\n") == (
        "f.yaml:3: '<<' must be followed by an alias of a mapping, like <<: *base"
    )


def test_alias_bombs_are_refused():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for name, previous in zip("bcdef", "abcde", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    assert syntax("\n".join(lines) + "\n") == (
        "f.yaml:5: the file is too large (are aliases repeating one another?)"
    )


def test_load_text_raises_every_problem():
    with pytest.raises(InstrumentError) as caught:
        load_text("instrument: demo\n", "x.yaml")
    assert all(p.file == "x.yaml" for p in caught.value.problems)
    assert len(caught.value.problems) == 7


def test_load_instrument_from_a_file(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(VALID.format(id="demo"), encoding="utf-8")
    instrument = load_instrument(path)
    assert isinstance(instrument, Instrument)
    assert instrument.source == str(path)
    assert len(instrument.content_hash) == 64
    assert instrument.item("q1").line == 12
    assert instrument.sections[0].line == 9


def test_a_missing_file_is_a_problem(tmp_path):
    with pytest.raises(InstrumentError) as caught:
        load_instrument(tmp_path / "nope.yaml")
    [problem] = caught.value.problems
    assert problem.line == 0 and "cannot read the file: No such file" in problem.message


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"instrument: demo\ntitle: caf\xe9\n")
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: the file is not UTF-8 text; save it as UTF-8 (in Excel or Word: 'UTF-8')"
    ]


def test_a_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.format(id="demo").encode())
    assert load_instrument(path).id == "demo"


def test_load_instruments_reports_all_problems_of_all_files(tmp_path):
    (tmp_path / "a.yaml").write_text(VALID.format(id="alpha"))
    (tmp_path / "b.yaml").write_text(VALID.format(id="Beta"))
    (tmp_path / "c.yaml").write_text("version: [\n")
    (tmp_path / "notes.txt").write_text("not an instrument")
    with pytest.raises(InstrumentError) as caught:
        load_instruments([tmp_path])
    assert sorted({p.file for p in caught.value.problems}) == [
        str(tmp_path / "b.yaml"),
        str(tmp_path / "c.yaml"),
    ]
    instruments, problems = check_files([tmp_path])
    assert [i.id for i in instruments] == ["alpha"]
    assert len(problems) == 2


def test_load_instruments_accepts_files_folders_and_a_single_path(tmp_path):
    (tmp_path / "a.yaml").write_text(VALID.format(id="alpha"))
    (tmp_path / "b.yaml").write_text(VALID.format(id="beta"))
    assert [i.id for i in load_instruments(tmp_path)] == ["alpha", "beta"]
    assert [i.id for i in load_instruments([tmp_path / "b.yaml"])] == ["beta"]
    assert instrument_files(str(tmp_path)) == [tmp_path / "a.yaml", tmp_path / "b.yaml"]


def test_one_version_in_two_files_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(VALID.format(id="demo"))
    (tmp_path / "b.yaml").write_text(VALID.format(id="demo"))
    with pytest.raises(InstrumentError) as caught:
        load_instruments([tmp_path])
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'b.yaml'}:1: instrument 'demo' version 1 is already defined in "
        f"{tmp_path / 'a.yaml'}; give each version one file"
    ]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="needs libyaml")
def test_a_question_mark_libyaml_accepts_does_not_hide_the_real_error():
    # libyaml reads `Used?,` in flow style; the stricter pure-Python parser would blame it.
    text = "a: {en: Used?, zh: 用过}\nb:\n  - x\n c: 1\n"
    assert syntax(text).startswith("f.yaml:4: invalid YAML:")


def test_a_key_indented_further_than_the_key_above_is_explained_as_indentation():
    item = 'items:\n  - id: hours\n    type: integer\n     show_if: "a == 1"\n'
    assert syntax(item) == (
        "f.yaml:4: invalid YAML: mapping values are not allowed here; 'show_if:' is indented "
        "further than 'type:' on line 3: if it is a key, start it in the same column as "
        "'type:'; if it is more of the text above, put that text in quotes"
    )
    first_key = "items:\n  - id: hours\n     type: integer\n"
    assert syntax(first_key).endswith(
        "'type:' is indented further than 'id:' on line 2: if it is a key, start it in the "
        "same column as 'id:'; if it is more of the text above, put that text in quotes"
    )
    translation = "text:\n  en: How old are you?\n    cy: Faint yw eich oed?\n"
    assert "'cy:' is indented further than 'en:' on line 2" in syntax(translation)


def test_a_quote_inside_a_text_quoted_the_same_way_is_explained_with_the_text_rewritten():
    assert syntax("a:\n  text: 'it's here'\n  b: 2\n") == (
        "f.yaml:2: invalid YAML: expected <block end>, but found '<scalar>'; the text in quotes "
        "ends at its second ', so what follows cannot be read: write it as \"it's here\" "
        "or 'it''s here'"
    )
    assert syntax("choices: {98: 'Don't know', 99: 'Won't say'}\n").endswith(
        "; the text in quotes ends at its second ', so what follows cannot be read: "
        "write it as \"Don't know\" or 'Don''t know'"
    )
    assert syntax('a:\n  text: "He said "hi" to me"\n').endswith(
        '; the text in quotes ends at its second ", so what follows cannot be read: '
        'write it as \'He said "hi" to me\' or "He said \\"hi\\" to me"'
    )
