"""Accounts, roles and the permission matrix (data administrators can see and edit)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash
from flask_admin import expose
from flask_admin.actions import action
from wtforms import PasswordField
from wtforms.validators import Length, Optional, ValidationError

from ...auth.passwords import MIN_LENGTH, hash_password
from ...auth.policy import current_account
from ...extensions import db
from ...i18n import MENU, label, labels
from ...models import Account, Permission, Role, Staff, Unit, enums
from .. import guard
from ..ajax import ref
from ..base import PortalBaseView, PortalModelView

PASSWORD_REQUIRED = "Phải đặt mật khẩu cho tài khoản mới."


class AccountView(PortalModelView):
    column_list = ("username", "display_name", "role", "unit", "staff", "active", "locked_until", "last_login_at")
    column_details_list = ("username", "display_name", "role", "unit", "staff", "active", "failed_logins",
                           "locked_until", "last_login_at", "language", "created_at")
    column_export_list = column_details_list
    column_default_sort = "username"
    column_sortable_list = ("username", "display_name", "active", "last_login_at")
    column_searchable_list = ("username", "display_name")
    column_filters = ("active", "role.code", "last_login_at")
    column_select_related_list = (Account.role, Account.unit, Account.staff)
    form_columns = ("username", "display_name", "role", "unit", "staff", "active", "language", "new_password")
    form_choices = {"language": [("vi", "Tiếng Việt"), ("en", "English")]}
    form_extra_fields = {
        "new_password": PasswordField(
            label("Mật khẩu mới"), validators=[Optional(), Length(min=MIN_LENGTH, max=200)],
            description=label("Để trống khi không đổi mật khẩu. Mật khẩu được băm (Argon2id), không bao giờ hiển thị."),
        ),
    }
    # The hash never leaves the database through a screen, an export or a search.
    form_excluded_columns = ("password_hash",)
    ajax_refs = {"unit": ref(Unit), "staff": ref(Staff, ("code", "full_name"))}
    readonly_columns = ("username",)

    def apply_rules(self, form: Any, model: Account, is_created: bool) -> None:
        password = form.new_password.data if "new_password" in form else None
        if is_created and not password:
            raise ValidationError(PASSWORD_REQUIRED)
        if password:
            try:
                model.password_hash = hash_password(password)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
            model.failed_logins = 0
            model.locked_until = None

    @action("unlock", "Mở khóa đăng nhập", "Mở khóa các tài khoản đã chọn?")
    def action_unlock(self, ids: Any) -> None:
        done = 0
        for ident in ids:
            account = self.find_in_scope(ident, "change")
            if account is not None:
                account.failed_logins, account.locked_until = 0, None
                done += 1
        guard.authorise_changes(db.session, current_account())
        db.session.commit()
        flash(f"Đã mở khóa {done} tài khoản.", "success")


class RoleView(PortalModelView):
    column_list = ("code", "name")
    column_default_sort = "code"
    enum_columns = {"code": enums.ROLES}
    form_columns = ("code", "name")
    readonly_columns = ("code",)


class PermissionView(PortalModelView):
    """One cell of the matrix per row; deny by default (a missing row is a refusal)."""

    column_list = ("role", "resource", "action")
    column_default_sort = [("role_id", False), ("resource", False), ("action", False)]
    column_sortable_list = ("resource", "action")
    column_filters = ("role.code", "resource", "action")
    column_select_related_list = (Permission.role,)
    form_columns = ("role", "resource", "action")

    def __init__(self, model: type, **kwargs: Any) -> None:
        # Resources are named as in the menu (tables and pages alike, see registry).
        self.enum_columns = {"resource": resource_labels(), "action": enums.ACTIONS}
        super().__init__(model, **kwargs)


class PermissionMatrixView(PortalBaseView):
    """The whole matrix at a glance: resources down, roles across."""

    resource = "permission"

    @expose("/")
    def index(self) -> str:
        roles = db.session.scalars(sa.select(Role).order_by(Role.id)).all()
        cells: dict[tuple[int, str], set[str]] = {}
        for role_id, resource, action_name in db.session.execute(
            sa.select(Permission.role_id, Permission.resource, Permission.action)
        ):
            cells.setdefault((role_id, resource), set()).add(action_name)
        return self.render("admin/portal/matrix.html", roles=roles, cells=cells,
                           resources=resource_labels(), actions=labels(enums.ACTIONS))


def resource_labels() -> dict[str, Any]:
    """Every resource of the permission matrix (screens and pages) → its menu name, shown translated."""
    return {resource: label(name, MENU) for resource, name in guard.RESOURCE_LABELS.items()}
