"""Read YAML keeping line numbers, with YAML 1.2 scalars and author-facing syntax errors.

Mappings become `LineDict` and sequences `LineList`: plain dicts and lists that also
remember the line of every key and value, and the source text of scalar values. Scalars
follow YAML 1.2 (only `true`/`false` are booleans, no octal or sexagesimal numbers, no
dates), so `{1: Yes, 2: No}` gives the labels "Yes" and "No" and `{en: 10:30}` stays text.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from forms.errors import Problem

MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_EXPANDED_NODES = 200_000  # aliases can multiply a small file into a huge one
MAX_DEPTH = 40  # instruments nest a few levels; hundreds would overflow the parser's stack


class LineDict(dict):
    """A mapping from a YAML file that remembers where each key and value was."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.value_lines: dict[Any, int] = {}
        self.raw: dict[Any, str] = {}
        self.duplicates: list[tuple[Any, int, int]] = []  # (key, line, first line)

    def line_of(self, key: Any) -> int:
        """The line of the value of `key` (of the mapping itself when the key is absent)."""
        return self.value_lines.get(key, self.line)


class LineList(list):
    """A sequence from a YAML file that remembers the line of each entry."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []
        self.raw: list[str | None] = []

    def line_of(self, index: int) -> int:
        """The line of entry `index`."""
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


_IMPLICIT = (
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+.0123456789",
    ),
    (MERGE_TAG, r"<<", "<"),
)


def _construct_int(loader: yaml.SafeLoader, node: ScalarNode) -> int:
    value = str(loader.construct_scalar(node)).replace("_", "")
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value, 10)


def _construct_float(loader: yaml.SafeLoader, node: ScalarNode) -> float:
    value = str(loader.construct_scalar(node)).lower()
    if value.endswith(".inf"):
        return -math.inf if value.startswith("-") else math.inf
    if value == ".nan":
        return math.nan
    return float(value)


def _core_schema(cls: type) -> type:
    """Give a loader class the YAML 1.2 core schema's implicit types (plus `<<` merges)."""
    cls.yaml_implicit_resolvers = {}
    for tag, pattern, first in _IMPLICIT:
        cls.add_implicit_resolver(tag, re.compile(f"^(?:{pattern})$"), list(first))
    cls.add_constructor("tag:yaml.org,2002:int", _construct_int)
    cls.add_constructor("tag:yaml.org,2002:float", _construct_float)
    return cls


@_core_schema
class _CoreLoader(yaml.SafeLoader):
    """The pure-Python loader: slower, but its error messages are the clearer ones."""


# libyaml parses about ten times faster; files it refuses are re-read by _CoreLoader.
_FastLoader = (
    _core_schema(type("_FastLoader", (yaml.CSafeLoader,), {})) if yaml.__with_libyaml__ else None
)


class _Builder:
    """Turns a composed node tree into LineDict/LineList/scalars."""

    def __init__(self, loader: _CoreLoader) -> None:
        self.loader = loader
        self.built: dict[int, tuple[Any, int]] = {}
        self.active: set[int] = set()
        self.count = 0

    def build(self, node: Node) -> Any:
        """The Python value of `node` (aliases give the same object)."""
        key = id(node)
        if key in self.built:
            value, size = self.built[key]
            self._grow(node, size)
            return value
        if key in self.active:
            raise _Unusable(node, "an alias refers to the mapping or list that contains it")
        before = self.count
        self._grow(node, 1)
        self.active.add(key)
        try:
            if isinstance(node, MappingNode):
                value = self._mapping(node)
            elif isinstance(node, SequenceNode):
                value = self._sequence(node)
            else:
                value = self.loader.construct_object(node, deep=True)
        finally:
            self.active.discard(key)
        self.built[key] = (value, self.count - before)
        return value

    def _grow(self, node: Node, size: int) -> None:
        # Count values as if every alias were written out, to refuse "billion laughs".
        self.count += size
        if self.count > MAX_EXPANDED_NODES:
            raise _Unusable(node, "the file is too large (are aliases repeating one another?)")

    def _mapping(self, node: MappingNode) -> LineDict:
        result = LineDict(_line(node))
        merged: list[LineDict] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merged.extend(self._merge_sources(value_node))
                continue
            if not isinstance(key_node, ScalarNode):
                raise _Unusable(key_node, "a key must be a plain word or number")
            key = self.build(key_node)
            if key in result.key_lines:
                result.duplicates.append((key, _line(key_node), result.key_lines[key]))
                continue
            self._put(result, key, _line(key_node), value_node)
        for source in merged:
            for key, value in source.items():
                if key not in result.key_lines:
                    result[key] = value
                    result.key_lines[key] = source.key_lines.get(key, source.line)
                    result.value_lines[key] = source.line_of(key)
                    if key in source.raw:
                        result.raw[key] = source.raw[key]
        return result

    def _put(self, result: LineDict, key: Any, key_line: int, value_node: Node) -> None:
        result[key] = self.build(value_node)
        result.key_lines[key] = key_line
        result.value_lines[key] = _line(value_node)
        if isinstance(value_node, ScalarNode):
            result.raw[key] = value_node.value

    def _merge_sources(self, node: Node) -> list[LineDict]:
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        sources = [self.build(n) for n in nodes]
        if not all(isinstance(s, LineDict) for s in sources):
            raise _Unusable(node, "'<<' must be followed by an alias of a mapping, like <<: *base")
        return sources

    def _sequence(self, node: SequenceNode) -> LineList:
        result = LineList(_line(node))
        for child in node.value:
            result.append(self.build(child))
            result.item_lines.append(_line(child))
            result.raw.append(child.value if isinstance(child, ScalarNode) else None)
        return result


