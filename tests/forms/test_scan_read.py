"""Reading scanned pages of our own forms: files, codes, registration, boxes, proposals."""

from __future__ import annotations

import io
import textwrap
import time
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from bench.scanfill import PENS, Mark, Plan, degrade, draw_page, plan_copy, print_pack
from bench.scanfill import PROFILES as DEGRADED
from forms.keying import read_pass
from forms.loader import load_instrument, load_text
from forms.model import ITEM_TYPES
from forms.scan import (
    DEFAULT_THRESHOLDS,
    RegistrationError,
    ScanError,
    identify,
    measure,
    propose,
    rasterise,
    register,
    verification_image,
)
from forms.scan.measure import classify
from forms.scan.propose import MORE_THAN_ONE_TICKED, PROPOSERS, WRITTEN
from tests.conftest import INSTRUMENTS
from tests.forms.authoring import HEAD

DEMO = HEAD + textwrap.dedent("""\
    sections:
      - id: all
        title: Every type
        items:
          - {id: s1, type: single, text: Pick one, choices: {1: "Yes", 2: "No", 3: Maybe}}
          - {id: m1, type: multiple, text: Pick some, choices: {1: Red, 2: Blue, 3: Green}}
          - id: g1
            type: grid
            text: Rate each
            choices: {1: Good, 2: Bad}
            rows: {r1: Food, r2: Rooms}
          - {id: t1, type: text, text: Your name}
          - {id: i1, type: integer, text: Your age, min: 16, max: 120, unit: years}
          - {id: dt1, type: date, text: Date of visit}
""")
HEAVY, BALLPOINT, FINE, LIGHT = PENS


@pytest.fixture(scope="module")
def demo():
    return print_pack(load_text(DEMO, "demo.yaml"), 1)


@pytest.fixture(scope="module")
def patient():
    return print_pack(load_instrument(INSTRUMENTS / "patient.yaml"), 1)


def _box(form, item, code=None, row=None, kind=None):
    for box in form.boxmap.boxes:
        same = box["item"] == item and box.get("code") == code and box.get("row") == row
        if same and (kind is None or box["kind"] == kind):
            return box
    raise KeyError(item)


def _middle(box):
    return box["x"] + box["w"] / 2, box["y"] + box["h"] / 2


def _read(pack, number, marks, rng=None, how=None, turn=0):
    rng = rng or np.random.default_rng(0)
    image = draw_page(pack.pages[0][number], marks, rng)
    if how is not None:
        image = degrade(image, how, rng, turn=turn)
    found = identify(image)
    registered = register(found.upright(image))
    return found, registered, measure(registered, pack.form.boxes(number))


def test_every_item_type_has_a_proposer():
    assert set(PROPOSERS) == set(ITEM_TYPES)


def test_unreadable_files_are_clear_errors():
    with pytest.raises(ScanError, match="empty"):
        list(rasterise(b"", "a.pdf"))
    with pytest.raises(ScanError, match="not a PDF, TIFF"):
        list(rasterise(b"hello, not an image", "a.tif"))
    with pytest.raises(ScanError, match="not a readable PDF"):
        list(rasterise(b"%PDF-1.7 broken", "a.pdf"))


