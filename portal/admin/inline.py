"""Inline (child) rows edited inside their parent's form.

Inline rows are authorised with the parent's save: ``guard.authorise_changes`` sees
them in the unit of work and checks each against its own resource and scope.
"""
from __future__ import annotations

from typing import Any

from flask_admin.contrib.sqla.form import InlineModelConverter
from flask_admin.model.form import InlineFormAdmin

from ..auth.policy import current_account
from .ajax import Ref, ScopedAjaxLoader
from .forms import PortalInlineForm, PortalModelConverter
from .labels import COMMON_LABELS

__all__ = ["PortalInlineAdmin", "PortalInlineConverter"]


class PortalInlineAdmin(InlineFormAdmin):
    """Inline rows: translated forms, scoped lookups declared with ``ajax_refs``."""

    form_base_class = PortalInlineForm
    ajax_refs: dict[str, Ref] = {}
    enum_columns: dict[str, dict[str, str]] = {}
    creator_field: str | None = None

    def __init__(self, model: type, **kwargs: Any) -> None:
        refs = {name: ScopedAjaxLoader(name, decl) for name, decl in self.ajax_refs.items()}
        if refs:
            kwargs.setdefault("form_ajax_refs", refs)
        kwargs.setdefault("column_labels", {**COMMON_LABELS, **(getattr(self, "column_labels", None) or {})})
        kwargs.setdefault("form_choices", {c: list(v.items()) for c, v in self.enum_columns.items()})
        super().__init__(model, **kwargs)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if is_created and self.creator_field and getattr(model, self.creator_field, None) is None:
            account = current_account()
            setattr(model, self.creator_field, account.id if account else None)


class PortalInlineConverter(InlineModelConverter):
    def __init__(self, session: Any, view: Any, model_converter: Any) -> None:
        super().__init__(session, view, PortalModelConverter)
