"""Job kinds: each kind names its handler, `module:function`, imported when first run.

A handler is called as `handler(job_id, params, progress)` where `progress(done, total,
message="")` reports how far it is; it returns a `JobResult` (a finished file) or None.
A new kind is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Protocol

KINDS: dict[str, str] = {
    "dataset": "fieldwork.datasets.services:export_dataset",
    "paper_pack": "fieldwork.mailings.jobs:pack_job",
    "identifying_purge": "fieldwork.retention:purge_job",
    "scan_batch": "fieldwork.scans.services:read_job",
}

# Besides its maker and admins, who may watch a job of a kind: a scan batch is the
# whole data-entry team's work, whoever uploaded it (never coordinators restricted to
# some practices: a batch may hold any practice's forms).
SHARED_WITH: dict[str, tuple[str, ...]] = {
    "scan_batch": ("coordinator", "data_entry"),
}


# Kinds whose job is about some practices, `module:function(params) -> practice codes`: a
# user restricted to other practices does not see it, even one they made before (a pack
# holds the practice's access codes).
ABOUT_PRACTICES: dict[str, str] = {
    "paper_pack": "fieldwork.mailings.jobs:pack_practices",
}


def practices_of(kind: str, params: dict[str, Any]) -> set[str]:
    """The codes of the practices a job is about (empty: none in particular)."""
    if kind not in ABOUT_PRACTICES:
        return set()
    return set(_imported(ABOUT_PRACTICES[kind])(params))


def admins_only(kind: str, params: dict[str, Any]) -> bool:
    """Whether only a current admin may see the job and its file: a full (identifying)
    export, even for the one who made it while an admin and is one no longer."""
    return kind == "dataset" and bool(params.get("request", {}).get("full"))


@dataclass(frozen=True)
class KindPage:
    """How a job of a kind is shown: its title, and the page it was started for (an
    endpoint, its arguments from the job's params, and the link's words)."""

    title: str
    endpoint: str
    link: str
    arguments: Callable[[dict[str, Any]], dict[str, Any]] = lambda params: {}


PAGES: dict[str, KindPage] = {
    "dataset": KindPage("Dataset export", "datasets.index", "Back to datasets"),
    "paper_pack": KindPage(
        "Paper pack",
        "paper.batch",
        "Back to this batch's packs and reminders",
        lambda params: {"batch_id": params["batch"]},
    ),
    "identifying_purge": KindPage(
        "Deleting identifying data", "users.retention_page", "Back to retention"
    ),
    "scan_batch": KindPage(
        "Reading scanned returns",
        "scans.batch",
        "The batch's pages and problems",
        lambda params: {"batch_id": params["batch_id"]},
    ),
}


@dataclass(frozen=True)
class JobResult:
    """The file a finished job made: where it is, what to call it on download, its size."""

    path: str
    name: str
    bytes: int


class Progress(Protocol):
    """The progress callback a handler receives."""

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None: ...


Handler = Callable[[int, dict[str, Any], Progress], JobResult | None]


def handler_for(kind: str) -> Handler:
    """The handler function of a job kind (KeyError for an unknown kind)."""
    return _imported(KINDS[kind])


def _imported(spec: str) -> Callable:
    """The function a `module:function` string names (its module imported when first asked)."""
    module, _, name = spec.partition(":")
    return getattr(import_module(module), name)
