"""Login, password hashing, roles and the permission policy."""
from __future__ import annotations

from flask import Flask

from ..extensions import db, login_manager
from ..models import Account
from .views import bp


def _load_user(user_id: str) -> Account | None:
    if not user_id.isdigit():
        return None
    return db.session.get(Account, int(user_id))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    app.register_blueprint(bp)
