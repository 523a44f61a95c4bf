"""Two versions of a small instrument, written inline, and records as fieldwork sends them."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa

from forms.loader import load_text

V1 = """\
instrument: clinic
version: 1
title: Clinic
languages: [en]
audience: patient
intro: Hello
outro: Thanks
choice_lists:
  yes_no: {1: "Yes", 2: "No", 9: "Don't know", missing: [9]}
  ease: {1: Easy, 2: Hard}
sections:
  - id: s1
    title: One
    items:
      - {id: used, type: single, text: Used it?, choices: yes_no}
      - id: what
        type: multiple
        text: What for?
        choices: {1: Booking, 2: "=HYPERLINK(x)"}
        show_if: "used == 1"
      - id: rate
        type: grid
        text: How easy?
        choices: ease
        rows: {book: Booking, pay: Paying}
      - {id: age, type: integer, text: Age?}
      - {id: born, type: date, text: Born?}
      - {id: why, type: text, text: Why?}
      - {id: phone, type: text, text: Phone, identifying: true}
scores:
  - id: ease_sum
    label: Ease total
    expr: "sum(rate.book, rate.pay)"
    valid_if: "count(rate.book, rate.pay) >= 2"
"""

# Version 2 renames a label, drops `born`, adds a grid row and an item.
V2 = (
    V1.replace("version: 1", "version: 2")
    .replace("{1: Easy, 2: Hard}", "{1: Very easy, 2: Hard}")
    .replace("pay: Paying}", "pay: Paying, rx: Repeats}")
    .replace("{id: born, type: date, text: Born?}", "{id: kids, type: integer, text: Children?}")
)


def versions():
    """(version 1, version 2) of the clinic instrument."""
    return load_text(V1, "clinic.yaml"), load_text(V2, "clinic.yaml")


WHEN = datetime.datetime(2026, 3, 4, 5, 6, 7)


def record(n: int, version: int = 1, status: int = 1, **columns):
    """A plain record as fieldwork streams it."""
    base = {
        "_id": f"R{n:05d}", "_instrument": "clinic", "_version": version,
        "_practice": "Y90001", "_region": "=North", "_mode": 1, "_language": "en",
        "_status": status, "_started": WHEN, "_submitted": WHEN if status == 1 else None,
        "_reached": None,
    }  # fmt: skip
    base.update(columns)
    return base


def random_table(dataset, rows: int, seed: int, *, texts, codes, fractions) -> pa.Table:
    """Rows of a dataset's shape: text picked from `texts`, numbers from `codes` (the
    reserved codes among them), floats plus one of `fractions`, about 10% blank."""
    rng = np.random.default_rng(seed)
    arrays = []
    for field in dataset.schema:
        if pa.types.is_string(field.type):
            picked = [texts[i] for i in rng.integers(0, len(texts), rows)]
            arrays.append(pa.array(picked, pa.string()))
            continue
        values = rng.choice(codes, rows).astype(float)
        if pa.types.is_floating(field.type):
            values = values + rng.choice(fractions, rows)
        values[rng.random(rows) < 0.1] = np.nan
        arrays.append(pa.array(values, mask=np.isnan(values)).cast(field.type))
    return pa.Table.from_arrays(arrays, schema=dataset.schema)
