"""Bad input turned away centrally: NUL bytes, numbers too big for the database, huge posts.

- Route ids (`<int:...>`) match only numbers that fit the database's integer columns;
  larger ones are simply "page not found".
- `whole_number` reads a query or form value as a small whole number, or None: only ASCII
  digits (``"²".isdigit()`` is true, but ``int("²")`` fails) and at most nine of them.
- A NUL byte (which PostgreSQL cannot store) in the path, a query value or a form value
  gets a 400 page, except in forms of the respondent pages, which put the page back with
  the field's own error (a respondent never loses a page to a stray character).
- `FormProblems`: what is wrong with a submitted staff form, every check at once, by
  field (the page shows them together in its error summary, never one per submit).
"""

from __future__ import annotations

import re

from flask import Flask, abort, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1
_WHOLE = re.compile(r"[0-9]{1,9}")
# Blueprints whose forms check every posted value themselves (the respondent pages).
FIELD_CHECKED = frozenset({"survey"})


class FormProblems(ValueError):
    """Everything wrong with what a form asked for: `problems` maps a field name to its
    message ("" for the form as a whole). `FormProblems("message", "field")` is one."""

    def __init__(self, problems: dict[str, str] | str, field: str = "") -> None:
        self.problems = dict(problems) if isinstance(problems, dict) else {field: problems}
        super().__init__("; ".join(self.problems.values()))
        self.field = next(iter(self.problems))


class DatabaseInteger(IntegerConverter):
    """`<int:...>` that never matches an id too big for an INTEGER column."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def whole_number(raw: object, default: int | None = None) -> int | None:
    """`raw` as a whole number of at most nine ASCII digits, else `default`."""
    text = str(raw or "").strip()
    return int(text) if _WHOLE.fullmatch(text) else default


def page_number(raw: object, total: int, per_page: int) -> tuple[int, int]:
    """(the page asked for, kept within 1 to the last, the number of pages) of a list of
    `total` things shown `per_page` at a time."""
    pages = max(-(-total // per_page), 1)
    return min(max(whole_number(raw, 1), 1), pages), pages


def _has_nul() -> bool:
    if "\0" in request.path or any("\0" in k + v for k, v in request.args.items(multi=True)):
        return True
    if request.method != "POST" or request.blueprint in FIELD_CHECKED:
        return False
    return any("\0" in k + v for k, v in request.form.items(multi=True))


def init_app(app: Flask) -> None:
    """Register the id converter, the NUL check and the page for oversized requests."""
    app.url_map.converters["int"] = DatabaseInteger

    @app.before_request
    def _refuse_nul() -> None:
        if _has_nul():
            abort(
                400,
                description="What was sent contains a character that cannot be used "
                "(an invisible control character). Go back, remove it and try again.",
            )

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_error):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        body = f"What was sent is larger than {limit} MB. Go back and send something smaller."
        return render_template("error.html", lang="en", title="Too large", body=body), 413
