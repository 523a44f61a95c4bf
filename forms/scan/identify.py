"""Which form and page a scanned page is: its QR code, read with zxing-cpp."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import zxingcpp

from forms.paper.qr import PREFIX, PagePayload


@dataclass(frozen=True)
class Identified:
    """What a page's QR code says, and how the page lies in the image.

    `payload` is None when no Fieldwork page code was read (`problem` says why);
    `rotation` is how far the page is turned clockwise in the image (0, 90, 180 or 270
    degrees: 180 for a page fed upside down); `text` is every code's text read.
    """

    payload: PagePayload | None
    rotation: int = 0
    text: tuple[str, ...] = ()
    problem: str = ""

    def upright(self, image: np.ndarray) -> np.ndarray:
        """The image turned so the page stands the right way up."""
        if self.rotation == 0:
            return image
        return np.ascontiguousarray(np.rot90(image, self.rotation // 90))


def identify(image: np.ndarray) -> Identified:
    """Read the page's QR code (payload `FW1|instrument|version|lang|size|page|serial`).

    Other codes on the page (a letter's link to the online survey) are ignored; a page
    with no Fieldwork code, or with two different ones, is not identified.
    """
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    texts = tuple(code.text for code in found)
    ours = [code for code in found if code.text.startswith(PREFIX + "|")]
    if not ours:
        problem = "no QR code found" if not found else "no Fieldwork page code found"
        return Identified(None, 0, texts, problem)
    if len({code.text for code in ours}) > 1:
        return Identified(None, 0, texts, "two different page codes on one page")
    code = ours[0]
    try:
        payload = PagePayload.decode(code.text)
    except ValueError:
        return Identified(None, 0, texts, f"unreadable page code {code.text!r}")
    rotation = round(code.orientation / 90) * 90 % 360
    return Identified(payload, rotation, texts)
