"""Synthetic scanned returns of our own forms: packs filled the way people fill them, degraded.

Shared by `bench/scans.py` and the scan tests; prints nothing. A pack is printed
(`forms.paper.pack.build_pack`, serials on every page), rasterised at 300 dpi, then
each copy is answered at random (`plan_copy`) and the marks drawn in pen on the page
images (`draw_page`): ticks and crosses in heavy, ballpoint and light pens, a box filled in
as a correction with another ticked, two ticks in a single-choice question, stray marks
beside boxes, scribbles in write-ins and digits. `degrade` then prints and scans the page
badly: a printer's scaling, skew, offset, blur, noise, a photocopy's lost contrast,
a black-and-white scan, JPEG.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image

from forms.model import Instrument
from forms.paper import render_form
from forms.paper.boxes import CELL, DIGIT, TICK, WRITE_IN
from forms.paper.fonts import fonts_for
from forms.paper.layout import PAGE_HEIGHT
from forms.paper.letter import LetterText, render_letter
from forms.paper.pack import Copy, build_pack
from forms.scan import ScanForm, rasterise

K = 300 / 72  # pixels per point at 300 dpi
MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class Pen:
    """A pen: stroke width (mm) and grey on paper (0 black)."""

    name: str
    width: float
    grey: int


PENS = (
    Pen("heavy", 0.8, 20),
    Pen("ballpoint", 0.45, 55),
    Pen("fine", 0.3, 70),
    Pen("light", 0.35, 125),
)
PEN_WEIGHTS = (0.2, 0.45, 0.2, 0.15)


@dataclass(frozen=True)
class Mark:
    """One mark to draw: in a box (its map entry) or at a point of the page (stray)."""

    page: int
    style: str  # tick, cross, fill, scribble, digit, stray, dot (diameter `size` mm)
    pen: Pen
    box: dict[str, Any] | None = None
    at: tuple[float, float] | None = None  # points, for stray marks
    size: float = 1.0  # relative size of a tick or cross


@dataclass
class Plan:
    """What one copy's respondent did: the marks, and the truth to read back.

    `ticked` maps a tick/cell box (by its index in the box map) to True when it holds a
    tick or cross (a filled-in box is False); `fields` is the keying text expected for
    each choice field; `written` the digit and write-in fields with writing.
    """

    marks: list[Mark] = field(default_factory=list)
    ticked: dict[int, bool] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    written: set[str] = field(default_factory=set)
    styles: dict[int, str] = field(default_factory=dict)  # box index -> "tick:ballpoint"…


@dataclass
class Pack:
    """A printed pack's questionnaire pages as images: per copy, page number -> image."""

    form: ScanForm
    serials: list[str]
    pages: list[dict[int, np.ndarray]]
    letters: list[np.ndarray]


def print_pack(instrument: Instrument, copies: int, lang: str = "en", first_serial: int = 1001):
    """Print `copies` copies (letter + questionnaire) and rasterise them at 300 dpi."""
    rendered = render_form(instrument, lang, qr=False)
    letter = render_letter(
        LetterText("The Surgery", "A study", instrument.id, "https://example.org"), lang
    )
    serials = [str(first_serial + n) for n in range(copies)]
    pdf = build_pack(
        letter,
        rendered,
        [Copy(s, f"ABCD-EF{n:02d}", f"https://example.org/c/{n}") for n, s in enumerate(serials)],
        fonts_for(lang).regular,
    )
    images = list(rasterise(pdf, "pack.pdf"))
    per_copy = rendered.pages + 1
    pages = [{n: images[c * per_copy + n] for n in range(1, per_copy)} for c in range(copies)]
    letters = [images[c * per_copy] for c in range(copies)]
    return Pack(ScanForm.of(instrument, rendered), serials, pages, letters)


