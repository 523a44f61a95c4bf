"""Reading scanned paper returns of Fieldwork's own forms, with no template.

Fieldwork drew every box (the box map of `forms.paper`), so a scanned page is read by:

1. `rasterise` -- greyscale page images at 300 dpi from a multi-page PDF or TIFF;
2. `identify` -- the page's QR code (instrument, version, language, print size, page,
   serial) and how the page was turned (0, 90, 180 or 270 degrees);
3. `register` -- the four corner L-marks fit an affine map from PDF points to pixels
   (printer scaling, skew of a few degrees, offset); the page is warped onto the form;
4. `measure` -- each box of the map: the dark fraction of its inner area, ticked by a
   two-sided rule (a light tick or a cross is ticked, a box filled in is a correction and
   is not), with a confidence from the distance to the thresholds;
5. `propose` -- answers per keying field, in the text `forms.keying.read_pass` reads,
   with the fields a person must look at (uncertain boxes, digits, write-ins);
6. `read_batch` -- all of the above over a batch (`read_page` one page at a time, then
   `group`), pages grouped by serial into copies;
   unidentified pages, duplicates and missing pages are listed, never guessed.

Pure library: numpy, OpenCV (headless), zxing-cpp and pypdfium2; no Flask, no database.
"""

from forms.scan.batch import (
    BatchReading,
    CopyReading,
    PageReading,
    ScanForm,
    group,
    read_batch,
    read_page,
)
from forms.scan.identify import Identified, identify
from forms.scan.images import ScanError, rasterise
from forms.scan.measure import DEFAULT_THRESHOLDS, BoxReading, Thresholds, measure
from forms.scan.propose import FieldProposal, Proposal, propose
from forms.scan.register import Registered, RegistrationError, register, verification_image

__all__ = [
    "DEFAULT_THRESHOLDS",
    "BatchReading",
    "BoxReading",
    "CopyReading",
    "FieldProposal",
    "Identified",
    "PageReading",
    "Proposal",
    "Registered",
    "RegistrationError",
    "ScanError",
    "ScanForm",
    "Thresholds",
    "group",
    "identify",
    "measure",
    "propose",
    "rasterise",
    "read_batch",
    "read_page",
    "register",
    "verification_image",
]
