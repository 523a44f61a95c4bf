"""The column-wise formula rule (`safe_array`, used by the CSV writers) agrees with the
cell rule (`safe_value`) on every cell."""

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from exports.safe import safe_array, safe_value

_cells = st.one_of(
    st.none(),
    st.text(alphabet="=+-@\t\r 0123456789.eExyzé'\"", max_size=6),
    st.sampled_from(["-98", "+1.5e3", "-.5", "=SUM(A1)", "@x", "\tx", "-", "", "B0001"]),
)


@given(st.lists(_cells, max_size=30), st.integers(0, 3))
@settings(max_examples=300, deadline=None)
def test_safe_array_is_safe_value_cell_by_cell(cells, split):
    array = pa.array(cells, pa.string())
    expected = [safe_value(cell) for cell in cells]
    assert safe_array(array).to_pylist() == expected
    chunked = pa.chunked_array([array[:split], array[split:]], pa.string())
    assert safe_array(chunked).to_pylist() == expected


def test_a_formula_ending_in_a_number_is_neutralised():
    # the number rule reads the whole cell: "=1+1" is not the number "+1"
    cells = ["=1+1", "=0", "-1", "+2.5", "-x"]
    assert safe_array(pa.array(cells)).to_pylist() == ["'=1+1", "'=0", "-1", "+2.5", "'-x"]
