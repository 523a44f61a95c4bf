"""NHS.UK markup of questions, the error summary and the base layout."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask, render_template_string
from werkzeug.datastructures import MultiDict

from fieldwork import i18n, page_render
from forms.model import Choice, ChoiceList, Instrument, Item, Row, Section, Text
from forms.web import build_form, check_page, error_summary
from tests.fieldwork.dom import Node, parse

FIELDWORK = Path(__file__).resolve().parents[2] / "fieldwork"


def text(en: str, zh: str | None = None) -> Text:
    return Text({"en": en, "zh": zh or en})


class Shows:
    """A stand-in show_if expression."""

    names = frozenset({"used"})

    def test(self, answers, *, missing=None, this=None) -> bool:
        return answers.get("used") == 1

    def __str__(self) -> str:
        return "used == 1"


YES_NO = ChoiceList("yes_no", (Choice(1, text("Yes", "是")), Choice(2, text("No", "否"))))
SERVICES = ChoiceList(
    None, (Choice(1, text("Booking")), Choice(2, text("Prescriptions")), Choice(99, text("None")))
)
USED = Item(
    "used",
    "single",
    text("Have you used it?", "您用过吗？"),
    help=text("The NHS App"),
    choices=YES_NO,
)
SERVICES_ITEM = Item(
    "services", "multiple", text("Which?"), choices=SERVICES, exclusive=frozenset({99})
)
GRID = Item(
    "ease",
    "grid",
    text("How easy was it…"),
    choices=YES_NO,
    rows=(Row("book", text("booking")), Row("rx", text("ordering"))),
    required=True,
)
OTHER = Item("other", "text", text("Anything else?"), max_length=500)
COMMENTS = Item("comments", "textarea", text("Comments"), lines=3)
AGE = Item("age", "integer", text("How old are you?"), unit=text("years", "岁"), required=True)
WEIGHT = Item("weight", "decimal", text("Weight"), unit=text("kg"))
VISIT = Item("visit", "date", text("Last visit"), required=True)
NOTE = Item("intro", "note", text("About **you**\nand <b>yours</b>"))
ALL = (NOTE, USED, SERVICES_ITEM, GRID, OTHER, COMMENTS, AGE, WEIGHT, VISIT)
INSTRUMENT = Instrument(
    "patient",
    1,
    text("Online services"),
    ("en", "zh"),
    "patient",
    text(""),
    text(""),
    (Section("s", text("Section"), ALL),),
)

ITEM = (
    '{% from "respondent/_items.html" import render_item %}'
    "{{ render_item(form, item, lang, shown) }}"
)


@pytest.fixture
def jinja_app() -> Flask:
    """A bare Flask app serving the project's templates, as create_app will."""
    app = Flask(
        __name__,
        template_folder=str(FIELDWORK / "templates"),
        static_folder=str(FIELDWORK / "static"),
    )
    i18n.init_app(app)
    page_render.init_app(app)
    return app


@pytest.fixture
def render(jinja_app):
    def _render(source: str, **context) -> Node:
        with jinja_app.test_request_context():
            return parse(render_template_string(source, **context))

    return _render


def item_html(render, item, *, pairs=None, answers=None, lang="en", shown=True, check=False):
    """Render one item from a form built on a POST (`pairs`) or from stored answers."""
    formdata = None if pairs is None else MultiDict(pairs)
    form = build_form(ALL, INSTRUMENT, lang, formdata=formdata, answers=answers)
    if check:
        check_page(form, ALL, INSTRUMENT, lang, {})
    return render(ITEM, form=form, item=item, lang=lang, shown=shown)


def test_radios_in_a_fieldset_with_the_question_as_legend(render):
    page = item_html(render, USED, answers={"used": 2})
    group = page.find("div", class_="nhsuk-form-group")
    fieldset = group.find("fieldset")
    assert fieldset.attrs["aria-describedby"] == "used-hint"
    legend = fieldset.find("legend")
    assert legend.find("h2").text == "Have you used it?"
    assert fieldset.find(id="used-hint").text == "The NHS App"
    radios = fieldset.find_all("input", type="radio")
    assert [(r.attrs["id"], r.attrs["name"], r.attrs["value"]) for r in radios] == [
        ("used", "used", "1"),
        ("used-2", "used", "2"),
    ]
    assert ["checked" in r.attrs for r in radios] == [False, True]
    assert [fieldset.find("label", for_=r.attrs["id"]).text for r in radios] == ["Yes", "No"]


def test_error_beside_the_field(render):
    page = item_html(render, replace(USED, required=True), pairs=[("used", "9")], check=True)
    group = page.find("div", class_="nhsuk-form-group")
    assert "nhsuk-form-group--error" in group.classes
    error = group.find("span", class_="nhsuk-error-message")
    assert error.attrs["id"] == "used-error"
    assert error.text == "Error: Select one of the answers shown"
    assert group.find("fieldset").attrs["aria-describedby"] == "used-hint used-error"


