"""The Flask-Admin portal, built inside the app factory."""
from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user
from werkzeug.wrappers import Response


class PortalIndexView(AdminIndexView):
    """The start page; nobody sees it without logging in."""

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def inaccessible_callback(self, name: str, **kwargs: object) -> Response:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @expose("/")
    def index(self) -> str:
        return self.render("admin/portal_index.html")


def init_app(app: Flask) -> Admin:
    admin = Admin(
        app,
        name="Cổng trách nhiệm công vụ",
        theme=Bootstrap4Theme(swatch="flatly", fluid=True),
        index_view=PortalIndexView(name="Trang chủ", url="/admin"),
    )
    return admin
