"""What the dashboard shows, read from the query string (with messages for bad values)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fieldwork.bad_input import whole_number
from fieldwork.models.responses import INVITATION_MODES
from fieldwork.rates.queries import LINK

DIMENSIONS = {
    "region": "Region",
    "practice": "Practice",
    "instrument": "Questionnaire",
    "mode": "Mode of invitation",
}
MODES = {
    "web": "Web code",
    "paper": "Paper code",
    "both": "Web and paper code",
    LINK: "Open link",
}
assert set(INVITATION_MODES) < set(MODES)
DEFAULT_BY = ("region",)
ALL = "all"  # the instrument filter's value for every questionnaire together (asked for)


@dataclass(frozen=True)
class Selection:
    """Breakdown, filters and threshold chosen on the dashboard."""

    by: tuple[str, ...] = DEFAULT_BY
    instrument: str | None = None  # None: every questionnaire together
    mode: str | None = None
    region_id: int | None = None
    threshold: float | None = None  # percent: RR2 below this is highlighted
    below_only: bool = False
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    def query(self, **changes: object) -> dict[str, object]:
        """Query-string values for this selection (with `changes`), for links."""
        values: dict[str, object] = {
            "by": ["", *self.by],
            "instrument": self.instrument or ALL,
            "mode": self.mode or "",
            "region": self.region_id or "",
            "threshold": "" if self.threshold is None else f"{self.threshold:g}",
            "below": "1" if self.below_only else "",
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def read_selection(
    args: Mapping, default_instrument: str | None = None, default_threshold: float | None = None
) -> Selection:
    """The selection in a request's query string; bad values are dropped with a message.

    Without an instrument the first is shown (totals are per instrument); "all" asks
    for every instrument together. Without a threshold the study's target is used.
    """
    errors: dict[str, str] = {}
    by = DEFAULT_BY
    if "by" in args:
        chosen = [value for value in args.getlist("by") if value]
        by = tuple(d for d in DIMENSIONS if d in chosen)
        if len(by) != len(set(chosen)):
            errors["by"] = "Choose breakdowns from the list"
    mode = args.get("mode") or None
    if mode is not None and mode not in MODES:
        errors["mode"], mode = "Choose a mode from the list", None
    region = args.get("region") or None
    if region is not None and whole_number(region) is None:
        errors["region"], region = "Choose a region from the list", None
    return Selection(
        by=by,
        instrument=_instrument(args.get("instrument") or default_instrument or ALL),
        mode=mode,
        region_id=whole_number(region),
        threshold=(
            _threshold(args["threshold"], errors) if "threshold" in args else default_threshold
        ),
        below_only=args.get("below") == "1",
        page=max(whole_number(args.get("page"), 1), 1),
        errors=errors,
    )


def _threshold(text: str, errors: dict[str, str]) -> float | None:
    """The threshold percentage, or None (with a message when it is not 0 to 100)."""
    text = text.strip().rstrip("%").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        errors["threshold"] = "Enter a response rate between 0 and 100"
        return None
    return value


def _instrument(value: str) -> str | None:
    return None if value == ALL else value
