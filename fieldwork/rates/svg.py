"""Tiny server-rendered SVG charts: no JavaScript, a <title> and <desc>, labelled axes.

Built with ElementTree, so every label is escaped and the output is well-formed. Colours
are presentation attributes (not style attributes), which a strict CSP allows. Pair each
chart with a table of the same figures for people who cannot see it.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from markupsafe import Markup

BLUE, TEXT, GREY, TRACK = "#005eb8", "#212b32", "#768692", "#d8dde0"
FONT = "Arial, sans-serif"
SVG_NS = "http://www.w3.org/2000/svg"


def nice_step(top: float, ticks: int = 4) -> float:
    """A round axis step (1, 2 or 5 times a power of ten) giving about `ticks` steps to `top`."""
    if top <= 0:
        return 1
    rough = top / ticks
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2g}"


def _f(value: float) -> str:
    return f"{value:.1f}"


def _svg(width: int, height: int, **attributes: str) -> ET.Element:
    root = ET.Element("svg", xmlns=SVG_NS, width=str(width), height=str(height))
    root.set("viewBox", f"0 0 {width} {height}")
    root.set("role", "img")
    root.set("focusable", "false")
    for name, value in attributes.items():
        root.set(name.replace("_", "-"), value)
    return root


def _text(parent: ET.Element, x: float, y: float, text: str, size: int, **extra: str) -> None:
    node = ET.SubElement(parent, "text", x=_f(x), y=_f(y), fill=TEXT)
    node.set("font-size", str(size))
    node.set("font-family", FONT)
    for name, value in extra.items():
        node.set(name.replace("_", "-"), value)
    node.text = text


def _markup(root: ET.Element) -> Markup:
    return Markup(ET.tostring(root, encoding="unicode"))  # noqa: S704 (escaped by ElementTree)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    chart_id: str,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 260,
    label_every: int = 1,
) -> Markup:
    """A vertical bar chart of (label, value) pairs, every `label_every`th bar labelled."""
    left, top, plot_w, plot_h = 56, 12, width - 68, height - 68
    highest = max((value for _, value in bars), default=0)
    root, axis_top = _grid(
        (width, height), (left, top, plot_w, plot_h), highest, chart_id, title, description
    )
    slot = plot_w / max(len(bars), 1)
    for n, (label, value) in enumerate(bars):
        bar_h = plot_h * value / axis_top
        x = left + n * slot
        rect = ET.SubElement(root, "rect", x=_f(x + slot * 0.1), y=_f(top + plot_h - bar_h))
        rect.attrib.update(width=_f(max(slot * 0.8, 1)), height=_f(bar_h), fill=BLUE)
        ET.SubElement(rect, "title").text = f"{label}: {_number(value)}"
        if n % label_every == 0:
            _text(root, x + slot / 2, top + plot_h + 16, label, 11, text_anchor="middle")
    _axes(root, left, top, plot_w, plot_h, (x_label, y_label))
    return _markup(root)


def _axes(root: ET.Element, left, top, plot_w, plot_h, labels: tuple[str, str]) -> None:
    """The two axis lines and their titles."""
    base, middle = top + plot_h, top + plot_h / 2
    for x1, x2, y1, y2 in ((left, left, top, base), (left, left + plot_w, base, base)):
        ET.SubElement(root, "line", x1=_f(x1), x2=_f(x2), y1=_f(y1), y2=_f(y2), stroke=TEXT)
    _text(root, left + plot_w / 2, base + 44, labels[0], 13, text_anchor="middle")
    turn = f"rotate(-90 14 {_f(middle)})"
    _text(root, 14, middle, labels[1], 13, text_anchor="middle", transform=turn)


def progress_bar(done: int, target: int, *, label: str, width: int = 160) -> Markup:
    """A horizontal bar of `done` against `target` (empty when there is no target)."""
    if target <= 0:
        return Markup("")
    text = f"{label}: {done:,} of {target:,} ({done / target:.0%})"
    root = _svg(width, 14, aria_label=text)
    ET.SubElement(root, "title").text = text
    track = ET.SubElement(root, "rect", x="0", y="1", width=str(width), height="12")
    track.attrib.update(fill=TRACK, stroke=GREY)
    filled = _f(width * min(done / target, 1))
    ET.SubElement(root, "rect", x="0", y="1", width=filled, height="12", fill=BLUE)
    return _markup(root)


# Lines told apart by colour and by dash pattern (not by colour alone).
LINE_STYLES = [
    ("#005eb8", ""),
    ("#7c2855", "8 4"),
    ("#007f3b", "2 3"),
    ("#330072", "10 3 2 3"),
]


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    *,
    chart_id: str,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 260,
    label_every: int = 1,
) -> Markup:
    """Lines of (label, value) points, one per named series, with a legend; same x labels."""
    left, top, plot_w, plot_h = 56, 12 + 18 * len(series), width - 68, height - 68
    height += 18 * len(series)
    highest = max((v for _, points in series for _, v in points), default=0)
    root, axis_top = _grid(
        (width, height), (left, top, plot_w, plot_h), highest, chart_id, title, description
    )
    labels = [label for label, _ in series[0][1]] if series else []
    gap = plot_w / max(len(labels) - 1, 1)
    for n, label in enumerate(labels):
        if n % label_every == 0:
            _text(root, left + n * gap, top + plot_h + 16, label, 11, text_anchor="middle")
    _lines(root, series, (left, top, plot_h, gap, axis_top))
    _axes(root, left, top, plot_w, plot_h, (x_label, y_label))
    return _markup(root)


def _lines(root: ET.Element, series, frame: tuple[float, ...]) -> None:
    """One polyline per series, and its key above the plot."""
    left, top, plot_h, gap, axis_top = frame
    for index, (name, points) in enumerate(series):
        colour, dash = LINE_STYLES[index % len(LINE_STYLES)]
        xy = [
            (left + n * gap, top + plot_h - plot_h * value / axis_top)
            for n, (_, value) in enumerate(points)
        ]
        line = ET.SubElement(root, "polyline", fill="none", stroke=colour)
        line.set("points", " ".join(f"{_f(x)},{_f(y)}" for x, y in xy))
        line.set("stroke-width", "2")
        if dash:
            line.set("stroke-dasharray", dash)
        ET.SubElement(line, "title").text = f"{name}: {_number(sum(v for _, v in points))} in all"
        key_y = 14 + 18 * index
        key = ET.SubElement(root, "line", x1=str(left), x2=str(left + 28), stroke=colour)
        key.attrib.update(y1=str(key_y - 4), y2=str(key_y - 4))
        key.set("stroke-width", "2")
        if dash:
            key.set("stroke-dasharray", dash)
        _text(root, left + 36, key_y, name, 12)


def rate_bar(rate: float | None, target: float | None, *, label: str, width: int = 64) -> Markup:
    """A small bar of a rate (0 to 1) with a tick at the target rate (0 to 1), if any."""
    if rate is None:
        return Markup("")
    text = f"{label} {rate:.0%}" + (f" against a target of {target:.0%}" if target else "")
    root = _svg(width, 12, aria_label=text)
    ET.SubElement(root, "title").text = text
    track = ET.SubElement(root, "rect", x="0", y="2", width=str(width), height="8")
    track.attrib.update(fill=TRACK, stroke=GREY)
    ET.SubElement(root, "rect", x="0", y="2", width=_f(width * min(rate, 1)), height="8", fill=BLUE)
    if target:
        x = _f(width * min(target, 1))
        ET.SubElement(root, "line", x1=x, x2=x, y1="0", y2="12", stroke=TEXT).set(
            "stroke-width", "2"
        )
    return _markup(root)


def _grid(
    size: tuple[int, int],
    plot: tuple[float, float, float, float],
    highest: float,
    chart_id: str,
    title: str,
    description: str,
) -> tuple[ET.Element, float]:
    """A titled chart with its horizontal grid lines and y labels; the axis's top value."""
    left, top, plot_w, plot_h = plot
    step = nice_step(highest)
    axis_top = max(step, math.ceil(highest / step) * step)
    root = _svg(*size, aria_labelledby=f"{chart_id}-title {chart_id}-desc")
    ET.SubElement(root, "title", id=f"{chart_id}-title").text = title
    ET.SubElement(root, "desc", id=f"{chart_id}-desc").text = description
    for n in range(round(axis_top / step) + 1):
        y = top + plot_h - plot_h * n * step / axis_top
        ET.SubElement(root, "line", x1=str(left), x2=str(left + plot_w), y1=_f(y), y2=_f(y))
        root[-1].set("stroke", TRACK)
        _text(root, left - 6, y + 4, _number(n * step), 12, text_anchor="end")
    return root, axis_top
