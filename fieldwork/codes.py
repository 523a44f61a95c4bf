"""Access codes: 8 characters from an alphabet without look-alikes, drawn with `secrets`."""

from __future__ import annotations

import re
import secrets

# Digits and capitals without the look-alikes 0/O and 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
# 31**10 = 8.2e14 resume codes: guessing one within the limits is hopeless (see throttle).
RESUME_LENGTH = 10
_SEPARATORS = re.compile(r"[\s\-–—_.]+")


def new_code(length: int = LENGTH) -> str:
    """A fresh random code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(raw: str, length: int = LENGTH) -> str | None:
    """The canonical form of a typed code (any case, with or without dash), or None."""
    code = _SEPARATORS.sub("", raw or "").upper()
    if len(code) != length or any(ch not in ALPHABET for ch in code):
        return None
    return code


def example_code(length: int = LENGTH) -> str:
    """An example code as people are shown it (same length and grouping as the real ones)."""
    sample = "KX7P4MQ2HT9WRC6DFJ3N"
    return grouped((sample * (length // len(sample) + 1))[:length])


def grouped(code: str) -> str:
    """A code as shown to people: KX7P-4MQ2 (resume codes: KX7P4-M2QRT)."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"
