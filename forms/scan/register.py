"""Registration: the four corner L-marks map the form's points onto the scanned pixels.

The marks (`forms.paper.page.draw_corner_marks`) sit 10 mm in from each corner with
20 mm arms. Each is found as a thin L-shaped blob near its corner of the image; straight
lines fitted to its two arms cross at the mark's vertex, to a fraction of a pixel.
An affine map from PDF points (origin bottom left) to pixels, fitted to the four
vertices by least squares, takes up offset, skew, a printer's scaling (also unequal
across and down the page) and a slanted feed. The page is then warped onto the form
at 300 dpi, so every box of the box map is an upright rectangle of known pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forms.paper.layout import CORNER_ARM, CORNER_INSET, PAGE_HEIGHT, PAGE_WIDTH
from forms.scan.images import DPI, ScanError

MM = 72 / 25.4
WINDOW = 58 * MM  # searched from each image corner: inset + arm + a scanner's offset
MAX_RESIDUAL = 1.5 * MM  # corner vertices further than this from the fit: not our page
MAX_ANGLE = 8.0  # degrees
SCALES = (0.85, 1.15)

# The vertex of each mark in points (origin bottom left) and the directions of its arms
# in image coordinates (x right, y down): top left, top right, bottom left, bottom right.
CORNERS = (
    ((CORNER_INSET, PAGE_HEIGHT - CORNER_INSET), (1, 1)),
    ((PAGE_WIDTH - CORNER_INSET, PAGE_HEIGHT - CORNER_INSET), (-1, 1)),
    ((CORNER_INSET, CORNER_INSET), (1, -1)),
    ((PAGE_WIDTH - CORNER_INSET, CORNER_INSET), (-1, -1)),
)


class RegistrationError(ScanError):
    """The corner marks of a page cannot be found or do not fit an A4 form."""


@dataclass
class Registered:
    """A page warped onto its form.

    `image` is the page upright at `dpi`, pixel (col, row) = point (x, H - y) * dpi / 72,
    so a box of the map is `image[box_slices(box)]`; `matrix` maps points (x, y, 1) to
    pixels of the scan as it was given (upright); `residual` is the root mean square
    distance (in points) of the marks from the fit; `marks` how many of four were found;
    `paper` and `ink` are the grey levels of blank paper and of print on this page.
    """

    image: np.ndarray
    matrix: np.ndarray
    residual: float
    marks: int
    paper: float
    ink: float
    dpi: int = DPI

    @property
    def scale(self) -> float:
        """The printed size against the form's (1.0 = as designed; 0.97 = printed at 97 %)."""
        a, b = self.matrix[0, 0], self.matrix[1, 0]
        return float(np.hypot(a, b)) / (self.dpi / 72)

    @property
    def angle(self) -> float:
        """How far the page is turned in the scan, in degrees (positive: clockwise)."""
        return float(np.degrees(np.arctan2(self.matrix[1, 0], self.matrix[0, 0])))

    def pixels(self, x: float, y: float, w: float, h: float, inset: float = 0.0):
        """The row and column slices of a rectangle in points, shrunk by `inset` points."""
        k = self.dpi / 72
        left, right = (x + inset) * k, (x + w - inset) * k
        top, bottom = (PAGE_HEIGHT - y - h + inset) * k, (PAGE_HEIGHT - y - inset) * k
        return slice(round(top), round(bottom)), slice(round(left), round(right))

    def crop_png(self, x: float, y: float, w: float, h: float, margin: float = 4.0) -> bytes:
        """A PNG of a rectangle (points) with `margin` points around it, for a person."""
        rows, cols = self.pixels(x - margin, y - margin, w + 2 * margin, h + 2 * margin)
        return _png(_clean(self.image[rows, cols], self.paper, self.ink))


def register(image: np.ndarray, dpi: int = DPI) -> Registered:
    """Find the corner marks of an upright page image and warp it onto the form.

    Tolerates an offset of a centimetre, a printer's scaling of 85-115 % and a skew of
    several degrees; three marks are enough when one corner is lost (a fold, a staple).
    Raises RegistrationError when fewer are found or they do not fit an A4 form.
    """
    if image.ndim != 2 or min(image.shape) < 2 * WINDOW * dpi / 72:
        raise RegistrationError(f"not an A4 page image at {dpi} dpi")
    paper, ink = _levels(image)
    if paper - ink < 40:
        raise RegistrationError("the page has too little contrast to read")
    threshold = (paper + ink) / 2
    k = dpi / 72
    found_pt, found_px = [], []
    for point, direction in CORNERS:
        vertex = _find_mark(image, threshold, direction, k)
        if vertex is not None:
            found_pt.append(point)
            found_px.append(vertex)
    if len(found_pt) < 3:
        raise RegistrationError(f"only {len(found_pt)} of the 4 corner marks found")
    matrix, residual = _fit(np.array(found_pt), np.array(found_px))
    registered = Registered(
        _warp(image, matrix, dpi), matrix, residual / k, len(found_pt), paper, ink, dpi
    )
    low, high = SCALES
    if not low <= registered.scale <= high or abs(registered.angle) > MAX_ANGLE:
        raise RegistrationError(
            f"the corner marks give a scale of {registered.scale:.0%} and a turn of "
            f"{registered.angle:.1f}°: not a Fieldwork form as printed"
        )
    if registered.residual > MAX_RESIDUAL:
        raise RegistrationError("the corner marks do not fit an A4 form")
    return registered


