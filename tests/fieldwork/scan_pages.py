"""Synthetic scans for the app's tests: printed pages of a copy, ticked by hand, as files.

A copy's pages are the questionnaire as a pack prints it (`forms.paper`, static pages and
a QR code and serial stamped on each), rasterised at 300 dpi; ticks are drawn where the
box map says the boxes are. Files are multi-page TIFF or PDF, as a scanner makes them.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from forms.model import Instrument
from forms.paper import cached_form
from forms.paper.layout import PAGE_HEIGHT, PAGE_WIDTH, QR_SIZE, QR_X, QR_Y
from forms.paper.page import draw_serial
from forms.paper.qr import PagePayload, draw_qr

DPI = 300
K = DPI / 72
INSET = 2.0  # points the reading leaves out inside a box's edge (forms.scan Thresholds)


def _raster(pdf: bytes) -> list[np.ndarray]:
    document = pdfium.PdfDocument(pdf)
    try:
        pages = [page.render(scale=K, grayscale=True).to_numpy() for page in document]
    finally:
        document.close()
    return [np.ascontiguousarray(p[:, :, 0] if p.ndim == 3 else p) for p in pages]


def _stamps(form, serial: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    box = form.boxmap
    for page in range(1, form.pages + 1):
        payload = PagePayload(box.instrument, box.version, box.lang, page, serial, box.large_print)
        draw_qr(canvas, payload.encode(), QR_X, QR_Y, QR_SIZE)
        draw_serial(canvas, "Helvetica", serial)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def copy_pages(instrument: Instrument, serial: str, lang: str = "en") -> list[np.ndarray]:
    """The printed pages of one copy with its serial, as 300 dpi greyscale images."""
    form = cached_form(instrument, lang, qr=False)
    return [
        np.minimum(printed, stamp)
        for printed, stamp in zip(_raster(form.pdf), _raster(_stamps(form, serial)), strict=True)
    ]


def printed_pages(pdf: bytes) -> list[np.ndarray]:
    """Every page of a printed PDF (a pack), as 300 dpi greyscale images."""
    return _raster(pdf)


def boxes(instrument: Instrument, lang: str = "en") -> list[dict]:
    """The box map of the printed form."""
    return cached_form(instrument, lang, qr=False).boxmap.boxes


def _pixels(box: dict) -> tuple[int, int, int, int]:
    left, top = box["x"] * K, (PAGE_HEIGHT - box["y"] - box["h"]) * K
    return round(left), round(top), round(box["w"] * K), round(box["h"] * K)


def tick(images: list[np.ndarray], box: dict) -> None:
    """A pen tick in a box, as people make them."""
    x, y, w, h = _pixels(box)
    image = images[box["page"] - 1]
    points = [(x + 0.2 * w, y + 0.55 * h), (x + 0.42 * w, y + 0.8 * h), (x + 0.85 * w, y + 0.2 * h)]
    line = np.array([[round(px), round(py)] for px, py in points], dtype=np.int32)
    cv2.polylines(image, [line], False, 0, thickness=max(3, round(w / 12)))


def faint(images: list[np.ndarray], box: dict, share: float = 0.055) -> None:
    """A small dot covering `share` of the measured area: neither empty nor a tick."""
    image = images[box["page"] - 1]
    inner_w, inner_h = (box["w"] - 2 * INSET) * K, (box["h"] - 2 * INSET) * K
    side = round((share * inner_w * inner_h) ** 0.5)
    x, y, w, h = _pixels(box)
    cx, cy = x + w // 2, y + h // 2
    image[cy - side // 2 : cy - side // 2 + side, cx - side // 2 : cx - side // 2 + side] = 0


def write(images: list[np.ndarray], box: dict, text: str) -> None:
    """Handwriting (printed text will do) in a write-in area."""
    x, y, _w, h = _pixels(box)
    cv2.putText(
        images[box["page"] - 1], text, (x + 20, y + h - 25), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 4
    )


def find(all_boxes: Iterable[dict], item: str, **key) -> dict:
    """The box of `item` with the given code, row, kind…"""
    for box in all_boxes:
        if box["item"] == item and all(box.get(k) == v for k, v in key.items()):
            return box
    raise KeyError((item, key))


def tiff(images: list[np.ndarray]) -> bytes:
    """A multi-page TIFF of the images (a scanner's output)."""
    pictures = [Image.fromarray(image) for image in images]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer, format="TIFF", save_all=True, append_images=pictures[1:],
        compression="tiff_deflate", dpi=(DPI, DPI),
    )  # fmt: skip
    return buffer.getvalue()


def pdf(images: list[np.ndarray]) -> bytes:
    """A multi-page PDF of the images (a scanner's output)."""
    pictures = [Image.fromarray(image) for image in images]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer, format="PDF", save_all=True, append_images=pictures[1:], resolution=DPI
    )
    return buffer.getvalue()
