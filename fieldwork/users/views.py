"""Admin pages for staff accounts: list, add, change, reset password, disable and enable."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from fieldwork import staff_sessions
from fieldwork.auth import require_role
from fieldwork.db import db
from fieldwork.models import User
from fieldwork.models.staff import ROLE_NAMES
from fieldwork.users import bp
from fieldwork.users.services import (
    Account,
    AccountError,
    create_user,
    list_users,
    set_active,
    set_password,
    update_user,
)


def _account_from_form(email: str = "") -> Account:
    form = request.form
    return Account(
        email=email or form.get("email", ""),
        role=form.get("role", ""),
        practices=form.get("practices", ""),
        name=form.get("name", ""),
    )


def _form_page(template: str, errors: dict, status: int, **context):
    roles = list(ROLE_NAMES.items())
    if not context["account"].role:  # a new account: no role until one is chosen
        roles.insert(0, ("", "Choose a role"))
    return render_template(template, errors=errors, roles=roles, **context), status


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users", endpoint="list_users")
@require_role()
def users_page():
    """Every staff account with its role, practices and state."""
    return render_template("staff/users.html", users=list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@require_role()
def add_user():
    """Add a staff account with a first password."""
    errors: dict[str, str] = {}
    account = _account_from_form()
    if request.method == "POST":
        try:
            user = create_user(account, request.form.get("password", ""))
        except AccountError as error:
            db.session.rollback()
            errors = error.problems
        else:
            db.session.commit()
            flash(f"Account added for {user.email}.")
            return redirect(url_for("users.list_users"))
    return _form_page("staff/user_new.html", errors, 400 if errors else 200, account=account)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require_role()
def edit_user(user_id: int):
    """Change an account's name, role and practices."""
    user = _user_or_404(user_id)
    errors: dict[str, str] = {}
    account = Account(user.email, user.role, user.practice_codes, user.name)
    if request.method == "POST":
        account = _account_from_form(user.email)
        try:
            update_user(user, account)
        except AccountError as error:
            db.session.rollback()
            errors = error.problems
        else:
            db.session.commit()
            _keep_own_session(user)
            flash(f"Changes saved for {user.email}.")
            return redirect(url_for("users.list_users"))
    return _form_page(
        "staff/user_edit.html", errors, 400 if errors else 200, user=user, account=account
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require_role()
def reset_password(user_id: int):
    """Give an account a new password (its sessions end)."""
    user = _user_or_404(user_id)
    try:
        set_password(user, request.form.get("password", ""))
    except AccountError as error:
        db.session.rollback()
        account = Account(user.email, user.role, user.practice_codes, user.name)
        return _form_page("staff/user_edit.html", error.problems, 400, user=user, account=account)
    db.session.commit()
    _keep_own_session(user)
    flash(f"New password set for {user.email}. They must sign in again.")
    return redirect(url_for("users.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@require_role()
def set_user_active(user_id: int):
    """Disable or enable an account."""
    user = _user_or_404(user_id)
    wanted = request.form.get("active")
    account = Account(user.email, user.role, user.practice_codes, user.name)
    if wanted not in ("0", "1"):
        errors = {"active": "Choose whether to disable or enable the account"}
        return _form_page("staff/user_edit.html", errors, 400, user=user, account=account)
    if user.id == current_user.id and wanted == "0":
        errors = {"active": "You cannot disable your own account"}
        return _form_page("staff/user_edit.html", errors, 400, user=user, account=account)
    try:
        set_active(user, wanted == "1")
    except AccountError as error:
        db.session.rollback()
        return _form_page(
            "staff/user_edit.html", {"active": str(error)}, 400, user=user, account=account
        )
    db.session.commit()
    flash(f"{user.email} is now {'enabled' if user.active else 'disabled'}.")
    return redirect(url_for("users.list_users"))


def _keep_own_session(user: User) -> None:
    """An admin changing their own password or role stays signed in with the new version."""
    if user.id == current_user.id and user.active:
        login_user(user)
        staff_sessions.open_session(user)
        db.session.commit()