def _levels(image: np.ndarray) -> tuple[float, float]:
    """The grey of blank paper and of print (dark percentiles of a sample)."""
    sample = image[::7, ::7]
    paper = float(np.percentile(sample, 75))
    ink = float(np.percentile(sample, 0.3))
    return paper, ink


def _find_mark(image: np.ndarray, threshold: float, direction, k: float):
    """The vertex (x, y pixels) of the L mark in one corner's window, or None."""
    sx, sy = direction
    height, width = image.shape
    size = round(WINDOW * k)
    x0 = 0 if sx > 0 else width - size
    y0 = 0 if sy > 0 else height - size
    window = image[y0 : y0 + size, x0 : x0 + size]
    binary = (window < threshold).astype(np.uint8)
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(binary, connectivity=8)
    arm = CORNER_ARM * k
    best, best_distance = None, None
    expected = np.array(
        [
            CORNER_INSET * k if sx > 0 else size - CORNER_INSET * k,
            CORNER_INSET * k if sy > 0 else size - CORNER_INSET * k,
        ]
    )
    for label in range(1, count):
        left, top, w, h, area = stats[label]
        if not (0.7 * arm <= w <= 1.25 * arm and 0.7 * arm <= h <= 1.25 * arm):
            continue
        if area > 0.3 * w * h or area < 0.5 * arm * k:
            continue
        corner = np.array([left if sx > 0 else left + w, top if sy > 0 else top + h])
        distance = float(np.hypot(*(corner - expected)))
        if best_distance is None or distance < best_distance:
            best, best_distance = label, distance
    if best is None:
        return None
    ys, xs = np.nonzero(labels == best)
    xs, ys = xs.astype(np.float64), ys.astype(np.float64)
    along_x, along_y = xs * sx, ys * sy
    index = np.argmin(along_x + along_y)
    vx, vy = xs[index], ys[index]
    dx, dy = (xs - vx) * sx, (ys - vy) * sy
    horizontal = (dx > 0.25 * arm) & (dx < 0.9 * arm) & (np.abs(dy) < 0.2 * arm)
    vertical = (dy > 0.25 * arm) & (dy < 0.9 * arm) & (np.abs(dx) < 0.2 * arm)
    if horizontal.sum() < 10 or vertical.sum() < 10:
        return None
    a, b = np.polyfit(xs[horizontal], ys[horizontal], 1)  # y = a x + b
    c, d = np.polyfit(ys[vertical], xs[vertical], 1)  # x = c y + d
    x = (c * b + d) / (1 - c * a)
    y = a * x + b
    return x0 + x, y0 + y


def _fit(points: np.ndarray, pixels: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares affine map points -> pixels, and the RMS distance off it (pixels)."""
    design = np.column_stack([points, np.ones(len(points))])
    solution, *_ = np.linalg.lstsq(design, pixels, rcond=None)
    matrix = solution.T  # 2 x 3
    fitted = design @ solution
    residual = float(np.sqrt(np.mean(np.sum((fitted - pixels) ** 2, axis=1))))
    return matrix, residual


def _warp(image: np.ndarray, matrix: np.ndarray, dpi: int) -> np.ndarray:
    """The page resampled onto the form at `dpi` (blank paper outside the scan)."""
    k = 72 / dpi
    # form pixel (u, v) -> point (u k, H - v k) -> scan pixel
    to_points = np.array([[k, 0, 0], [0, -k, PAGE_HEIGHT], [0, 0, 1]])
    inverse = matrix @ to_points
    size = (round(PAGE_WIDTH / k), round(PAGE_HEIGHT / k))
    return cv2.warpAffine(
        image,
        inverse,
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def verification_image(
    registered: Registered, readings=(), width: int = 1240, highlight_uncertain: bool = True
) -> bytes:
    """The registered page as a PNG `width` pixels wide (150 dpi by default).

    Boxes read as ticked are outlined in blue; uncertain boxes (when `highlight_uncertain`)
    in orange, thick, so a person finds them at once.
    """
    grey = registered.image
    factor = width / grey.shape[1]
    grey = cv2.resize(grey, (width, round(grey.shape[0] * factor)), interpolation=cv2.INTER_AREA)
    page = cv2.cvtColor(_clean(grey, registered.paper, registered.ink), cv2.COLOR_GRAY2BGR)
    k = registered.dpi / 72 * factor
    for reading in readings:
        box = reading.box
        if reading.uncertain and highlight_uncertain:
            colour, thickness = (0, 120, 255), 3
        elif reading.ticked:
            colour, thickness = (200, 80, 0), 2
        else:
            continue
        top_left = (round((box["x"] - 3) * k), round((PAGE_HEIGHT - box["y"] - box["h"] - 3) * k))
        bottom_right = (
            round((box["x"] + box["w"] + 3) * k),
            round((PAGE_HEIGHT - box["y"] + 3) * k),
        )
        cv2.rectangle(page, top_left, bottom_right, colour, thickness)
    return _png(page)


def _clean(grey: np.ndarray, paper: float, ink: float) -> np.ndarray:
    """Print black and paper white (a photocopy's grey cast and the paper's noise gone)."""
    scale = 255 / max(1.0, paper - ink)
    levels = np.clip((grey.astype(np.float32) - ink) * scale, 0, 255)
    levels[levels > 215] = 255
    return levels.astype(np.uint8)


def _png(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise ScanError("cannot encode an image")
    return encoded.tobytes()
