"""Hostile YAML at the loader: always `FILE:LINE` problems, never a crash or a hang (finding 7)."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.errors import Problem
from forms.loader import check_file, check_text
from forms.yaml_lines import MAX_DEPTH

NAME = "hostile.yaml"
# A hang guard, not a speed target: no file, however hostile, may take this much CPU time to
# refuse (CPU time, so a loaded machine does not fail it; the worst seen is about 0.8 s).
SECONDS = 5.0


def _refused_well(text: str) -> list[Problem]:
    started = time.process_time()
    instrument, problems = check_text(text, NAME)
    assert time.process_time() - started < SECONDS
    assert instrument is None and problems
    for problem in problems:
        assert problem.file == NAME and isinstance(problem.line, int) and problem.line >= 1
        assert str(problem).startswith(f"{NAME}:{problem.line}: ")
    return problems


def test_600_nested_brackets_name_their_line():
    text = "instrument: deep\nversion: 1\ntitle: " + "[" * 600 + "]" * 600 + "\n"
    (problem,) = _refused_well(text)
    assert problem.line == 3 and f"more than {MAX_DEPTH} levels deep" in problem.message


def test_deep_block_nesting_names_its_line():
    text = "sections:\n" + "".join("  " * depth + "- \n" for depth in range(1, 300))
    (problem,) = _refused_well(text)
    assert problem.line == MAX_DEPTH + 1


def test_alias_bombs_are_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    _refused_well("\n".join(lines) + "\n")


def test_binary_files_are_refused_with_a_line(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(b"instrument: x\n\xff\xfe\x00\x01binary")
    instrument, problems = check_file(path)
    assert instrument is None and [(p.file, p.line) for p in problems] == [(str(path), 2)]


_SCALARS = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["\t", "\u2028", "\ufeff", "\x85", "!!python/object:os.system", "*x", "&x"]),
    st.integers(min_value=1, max_value=5000).map(lambda n: "9" * n),
)


@st.composite
def hostile_documents(draw) -> str:
    """Text shaped like YAML: nesting of any depth, aliases, odd characters, huge scalars."""
    depth = draw(st.one_of(st.integers(0, 8), st.integers(30, 60), st.integers(500, 1200)))
    opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", "")]))
    middle = draw(_SCALARS)
    body = opener * depth + middle + closer * draw(st.integers(min_value=0, max_value=depth))
    head = draw(st.sampled_from(["", "instrument: x\n", "version: 1\n", "%YAML 1.1\n---\n"]))
    tail = draw(st.lists(_SCALARS, max_size=3))
    return head + "title: " + body + "\n" + "\n".join(tail)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_documents())
def test_hostile_documents_give_file_line_problems(text):
    _refused_well(text)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_file_line_problems(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("bytes") / NAME
    path.write_bytes(raw)
    started = time.process_time()
    instrument, problems = check_file(path)
    assert time.process_time() - started < SECONDS
    assert instrument is None and problems
    assert all(p.file == str(path) and p.line >= 0 for p in problems)