def test_checkboxes_share_the_name_and_mark_exclusive_codes(render):
    page = item_html(render, SERVICES_ITEM, pairs=[("services", "1"), ("services", "2")])
    boxes = page.find_all("input", type="checkbox")
    assert {b.attrs["name"] for b in boxes} == {"services"}
    assert [b.attrs["value"] for b in boxes] == ["1", "2", "99"]
    assert ["checked" in b.attrs for b in boxes] == [True, True, False]
    assert [b.attrs.get("data-behaviour") for b in boxes] == [None, None, "exclusive"]
    assert page.find("div", class_="nhsuk-checkboxes__divider").text == "or"
    assert page.find("legend").text == "Which?"


def test_grid_rows_are_fieldsets_not_a_table(render):
    page = item_html(render, GRID, pairs=[("ease_book", "1")], check=True)
    assert page.find_all("table") == []
    assert page.find("h2", id="ease-heading").text == "How easy was it… (required)"
    rows = page.find_all("fieldset")
    assert len(rows) == 2
    legends = [row.find("legend") for row in rows]
    assert [legend.text for legend in legends] == [
        "How easy was it… booking",
        "How easy was it… ordering",
    ]
    hidden = legends[0].find("span", class_="nhsuk-u-visually-hidden")
    assert hidden.text == "How easy was it…"
    assert [{r.attrs["name"] for r in row.find_all("input")} for row in rows] == [
        {"ease_book"},
        {"ease_rx"},
    ]
    assert rows[1].find("input").attrs["id"] == "ease_rx"
    groups = [row.parent for row in rows]
    assert ["nhsuk-form-group--error" in g.classes for g in groups] == [False, True]
    assert rows[1].find("span", class_="nhsuk-error-message").text == (
        "Error: Select an answer for 'ordering'"
    )


def test_text_input_has_a_label_and_a_length_hint(render):
    page = item_html(render, OTHER, answers={"other": '<script>alert("x")</script>'})
    label = page.find("label")
    assert label.attrs["for"] == "other"
    assert label.parent.tag == "h2"
    field_ = page.find("input", id="other")
    assert field_.attrs["type"] == "text"
    assert field_.attrs["value"] == '<script>alert("x")</script>'  # escaped, so parsed back
    assert page.find_all("script") == []
    assert field_.attrs["aria-describedby"] == "other-hint"
    assert page.find(id="other-hint").text == "You can enter up to 500 characters"


def test_textarea_rows(render):
    page = item_html(render, COMMENTS, pairs=[("comments", "hello")])
    area = page.find("textarea")
    assert (area.attrs["name"], area.attrs["rows"], area.text) == ("comments", "3", "hello")
    assert page.find("label", for_="comments").text == "Comments"


def test_numbers_are_numeric_with_units(render):
    page = item_html(render, AGE, pairs=[("age", "x")], check=True)
    field_ = page.find("input", id="age")
    assert field_.attrs["inputmode"] == "numeric"
    assert field_.attrs["type"] == "text"
    assert field_.attrs["value"] == "x"
    assert "nhsuk-input--error" in field_.classes
    assert field_.attrs["aria-describedby"] == "age-unit age-error"
    assert page.find(id="age-unit").text == "years"
    assert page.find("label").text == "How old are you? (required)"
    decimal = item_html(render, WEIGHT).find("input", id="weight")
    assert decimal.attrs["inputmode"] == "decimal"


def test_date_input_in_a_fieldset(render):
    pairs = [("visit-day", "1"), ("visit-month", ""), ("visit-year", "2024")]
    page = item_html(render, VISIT, pairs=pairs, check=True)
    fieldset = page.find("fieldset")
    assert fieldset.find("legend").text == "Last visit (required)"
    assert fieldset.attrs["aria-describedby"] == "visit-hint visit-error"
    assert fieldset.find(id="visit-hint").text == "For example, 15 3 1984"
    inputs = fieldset.find_all("input")
    assert [i.attrs["name"] for i in inputs] == ["visit-day", "visit-month", "visit-year"]
    assert [i.attrs["inputmode"] for i in inputs] == ["numeric"] * 3
    assert [fieldset.find("label", for_=i.attrs["id"]).text for i in inputs] == [
        "Day",
        "Month",
        "Year",
    ]
    assert ["nhsuk-input--error" in i.classes for i in inputs] == [False, True, False]
    assert fieldset.find("span", class_="nhsuk-error-message").text == (
        "Error: The date must include a month"
    )


def test_note_is_a_paragraph_with_light_markup(render):
    page = item_html(render, NOTE)
    paragraph = page.find("p")
    assert paragraph.find("strong").text == "you"
    assert paragraph.find_all("br")
    assert paragraph.find_all("b") == []  # author HTML is escaped
    assert page.find_all("input") == []


