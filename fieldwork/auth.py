"""Staff sign-in: flask-login sessions, argon2 password hashes, throttled attempts, roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from fieldwork import signin_limits, staff_sessions
from fieldwork.audit import record
from fieldwork.db import db
from fieldwork.models import User
from fieldwork.models.staff import ROLE_NAMES

bp = Blueprint("auth", __name__, url_prefix="/staff")
login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see this page."
login_manager.session_protection = "strong"
_hasher = PasswordHasher()
# Verify against this when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Whether `password` is the user's (always spends the time of one verification)."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
    except (VerificationError, InvalidHashError):
        return False


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id)) if len(user_id) < 12 else None
    if user is None or str(user.session_version) != version or not user.active:
        return None
    return user if staff_sessions.live(user) else None


def require_role(*roles: str) -> Callable:
    """Decorate a view: the signed-in user must have one of `roles` (admin always may)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403, description=_not_for(current_user.role, roles))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _not_for(role: str, roles: tuple[str, ...]) -> str:
    """Why a role may not open a page, in words."""
    allowed = ", ".join(ROLE_NAMES[r] for r in dict.fromkeys(("admin", *roles)))
    return (
        f"This page is only for these roles: {allowed}. Your role is "
        f"{ROLE_NAMES.get(role, role)}: ask an admin if you need this page."
    )


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign-in page for staff."""
    error = until = None
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        until, taken = signin_limits.take(email)
        db.session.commit()  # the attempt counts before the password is checked
        if until:
            error = f"Too many attempts. Try again after {until:%H:%M} (UTC)."
        else:
            user = db.session.scalar(select(User).where(func.lower(User.email) == email))
            good = check_password(user, request.form.get("password", "")) and user.active
            db.session.commit()  # end the read, so the writes below wait their turn (SQLite)
            if good:
                return _signed_in(user, email, taken)
            record("sign_in_failed", email=email[:254])
            db.session.commit()
            error = "Enter a correct email address and password."
    status = (429 if until else 400) if error else 200
    return render_template("staff/sign_in.html", error=error), status


def _signed_in(user: User, email: str, taken: list[str]):
    """Start the session on the server and in the browser, and go on."""
    staff_sessions.end_current()
    session.clear()
    session.permanent = True
    login_user(user)
    staff_sessions.open_session(user)
    signin_limits.give_back(taken)
    record("sign_in", user=user)
    db.session.commit()
    response = redirect(_safe_next() or url_for("auth.home"))
    signin_limits.remember_device(response, email)
    return response


def _safe_next() -> str | None:
    """The `next` target, only if it is a path on this site (nothing a browser reads as a host)."""
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//") or len(target) > 2000:
        return None
    # Browsers drop tabs and newlines and read \\ as /: "/\t/evil.com" means "//evil.com".
    if any(not ch.isprintable() or ch.isspace() or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """End the staff session."""
    if current_user.is_authenticated:
        record("sign_out", user=current_user)
    staff_sessions.end_current()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/")
@login_required
def home():
    """Staff home: what this role can do."""
    return render_template("staff/home.html")


def init_app(app: Flask) -> None:
    """Register sign-in and the staff home."""
    login_manager.init_app(app)
    app.register_blueprint(bp)
