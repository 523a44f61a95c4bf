"""Time loading the instrument files: median ms per file and for all of them together.

.venv/bin/python bench/load_instruments.py [-n 20] [FOLDER]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from forms.loader import instrument_files, load_instrument, load_instruments


def median_ms(action: Callable[[], object], repeats: int) -> float:
    """The median wall time of `action` over `repeats` runs, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print the median load time of each file, and of all files at once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="instruments", type=Path)
    parser.add_argument("-n", "--repeats", type=int, default=20)
    args = parser.parse_args()
    files = instrument_files([args.folder])
    if not files:
        raise SystemExit(f"no *.yaml files in {args.folder}")
    for path in files:
        ms = median_ms(lambda path=path: load_instrument(path), args.repeats)
        print(f"{path}: {ms:.1f} ms")
    total = median_ms(lambda: load_instruments([args.folder]), args.repeats)
    print(f"all {len(files)} files: {total:.1f} ms (median of {args.repeats})")


if __name__ == "__main__":
    main()
