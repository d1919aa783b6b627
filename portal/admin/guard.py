"""Server-side checks run on every save made through the portal, whatever the form.

:func:`authorise_changes` looks at the whole unit of work, not only the record on
the screen: inline rows added or removed, rows cascaded by a delete. Each one needs
the role's permission on its own resource and must lie in the account's change
scope before (rows changed or deleted) and after the change (rows created or
changed), so an id of another unit typed into any field, a record moved to another
unit, or an inline row smuggled into a form is refused and nothing is saved.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask_admin.model.fields import AjaxSelectField
from sqlalchemy.orm import Session
from wtforms import Field, FieldList, FormField
from wtforms.validators import ValidationError

from ..auth.policy import can, current_account
from ..auth.scopes import row_scope
from ..extensions import db
from ..models import enums

#: Model class → resource name of the permission matrix; filled by the registry.
RESOURCES_BY_MODEL: dict[type, str] = {}
#: Model class → Vietnamese name, for messages.
NAMES_BY_MODEL: dict[type, str] = {}
#: Resource → Vietnamese name, for the permission matrix screens.
RESOURCE_LABELS: dict[str, str] = {}

OUT_OF_SCOPE = "{name}: bản ghi nằm ngoài phạm vi đơn vị của bạn (hoặc không còn được sửa), không lưu được."
NO_PERMISSION = "Bạn không có quyền {action} {name}."
LOOKUP_REFUSED = "Không tìm thấy bản ghi đã chọn, hoặc bản ghi nằm ngoài phạm vi của bạn."
READ_ONLY = "Trường “{label}” chỉ được xem, không được sửa."


def resource_for(model: type) -> str | None:
    return RESOURCES_BY_MODEL.get(model)


def _name(model: type) -> str:
    return NAMES_BY_MODEL.get(model, model.__name__)


def _pk_of(obj: Any) -> Any:
    return sa.inspect(obj).identity[0] if sa.inspect(obj).identity else None


def _in_change_scope(session: Session, account: Any, obj: Any) -> bool:
    model = type(obj)
    pk = sa.inspect(model).primary_key[0]
    ident = _pk_of(obj)
    if ident is None:
        return False
    stmt = sa.select(sa.literal(True)).select_from(model).where(pk == ident, row_scope(account, model, "change"))
    return bool(session.scalar(stmt))


def authorise_changes(session: Session, account: Any) -> None:
    """Refuse (``ValidationError``) any pending change the account may not make; flush."""
    with session.no_autoflush:
        created = list(session.new)
        changed = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
        deleted = list(session.deleted)
    for objects, action in ((created, "create"), (changed, "edit"), (deleted, "delete")):
        for obj in objects:
            resource = resource_for(type(obj))
            if resource is None or not can(account, resource, action):
                raise ValidationError(NO_PERMISSION.format(
                    action=enums.ACTIONS.get(action, action).lower(), name=_name(type(obj)).lower()))
    # Rows as stored before this change: the account must have been allowed to touch them.
    with session.no_autoflush:
        for obj in changed + deleted:
            if not _in_change_scope(session, account, obj):
                raise ValidationError(OUT_OF_SCOPE.format(name=_name(type(obj))))
    session.flush()
    # Rows as they will be stored: they must still be the account's to change.
    for obj in created + changed:
        if not _in_change_scope(session, account, obj):
            raise ValidationError(OUT_OF_SCOPE.format(name=_name(type(obj))))


def _leaf_fields(fields: Any) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FieldList):
            yield from _leaf_fields(field.entries)
        elif isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        else:
            yield field


def check_lookups(form: Any) -> bool:
    """An autocomplete field that received an id its scoped lookup does not know
    (unknown, or another unit's) gets an error instead of silently becoming empty."""
    ok = True
    for field in _leaf_fields(form):
        if not isinstance(field, AjaxSelectField) or field.errors:
            continue
        raw = [v for v in (field.raw_data or []) if v not in ("", "__None", None)]
        if raw and field.data is None:
            field.errors = [*field.errors, LOOKUP_REFUSED]
            ok = False
    return ok


def check_readonly(model: Any, columns: tuple[str, ...], labels: dict[str, str]) -> None:
    """Read-only fields hold their stored value, whatever was posted."""
    state = sa.inspect(model)
    for name in columns:
        if name in state.attrs and state.attrs[name].history.has_changes():
            raise ValidationError(READ_ONLY.format(label=labels.get(name, name)))


def scoped_factory(factory: Any) -> Any:
    """Wrap a drop-down's query factory so it offers only rows in the account's scope."""

    def scoped() -> Any:
        query = factory()
        model = query.column_descriptions[0]["entity"]
        return query.filter(row_scope(current_account(), model, "view"))

    return scoped


def check_id_refs(model: Any, id_refs: dict[str, type], labels: dict[str, str]) -> None:
    """Every id typed into a plain id field must be a row the account may see."""
    account = current_account()
    for column, target in id_refs.items():
        ident = getattr(model, column, None)
        if ident is None:
            continue
        pk = sa.inspect(target).primary_key[0]
        with db.session.no_autoflush:
            found = db.session.scalar(sa.select(pk).where(pk == ident, row_scope(account, target, "view")))
        if found is None:
            raise ValidationError(f"{labels.get(column, column)}: không tìm thấy số hiệu {ident} "
                                  "hoặc bản ghi nằm ngoài phạm vi của bạn.")
