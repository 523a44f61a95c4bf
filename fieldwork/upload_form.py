"""The CSV upload step shared by the import pages: all rows or none, problems row by row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request

from fieldwork.db import db
from fieldwork.practices.uploads import MAX_BYTES, ImportRejected, UploadError


def run_import(importer: Callable[[bytes, str], Any]) -> tuple[Any, list[str]]:
    """Import the posted `file` with `importer(raw, filename)`; commit it, or nothing.

    Returns (report, []) after a commit, or (None, problems) after a rollback.
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, ["Choose a CSV file to upload"]
    try:
        # Read one byte past the limit, never the whole file: read_table refuses it then.
        report = importer(upload.stream.read(MAX_BYTES + 1), upload.filename)
    except (UploadError, ImportRejected) as error:
        db.session.rollback()
        return None, getattr(error, "problems", None) or [str(error)]
    db.session.commit()
    return report, []
