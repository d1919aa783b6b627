"""The Flask-Admin portal, built inside the app factory.

Every screen comes from :mod:`portal.admin.registry` and derives from the secured
base classes in :mod:`portal.admin.base`; the access rules themselves live in
:mod:`portal.auth.policy` and :mod:`portal.auth.scopes`.
"""
from __future__ import annotations

from flask import Flask, g
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme

from ..auth.policy import current_account, permissions_of
from ..models import enums
from ..translations import TRANSLATIONS_DIR
from . import guard, registry
from .base import login_redirect
from .views.accounts import PermissionMatrixView


class PortalIndexView(AdminIndexView):
    """The start page: nobody sees it without logging in; it tells each role what it may do."""

    def is_accessible(self) -> bool:
        return current_account() is not None

    def _handle_view(self, name: str, **kwargs: object) -> object:
        if not self.is_accessible():
            return login_redirect()
        return None

    @expose("/")
    def index(self) -> str:
        account = current_account()
        cells = permissions_of(account.role_id)
        rows = [
            (label, [action in {a for r, a in cells if r == resource} for action in enums.ACTIONS])
            for resource, label in guard.RESOURCE_LABELS.items()
            if any(r == resource for r, _ in cells)
        ]
        return self.render("admin/portal_index.html", rows=rows, actions=enums.ACTIONS,
                           role_name=enums.ROLES.get(account.role.code, account.role.name))


def _fresh_request_state() -> None:
    # Per-request caches (permissions, scope paths, calendar) must not outlive the
    # request, even where an app context is shared between requests (tests, CLI).
    for key in ("_portal_policy", "portal_purpose", "portal_calendar"):
        g.pop(key, None)


def init_app(app: Flask) -> Admin:
    app.before_request(_fresh_request_state)
    admin = Admin(
        app,
        name="Cổng trách nhiệm công vụ",
        theme=Bootstrap4Theme(swatch="cerulean", fluid=True, base_template="admin/portal/base.html"),
        index_view=PortalIndexView(name="Trang chủ", url="/admin"),
        translations_path=str(TRANSLATIONS_DIR),
    )
    for view in registry.build_views():
        admin.add_view(view)
    admin.add_view(PermissionMatrixView(name="Ma trận phân quyền", category=registry.SYSTEM,
                                        endpoint="permission_matrix"))
    return admin
