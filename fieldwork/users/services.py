"""Staff accounts: create, change, disable, reset passwords. Callers commit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from fieldwork import staff_sessions
from fieldwork.audit import record
from fieldwork.auth import hash_password
from fieldwork.bad_input import FormProblems
from fieldwork.db import db
from fieldwork.models import Practice, User
from fieldwork.models.staff import ROLES

MIN_PASSWORD = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(FormProblems):
    """Mistakes in what was asked for, by the form field each belongs to."""


@dataclass
class Account:
    """What a staff account should be: email, role, practices, name."""

    email: str
    role: str
    practices: str = ""
    name: str = ""


def check_password(password: str) -> None:
    """Refuse passwords shorter than MIN_PASSWORD characters."""
    problem = _password_problem(password)
    if problem:
        raise AccountError(problem, "password")


def _password_problem(password: str) -> str:
    """Why a password cannot be used ("": it can)."""
    if len(password or "") < MIN_PASSWORD:
        return f"Password must be at least {MIN_PASSWORD} characters"
    return ""


def find_user(email: str) -> User | None:
    """The account with this email address (any case)."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _practice_codes(raw: str, role: str, problems: dict[str, str]) -> str:
    """Space-separated, upper-case practice codes that exist (empty: all practices)."""
    codes = list(dict.fromkeys((raw or "").replace(",", " ").upper().split()))
    if codes and role == "admin":
        problems["practices"] = "Admins see every practice: leave practices empty"
    elif codes:
        known = set(db.session.scalars(select(Practice.code).where(Practice.code.in_(codes))))
        missing = [c for c in codes if c not in known]
        if missing:
            problems["practices"] = f"No practice with code {', '.join(missing)}"
    return " ".join(codes)


def _checked(account: Account, user: User | None = None, password: str | None = None) -> Account:
    """The account with its email and practices tidied, or an AccountError with every
    problem found (and the first password's, when one is given)."""
    problems: dict[str, str] = {}
    email = (account.email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        problems["email"] = "Enter an email address like name@example.org"
    else:
        other = find_user(email)
        if other is not None and other is not user:
            problems["email"] = f"There is already an account for {email}"
    name = (account.name or "").strip()
    if len(name) > 120:
        problems["name"] = "Name must be 120 characters or fewer"
    if account.role not in ROLES:
        problems["role"] = "Choose a role"
    practices = _practice_codes(account.practices, account.role, problems)
    if password is not None and _password_problem(password):
        problems["password"] = _password_problem(password)
    if problems:
        raise AccountError(problems)
    return Account(email, account.role, practices, name)


def create_user(account: Account, password: str) -> User:
    """Add a staff account."""
    account = _checked(account, password=password)
    user = User(
        email=account.email,
        name=account.name,
        role=account.role,
        practice_codes=account.practices,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record("user_created", target=user.email, role=user.role, practices=user.practice_codes)
    return user


def _keeps_an_admin(user: User, role: str, active: bool) -> None:
    """Refuse a change that would leave no active admin."""
    if user.role != "admin" or (role == "admin" and active):
        return
    others = db.session.scalar(
        select(func.count(User.id)).where(User.role == "admin", User.active, User.id != user.id)
    )
    if not others:
        raise AccountError("There must always be at least one active admin", "role")


def update_user(user: User, account: Account) -> None:
    """Change name, role and practices; a new role ends the user's sessions."""
    account = _checked(Account(user.email, account.role, account.practices, account.name), user)
    _keeps_an_admin(user, account.role, user.active)
    changes = {}
    if account.role != user.role:
        changes["role"] = [user.role, account.role]
        user.role = account.role
        user.session_version += 1
        staff_sessions.end_all(user)
    if account.practices != user.practice_codes:
        changes["practices"] = [user.practice_codes, account.practices]
        user.practice_codes = account.practices
    if account.name != user.name:
        changes["name"] = [user.name, account.name]
        user.name = account.name
    if changes:
        record("user_changed", target=user.email, **changes)


def set_password(user: User, password: str) -> None:
    """Give the user a new password, ending their sessions."""
    check_password(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    staff_sessions.end_all(user)
    record("password_reset", target=user.email)


def set_active(user: User, active: bool) -> None:
    """Disable or enable an account (disabling ends its sessions)."""
    if user.active == active:
        return
    _keeps_an_admin(user, user.role, active)
    user.active = active
    if not active:
        user.session_version += 1
        staff_sessions.end_all(user)
    record("user_enabled" if active else "user_disabled", target=user.email)


def list_users() -> list[User]:
    """Every staff account, by email."""
    return list(db.session.scalars(select(User).order_by(User.email)))
