"""The SVG chart helper: well-formed, accessible, escaped, no JavaScript, no style attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from fieldwork.rates.svg import bar_chart, line_chart, nice_step, progress_bar, rate_bar

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(markup) -> ET.Element:
    """Parse our own SVG output (raises on anything not well-formed)."""
    return ET.fromstring(str(markup))  # noqa: S314 (our own output)


def chart(bars, **extra):
    options = {
        "chart_id": "per-day",
        "title": "Completions per day",
        "description": "Questionnaires submitted each day.",
        "x_label": "Day submitted",
        "y_label": "Completions",
    }
    return bar_chart(bars, **{**options, **extra})


def test_bar_chart_is_well_formed_and_labelled():
    root = parse(chart([("1 Nov", 3), ("2 Nov", 0), ("3 Nov", 7)]))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert (title.text, desc.text) == ("Completions per day", "Questionnaires submitted each day.")
    assert root.get("aria-labelledby") == "per-day-title per-day-desc"
    assert (title.get("id"), desc.get("id")) == ("per-day-title", "per-day-desc")
    bars = root.findall("svg:rect", NS)
    assert [bar.find("svg:title", NS).text for bar in bars] == ["1 Nov: 3", "2 Nov: 0", "3 Nov: 7"]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[1] == 0 and heights[2] > heights[0] > 0
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"Day submitted", "Completions", "1 Nov", "3 Nov", "0"} <= set(texts)


def test_bar_chart_needs_no_script_or_style_attributes():
    markup = str(chart([("a", 1)]))
    assert "<script" not in markup and "style=" not in markup and " on" not in markup


def test_labels_are_escaped():
    root = parse(chart([("<b>&\"x'", 2)], title="A < B & C", description="</svg><script>"))
    assert root.find("svg:title", NS).text == "A < B & C"
    assert root.find("svg:desc", NS).text == "</svg><script>"
    assert root.find("svg:rect/svg:title", NS).text == "<b>&\"x': 2"
    assert "<script>" not in str(chart([("x", 1)], description="<script>"))


def test_empty_and_sparse_labels():
    assert parse(chart([])).findall("svg:rect", NS) == []
    root = parse(chart([(str(n), n) for n in range(30)], label_every=10))
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"0", "10", "20"} <= set(labels) and "15" not in labels
    assert len(root.findall("svg:rect", NS)) == 30


@pytest.mark.parametrize(
    ("top", "step"), [(0, 1), (3, 1), (7, 2), (10, 5), (95, 50), (1234, 500), (0.3, 0.1)]
)
def test_nice_step(top, step):
    assert nice_step(top) == pytest.approx(step)


def test_progress_bar():
    root = parse(progress_bar(15, 55, label="Completes against target"))
    text = "Completes against target: 15 of 55 (27%)"
    assert root.get("role") == "img" and root.get("aria-label") == text
    assert root.find("svg:title", NS).text == text
    track, filled = root.findall("svg:rect", NS)
    assert track.get("width") == "160"
    assert float(filled.get("width")) == pytest.approx(160 * 15 / 55, abs=0.1)
    over = parse(progress_bar(80, 50, label="x")).findall("svg:rect", NS)
    assert float(over[1].get("width")) == float(over[0].get("width"))  # capped at the target
    assert str(progress_bar(3, 0, label="x")) == ""


def test_line_chart_draws_one_dashed_or_plain_line_per_series_with_a_key():
    series = [
        ("Patient <survey>", [("1 Nov", 3), ("2 Nov", 0), ("3 Nov", 7)]),
        ("Staff", [("1 Nov", 0), ("2 Nov", 2), ("3 Nov", 1)]),
    ]
    root = parse(
        line_chart(
            series,
            chart_id="per-day",
            title="Completions per day",
            description="One line per questionnaire.",
            x_label="Day",
            y_label="Completions",
        )
    )
    lines = root.findall("svg:polyline", NS)
    assert len(lines) == 2 and len(lines[0].get("points").split()) == 3
    # Told apart by dash pattern as well as colour; the key names each (escaped).
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Patient <survey>" in texts and "Staff" in texts
    assert lines[0].find("svg:title", NS).text == "Patient <survey>: 10 in all"


def test_rate_bar_shows_the_rate_against_the_target():
    root = parse(rate_bar(0.25, 0.4, label="RR2"))
    assert root.get("aria-label") == "RR2 25% against a target of 40%"
    filled = root.findall("svg:rect", NS)[1]
    assert filled.get("width") == "16.0"  # a quarter of 64
    assert root.find("svg:line", NS).get("x1") == "25.6"
    assert rate_bar(None, 0.4, label="RR2") == ""
    assert parse(rate_bar(1.5, None, label="RR2")).find("svg:line", NS) is None