def plan_copy(form: ScanForm, rng: np.random.Generator, *, quirks: bool = True) -> Plan:
    """Answer every question at random, the way people fill paper (quirks: see module)."""
    plan = Plan()
    boxes = list(enumerate(form.boxmap.boxes))
    groups: dict[tuple, list[tuple[int, dict]]] = {}
    for index, box in boxes:
        key = (box["kind"], box["item"], box.get("row"))
        groups.setdefault(key, []).append((index, box))
    items = {item.id: item for item in form.instrument.iter_questions()}
    for (kind, item_id, row), members in groups.items():
        item = items[item_id]
        name = f"{item_id}.{row}" if row is not None else item_id
        if kind in (TICK, CELL):
            one = item.type in ("single", "grid")
            _plan_choice(plan, name, members, one, rng, quirks)
        elif kind == WRITE_IN:
            if rng.random() < 0.4:
                index, box = members[0]
                plan.marks.append(Mark(box["page"], "scribble", _pen(rng), box))
                plan.written.add(name)
        elif kind == DIGIT and rng.random() < 0.6:
            plan.written.add(name)
            for _index, box in members:
                if box.get("part") == "decimal" or rng.random() < 0.85:
                    plan.marks.append(Mark(box["page"], "digit", _pen(rng), box))
    if quirks:
        for index, box in boxes:
            if rng.random() < 0.03:  # a pen rested beside a box
                angle = rng.uniform(0, 2 * np.pi)
                reach = box["w"] / 2 + rng.uniform(2.5, 6) * MM / 2
                centre = (box["x"] + box["w"] / 2, box["y"] + box["h"] / 2)
                at = (centre[0] + reach * np.cos(angle), centre[1] + reach * np.sin(angle))
                plan.marks.append(Mark(box["page"], "stray", _pen(rng), at=at))
                plan.styles.setdefault(index, "stray:")
    return plan


def _plan_choice(plan: Plan, name, members, one: bool, rng, quirks: bool) -> None:
    for index, _box in members:
        plan.ticked[index] = False
    draw = rng.random()
    if draw < 0.08:  # left blank
        plan.fields[name] = ""
        return
    if one:
        chosen = [members[rng.integers(len(members))]]
        if quirks and draw > 0.97 and len(members) > 1:  # two ticks where one was asked for
            others = [m for m in members if m is not chosen[0]]
            chosen.append(others[rng.integers(len(others))])
    else:
        chosen = [m for m in members if rng.random() < 0.35] or [members[0]]
    corrected = None
    if quirks and 0.90 < draw <= 0.95 and len(members) > 1:  # a correction: filled, then ticked
        corrected = next(m for m in members if m not in chosen)
    style = "cross" if rng.random() < 0.25 else "tick"
    for index, box in chosen:
        size = rng.uniform(0.6, 1.35)
        pen = _pen(rng)
        plan.marks.append(Mark(box["page"], style, pen, box, size=size))
        plan.ticked[index] = True
        plan.styles[index] = f"{style}:{pen.name}"
    if corrected is not None:
        index, box = corrected
        pen = _pen(rng, heavyish=True)
        plan.marks.append(Mark(box["page"], "fill", pen, box))
        plan.styles[index] = f"fill:{pen.name}"
    codes = sorted(box["code"] for _i, box in chosen)
    plan.fields[name] = "*" if one and len(codes) > 1 else " ".join(str(c) for c in codes)


def _pen(rng: np.random.Generator, heavyish: bool = False) -> Pen:
    if heavyish:
        return PENS[rng.integers(3)]
    return PENS[rng.choice(len(PENS), p=PEN_WEIGHTS)]


def draw_page(image: np.ndarray, marks: list[Mark], rng: np.random.Generator) -> np.ndarray:
    """A copy of a page image with the marks drawn on it in pen."""
    ink = np.zeros(image.shape, np.uint8)  # 255 where fully inked, per grey level pass
    out = image.copy()
    by_grey: dict[int, list[Mark]] = {}
    for mark in marks:
        by_grey.setdefault(mark.pen.grey, []).append(mark)
    for grey, group in by_grey.items():
        ink[:] = 0
        for mark in group:
            _draw(ink, mark, rng)
        where = np.nonzero(ink)  # blend only the inked pixels: a page is mostly paper
        alpha = ink[where].astype(np.float32) / 255
        paper = out[where].astype(np.float32)
        out[where] = (paper * (1 - alpha) + np.minimum(paper, grey) * alpha).astype(np.uint8)
    return out


