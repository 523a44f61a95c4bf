"""Scan files: uploads and page images, one folder per batch, encrypted at rest.

A scanned page shows what a person wrote (names, contact details in write-in boxes), so
its image is kept like an identifying answer: encrypted with the identifying key
(`fieldwork.identifying.cipher`), in files under the SCANS folder rather than the
database, and deleted on withdrawal and by the retention purge. The database names the
files (`ScanBatch.files`, `ScanPage.image`). A deletion removes the file at once: the
point of it is that the image is gone, whatever happens to the transaction around it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cryptography.fernet import InvalidToken
from flask import current_app

from fieldwork.identifying import cipher
from fieldwork.models import ScanBatch, ScanPage


def batch_folder(batch_id: int) -> Path:
    """The folder holding a batch's uploads and page images."""
    return Path(current_app.config["SCANS"]) / f"batch-{batch_id}"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(cipher().encrypt(data))
    partial.replace(path)


def _read(path: Path) -> bytes | None:
    try:
        return cipher().decrypt(path.read_bytes())
    except (FileNotFoundError, InvalidToken):
        return None


def keep_upload(batch: ScanBatch, name: str, data: bytes) -> dict:
    """Store one uploaded file of a batch (encrypted); its entry for `ScanBatch.files`."""
    stored = f"upload-{len(batch.files) + 1}.bin"
    _write(batch_folder(batch.id) / stored, data)
    return {"name": name, "bytes": len(data), "stored": stored}


def read_upload(batch: ScanBatch, entry: dict) -> bytes:
    """An uploaded file's bytes (FileNotFoundError once it has been dropped)."""
    data = _read(batch_folder(batch.id) / entry["stored"])
    if data is None:
        raise FileNotFoundError(f"the upload {entry['name']} is no longer kept")
    return data


def drop_uploads(batch: ScanBatch) -> None:
    """Delete a read batch's uploads (its page images are kept)."""
    for entry in batch.files:
        (batch_folder(batch.id) / entry["stored"]).unlink(missing_ok=True)


def keep_image(batch_id: int, position: int, png: bytes) -> str:
    """Store a page's image (PNG, encrypted); the file name for `ScanPage.image`."""
    name = f"page-{position:05d}.png.enc"
    _write(batch_folder(batch_id) / name, png)
    return name


def read_image(page: ScanPage) -> bytes | None:
    """A page's image as PNG bytes (None when deleted or unreadable)."""
    if not page.image:
        return None
    return _read(batch_folder(page.batch_id) / page.image)


def forget_images(pages: Iterable[ScanPage]) -> int:
    """Delete the images of some pages, and their box readings (what was ticked: answers);
    how many files were deleted."""
    deleted = 0
    for page in pages:
        page.readings = None
        if page.image:
            path = batch_folder(page.batch_id) / page.image
            if path.exists():
                path.unlink()
                deleted += 1
            page.image = None
    return deleted


def forget_batch_files(batch_id: int) -> None:
    """Delete every file of a batch (before it is read again from its uploads)."""
    folder = batch_folder(batch_id)
    if folder.is_dir():
        for path in folder.glob("page-*"):
            path.unlink()
