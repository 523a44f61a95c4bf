"""Reading scanned returns: box accuracy, share sent to a person, pages per minute.

Prints packs of our own questionnaires (serials on every page), fills every copy the
way people do (`bench.scanfill`: ticks and crosses in heavy, ballpoint, fine and light
pens, corrections filled in, two ticks in a single-choice question, stray marks, write-ins
and digits), degrades each page (`scanfill.TUNE` profiles, on which the thresholds were
tuned, and `scanfill.HELD_OUT` ones, which they never saw), shuffles the pages, turns one
in ten upside down, writes each profile's pages to a multi-page TIFF and times
`read_batch(rasterise(tiff))` end to end in this process.

    .venv/bin/python bench/scans.py [--copies 3] [--profiles clean,office,…] [--dump FILE]

Figures per profile: tick/grid boxes; % sent to a person; % right among those accepted
without a person; choice fields accepted and wrong; written fields (digits, write-ins)
missed; pages not placed; pages per minute. `--dump` writes every tick box's dark fraction
with its truth (for tuning on the TUNE profiles only).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scanfill import HELD_OUT, PROFILES, TUNE, degrade, draw_page, plan_copy, print_pack
from forms.loader import load_instrument
from forms.paper.boxes import CELL, TICK
from forms.scan import rasterise, read_batch

INSTRUMENTS = Path(__file__).resolve().parent.parent / "instruments"
NAMES = ("patient", "mental_health", "practice_staff")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3, help="copies per questionnaire")
    parser.add_argument("--profiles", default=",".join(PROFILES), help="degradations")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--dump", help="CSV of every tick box's dark fraction and truth")
    args = parser.parse_args()
    profiles = [PROFILES[name] for name in args.profiles.split(",")]
    packs = {}
    for number, name in enumerate(NAMES):
        instrument = load_instrument(INSTRUMENTS / f"{name}.yaml")
        packs[name] = print_pack(instrument, args.copies, first_serial=1000 * (number + 1))
    rows = []
    dump = []
    for profile in profiles:
        rows.append(run_profile(profile, packs, args, dump))
    print_table(rows)
    if args.dump:
        with open(args.dump, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(
                ["profile", "truth", "style", "pen", "dark", "spread", "ticked", "uncertain"]
            )
            writer.writerows(dump)


def run_profile(profile, packs, args, dump) -> dict:
    """Fill, degrade, write one TIFF (page by page), read it back and score it."""
    rng = np.random.default_rng(args.seed)
    truth = {}  # (instrument, serial) -> (pack, plan)
    pages = []  # (pack, copy index, page number, quarter turns)
    for name, pack in packs.items():
        for number, serial in enumerate(pack.serials):
            truth[(name, serial)] = (pack, plan_copy(pack.form, rng))
            for page in pack.pages[number]:
                pages.append((name, number, page, 2 if rng.random() < 0.1 else 0))
    buffer = io.BytesIO()
    with TiffImagePlugin.AppendingTiffWriter(buffer, new=True) as tiff:
        for i in rng.permutation(len(pages)):
            name, number, page, turn = pages[i]
            pack = packs[name]
            plan = truth[(name, pack.serials[number])][1]
            marks = [m for m in plan.marks if m.page == page]
            filled = draw_page(pack.pages[number][page], marks, rng)
            Image.fromarray(degrade(filled, profile, rng, turn=turn)).save(
                tiff, "TIFF", compression="tiff_adobe_deflate", dpi=(300, 300)
            )
            tiff.newFrame()
    started, cpu = time.perf_counter(), time.process_time()
    batch = read_batch(rasterise(buffer.getvalue(), "batch.tiff"), _form_for(packs))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    result = score(profile, batch, truth, seconds, dump)
    result["cpu_ppm"] = result["pages"] / cpu * 60
    return result


def _form_for(packs):
    forms = {pack.form.instrument.id: pack.form for pack in packs.values()}

    def form_for(payload):
        return forms.get(payload.instrument)

    return form_for


def score(profile, batch, truth, seconds, dump) -> dict:
    """Box and field accuracy against the plans."""
    boxes = sent = accepted_wrong = 0
    fields = fields_sent = fields_wrong = written_missed = 0
    incomplete = 0
    for copy in batch.copies:
        _pack, plan = truth[(copy.form.instrument.id, copy.serial)]
        if not copy.complete:
            incomplete += 1
        index = {id(box): n for n, box in enumerate(copy.form.boxmap.boxes)}
        for reading in copy.readings:
            if reading.kind not in (TICK, CELL):
                continue
            expected = plan.ticked[index[id(reading.box)]]
            boxes += 1
            if reading.uncertain:
                sent += 1
            elif reading.ticked != expected:
                accepted_wrong += 1
            if dump is not None:
                style, _, pen = plan.styles.get(index[id(reading.box)], "empty:").partition(":")
                dump.append(
                    [
                        profile.name,
                        expected,
                        style,
                        pen,
                        f"{reading.dark:.4f}",
                        f"{reading.spread:.3f}",
                        reading.ticked,
                        reading.uncertain,
                    ]
                )
        for proposal in copy.proposal.items:
            if proposal.name in plan.fields:
                fields += 1
                if proposal.uncertain:
                    fields_sent += 1
                elif proposal.text != plan.fields[proposal.name]:
                    fields_wrong += 1
            elif proposal.name in plan.written and not proposal.uncertain:
                written_missed += 1
    pages = batch.pages
    return {
        "profile": profile.name + ("*" if profile in HELD_OUT else ""),
        "pages": pages,
        "unplaced": len(batch.unplaced),
        "incomplete": incomplete,
        "boxes": boxes,
        "sent": sent / boxes if boxes else 0.0,
        "accuracy": 1 - accepted_wrong / max(1, boxes - sent),
        "wrong": accepted_wrong,
        "fields": fields,
        "fields_sent": fields_sent / fields if fields else 0.0,
        "fields_wrong": fields_wrong,
        "written_missed": written_missed,
        "ppm": pages / seconds * 60,
    }


def print_table(rows) -> None:
    head = (
        "| profile | pages | unplaced | incomplete copies | tick boxes | sent to a person | "
        "right among accepted | wrong accepted | choice fields | fields sent | fields wrong | "
        "written missed | pages/min | pages/CPU-min |"
    )
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    for r in rows:
        print(
            f"| {r['profile']} | {r['pages']} | {r['unplaced']} | {r['incomplete']} | "
            f"{r['boxes']} | {r['sent']:.2%} | {r['accuracy']:.3%} | {r['wrong']} | "
            f"{r['fields']} | {r['fields_sent']:.2%} | {r['fields_wrong']} | "
            f"{r['written_missed']} | {r['ppm']:.0f} | {r['cpu_ppm']:.0f} |"
        )
    total = sum(r["boxes"] for r in rows)
    sent = sum(r["sent"] * r["boxes"] for r in rows)
    wrong = sum(r["wrong"] for r in rows)
    print(
        f"\nall profiles: {total} tick boxes, {sent / total:.2%} sent to a person, "
        f"{1 - wrong / (total - sent):.3%} right among accepted; "
        f"tuned on {', '.join(p.name for p in TUNE)}; "
        f"held out (*): {', '.join(p.name for p in HELD_OUT)}"
    )


if __name__ == "__main__":
    main()
