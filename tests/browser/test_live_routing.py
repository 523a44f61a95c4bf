"""Live routing with JavaScript on: routed items show and hide as the respondent answers.

The browser tests answer filter questions and watch the dependent items appear and go
without a page load. The script's evaluator itself is checked against Python's with
hypothesis through node, and the filter's data with a small instrument written inline.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Locator, Page, expect

from fieldwork.routing_filter import routing_data
from forms.evaluate import Evaluator, UserMissing
from forms.expression_json import answer_json, to_json
from forms.expressions import Expression, parse
from forms.loader import load_text
from forms.paging import web_pages
from tests.browser.conftest import agree_if_asked
from tests.forms.test_expression_json import (
    STUDY,
    instrument_answers,
    instrument_expressions,
    random_answers,
    random_missing,
    random_trees,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "fieldwork" / "static" / "js" / "routing.js"
NODE = shutil.which("node")
ROUTING_CHECK = """\
instrument: routing_check
version: 1
title: Routing check
languages: [en]
audience: patient
intro: A short survey to check live routing.
outro: Thank you.
choice_lists:
  yes_no_dk:
    1: "Yes"
    2: "No"
    9: Don't know
    missing: [9]
sections:
  - id: first
    title: About you
    items:
      - id: age
        type: integer
        text: How old are you?
      - id: name
        type: text
        text: What is your name?
        identifying: true
  - id: second
    title: Your visits
    items:
      - id: visited
        type: single
        text: Have you visited the practice?
        choices: yes_no_dk
      - id: visit
        type: date
        text: When did you last visit?
        show_if: "visited == 1"
      - id: adult_detail
        type: text
        text: What happened at the visit?
        show_if: "visited == 1 and age >= 18"
      - id: recent
        type: text
        text: What was different this year?
        show_if: "visit >= '2024-01-01'"
      - id: unsure
        type: text
        text: Why are you not sure?
        show_if: "visited == 9"
      - id: named
        type: text
        text: Who did you see?
        show_if: "visited == 1 and answered(name)"
