"""A third baseline of bench/page_speed.py: the bare save plus the page's own form.

`bare_save.py` with what no save of a questionnaire page can leave out: the
respondent's stored answers read in the save's transaction (one SELECT of the
patient survey's answer row, every column), the page's form built and checked by
`forms.web` (WTForms fields, the page's own checks, as the app does), the page's
answers written in one UPDATE, commit, redirect. Left out, beside what `bare_save.py`
leaves out: everything beyond the page (the routing of the whole questionnaire, the
progress and outcome it gives, the respondent's place, the code's outcome), so a real
save cannot go below this one. Served by `gunicorn floor_save:app` with
FLOOR_SAVE_DATABASE_URL set (SQLite file or PostgreSQL); `page_speed.py` runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import abort, redirect, request, session
from save_baseline import baseline
from sqlalchemy import (
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    bindparam,
    select,
    update,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forms.loader import load_instrument
from forms.paging import web_pages
from forms.stored import item_columns, record_answers
from forms.variables import (
    CODE,
    DATE,
    DECIMAL,
    FLAG,
    INTEGER,
    TEXT,
    instrument_variables,
)
from forms.web import build_form, checked_items, read_answers

INSTRUMENT = load_instrument(Path(__file__).resolve().parents[1] / "instruments" / "patient.yaml")
PAGE = web_pages(INSTRUMENT)[1]  # /page/2, the page page_speed.py posts

# The app's column types (fieldwork.answers.COLUMN_TYPES; importing fieldwork would add
# its own BEGIN to this engine's).
COLUMN_TYPES = {CODE: SmallInteger, FLAG: SmallInteger, INTEGER: Integer, DECIMAL: Float}
COLUMN_TYPES |= {TEXT: Text, DATE: Date}
VARIABLES = [v for v in instrument_variables(INSTRUMENT) if not v.item.identifying]
ROWS = Table(
    "floor_rows",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=False),
    *(Column(v.name, COLUMN_TYPES[v.kind]()) for v in VARIABLES),
)
READ = select(ROWS).where(ROWS.c.id == bindparam("row_id"))
_SAVES: dict[tuple[str, ...], object] = {}
app, engine = baseline("floor_save", ROWS)


def _save(names: tuple[str, ...]):
    """The UPDATE of some columns of a row, built once per set of columns."""
    if names not in _SAVES:
        _SAVES[names] = (
            update(ROWS)
            .where(ROWS.c.id == bindparam("row_id"))
            .values({name: bindparam(f"v_{name}") for name in names})
        )
    return _SAVES[names]


@app.post("/save")
def save():
    """Read the row, check the posted page with its form, write its answers; redirect."""
    row = session.get("row")
    if row is None:
        abort(400)
    with engine.begin() as connection:
        found = connection.execute(READ, {"row_id": row}).mappings().first()
        saved = record_answers(INSTRUMENT, found)
        before = {k: v for k, v in saved.items() if k not in {i.id for i in PAGE.items}}
        form = build_form(PAGE.items, INSTRUMENT, "en", formdata=request.form)
        shown = checked_items(form, PAGE.items, INSTRUMENT, "en", before)
        if shown is None:
            abort(400)
        answers = read_answers(form, PAGE.items)
        values = {}
        for item in shown:
            if item.is_question:
                values.update(item_columns(item, answers.get(item.id)))
        params = {f"v_{name}": value for name, value in values.items()}
        connection.execute(_save(tuple(values)), {**params, "row_id": row})
    return redirect("/next")
