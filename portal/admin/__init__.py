"""The Flask-Admin portal, built inside the app factory.

Every screen comes from :mod:`portal.admin.registry` and derives from the secured
base classes in :mod:`portal.admin.base`; the access rules themselves live in
:mod:`portal.auth.policy` and :mod:`portal.auth.scopes`.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, g
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme

from ..auth.policy import can, current_account, permissions_of, reset_cache
from ..auth.scopes import row_scope
from ..extensions import db
from ..models import enums
from ..services import dashboards_sql
from ..translations import TRANSLATIONS_DIR
from . import background, dashboard_charts, guard, registry, report_views, work
from ..i18n import MENU, label, labels
from .base import PortalAdmin, login_redirect
from .dashboard import page_data
from .labels import add_label, item_label
from .views.accounts import PermissionMatrixView


class PortalIndexView(AdminIndexView):
    """The start page: nobody sees it without logging in; it shows the role's dashboard
    (:mod:`portal.admin.dashboard`) and tells the role what it may do."""

    def is_accessible(self) -> bool:
        return current_account() is not None

    def is_visible(self) -> bool:
        # The portal's name at the left of the menu bar leads here; a "Trang chủ"
        # entry beside it would only take the room the other menus need.
        return False

    def _handle_view(self, name: str, **kwargs: object) -> object:
        if not self.is_accessible():
            return login_redirect()
        return None

    @expose("/")
    def index(self) -> str:
        account = current_account()
        cells = permissions_of(account.role_id)
        rows = [
            (label(name, MENU), [action in {a for r, a in cells if r == resource} for action in enums.ACTIONS])
            for resource, name in guard.RESOURCE_LABELS.items()
            if any(r == resource for r, _ in cells)
        ]
        return self.render("admin/portal_index.html", rows=rows, actions=labels(enums.ACTIONS),
                           role_name=label(enums.ROLES.get(account.role.code, account.role.name)),
                           pending=self.pending_decisions(account), **page_data(self.admin, account))

    @staticmethod
    def pending_decisions(account: object) -> list[tuple[str, str, str]]:
        """For those who decide: how many proposals of others wait, per kind (a count
        that stops at the dashboards' cap: a first sweep proposes hundreds of thousands)."""
        waiting = []
        for entry in registry.ENTRIES:
            model = entry.model
            if not hasattr(model, "decided_by_id") or not can(account, entry.resource_name, "approve"):
                continue
            count = dashboards_sql.tally(db.session, sa.select(model.id).where(
                model.status == "proposed", row_scope(account, model, "view"),
                sa.or_(model.proposed_by_id.is_(None), model.proposed_by_id != account.id),
            ))
            if count.n:
                shown = dashboard_charts.tally(count)
                waiting.append((label(entry.name, MENU), f"/admin/{entry.endpoint_name}/", shown))
        return waiting


#: Flask-Admin's Vietnamese catalogue is merged after the portal's, so a wrong
#: translation there cannot be corrected in a catalogue: it is reworded on display.
REWORDED = {"Kỷ lục được tạo thành công.": "Đã tạo bản ghi mới."}


def reworded(message: str) -> str:
    return REWORDED.get(str(message), message)


def _fresh_request_state() -> None:
    # Per-request caches (permissions, scope paths, calendar) must not outlive the
    # request, even where an app context is shared between requests (tests, CLI).
    reset_cache()
    for key in ("portal_purpose", "portal_calendar"):
        g.pop(key, None)


def init_app(app: Flask) -> Admin:
    app.before_request(_fresh_request_state)
    app.jinja_env.globals.update(reworded=reworded, add_label=add_label, item_label=item_label)
    admin = PortalAdmin(
        app,
        name=label("Cổng trách nhiệm công vụ", MENU),
        theme=Bootstrap4Theme(swatch="cerulean", fluid=True, base_template="admin/portal/base.html"),
        index_view=PortalIndexView(name=label("Trang chủ", MENU), url="/admin"),
        translations_path=str(TRANSLATIONS_DIR),
    )
    work.register(admin)  # the daily work first in the menu bar
    for view in registry.build_views():
        admin.add_view(view)
    admin.add_view(PermissionMatrixView(name="Ma trận phân quyền", category=registry.SYSTEM,
                                        endpoint="permission_matrix"))
    background.register(admin)
    report_views.register(admin)
    return admin
