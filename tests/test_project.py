"""Project-wide checks: lint, format, and the one-way dependency fieldwork -> exports -> forms."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint_is_clean():
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependencies_point_one_way():
    result = _run(str(BIN / "lint-imports"), "--config", "setup.cfg", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fieldwork -> exports -> forms KEPT" in result.stdout


def test_forms_has_no_web_or_database_imports():
    offenders = [
        f"{path}:{n}"
        for folder in ("forms", "exports")
        for path in (ROOT / folder).rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if line.lstrip().startswith(
            ("import flask", "from flask", "import sqlalchemy", "from sqlalchemy")
        )
    ]
    assert offenders == []