class _Unusable(Exception):
    """A well-formed YAML construct that an instrument file cannot use."""

    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.line = _line(node)
        self.message = message


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def read_yaml(text: str, filename: str) -> tuple[Any, list[Problem]]:
    """Parse `text` into line-aware data, or return the problems that prevent it."""
    too_deep = _too_deep(text, filename)
    if too_deep is not None:
        return None, [too_deep]
    fast_error = None
    if _FastLoader is not None:
        try:
            return _read(_FastLoader, text, filename)
        except yaml.YAMLError as exc:
            fast_error = exc
    try:
        return _read(_CoreLoader, text, filename)
    except yaml.YAMLError as exc:
        # The pure-Python parser words errors better, but is stricter (it refuses `Why?,`
        # in flow style): keep libyaml's error when the two disagree about where it is.
        error = exc if fast_error is None or _same_place(exc, fast_error) else fast_error
    if isinstance(error, yaml.MarkedYAMLError):
        return None, [syntax_problem(error, text, filename)]
    return None, [Problem(filename, 1, f"this is not valid YAML: {error}")]


def _too_deep(text: str, filename: str) -> Problem | None:
    """The place where collections nest more than MAX_DEPTH deep, found without recursion."""
    loader = (_FastLoader or _CoreLoader)(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1
                    return Problem(
                        filename,
                        line,
                        f"lists and mappings nest more than "
                        f"{MAX_DEPTH} levels deep here; an instrument needs a few",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # the full read reports it
    finally:
        loader.dispose()
    return None


def _same_place(one: yaml.YAMLError, other: yaml.YAMLError) -> bool:
    marks = [getattr(error, "problem_mark", None) for error in (one, other)]
    return None not in marks and marks[0].line == marks[1].line


def _read(loader_class: type, text: str, filename: str) -> tuple[Any, list[Problem]]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(filename, 1, "the file is empty")]
        return _Builder(loader).build(node), []
    except _Unusable as exc:
        return None, [Problem(filename, exc.line, exc.message)]
    except (ValueError, OverflowError) as exc:  # e.g. `!!int abc`
        return None, [Problem(filename, 1, f"this is not valid YAML: {exc}")]
    finally:
        loader.dispose()


def syntax_problem(exc: yaml.MarkedYAMLError, text: str, filename: str) -> Problem:
    """A YAML syntax error as `FILE:LINE: reason`, with a hint when the cause is a likely one."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    reason = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem and not exc.context.startswith("while"):
        reason = f"{exc.context} {exc.problem}"
    context_line = exc.context_mark.line + 1 if exc.context_mark else line
    where = ""
    if context_line != line and "flow" in (exc.context or ""):
        where = f" (in the {{…}} or […] that starts on line {context_line})"
    hint = _hint(exc, text.splitlines(), context_line, line)
    return Problem(filename, line, f"invalid YAML: {reason}{where}{hint}")


_FLOW_HINT = (
    "; in {{…}} flow style a text that holds , ? : or # must be quoted, "
    'e.g. {{en: "{example}"}} (or write it in block style, one key per line)'
)


def _hint(exc: yaml.MarkedYAMLError, lines: list[str], first: int, last: int) -> str:
    context = exc.context or ""
    problem = exc.problem or ""
    if "\\t" in problem or "'\t'" in problem:
        return "; indent with spaces, not tabs"
    if "<scalar>" in problem and exc.problem_mark is not None:
        quoted = _closed_early(_source_line(lines, last), exc.problem_mark.column)
        if quoted:
            return quoted
    if "flow" in context or "flow" in problem:
        return _flow_hint(lines, first, last)
    if "quoted scalar" in context:
        return f"; the quote opened on line {first} is never closed"
    if "single document" in context:
        return "; a file holds one instrument, so remove the '---' line"
    if "mapping values are not allowed" in problem:
        return _indent_hint(lines, last) or (
            "; a text holding ': ' must be put in quotes, e.g. text: \"Note: …\""
        )
    if "found character '%'" in problem or "cannot start any token" in problem:
        return "; a text starting with a special character must be put in quotes"
    if "expected <block end>" in problem or "block mapping" in context:
        return "; check the indentation of this line and the one above"
    return ""


_KEY = re.compile(r"^(\s*(?:-\s+)?)([\w-]+):(\s|$)")
_KEY_WITH_VALUE = re.compile(r"^(\s*(?:-\s+)?)([\w-]+):\s+[^\s#|>]")


_VALUE_END = re.compile(r"\s*([,}\]]|\s#|$)")


def _closed_early(line: str, column: int) -> str:
    """When the value before `column` is a quoted text that a quote inside it closed too
    early (`'Don't know'`), the text rewritten both ways that work; else ''."""
    before = line[:column].rstrip()
    quote = before[-1:]
    if quote not in ("'", '"'):
        return ""
    opening = before.rfind(quote, 0, len(before) - 1)
    ends = (i for i in range(column, len(line)) if line[i] == quote)
    closing = next((i for i in ends if _VALUE_END.match(line, i + 1)), -1)
    if opening < 0 or closing < 0:
        return ""
    text = line[opening + 1 : closing]
    single = "'" + text.replace("'", "''") + "'"
    double = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    first, second = (double, single) if quote == "'" else (single, double)
    return (
        f"; the text in quotes ends at its second {quote}, so what follows cannot be read: "
        f"write it as {first} or {second}"
    )


def _indent_hint(lines: list[str], number: int) -> str:
    """When line `number` is a key set further in than the `key: value` line above it, YAML
    reads it as more of that value: say so, naming both keys (or the text needs quotes)."""
    here = _KEY.match(_source_line(lines, number))
    above = next(
        (n for n in range(number - 1, 0, -1) if lines[n - 1].strip()[:1] not in ("", "#")), 0
    )
    previous = _KEY_WITH_VALUE.match(_source_line(lines, above))
    if not here or not previous or len(here.group(1)) <= len(previous.group(1)):
        return ""
    key, other = here.group(2), previous.group(2)
    return (
        f"; '{key}:' is indented further than '{other}:' on line {above}: if it is a key, "
        f"start it in the same column as '{other}:'; if it is more of the text above, "
        "put that text in quotes"
    )


def _flow_hint(lines: list[str], first: int, last: int) -> str:
    opening = _source_line(lines, first)
    closing = _source_line(lines, last)
    if last > first and not re.search(r"\s#", opening) and re.match(r"^\s*[\w-]+:(\s|$)", closing):
        return f"; is the {{…}} or […] opened on line {first} closed?"
    return _FLOW_HINT.format(example=_flow_example(lines, first, last))


def _source_line(lines: list[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""


_FLOW_VALUE = re.compile(r"[{,]\s*[\w-]+\s*:\s+([^\"'{}\s][^{}]*?)\s*(?=\}|,\s*[\w-]+:\s|$)")
_SPECIAL = re.compile(r": |\?|\s#|,")


def _flow_example(lines: list[str], first: int, last: int) -> str:
    """The likely unquoted text in a broken flow mapping, to show it quoted."""
    for number in range(first, last + 1):
        for match in _FLOW_VALUE.finditer(_source_line(lines, number)):
            if _SPECIAL.search(match.group(1)):
                return match.group(1)
    return "Which of these: a, b or c?"
