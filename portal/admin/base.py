"""The secured base classes every admin view derives from.

Flask-Admin 2.2 leaves several doors open (DESIGN.md "Known traps"): permission
flags are static class attributes, ``get_one`` ignores ``get_query``, the inline
edit endpoint ignores ``can_edit``, lookups are unscoped, CSRF is off. Here each
door is closed once, for every view:

* every request is checked in :meth:`PortalModelView._handle_view` against the
  permission matrix (anonymous → login page, denied → 403);
* ``can_create`` … ``can_view_details`` are properties computed per request, so
  buttons and endpoints agree; a subclass that writes ``can_delete = False``
  only narrows what the matrix allows (see ``__init_subclass__``);
* lists, counts, exports and lookups are scoped by
  :func:`portal.auth.scopes.row_scope`; ``get_one`` applies the view scope or,
  for edit, delete, inline edit and actions, the change scope (403 outside it);
* every save goes through :func:`portal.admin.guard.authorise_changes`;
* forms derive from :class:`portal.admin.forms.PortalForm` (CSRF).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, has_request_context, redirect, request, url_for
from flask_admin import Admin, BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.helpers import is_form_submitted
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from ..auth.policy import can, current_account
from ..auth.scopes import row_scope
from ..extensions import db
from ..i18n import MENU, label, labels
from ..models.base import RuleViolation
from ..services import DomainError
from ..services.workdays import local_today
from . import formatting, guard
from .ajax import Ref, ScopedAjaxLoader
from .errors import integrity_message
from .filters import PortalFilterConverter
from .forms import PortalForm, PortalModelConverter, PortalXEditableWidget
from .inline import PortalInlineConverter
from .labels import COMMON_LABELS
from .search import apply_search

#: Per-request flag → action of the permission matrix.
FLAG_ACTIONS = {"can_create": "create", "can_edit": "edit", "can_delete": "delete",
                "can_export": "export", "can_view_details": "view"}
#: Flask-Admin endpoint → the flag it needs.
ENDPOINT_FLAGS = {"index_view": None, "details_view": "can_view_details", "create_view": "can_create",
                  "edit_view": "can_edit", "delete_view": "can_delete", "export": "can_export",
                  "ajax_update": "can_edit"}
#: Endpoints that change a record: they load it within the change scope.
CHANGING = frozenset({"edit_view", "delete_view", "ajax_update", "action_view"})

DELETED = "Đã xóa {count} bản ghi."
#: An inline (list) save refused by the row scope: x-editable shows this under the field.
INLINE_REFUSED = {403: "Bạn không được sửa bản ghi này (ngoài phạm vi của bạn hoặc không còn được sửa).",
                  404: "Không tìm thấy bản ghi."}
NOT_DELETED = "{count} bản ghi không xóa được (không có quyền, ngoài phạm vi hoặc đang được sử dụng)."


def login_redirect() -> Response:
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


class PortalAdmin(Admin):
    """Flask-Admin's ``Admin`` whose menu entries and page titles read in the page's
    language (views are declared with their Vietnamese names)."""

    def add_view(self, view: BaseView) -> None:
        view.name = label(view.name, MENU)
        view.category = label(view.category, MENU)
        super().add_view(view)


class PortalBaseView(BaseView):
    """A custom page guarded by the ``view`` permission on :attr:`resource`."""

    resource: str = ""

    def is_accessible(self) -> bool:
        account = current_account()
        return account is not None and can(account, self.resource, "view")

    def is_visible(self) -> bool:
        return self.is_accessible()

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        if current_account() is None:
            return login_redirect()
        if not self.is_accessible():
            abort(403)
        return None


class PortalModelView(ModelView):
    """Base of every model screen. Subclasses declare; they do not re-check access."""

    resource: str = ""
    #: What this screen offers at most; the permission matrix decides per request.
    allow_create = allow_edit = allow_delete = allow_export = allow_view_details = True
    #: Declarative autocomplete fields (scoped); see :func:`portal.admin.ajax.ref`.
    ajax_refs: dict[str, Ref] = {}
    #: Code → Vietnamese label enumerations, used for choices in lists, forms, filters.
    enum_columns: dict[str, dict[str, str]] = {}
    #: Fields fixed after creation: shown, left out of the edit form, refused if changed.
    readonly_columns: tuple[str, ...] = ()
    #: Set to the acting account's id when a row is created (e.g. ``created_by_id``).
    creator_field: str | None = None
    #: (earlier, later, message): later may not precede earlier.
    date_order: tuple[tuple[str, str, str], ...] = ()
    #: Plain id columns (no relationship to look up) → model they must name, within scope.
    id_refs: dict[str, type] = {}
    #: Extra loader options for lists (nested eager loads ``column_select_related_list`` cannot say).
    query_options: tuple[Any, ...] = ()
    #: Custom action name → matrix action it needs (``delete`` is built in).
    action_permissions: dict[str, str] = {"delete": "delete"}

    form_base_class = PortalForm
    model_form_converter = PortalModelConverter
    filter_converter = PortalFilterConverter()
    inline_model_form_converter = PortalInlineConverter
    column_type_formatters = formatting.LIST_FORMATTERS
    column_type_formatters_detail = formatting.DETAIL_FORMATTERS
    column_type_formatters_export = formatting.EXPORT_FORMATTERS
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    export_types = ["csv", "xlsx"]
    export_max_rows = 50_000
    fast_mass_delete = False  # bulk deletes must pass through the ORM (audit log, checks)
    column_display_pk = False
    edit_template = "admin/portal/edit.html"
    details_template = "admin/portal/details.html"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A subclass saying ``can_delete = False`` must not replace the per-request
        # property with a static value: keep it as the upper bound instead.
        super().__init_subclass__(**kwargs)
        for flag in FLAG_ACTIONS:
            value = cls.__dict__.get(flag)
            if isinstance(value, bool):
                setattr(cls, "allow_" + flag.removeprefix("can_"), value)
                delattr(cls, flag)

    def __init__(self, model: type, *, name: str | None = None, category: str | None = None,
                 endpoint: str | None = None, resource: str | None = None) -> None:
        self.resource = resource or self.resource or model.__tablename__
        # Read through the instance: some of these are Flask-Admin descriptors on the class.
        # Labels and choices stay Vietnamese in the declarations; they are shown translated.
        self.column_labels = labels({**COMMON_LABELS, **(self.column_labels or {})})
        choices = {col: list(labels(names).items()) for col, names in self.enum_columns.items()}
        self.column_choices = {**choices, **(self.column_choices or {})}
        self.form_choices = {**choices, **(self.form_choices or {})}
        self.form_ajax_refs = {n: ScopedAjaxLoader(n, decl) for n, decl in self.ajax_refs.items()}
        super().__init__(model, db, name=name, category=category, endpoint=endpoint)
        # Read-only columns are never edited inline either.
        if self.column_editable_list:
            editable = [c for c in self.column_editable_list if c not in self.readonly_columns]
            self.column_editable_list = editable
            self._list_form_class = self.get_list_form() if editable else None

    def get_filters(self) -> Any:
        filters = super().get_filters()
        for flt in filters or ():
            flt.name = label(flt.name)
        return filters

    def scaffold_list_form(self, widget: Any = None, validators: Any = None) -> Any:
        return super().scaffold_list_form(widget or PortalXEditableWidget(), validators)

    # ------------------------------------------------------------ per-request permissions
    def _flag(self, flag: str) -> bool:
        if not getattr(self, "allow_" + flag.removeprefix("can_")):
            return False
        account = current_account()
        if account is None:
            # Outside a request (scaffolding at start-up) report what the screen offers.
            return not has_request_context()
        return can(account, self.resource, FLAG_ACTIONS[flag])

    can_create = property(lambda self: self._flag("can_create"))  # type: ignore[assignment]
    can_edit = property(lambda self: self._flag("can_edit"))  # type: ignore[assignment]
    can_delete = property(lambda self: self._flag("can_delete"))  # type: ignore[assignment]
    can_export = property(lambda self: self._flag("can_export"))  # type: ignore[assignment]
    can_view_details = property(lambda self: self._flag("can_view_details"))  # type: ignore[assignment]

    def may(self, action_name: str) -> bool:
        """May the current account do a matrix action on this screen's resource?"""
        account = current_account()
        return account is not None and can(account, self.resource, action_name)

    def is_accessible(self) -> bool:
        return self.may("view")

    def is_visible(self) -> bool:
        return self.is_accessible()

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        if current_account() is None:
            return login_redirect()
        if not self.is_accessible():
            abort(403)
        if name == "ajax_lookup":
            allowed = self.can_create or self.can_edit
        elif name in ENDPOINT_FLAGS:
            flag = ENDPOINT_FLAGS[name]
            allowed = flag is None or getattr(self, flag)
        else:
            allowed = self.endpoint_allowed(name)
        if not allowed:
            abort(403)
        if name == "export" and kwargs.get("export_type") not in self.export_types:
            abort(404)
        g.portal_purpose = "change" if name in CHANGING else "view"
        return None

    def endpoint_allowed(self, name: str) -> bool:
        """Extra endpoints of a subclass (``action_view`` is checked per action)."""
        return name == "action_view"

    # ------------------------------------------------------------ row scope
    def scope(self, purpose: str = "view") -> sa.ColumnElement[bool]:
        return row_scope(current_account(), self.model, purpose)

    def get_query(self) -> Any:
        return super().get_query().filter(self.scope("view")).options(*self.query_options)

    def get_count_query(self) -> Any:
        return super().get_count_query().filter(self.scope("view"))

    def _apply_search(self, query: Any, count_query: Any, joins: Any, count_joins: Any, search: str) -> Any:
        # Codes by their beginning and text through trigram indexes (portal/admin/search.py).
        return apply_search(self, query, count_query, joins, count_joins, search, db.engine.dialect.name)

    def find_in_scope(self, ident: Any, purpose: str) -> Any:
        """The row ``ident`` if the account may see (or change) it, else ``None``."""
        try:
            key = int(ident)
        except (TypeError, ValueError):
            return None
        pk = getattr(self.model, self._primary_key)
        return db.session.query(self.model).filter(pk == key, self.scope(purpose)).one_or_none()

    def get_one(self, id: Any) -> Any:
        purpose = g.get("portal_purpose", "view")
        row = self.find_in_scope(id, purpose)
        if row is None:
            try:
                key = int(id)
            except (TypeError, ValueError):
                abort(404)
            pk = getattr(self.model, self._primary_key)
            abort(403 if db.session.query(sa.exists().where(pk == key)).scalar() else 404)
        return row

    # ------------------------------------------------------------ forms and saving
    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        # A relation without a declared lookup becomes a drop-down: offer only rows in scope.
        for name in dir(form_class):
            unbound = getattr(form_class, name)
            field_class = getattr(unbound, "field_class", None)
            if isinstance(field_class, type) and issubclass(field_class, (QuerySelectField, QuerySelectMultipleField)):
                unbound.kwargs["query_factory"] = guard.scoped_factory(unbound.kwargs["query_factory"])
        return form_class

    def get_edit_form(self) -> Any:
        form_class = super().get_edit_form()
        if not self.readonly_columns:
            return form_class
        return type("EditForm", (form_class,), {name: None for name in self.readonly_columns})

    def validate_form(self, form: Any) -> bool:
        valid = super().validate_form(form)
        if is_form_submitted() and hasattr(form, "_fields"):
            valid = guard.check_lookups(form) and valid
        return valid

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        account = current_account()
        # Nothing may reach the database before the checks below have passed.
        with db.session.no_autoflush:
            if is_created and self.creator_field and getattr(model, self.creator_field, None) is None:
                setattr(model, self.creator_field, account.id)
            if not is_created:
                guard.check_readonly(model, self.readonly_columns, self.column_labels)
            guard.check_id_refs(model, self.id_refs, self.column_labels)
            _refuse_blank_required_text(model, self.column_labels)
            self.apply_rules(form, model, is_created)
            for earlier, later, message in self.date_order:
                first, second = getattr(model, earlier, None), getattr(model, later, None)
                if first is not None and second is not None and second < first:
                    raise ValidationError(message)
        guard.authorise_changes(db.session, account)

    def apply_rules(self, form: Any, model: Any, is_created: bool) -> None:
        """Hook for the domain services (deadlines, consultations …) before saving."""

    def delete_model(self, model: Any) -> bool:
        try:
            self.on_model_delete(model)
            db.session.delete(model)
            guard.authorise_changes(db.session, current_account())
            db.session.commit()
        except Exception as exc:  # same contract as Flask-Admin: flash, roll back, report
            db.session.rollback()
            if not self.handle_view_exception(exc):
                raise
            return False
        self.after_model_delete(model)
        return True

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, HTTPException):
            return False
        if isinstance(exc, IntegrityError):
            flash(integrity_message(exc), "error")
            return True
        if isinstance(exc, (ValidationError, DomainError, RuleViolation)):
            flash(str(exc), "error")
            return True
        return super().handle_view_exception(exc)

    # ------------------------------------------------------------ actions
    def is_action_allowed(self, name: str) -> bool:
        needed = self.action_permissions.get(name, "edit")
        return self.may(needed) and (needed != "delete" or self.allow_delete)

    @expose("/action/", methods=("POST",))
    def action_view(self) -> Any:
        name = request.form.get("action", "")
        if name not in self._actions_data:
            abort(400)
        if not self.is_action_allowed(name):
            abort(403)
        return self.handle_action()

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self) -> Any:
        """Flask-Admin's inline save; a row outside the change scope answers with a short
        message for x-editable to show, not with an error page inside the pop-up."""
        try:
            return super().ajax_update()
        except HTTPException as exc:
            if exc.code not in INLINE_REFUSED:
                raise
            return INLINE_REFUSED[exc.code], exc.code

    @action("delete", lazy_gettext("Delete"), lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids: Any) -> None:
        deleted = refused = 0
        for ident in ids:
            row = self.find_in_scope(ident, "change")
            if row is not None and self.delete_model(row):
                deleted += 1
            else:
                refused += 1
        if deleted:
            flash(DELETED.format(count=deleted), "success")
        if refused:
            flash(NOT_DELETED.format(count=refused), "error")

    def get_readonly_value(self, model: Any, name: str) -> Any:
        """A read-only field's stored value, formatted as on the details page."""
        return self._get_list_value(None, model, name, self.column_formatters_detail,
                                    self.column_type_formatters_detail)

    def get_export_name(self, export_type: str = "csv") -> str:
        return f"{self.endpoint}_{local_today():%Y%m%d}.{export_type}"


def _refuse_blank_required_text(model: Any, labels: dict[str, str]) -> None:
    """A required text made only of spaces is as empty as no text at all."""
    for column in sa.inspect(type(model)).columns:
        if column.nullable or not isinstance(column.type, sa.String):
            continue
        value = getattr(model, column.key, None)
        if isinstance(value, str) and not value.strip():
            label = labels.get(column.key) or COMMON_LABELS.get(column.key) or column.key
            raise ValidationError(f"Trường «{label}» không được để trống.")
