"""A chunk's item states and scores, judged column-wise, equal the per-response reference.

The reference is `forms.routing.item_states` and each score's expression evaluated on one
response's answers; the chunk path is `exports.states.states_for` and the dataset's scores
(`forms.columnar` underneath). Random chunks of the shipped patient and mental health
questionnaires: random codes, blanks, paper marks, partial responses, web and paper.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exports.dataset import Dataset, Options, records_table
from exports.states import states_for
from forms.loader import load_instrument
from forms.routing import item_states
from forms.stored import record_answers, record_marks
from forms.variables import CODE, FLAG, INTEGER, instrument_variables

FOLDER = Path(__file__).resolve().parents[2] / "instruments"
INSTRUMENTS = {
    name: load_instrument(FOLDER / f"{name}.yaml") for name in ("patient", "mental_health")
}
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _values(var):
    if var.kind == CODE:
        return st.sampled_from([None, -96, *var.item.choices.codes])
    if var.kind == FLAG:
        return st.sampled_from([None, 0, 1, 1, -96])
    if var.kind == INTEGER:
        return st.one_of(st.none(), st.integers(-2, 120))
    return st.none()


@st.composite
def chunks(draw, instrument):
    variables = [v for v in instrument_variables(instrument) if not v.item.identifying]
    questions = [item.id for item in instrument.iter_questions()]
    records = []
    for n in range(draw(st.integers(1, 12))):
        record = {name: draw(_values(v)) for v in variables for name in [v.name]}
        complete = draw(st.booleans())
        record.update(
            _id=f"R{n:05d}", _version=instrument.version, _mode=draw(st.sampled_from([1, 2, 3])),
            _status=1 if complete else 2,
            _reached=None if complete else draw(st.sampled_from([None, *questions])),
        )  # fmt: skip
        records.append({k: v for k, v in record.items() if v is not None or k.startswith("_")})
    return records


def _reference(instrument, record, clean):
    answers = record_answers(instrument, record)
    return item_states(
        instrument, answers, complete=record["_status"] == 1, reached=record["_reached"],
        marks=record_marks(instrument, record), mode="paper" if record["_mode"] == 2 else "web",
        clean=clean,
    )  # fmt: skip


def _score(instrument, score, record) -> float:
    missing = instrument.missing_codes
    answers = record_answers(instrument, record)
    states = _reference(instrument, record, True)
    answers = {k: v for k, v in answers.items() if states.get(k) == 0}  # answers that apply
    if score.valid_if is not None and not score.valid_if.test(answers, missing=missing):
        return math.nan
    value = score.expr.evaluate(answers, missing=missing)
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        return math.nan
    return float(value)


@pytest.mark.parametrize("name", sorted(INSTRUMENTS))
@pytest.mark.parametrize("clean", [True, False])
@SETTINGS
@given(data=st.data())
def test_states_of_a_chunk_equal_each_response_judged_alone(name, clean, data):
    instrument = INSTRUMENTS[name]
    records = data.draw(chunks(instrument))
    states, _ = states_for(instrument, records_table(records), clean)
    for row, record in enumerate(records):
        expected = _reference(instrument, record, clean)
        got = {item_id: int(values[row]) for item_id, values in states.items()}
        assert got == {k: int(v) for k, v in expected.items()}, record


@pytest.mark.parametrize("name", sorted(INSTRUMENTS))
@SETTINGS
@given(data=st.data())
def test_scores_of_a_chunk_equal_each_response_scored_alone(name, data):
    instrument = INSTRUMENTS[name]
    if not instrument.scores:
        pytest.skip("no scores")  # pragma: no cover
    records = data.draw(chunks(instrument))
    coded = Dataset([instrument], Options()).code(records)
    for score in instrument.scores:
        got = np.array(coded.column(score.id).to_pylist(), dtype=np.float64)
        expected = np.array([_score(instrument, score, r) for r in records], dtype=np.float64)
        assert np.array_equal(got, expected, equal_nan=True), score.id


def test_status_says_sent_or_not_whatever_share_was_answered():
    """`status` 1 is every response sent, online or on paper (the rates' break-offs too):
    its label says so, so that no one reads it as the rates' "complete"."""
    from exports.columns import response_columns

    status = next(c for c in response_columns() if c.name == "status")
    assert status.values == {
        1: "Complete (submitted online or returned on paper)",
        2: "Partial (started, not submitted)",
    }


def test_the_codebook_says_which_missing_codes_spss_cannot_declare():
    """SPSS declares the range -99..-95 and one more value: a list's second missing code
    is a plain labelled value in data.sav, and the codebook says so (not "user-missing")."""
    from exports.codebook import SAV_UNDECLARED, codebook_rows
    from exports.columns import Column

    values = {1: "Easy", 2: "Hard", 96: "Not done", 98: "Don't know"}
    column = Column("ease", "Ease", CODE, "ease", values=values, user_missing=(96, 98))
    missing = codebook_rows([column])[0][4]
    assert "Not done (96, user-missing)" in missing
    assert f"Don't know (98, user-missing{SAV_UNDECLARED})" in missing