def _pdf_drawing_a_blank_image(side: int) -> bytes:
    """A one-page A4 PDF drawing a `side` px square 1-bit image of zeros (compressed)."""
    image = zlib.compress(b"\0" * ((side + 7) // 8 * side), 9)
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (side, side, len(image), image),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref
    )  # fmt: skip
    return bytes(out)


def test_a_small_pdf_drawing_a_huge_image_is_refused_before_it_is_decoded():
    # At 100,000 px a side it is 1.2 MB, and took 25 s and 1.5 GB to render; 10,000 here.
    bomb = _pdf_drawing_a_blank_image(10_000)
    assert len(bomb) < 20_000
    started = time.monotonic()
    with pytest.raises(ScanError, match=r"Page 1 of bomb\.pdf is too large"):
        list(rasterise(bomb, "bomb.pdf"))
    assert time.monotonic() - started < 2
    (page,) = rasterise(_pdf_drawing_a_blank_image(2_000), "fine.pdf")  # a scan's size
    assert abs(page.shape[0] - 3508) <= 2 and abs(page.shape[1] - 2480) <= 2  # A4, 300 dpi


def test_a_multi_page_tiff_at_150_dpi_comes_out_at_300(demo):
    small = [cv2.resize(demo.pages[0][n], None, fx=0.5, fy=0.5) for n in (1, 2)]
    buffer = io.BytesIO()
    frames = [Image.fromarray(image) for image in small]
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    pages = list(rasterise(buffer.getvalue(), "scan.tiff"))
    assert len(pages) == 2
    assert abs(pages[0].shape[0] - 3508) <= 2 and abs(pages[0].shape[1] - 2480) <= 2
    assert identify(pages[1]).payload.page == 2


def test_the_two_sided_rule():
    t = DEFAULT_THRESHOLDS
    box = {"kind": "tick", "item": "q", "code": 1, "page": 1}
    empty, tick, filled = classify(box, 0.0), classify(box, 0.25), classify(box, 0.97)
    assert (empty.ticked, empty.filled, empty.uncertain) == (False, False, False)
    assert (tick.ticked, tick.filled, tick.uncertain) == (True, False, False)
    assert (filled.ticked, filled.filled, filled.uncertain) == (False, True, False)
    faint = classify(box, (t.empty_max + t.tick_min) / 2)
    smudged = classify(box, (t.tick_max + t.fill_min) / 2)
    assert faint.uncertain and smudged.uncertain
    assert faint.confidence < 0.5 <= tick.confidence
    assert classify(box, t.tick_min + 0.001).confidence < classify(box, 0.3).confidence
    dot = classify(box, 0.2, spread=t.spread_min - 0.1)  # dark, but only a dot in the middle
    assert dot.uncertain and not dot.ticked


def test_the_page_code_says_form_page_serial_and_turn(demo):
    image = demo.pages[0][2]
    found = identify(image)
    assert found.payload.instrument == "demo" and found.payload.page == 2
    assert found.payload.serial == demo.serials[0] and found.rotation == 0
    turned = identify(np.ascontiguousarray(np.rot90(image, 2)))
    assert turned.rotation == 180 and turned.payload == found.payload
    sideways = identify(np.ascontiguousarray(np.rot90(image, -1)))
    assert sideways.rotation == 90
    assert np.array_equal(sideways.upright(np.ascontiguousarray(np.rot90(image, -1))), image)
    letter = identify(demo.letters[0])  # a code, but not a page code
    assert letter.payload is None and "no Fieldwork page code" in letter.problem
    assert identify(np.full((3508, 2480), 255, np.uint8)).problem == "no QR code found"


def test_ticks_crosses_and_corrections_are_read(patient):
    form = patient.form
    marks = [
        Mark(4, "tick", LIGHT, _box(form, "ease", 2, "book"), size=0.9),
        Mark(4, "fill", HEAVY, _box(form, "ease", 1, "rx")),  # a correction…
        Mark(4, "cross", BALLPOINT, _box(form, "ease", 3, "rx")),  # …then the answer
        Mark(4, "tick", HEAVY, _box(form, "ease", 1, "ocf")),  # two ticks in one row
        Mark(4, "tick", FINE, _box(form, "ease", 96, "ocf")),
        Mark(4, "dot", HEAVY, at=_middle(_box(form, "ease", 5, "rx")), size=1.4),  # a dot
    ]
    _found, registered, readings = _read(patient, 4, marks)
    ticked = {(r.box["row"], r.box["code"]) for r in readings if r.ticked}
    assert ticked == {("book", 2), ("rx", 3), ("ocf", 1), ("ocf", 96)}
    filled = [r for r in readings if r.filled]
    assert [(r.box["row"], r.box["code"]) for r in filled] == [("rx", 1)]
    unsure = [r for r in readings if r.uncertain]
    assert [(r.box["row"], r.box["code"]) for r in unsure] == [("rx", 5)]
    proposal = propose(form.instrument, readings)
    fields = proposal.fields
    # The unsure dot, and the two ticks in one row: proposed as -96, and a person looks.
    assert [f.name for f in proposal.uncertain if f.readings] == ["ease.rx", "ease.ocf"]
    assert fields["ease.book"] == "2" and fields["ease.rx"] == "3"
    assert fields["ease.ocf"] == "*"  # more than one: -96
    reasons = {f.name: f.reason for f in proposal.uncertain}
    assert reasons["ease.ocf"] == MORE_THAN_ONE_TICKED
    png = verification_image(registered, readings, width=600)
    picture = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape[1] == 600 and abs(picture.shape[0] - 848) <= 1


def test_answers_drawn_at_random_are_read_back_from_clean_scans(patient):
    rng = np.random.default_rng(3)
    plan = plan_copy(patient.form, rng, quirks=False)
    readings = []
    for number in (2, 3, 4, 5):
        marks = [m for m in plan.marks if m.page == number]
        readings += _read(patient, number, marks, rng)[2]
    index = {id(box): n for n, box in enumerate(patient.form.boxmap.boxes)}
    assert len(readings) > 40
    for reading in readings:
        if reading.kind in ("tick", "cell"):
            assert reading.ticked == plan.ticked[index[id(reading.box)]], reading
    proposal = propose(patient.form.instrument, readings)
    read = {f.name: f.text for f in proposal.items if f.name in plan.fields and f.readings}
    assert read and read == {name: plan.fields[name] for name in read}
    assert all(not f.uncertain for f in proposal.items if f.name in read)


def test_skewed_scaled_noisy_and_upside_down_pages_register(patient):
    rng = np.random.default_rng(5)
    plan = plan_copy(patient.form, rng, quirks=False)
    marks = [m for m in plan.marks if m.page == 9]
    found, registered, readings = _read(patient, 9, marks, rng, DEGRADED["skewed"], turn=2)
    assert found.rotation == 180
    assert 0.96 < registered.scale < 1.01 and registered.residual < 1.0
    index = {id(box): n for n, box in enumerate(patient.form.boxmap.boxes)}
    wrong = [r for r in readings if r.ticked != plan.ticked[index[id(r.box)]] and not r.uncertain]
    assert not wrong


def test_a_page_without_corner_marks_is_not_registered(demo):
    image = demo.pages[0][2].copy()
    image[:400, :] = 255  # top marks cut off
    with pytest.raises(RegistrationError, match="2 of the 4 corner marks"):
        register(image)
    image = demo.pages[0][2].copy()
    image[:400, :400] = 255  # one lost: three are enough
    assert register(image).marks == 3
    with pytest.raises(RegistrationError, match="not an A4 page"):
        register(np.full((600, 400), 255, np.uint8))


def test_digits_and_write_ins_go_to_a_person_with_their_crop(demo):
    form = demo.form
    page = _box(form, "t1", kind="write_in")["page"]
    assert _box(form, "i1", kind="digit", code=None)["page"] == page
    marks = [
        Mark(page, "scribble", BALLPOINT, _box(form, "t1", kind="write_in")),
        Mark(page, "digit", BALLPOINT, _box(form, "i1", kind="digit")),
        Mark(page, "tick", BALLPOINT, _box(form, "s1", 2)),
    ]
    readings = []
    for number in range(1, len(demo.pages[0]) + 1):
        if form.boxes(number):
            readings += _read(demo, number, marks if number == page else [])[2]
    proposal = propose(form.instrument, readings)
    by_name = {f.name: f for f in proposal.items}
    for name in ("t1", "i1"):
        assert by_name[name].uncertain and by_name[name].reason == WRITTEN
        assert by_name[name].text == "" and by_name[name].crop.startswith(b"\x89PNG")
    assert not by_name["dt1"].uncertain and by_name["dt1"].text == ""  # left empty: blank
    assert proposal.fields == {"s1": "2"}
    keyed = read_pass(form.instrument, proposal.fields)
    assert keyed.answers == {"s1": 2} and not keyed.problems


def test_proposals_key_as_the_keying_service_reads_them(patient):
    plan = Plan()
    form = patient.form
    marks = [
        Mark(2, "tick", BALLPOINT, _box(form, box["item"], box.get("code")))
        for box in form.boxes(2)
        if box["kind"] == "tick"
    ][:1]
    _f, _r, readings = _read(patient, 2, marks + plan.marks)
    proposal = propose(form.instrument, readings)
    keyed = read_pass(form.instrument, proposal.fields)
    item = marks[0].box["item"]
    assert keyed.answers[item] in ({marks[0].box["code"]}, marks[0].box["code"])
    missing = [f for f in proposal.items if f.reason == "its page was not scanned"]
    assert missing and all(f.uncertain for f in missing)  # pages 3..18 were not given
