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


def test_make_run_gives_the_worker_the_servers_public_address(tmp_path):
    """Packs and letters are made by the worker: it must print the address the app is
    served at (`make run PORT=…`), not the default."""
    log = tmp_path / "calls"
    fake = tmp_path / "fieldwork"
    # `run` lingers like a server: the worker beside it is stopped when it ends.
    fake.write_text(
        '#!/bin/sh\necho "$1 $FIELDWORK_PUBLIC_URL" >> "$FAKE_LOG"\n'
        '[ "$1" = run ] && sleep 2\nexit 0\n'
    )
    fake.chmod(0o755)
    root = Path(__file__).resolve().parents[1]
    env = {"PATH": "/usr/bin:/bin", "FAKE_LOG": str(log)}
    subprocess.run(
        ["make", "-s", "-o", "install", "run", f"BIN={tmp_path}", "PORT=5077"],
        cwd=root, env=env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    calls = sorted(log.read_text().split("\n")[:-1])
    assert calls == [f"{c} http://127.0.0.1:5077" for c in ("demo", "run", "worker")]
