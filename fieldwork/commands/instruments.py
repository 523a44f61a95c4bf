"""`fieldwork validate` and `fieldwork show` (filled in with the instrument language)."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the instrument commands to `group`."""
