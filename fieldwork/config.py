"""Configuration from FIELDWORK_* environment variables, with sensible defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PREFIX = "FIELDWORK_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """A secret key kept in the instance folder, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _identifying_keys(instance_path: Path) -> str:
    """Fernet keys for identifying answers kept in the instance folder (newest first)."""
    from cryptography.fernet import Fernet

    path = instance_path / "identifying_key"
    try:  # made once, exclusively: two workers starting together must not differ
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return ",".join(path.read_text().split())
    key = Fernet.generate_key().decode()
    with os.fdopen(handle, "w") as out:
        out.write(key + "\n")
    return key


def load(instance_path: str) -> dict:
    """Settings for the app: defaults overridden by FIELDWORK_* environment variables."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = {k[len(PREFIX) :]: v for k, v in os.environ.items() if k.startswith(PREFIX)}
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'fieldwork.sqlite'}"
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Never put statement parameters (answers, access codes) into errors or logs.
        # (Connections idle a while are pinged before use: `fieldwork.db._ping_when_idle`.)
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "INSTRUMENTS": env.get("INSTRUMENTS") or str(PROJECT_ROOT / "instruments"),
        "SECRET_KEY": env.get("SECRET_KEY") or _secret_key(instance),
        # Fernet keys encrypting identifying answers, comma-separated, newest first (the
        # first encrypts; all decrypt; `fieldwork keys rotate` re-encrypts with the first).
        # Never in the database; by default a generated key kept in the instance folder.
        "IDENTIFYING_KEY": env.get("IDENTIFYING_KEY") or _identifying_keys(instance),
        "IDENTIFYING_KEY_FILE": ""
        if env.get("IDENTIFYING_KEY")
        else str(instance / "identifying_key"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("INSECURE_COOKIES", "") != "1",
        "REMEMBER_COOKIE_SECURE": env.get("INSECURE_COOKIES", "") != "1",
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_MINUTES", "120")) * 60,
        "WTF_CSRF_TIME_LIMIT": None,
        "CODE_ATTEMPTS": int(env.get("CODE_ATTEMPTS", "10")),
        "CODE_WINDOW_SECONDS": int(env.get("CODE_WINDOW_SECONDS", "600")),
        # Wrong codes from every client together (distributed guessing); see throttle.py.
        "CODE_GLOBAL_ATTEMPTS": int(env.get("CODE_GLOBAL_ATTEMPTS", "300")),
        "CODE_GLOBAL_WINDOW_SECONDS": int(env.get("CODE_GLOBAL_WINDOW_SECONDS", "3600")),
        # A resume code stops working after this many days without a saved page.
        "RESUME_IDLE_DAYS": int(env.get("RESUME_IDLE_DAYS", "28")),
        # Whole requests larger than this are refused (413) before they are read.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024,
        "STUDY_NAME": env.get("STUDY_NAME", "Digital facilitation in general practice"),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # Served over HTTPS unless in development (FIELDWORK_INSECURE_COOKIES=1, `make run`).
        "HSTS": env.get("INSECURE_COOKIES", "") != "1",
        # How many reverse proxies in front are trusted to set X-Forwarded-For/-Proto/-Host.
        "PROXIES": int(env.get("PROXIES", "0")),
        "STUDY_CONTACT": env.get("STUDY_CONTACT", ""),
        # Box maps of printed questionnaires, by instrument, version, language and print size.
        "BOXMAPS": env.get("BOXMAPS") or str(instance / "boxmaps"),
        # Background jobs: huey on Redis when a URL is given (app and workers on several
        # machines), else on a SQLite file in the instance folder; immediate runs them inline.
        "REDIS_URL": env.get("REDIS_URL", ""),
        "JOBS_QUEUE_FILE": env.get("JOBS_QUEUE_FILE") or str(instance / "jobs-queue.sqlite"),
        "JOBS_QUEUE_NAME": env.get("JOBS_QUEUE_NAME", "fieldwork"),
        "JOBS_IMMEDIATE": env.get("JOBS_IMMEDIATE", "") == "1",
        "JOB_FILES": env.get("JOB_FILES") or str(instance / "job-files"),
        # Scanned paper returns: uploads and page images (encrypted with the identifying
        # key, as they show what people wrote), one folder per batch; the largest upload.
        "SCANS": env.get("SCANS") or str(instance / "scans"),
        "SCAN_UPLOAD_MB": int(env.get("SCAN_UPLOAD_MB", "300")),
        # The most pages one upload may hold (a worker reads about 30 a minute): a small
        # file of thousands of tiny pages would keep it busy for hours.
        "SCAN_MAX_PAGES": int(env.get("SCAN_MAX_PAGES", "2000")),
        # Folders of the study's own .po files (os.pathsep between several): they add
        # languages or override the shipped words of forms/translations.
        "TRANSLATIONS": env.get("TRANSLATIONS", ""),
        # The study's contact and privacy notice, on every respondent page (an instrument's
        # contact_email, contact_phone and privacy_notice win over these).
        "STUDY_EMAIL": env.get("STUDY_EMAIL", ""),
        "STUDY_PHONE": env.get("STUDY_PHONE", ""),
        "PRIVACY_URL": env.get("PRIVACY_URL", ""),
    }
