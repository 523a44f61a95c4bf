"""Load instrument files: read YAML with line numbers, validate, build frozen objects.

Every problem in a file (and in every file, when several are loaded) is collected and
raised at once as an `InstrumentError` whose lines read `FILE:LINE: message`. Nothing
a study designer writes may produce a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from forms.errors import InstrumentError, Problem
from forms.model import Instrument
from forms.validate import build_instrument
from forms.versions import HashStore, check_version, content_hash
from forms.yaml_lines import read_yaml

NOT_HASHED = ("volunteers",)

__all__ = [
    "check_file",
    "check_files",
    "check_text",
    "instrument_files",
    "load_instrument",
    "load_instruments",
    "load_text",
]


def check_text(text: str, filename: str = "<string>") -> tuple[Instrument | None, list[Problem]]:
    """The instrument in `text` and no problems, or None and every problem found."""
    try:
        data, problems = read_yaml(text, filename)
        if problems:
            return None, problems
        instrument, problems = build_instrument(data, filename)
    except RecursionError:  # a backstop: read_yaml refuses deep nesting with its line
        return None, [Problem(filename, 1, "the file nests too deeply to be read")]
    if instrument is None:
        return None, problems
    # Who may be contacted about an interview is study management, not a question:
    # declaring it (even mid-fieldwork) leaves the version's hash alone.
    asked = {k: v for k, v in data.items() if k not in NOT_HASHED}
    return replace(instrument, content_hash=content_hash(asked)), []


def load_text(text: str, filename: str = "<string>") -> Instrument:
    """The instrument written in `text` (raises InstrumentError with every problem)."""
    instrument, problems = check_text(text, filename)
    if instrument is None:
        raise InstrumentError(problems)
    return instrument


def _read_file(path: Path) -> tuple[str | None, list[Problem]]:
    """The text of `path`, or the problem that prevents reading it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(str(path), 0, f"cannot read the file: {exc.strerror or exc}")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = "the file is not UTF-8 text; save it as UTF-8 (in Excel or Word: 'UTF-8')"
        return None, [Problem(str(path), line, message)]


def check_file(path: str | Path) -> tuple[Instrument | None, list[Problem]]:
    """The instrument in the file at `path`, or None and every problem found."""
    text, problems = _read_file(Path(path))
    if text is None:
        return None, problems
    return check_text(text, str(path))


def load_instrument(path: str | Path) -> Instrument:
    """The instrument in the file at `path` (raises InstrumentError with every problem)."""
    instrument, problems = check_file(path)
    if instrument is None:
        raise InstrumentError(problems)
    return instrument


def instrument_files(paths_or_dirs: Iterable[str | Path]) -> list[Path]:
    """The files named, with each folder replaced by the `*.yaml` files in it, sorted."""
    if isinstance(paths_or_dirs, str | Path):
        paths_or_dirs = [paths_or_dirs]
    files: list[Path] = []
    for entry in paths_or_dirs:
        path = Path(entry)
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files


def check_files(
    paths_or_dirs: Iterable[str | Path], store: HashStore | None = None
) -> tuple[list[Instrument], list[Problem]]:
    """The valid instruments among the files, and every problem of the others."""
    instruments: list[Instrument] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, int], str] = {}
    for path in instrument_files(paths_or_dirs):
        instrument, found = check_file(path)
        if instrument is not None and store is not None:
            found = check_version(instrument, store)
        if instrument is not None and not found:
            key = (instrument.id, instrument.version)
            if key in seen:
                found = [
                    Problem(
                        str(path),
                        1,
                        f"instrument '{key[0]}' version {key[1]} is "
                        f"already defined in {seen[key]}; give each version one file",
                    )
                ]
            seen.setdefault(key, str(path))
        problems.extend(found)
        if instrument is not None and not found:
            instruments.append(instrument)
    return instruments, problems


def load_instruments(
    paths_or_dirs: Iterable[str | Path], store: HashStore | None = None
) -> list[Instrument]:
    """Every instrument in the files and folders given; all problems of all files at once."""
    instruments, problems = check_files(paths_or_dirs, store)
    if problems:
        raise InstrumentError(problems)
    return instruments
