"""Page images from an uploaded file: greyscale numpy arrays at 300 dpi, one per page."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

import cv2
import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

DPI = 300
A4_LONG_INCHES = 297 / 25.4
MAX_PAGE_PIXELS = 60_000_000  # about A3 at 600 dpi: larger is not a scanned page


class ScanError(Exception):
    """A file that cannot be read as scanned pages (the message says why, for a person)."""


def rasterise(data: bytes, filename: str = "", dpi: int = DPI) -> Iterator[np.ndarray]:
    """Greyscale page images (uint8, 0 black .. 255 white) at `dpi`, in file order.

    PDFs (any pages, scanned or printed) are rendered with pdfium; TIFF (multi-page),
    PNG and JPEG are read with Pillow and resampled to `dpi`, judging the scan's
    resolution from an A4 page's length (a scanner's stated dpi is often wrong).
    Raises ScanError for a file that is neither, or is damaged, or is empty.
    """
    if not data:
        raise ScanError(f"{filename or 'The file'} is empty")
    if data[:5] == b"%PDF-" or filename.lower().endswith(".pdf"):
        yield from _pdf_pages(data, filename, dpi)
    else:
        yield from _image_pages(data, filename, dpi)


def _pdf_pages(data: bytes, filename: str, dpi: int) -> Iterator[np.ndarray]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise ScanError(f"{filename or 'The file'} is not a readable PDF ({error})") from None
    try:
        if len(document) == 0:
            raise ScanError(f"{filename or 'The PDF'} has no pages")
        for index in range(len(document)):
            page = document[index]
            try:
                width, height = page.get_size()
                scale = dpi / 72
                if width * height * scale * scale > MAX_PAGE_PIXELS or _huge_image(page):
                    raise ScanError(f"Page {index + 1} of {filename or 'the PDF'} is too large")
                bitmap = page.render(scale=scale, grayscale=True)
                array = bitmap.to_numpy()
                if array.ndim == 3:
                    array = cv2.cvtColor(array[:, :, :3], cv2.COLOR_BGR2GRAY)
                yield np.ascontiguousarray(array)
            finally:
                page.close()
    finally:
        document.close()


def _huge_image(page) -> bool:
    """Whether the page draws an image larger than a scanned page could be: a small file
    can hold one (a zero-filled 100,000 px square compresses to a megabyte) that pdfium
    would decode whole, for seconds and gigabytes, however small the page it is drawn on."""
    import pypdfium2.raw as pdfium_c

    images = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=16)
    return any(w * h > MAX_PAGE_PIXELS for w, h in (image.get_px_size() for image in images))


def _image_pages(data: bytes, filename: str, dpi: int) -> Iterator[np.ndarray]:
    name = filename or "The file"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ScanError(f"{name} is not a PDF, TIFF, PNG or JPEG scan") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise ScanError(f"{name} cannot be read ({error})") from None
    try:
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if frame.width * frame.height > MAX_PAGE_PIXELS:
                raise ScanError(f"Page {index + 1} of {name} is too large")
            try:
                grey = np.asarray(frame.convert("L"))
            except (OSError, ValueError) as error:
                raise ScanError(f"Page {index + 1} of {name} cannot be read ({error})") from None
            yield _at_dpi(grey, dpi)
    except (OSError, EOFError) as error:
        raise ScanError(f"{name} cannot be read ({error})") from None


def _at_dpi(grey: np.ndarray, dpi: int) -> np.ndarray:
    """Resample a page so that an A4 page is `dpi` (within 3 %, left as it is)."""
    found = max(grey.shape) / A4_LONG_INCHES
    if abs(found / dpi - 1) < 0.03:
        return np.ascontiguousarray(grey)
    factor = dpi / found
    size = (round(grey.shape[1] * factor), round(grey.shape[0] * factor))
    method = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(grey, size, interpolation=method)