def _px(x: float, y: float) -> tuple[float, float]:
    return x * K, (PAGE_HEIGHT - y) * K


def _stroke(ink, points, pen: Pen) -> None:
    width = max(1, round(pen.width * MM * K))
    shift = 4
    pts = np.round(np.array(points) * (1 << shift)).astype(np.int32)
    cv2.polylines(ink, [pts], False, 255, width, cv2.LINE_AA, shift)


def _wobble(points, rng, amount: float) -> list[tuple[float, float]]:
    """A hand-drawn line: points in between, each pushed a little off the straight path."""
    out = []
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        for t in np.linspace(0, 1, 6, endpoint=False):
            out.append(
                (
                    x0 + (x1 - x0) * t + rng.normal(0, amount),
                    y0 + (y1 - y0) * t + rng.normal(0, amount),
                )
            )
    out.append(points[-1])
    return out


def _draw(ink: np.ndarray, mark: Mark, rng: np.random.Generator) -> None:
    if mark.style == "dot":
        x, y = _px(*mark.at)
        radius = max(2, round(0.5 * mark.size * MM * K))
        cv2.circle(ink, (round(x), round(y)), radius, 255, -1, cv2.LINE_AA)
        return
    if mark.style == "stray":
        x, y = _px(*mark.at)
        if rng.random() < 0.5:
            radius = max(2, round(rng.uniform(0.3, 0.7) * MM * K))
            cv2.circle(ink, (round(x), round(y)), radius, 255, -1, cv2.LINE_AA)
        else:
            length = rng.uniform(1.5, 4) * MM * K
            angle = rng.uniform(0, np.pi)
            end = (x + length * np.cos(angle), y + length * np.sin(angle))
            _stroke(ink, [(x, y), end], mark.pen)
        return
    box = mark.box
    left, top = _px(box["x"], box["y"] + box["h"])
    w, h = box["w"] * K, box["h"] * K
    cx, cy = left + w / 2 + rng.normal(0, w * 0.06), top + h / 2 + rng.normal(0, h * 0.06)
    s = w * mark.size
    wobble = w * 0.015
    if mark.style == "tick":
        turn = rng.normal(0, 0.15)
        shape = [(-0.38, 0.0), (-0.1, 0.3), (0.45, -0.48)]
        points = [_rotate(px * s, py * s, turn, cx, cy) for px, py in shape]
        _stroke(ink, _wobble(points, rng, wobble), mark.pen)
    elif mark.style == "cross":
        r = s * 0.42
        for (x0, y0), (x1, y1) in (((-r, -r), (r, r)), ((-r, r), (r, -r))):
            jitter = rng.normal(0, w * 0.05, 4)
            line = [
                (cx + x0 + jitter[0], cy + y0 + jitter[1]),
                (cx + x1 + jitter[2], cy + y1 + jitter[3]),
            ]
            _stroke(ink, _wobble(line, rng, wobble), mark.pen)
    elif mark.style == "fill":
        if rng.random() < 0.5:  # coloured in solid
            pad = rng.uniform(-0.05, 0.08) * w
            corners = np.array(
                [
                    (left + pad, top + pad),
                    (left + w - pad, top + pad),
                    (left + w - pad, top + h - pad),
                    (left + pad, top + h - pad),
                ]
            )
            corners += rng.normal(0, w * 0.03, corners.shape)
            cv2.fillPoly(ink, [np.round(corners * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
        else:  # scribbled over, back and forth, not always edge to edge
            width = max(mark.pen.width, 0.5)
            step = width * MM * K * rng.uniform(0.9, 2.2)
            points = []
            y = top + rng.uniform(0, 3)
            while y < top + h:
                points += [
                    (left + rng.uniform(-3, 6), y),
                    (left + w + rng.uniform(-6, 3), y + step / 2),
                ]
                y += step
            _stroke(ink, points, Pen("scribble", width, mark.pen.grey))
    elif mark.style == "digit":
        r = min(w, h) * 0.33
        shape = [(rng.uniform(-r, r), rng.uniform(-r * 1.2, r * 1.2)) for _ in range(4)]
        _stroke(ink, _wobble([(cx + a, cy + b) for a, b in shape], rng, wobble), mark.pen)
    elif mark.style == "scribble":
        lines = max(1, round(box["h"] / (9 * MM)))
        for line in range(lines if rng.random() < 0.5 else 1):
            base = top + (line + 0.75) * h / lines
            x, points = left + 8, []
            end = left + w * rng.uniform(0.3, 0.9)
            while x < end:
                points.append((x, base - rng.uniform(0, 0.45) * h / lines))
                x += rng.uniform(6, 14)
            if len(points) > 1:
                _stroke(ink, points, mark.pen)


def _rotate(x: float, y: float, angle: float, cx: float, cy: float) -> tuple[float, float]:
    c, s = np.cos(angle), np.sin(angle)
    return cx + x * c - y * s, cy + x * s + y * c


@dataclass(frozen=True)
class Degradation:
    """How badly a page is printed and scanned (ranges drawn at random per page)."""

    name: str
    rotation: float = 0.0  # degrees, up to either way
    scale: tuple[float, float] = (1.0, 1.0)
    offset: float = 0.0  # mm, up to either way
    blur: float = 0.0  # Gaussian sigma, pixels
    noise: float = 0.0  # grey levels (sigma)
    paper: int = 255  # grey of the paper after copying
    ink: int = 0  # grey of black after copying
    black_and_white: bool = False
    jpeg: int = 0  # JPEG quality, 0 for none


# Thresholds are tuned on TUNE only; HELD_OUT is read with them, never tuned on.
TUNE = (
    Degradation("clean"),
    Degradation("office", rotation=1.0, scale=(0.99, 1.0), offset=2, blur=0.6, noise=4),
    Degradation("skewed", rotation=3.0, scale=(0.97, 1.0), offset=4, blur=0.8, noise=6),
    Degradation(
        "photocopy",
        rotation=1.5,
        scale=(0.97, 0.99),
        offset=3,
        blur=1.0,
        noise=6,
        paper=225,
        ink=60,
    ),
)
HELD_OUT = (
    Degradation(
        "bw", rotation=2.5, scale=(0.97, 1.0), offset=3, blur=0.7, noise=5, black_and_white=True
    ),
    Degradation(
        "faded",
        rotation=3.0,
        scale=(0.97, 0.98),
        offset=5,
        blur=1.4,
        noise=10,
        paper=205,
        ink=90,
        jpeg=60,
    ),
)
PROFILES = {d.name: d for d in TUNE + HELD_OUT}


def degrade(image: np.ndarray, how: Degradation, rng: np.random.Generator, turn: int = 0):
    """Print and scan a page badly; `turn` quarter turns clockwise (2: upside down)."""
    out = image
    angle = rng.uniform(-how.rotation, how.rotation) if how.rotation else 0.0
    scale = rng.uniform(*how.scale)
    if angle or scale != 1.0 or how.offset:
        h, w = out.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
        matrix[:, 2] += rng.uniform(-how.offset, how.offset, 2) * MM * K
        out = cv2.warpAffine(out, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if how.paper != 255 or how.ink != 0:
        out = (how.ink + out.astype(np.float32) * (how.paper - how.ink) / 255).astype(np.uint8)
    if how.blur:
        out = cv2.GaussianBlur(out, (0, 0), how.blur)
    if how.noise:
        cv2.setRNGSeed(int(rng.integers(1 << 30)))
        noise = np.empty(out.shape, np.int16)
        cv2.randn(noise, 0, how.noise)
        out = np.clip(out.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    if how.black_and_white:
        _t, out = cv2.threshold(out, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if how.jpeg:
        buffer = io.BytesIO()
        Image.fromarray(out).save(buffer, "JPEG", quality=how.jpeg)
        out = np.asarray(Image.open(buffer).convert("L"))
    if turn:
        out = np.ascontiguousarray(np.rot90(out, -turn))
    return out
