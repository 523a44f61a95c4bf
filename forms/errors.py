"""Author-facing problems: every one says where (FILE:LINE) and what."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in an instrument file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class InstrumentError(Exception):
    """Raised with every problem found in one or more instrument files."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ExpressionError(ValueError):
    """An expression that does not parse or uses something not allowed."""

    def __init__(self, message: str, column: int = 0):
        self.message = message
        self.column = column
        super().__init__(message)
