"""Paper speed: one questionnaire PDF, and 1,000 personalised 12-page copies stamped vs naive.

.venv/bin/python bench/paper.py [--copies 1000] [--naive 20]

A copy is a letter (access code, QR link, serial) and an 11-page questionnaire (the first
sections of the patient questionnaire, serial and QR code on every page): 12 pages.
Stamped: the letter and questionnaire are drawn once and only the per-copy marks are
drawn and merged (forms.paper.pack). Naive: reportlab draws every copy in full, QR codes
included (timed over --naive copies, per copy). The ratio is stamped / naive per copy.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from forms.loader import load_instrument
from forms.model import Instrument
from forms.paper import render_form
from forms.paper.fonts import fonts_for
from forms.paper.letter import LetterText, render_letter
from forms.paper.pack import Copy, build_pack

ROOT = Path(__file__).resolve().parent.parent
LETTER = LetterText(
    practice="The Surgery (Y90001)",
    study="Digital facilitation in general practice",
    questionnaire="Using online services at your GP practice",
    url="https://survey.example.org",
)


def eleven_pages(instrument: Instrument) -> Instrument:
    """The patient questionnaire cut after the section that brings it to 11 pages."""
    for count in range(1, len(instrument.sections) + 1):
        cut = dataclasses.replace(instrument, sections=instrument.sections[:count])
        if render_form(cut).pages >= 11:
            return cut
    return instrument


def one_pdf(instrument: Instrument, repeats: int = 5) -> float:
    """Median seconds to print the whole questionnaire once."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        render_form(instrument)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def stamped(instrument: Instrument, copies: int) -> tuple[float, int]:
    """Seconds for `copies` copies drawn once and stamped, and pages per copy."""
    start = time.perf_counter()
    form = render_form(instrument, qr=False)
    letter = render_letter(LETTER, "en")
    batch = [
        Copy(f"{n:07d}", f"KX7P-{n:04d}", f"https://survey.example.org/c/KX7P{n:04d}")
        for n in range(copies)
    ]
    pdf = build_pack(letter, form, batch, fonts_for("en").regular)
    elapsed = time.perf_counter() - start
    assert pdf.startswith(b"%PDF")
    return elapsed, 1 + form.pages


def naive(instrument: Instrument, copies: int) -> float:
    """Seconds per copy when every copy is drawn in full (letter and questionnaire with QR)."""
    start = time.perf_counter()
    for _ in range(copies):
        render_letter(LETTER, "en")
        render_form(instrument, qr=True)
    return (time.perf_counter() - start) / copies


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=20)
    args = parser.parse_args()
    patient = load_instrument(ROOT / "instruments" / "patient.yaml")
    whole = one_pdf(patient)
    pages = render_form(patient).pages
    print(f"one questionnaire PDF (patient, en, {pages} pages): {whole:.3f} s (target <= 0.5 s)")
    cut = eleven_pages(patient)
    cpu = time.process_time()
    total, pages = stamped(cut, args.copies)
    cpu = time.process_time() - cpu
    per_copy = total / args.copies
    print(
        f"{args.copies} personalised {pages}-page copies, stamped: {total:.1f} s wall, "
        f"{cpu:.1f} s CPU ({per_copy * 1000:.1f} ms a copy; target <= 60 s)"
    )
    slow = naive(cut, args.naive)
    print(
        f"naive, every copy drawn in full: {slow * 1000:.1f} ms a copy (over {args.naive} copies)"
    )
    print(f"ratio stamped / naive per copy (wall): {per_copy / slow:.3f}x (goal <= 0.3x)")


if __name__ == "__main__":
    main()