"""


@pytest.fixture
def instruments_dir(tmp_path) -> Path:
    """The patient survey and the small routing check, side by side."""
    folder = tmp_path / "instruments"
    folder.mkdir()
    shutil.copy(ROOT / "instruments" / "patient.yaml", folder)
    (folder / "routing_check.yaml").write_text(ROUTING_CHECK)
    return folder


def routed(page: Page, item_id: str):
    """The wrapper of a routed item."""
    return page.locator(f'.fw-routed:has([name^="{item_id}"])')


def follow(link: Locator) -> None:
    """Click a link or button and wait until the page it leads to has loaded."""
    with link.page.expect_navigation():
        link.click()


def click_label(page: Page, name: str, value: str | int) -> None:
    """Click the label of one radio or checkbox."""
    field = page.locator(f'input[name="{name}"][value="{value}"]')
    page.locator(f'label[for="{field.get_attribute("id")}"]').click()


def begin(page: Page, code: str, choose_language: bool) -> None:
    """Type the code and start (in English)."""
    page.goto("/")
    page.get_by_label("Enter your access code").fill(code)
    follow(page.get_by_role("button", name="Continue"))
    if choose_language:
        click_label(page, "language", "en")
    follow(page.get_by_role("button", name="Start now"))
    agree_if_asked(page)


@pytest.mark.browser
def test_answering_a_filter_shows_and_hides_items_on_the_same_page(
    phone_with_js, access_codes, check_page
):
    page = phone_with_js
    begin(page, access_codes["patient"][0], choose_language=True)
    follow(page.get_by_role("button", name="Continue"))  # the notes of page 1
    expect(page).to_have_url(re.compile(r"/page/2$"))
    used_what, used_other = routed(page, "used_what"), routed(page, "used_other")
    expect(used_what).to_be_hidden()
    expect(used_other).to_be_hidden()
    assert used_what.get_attribute("hidden") is not None
    something_else = page.get_by_role("checkbox", name="Something else")
    assert something_else.count() == 0  # out of the accessibility tree
    page.evaluate("() => { window.stillTheSamePage = true; }")

    click_label(page, "used_online", 1)
    expect(used_what).to_be_visible()
    expect(something_else).to_have_count(1)
    expect(used_other).to_be_hidden()
    click_label(page, "used_what", 6)
    expect(used_other).to_be_visible()
    check_page(page, "en")  # axe-core with the routed items shown
    click_label(page, "used_what", 6)
    expect(used_other).to_be_hidden()
    click_label(page, "used_online", 2)
    expect(used_what).to_be_hidden()
    assert page.evaluate("() => window.stillTheSamePage === true")

    click_label(page, "used_online", 1)
    click_label(page, "used_what", 1)
    follow(page.get_by_role("button", name="Continue"))
    expect(page).to_have_url(re.compile(r"/page/3$"))  # the experience section: Yes was saved


@pytest.mark.browser
def test_rules_naming_earlier_pages_use_their_answers(phone_with_js, access_codes):
    page = phone_with_js
    begin(page, access_codes["routing_check"][0], choose_language=False)
    page.get_by_label("How old are you?").fill("30")
    page.get_by_label("What is your name?").fill("Ann Example")
    follow(page.get_by_role("button", name="Continue"))
    expect(page).to_have_url(re.compile(r"/page/2$"))
    assert "Ann Example" not in page.content()  # an identifying answer never comes back
    named = routed(page, "named")
    assert named.get_attribute("data-show-if-json") is None  # left as the server drew it
    expect(named).to_be_visible()
    adult = routed(page, "adult_detail")
    assert json.loads(adult.get_attribute("data-answers")) == {"age": 30}
    for item_id in ("visit", "adult_detail", "recent", "unsure"):
        expect(routed(page, item_id)).to_be_hidden()

    click_label(page, "visited", 1)
    expect(routed(page, "visit")).to_be_visible()
    expect(adult).to_be_visible()  # age 30, from the first page
    page.get_by_label("Day", exact=True).fill("15")
    page.get_by_label("Month", exact=True).fill("3")
    page.get_by_label("Year", exact=True).fill("2024")
    expect(routed(page, "recent")).to_be_visible()
    page.get_by_label("Year", exact=True).fill("2023")
    expect(routed(page, "recent")).to_be_hidden()
    click_label(page, "visited", 9)  # Don't know: a user-missing code compares as its code
    expect(routed(page, "unsure")).to_be_visible()
    expect(adult).to_be_hidden()


def test_filter_data_for_a_routed_item():
    instrument = load_text(ROUTING_CHECK)
    first, second = web_pages(instrument)
    item = {i.id: i for i in second.items}

    def saved() -> dict:
        return {"age": 30, "name": "Ann"}

    data = routing_data(item["adult_detail"], second, instrument, saved)
    assert data == {
        "show-if-json": [
            "and",
            ["==", ["name", "visited", [9]], ["int", 1]],
            [">=", ["name", "age"], ["int", 18]],
        ],
        "fields": {"visited": {"type": "single"}},
        "answers": {"age": 30},
    }
    assert routing_data(item["recent"], second, instrument, saved)["fields"] == {
        "visit": {"type": "date"}
    }
    assert routing_data(item["named"], second, instrument, saved) is None  # identifying
    assert routing_data(first.items[0], first, instrument, saved) is None  # not routed


# --- the script's evaluator against Python's, through node ---------------------------------


def _canonical(value: Any) -> Any:
    """A value as comparable JSON: numbers rounded, lists in a fixed order."""
    if isinstance(value, UserMissing):
        return {"$missing": value.code}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 9) + 0.0
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple | frozenset):
        return sorted((_canonical(item) for item in value), key=json.dumps)
    raise TypeError(value)


def _from_script(value: Any) -> Any:
    if isinstance(value, dict) and "$missing" in value:
        return UserMissing(value["$missing"])
    if isinstance(value, dict) and "$date" in value:
        return datetime.date.fromisoformat(value["$date"])
    if isinstance(value, dict):
        return {key: _from_script(item) for key, item in value.items()}
    return [_from_script(item) for item in value] if isinstance(value, list) else value


RUNNER = """
const routing = await import(process.env.ROUTING_URL);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = (v) => v instanceof routing.Missing ? {"$missing": v.code}
  : v instanceof routing.Day ? {"$date": v.iso} : Array.isArray(v) ? v.map(out) : v;
