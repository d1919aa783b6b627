"""The portal's own login and logout pages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..services import audit
from ..services.accounts import LoginRefused, authenticate
from .redirects import safe_next

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(
        "Tên đăng nhập",
        validators=[DataRequired("Vui lòng nhập tên đăng nhập."), Length(max=60, message="Tên đăng nhập quá dài.")],
    )
    password = PasswordField(
        "Mật khẩu",
        validators=[DataRequired("Vui lòng nhập mật khẩu."), Length(max=200, message="Mật khẩu quá dài.")],
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    default = url_for("admin.index")
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), default))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            account = authenticate(
                db.session,
                form.username.data or "",
                form.password.data or "",
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
            )
        except LoginRefused as refused:
            db.session.commit()  # keep the failure count
            flash(str(refused), "danger")
        else:
            audit.record_event(db.session, "login", "account", account.id, None, None, actor=account.username)
            db.session.commit()
            login_user(account)
            return redirect(safe_next(request.args.get("next"), default))
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
def root() -> Response:
    return redirect(url_for("admin.index"))