def test_routed_items_carry_their_rule_or_are_left_out(render):
    routed = replace(OTHER, show_if=Shows())
    page = item_html(render, routed)
    wrapper = page.find("div", data_show_if=True)
    assert wrapper.attrs["data-show-if"] == "used == 1"
    assert wrapper.find("input", id="other")
    assert item_html(render, routed, shown=False).children == []


def test_chinese_ui_words(render):
    page = item_html(render, AGE, lang="zh")
    assert page.find(id="age-unit").text == "岁"
    single = item_html(render, USED, lang="zh")
    assert single.find("h2").text == "您用过吗？"
    required = item_html(render, replace(USED, required=True), lang="zh")
    assert required.find("h2").text == "您用过吗？ （必答）"


def test_error_summary_links_to_each_field(render):
    form = build_form(ALL, INSTRUMENT, "en", formdata=MultiDict())
    check_page(form, ALL, INSTRUMENT, "en", {})
    page = render(
        '{% from "respondent/_error_summary.html" import error_summary %}'
        "{{ error_summary(errors, lang) }}",
        errors=error_summary(form),
        lang="en",
    )
    summary = page.find("div", class_="nhsuk-error-summary")
    assert summary.attrs["tabindex"] == "-1"
    alert = summary.find("div", role="alert")
    assert alert.find("h2").text == "There is a problem"
    links = [(a.attrs["href"], a.text) for a in alert.find_all("a")]
    assert links == [
        # A grid's rows are told apart by the row, and from other grids by the question.
        ("#ease_book", "'How easy was it…': Select an answer for 'booking'"),
        ("#ease_rx", "'How easy was it…': Select an answer for 'ordering'"),
        ("#age", "Enter a number for 'How old are you?'"),
        ("#visit-day", "Enter a date for 'Last visit'"),
    ]
    whole = render(
        '{% from "respondent/_items.html" import render_item %}'
        "{% for item in items %}{{ render_item(form, item, 'en') }}{% endfor %}",
        form=form,
        items=ALL,
    )
    for anchor, _ in links:  # every link lands on an input of the page
        assert whole.find(id=anchor[1:]).tag == "input"
    assert (
        render(
            '{% from "respondent/_error_summary.html" import error_summary %}'
            "{{ error_summary([], 'en') }}"
        ).children
        == []
    )


PAGE = """{% extends "layout.html" %}
{% from "respondent/_items.html" import page_heading %}
{% block title %}Section – {{ t("page_of", lang, n=3, total=9) }} – {{ super() }}{% endblock %}
{% block content %}{{ page_heading("Section", 3, 9, lang) }}{% endblock %}"""


def test_layout(render):
    page = render(
        PAGE,
        lang="zh",
        service_name="Online services",
        service_url="/",
        back_url="/page/2",
        csp_nonce="n0nce",
        errors=[],
        footer_links=[("/accessibility", "Accessibility")],
    )
    html = page.find("html")
    assert html.attrs["lang"] == "zh"
    assert page.find("title").text == "Section – 问题第 3 页，共 9 页 – Online services"
    skip = page.find("a", class_="nhsuk-skip-link")
    assert (skip.attrs["href"], skip.text) == ("#maincontent", "跳到主要内容")
    assert page.find("main").attrs["id"] == "maincontent"
    assert page.find("span", class_="nhsuk-header__service-name").text == "Online services"
    back = page.find("a", class_="nhsuk-back-link")
    assert (back.attrs["href"], back.text) == ("/page/2", "返回")
    scripts = page.find_all("script")
    assert scripts and all(s.attrs.get("nonce") == "n0nce" for s in scripts)
    assert page.find("a", href="/accessibility").text == "Accessibility"
    assert page.find("h1").find("span", class_="nhsuk-caption-l").text.startswith("问题第 3 页")
    progress = page.find("progress")
    assert (progress.attrs["value"], progress.attrs["max"]) == ("3", "9")
    assert page.find("link", rel="stylesheet").attrs["href"] == "/static/nhsuk/fieldwork.css"
    assert page.find("div", class_="nhsuk-grid-column-two-thirds").find("h1")


def test_layout_error_title_and_no_optional_parts(render):
    page = render(
        PAGE, lang="en", service_name="Online services", errors=[("a", "b")], full_width=True
    )
    assert page.find("div", class_="nhsuk-grid-column-full").find("h1")
    assert page.find("title").text == ("Error: Section – Question page 3 of 9 – Online services")
    assert page.find_all("a", class_="nhsuk-back-link") == []
    assert all("nonce" not in s.attrs for s in page.find_all("script"))
    assert page.find_all("a", class_="nhsuk-header__service-logo") == []


def test_t_and_rich():
    assert i18n.t("continue", "zh") == "继续"
    assert i18n.t("continue", "fr") == "Continue"
    assert i18n.t("page_of", "en", n=1, total=2) == "Question page 1 of 2"
    assert str(i18n.rich("**a** & <i>\r\nb")) == "<strong>a</strong> &amp; &lt;i&gt;<br>\nb"