const results = cases.map(([tree, answers]) =>
  out(routing.value(tree, routing.parseAnswers(JSON.stringify(answers)))));
process.stdout.write(JSON.stringify(results));
"""


def script_values(cases: list[tuple[list, dict]]) -> list[Any]:
    """The values routing.js computes for (tree, answers JSON) pairs."""
    source = base64.b64encode(SCRIPT.read_bytes()).decode()
    wrapped = (
        f"(async () => {{ {RUNNER} }})().catch(e => {{ console.error(e); process.exit(1); }});"
    )
    done = subprocess.run(
        [NODE, "-e", wrapped],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "ROUTING_URL": f"data:text/javascript;base64,{source}"},
    )
    return [_from_script(value) for value in json.loads(done.stdout)]


def _agree(cases: list[tuple[Expression, dict, dict]]) -> None:
    trees = [(to_json(expr, missing), answer_json(answers)) for expr, answers, missing in cases]
    for (expr, answers, missing), got in zip(cases, script_values(trees), strict=True):
        expected = Evaluator(answers, missing).value(expr.root)
        assert _canonical(got) == _canonical(expected), (expr.source or expr.to_source(), answers)


def examples(strategy: st.SearchStrategy, count: int) -> list:
    """`count` examples from hypothesis, gathered to send to node in one go."""
    found: list = []

    @settings(
        max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def gather(example: Any) -> None:
        found.append(example)

    gather()
    return found


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_script_agrees_with_python_on_the_study_expressions():
    cases = []
    for instrument in STUDY.values():
        routes = [expr for expr, this in instrument_expressions(instrument) if this is None]
        for answers in examples(instrument_answers(instrument), 150):
            cases += [(expr, answers, instrument.missing_codes) for expr in routes]
    _agree(cases)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_script_agrees_with_python_on_random_trees():
    strategy = st.tuples(random_trees(exact=True), random_answers(exact=True), random_missing)
    cases = examples(strategy, 1500)
    _agree([(Expression("", tree), answers, missing) for tree, answers, missing in cases])


NULL_RULES = [  # (expression, answers): the contract's null rules, case by case
    ("visit >= '2024-01-01'", {"visit": datetime.date(2024, 3, 15)}),
    ("'2024-01-01' < visit", {"visit": datetime.date(2023, 3, 15)}),
    ("visit != '2024-02-30'", {"visit": datetime.date(2024, 3, 15)}),
    ("visit != '2024-01-01'", {}),
    ("q == 98 or q != 98", {"q": 98}),
    ("not q", {"q": 98}),
    ("answered(q) and count(q) == 0", {"q": 98}),
    ("q + 1", {"q": 98}),
    ("4 in services and 5 not in services", {"services": frozenset({4})}),
    ("4 not in services", {}),
    ("count(ease.a, ease.b) == 1 and answered(ease)", {"ease": {"a": 2, "b": None}}),
    ("answered(ease)", {"ease": {"a": None}}),
    ("sum(age, q, 2) + max(age) - min(2, 3)", {"age": 40, "q": 98}),
    ("if(age > 17, 'adult', 'child') == 'adult'", {"age": 18}),
    ("name == 'x' or name", {"name": "  "}),
    ("-age < 0 and not (age < 0)", {"age": 3}),
]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_script_follows_the_null_rules_case_by_case():
    missing = {"q": frozenset({98})}
    _agree([(parse(text), answers, missing) for text, answers in NULL_RULES])
