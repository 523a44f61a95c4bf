"""A batch of scanned pages: shuffled, turned, missing, doubled or foreign pages, all listed."""

from __future__ import annotations

import io
import textwrap

import numpy as np
import pytest
from PIL import Image

from bench.scanfill import PROFILES as DEGRADED
from bench.scanfill import degrade, draw_page, plan_copy, print_pack
from forms.loader import load_text
from forms.paper import render_form
from forms.scan import ScanForm, rasterise, read_batch
from forms.scan.batch import read_page
from tests.forms.authoring import HEAD

SHORT = HEAD + textwrap.dedent("""\
    sections:
      - id: one
        title: First
        items:
          - {id: s1, type: single, text: Pick one, choices: {1: "Yes", 2: "No", 3: Maybe}}
          - {id: m1, type: multiple, text: Pick some, choices: {1: Red, 2: Blue, 3: Green}}
          - {id: t1, type: textarea, text: Tell us more, lines: 8}
          - {id: s2, type: single, text: Pick again, choices: {1: "Yes", 2: "No"}}
          - id: g1
            type: grid
            text: Rate each
            choices: {1: Good, 2: Bad}
            rows: {r1: Food, r2: Rooms, r3: Staff}
          - {id: t2, type: textarea, text: Anything else, lines: 8}
          - {id: s3, type: single, text: Last one, choices: {1: "Yes", 2: "No"}}
""")


@pytest.fixture(scope="module")
def pack():
    return print_pack(load_text(SHORT, "demo.yaml"), 2)


def _tiff(images) -> bytes:
    buffer = io.BytesIO()
    frames = [Image.fromarray(image) for image in images]
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    return buffer.getvalue()


def test_a_shuffled_batch_is_placed_or_listed_page_by_page(pack):
    form = pack.form
    assert form.pages >= 3
    rng = np.random.default_rng(7)
    plans = [plan_copy(form, rng, quirks=False) for _ in pack.serials]
    pages = []  # (image, serial, page)
    for serial, blank, plan in zip(pack.serials, pack.pages, plans, strict=True):
        for number, image in blank.items():
            marks = [m for m in plan.marks if m.page == number]
            pages.append((draw_page(image, marks, rng), serial, number))
    first, second = pack.serials
    missing = (second, 2)
    pages = [p for p in pages if (p[1], p[2]) != missing]
    turned = (first, 3)
    pages = [
        (degrade(i, DEGRADED["office"], rng, turn=2 if (s, n) == turned else 0), s, n)
        for i, s, n in pages
    ]
    duplicate = next(p for p in pages if (p[1], p[2]) == (first, 2))
    pages.append(duplicate)
    foreign = [pack.letters[0], np.full((3508, 2480), 250, np.uint8)]  # a letter, a blank sheet
    order = rng.permutation(len(pages) + len(foreign))
    batch_images = [(pages + [(f, None, None) for f in foreign])[i] for i in order]
    done = []
    batch = read_batch(
        rasterise(_tiff([b[0] for b in batch_images]), "batch.tif"),
        lambda payload: form if payload.instrument == "demo" else None,
        progress=done.append,
    )
    assert done[-1] == len(batch_images) == batch.pages
    by_serial = {copy.serial: copy for copy in batch.copies}
    assert set(by_serial) == {first, second}
    assert by_serial[second].missing == [2] and not by_serial[first].missing
    assert [p.payload.page for p in by_serial[first].duplicates] == [2]
    assert not by_serial[second].duplicates and by_serial[second].complete is False
    assert by_serial[first].pages[3].identified.rotation == 180
    for copy in batch.copies:  # every page is where the batch says it was
        for number, page in copy.pages.items():
            assert batch_images[page.index][1:] == (copy.serial, number)
    unplaced = {page.index: page.problem for page in batch.unplaced}
    expected_foreign = {n for n, b in enumerate(batch_images) if b[1] is None}
    assert set(unplaced) == expected_foreign
    assert sorted(unplaced.values()) == ["no Fieldwork page code found", "no QR code found"]
    placed = sum(len(c.pages) + len(c.duplicates) for c in batch.copies)
    assert placed + len(unplaced) == len(batch_images)
    for copy, plan in zip((by_serial[first], by_serial[second]), plans, strict=True):
        read = {f.name: f.text for f in copy.proposal.items if f.readings}
        assert read and read == {n: plan.fields.get(n, "") for n in read}
        written = {f.name for f in copy.proposal.items if f.reason.startswith("written")}
        assert written == {n for n in plan.written if n in read}
    assert all(p.verification.startswith(b"\x89PNG") for p in by_serial[first].pages.values())


def test_unknown_forms_and_pages_without_serial_are_not_placed(pack):
    form = pack.form
    image = pack.pages[0][2]
    page, found = read_page(0, image, lambda payload: None)
    assert found is None and page.problem == "unknown form demo v1 (en)"
    small = ScanForm(form.instrument, form.boxmap, 1)
    page, _found = read_page(0, image, lambda payload: small)
    assert page.problem == "page 2 of demo v1 (en), which has 1 pages"
    unserialised = next(rasterise(render_form(form.instrument).pdf, "form.pdf"))
    page, _found = read_page(0, unserialised, lambda payload: form)
    assert page.problem.startswith("printed without a serial number")
    assert page.readings == []  # the cover page has no boxes, but it was read
