"""Record screens whose saves go through the rules of :mod:`portal.services`.

A generated form writes what was posted straight onto the row. For the fields a
rule owns (a status that means "completed" or "submitted", an answer to a
consultation, a deadline) that would skip the rule, so a save here runs in three
steps, in one transaction:

1. :meth:`RuleFormView.route` (nothing is flushed yet): each posted value of a
   rule-owned field is taken off the row (the stored value is put back) and turned
   into a call of the service that owns it; what can be checked before anything is
   written is checked; fields only a rule fills are filled so the row can be stored;
2. the usual checks and :func:`portal.admin.guard.authorise_changes` on what is left;
3. the service calls, in order. A refused rule raises :class:`DomainError`; the
   screen shows its Vietnamese message and the whole save is rolled back.

Every way into the screen (create, edit, inline rows, the list's inline edit) saves
through ``on_model_change``, so this is the one place that routes them.

Deleting is asked of the rules too (:data:`DELETION_RULES`): a record of
accountability (a completion, an answer, a notice …) is refused with the rule's
message, whether it is deleted on its own (``delete_view`` and the bulk delete
action both go through ``delete_model`` → ``on_model_delete``) or as an inline row
ticked for deletion (Flask-Admin deletes it from the session before
``on_model_change``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from wtforms.validators import ValidationError

from ..auth.policy import can, current_account
from ..extensions import db
from ..models import (
    Account, Consultation, ConsultationRecipient, DeadlineIssue, Notice, Task, TaskExtension, TaskStep, enums,
)
from ..models.base import utcnow
from ..services import consultation_changes, notices, task_changes
from . import guard
from .base import PortalModelView

__all__ = ["Call", "DELETION_RULES", "Posted", "RuleFormView", "is_new", "refuse_delete", "require", "take",
           "take_ref"]

Call = Callable[[], Any]
#: Model → the rule that refuses deleting a row of it that is a record of accountability.
DELETION_RULES: dict[type, Callable[..., None]] = {
    Task: task_changes.refuse_delete, TaskStep: task_changes.refuse_delete, TaskExtension: task_changes.refuse_delete,
    Consultation: consultation_changes.refuse_delete, ConsultationRecipient: consultation_changes.refuse_delete,
    DeadlineIssue: consultation_changes.refuse_delete, Notice: notices.refuse_delete,
}


@dataclass(frozen=True)
class Posted:
    """A value a form posted into a rule-owned field, and the value stored before."""

    old: Any
    new: Any


def is_new(obj: Any) -> bool:
    """Not stored yet (built by this form)."""
    return sa.inspect(obj).identity is None


def take(obj: Any, name: str) -> Posted | None:
    """What the form posted into column ``name`` if it differs from the stored value;
    the stored value is put back on ``obj`` (so nothing is written without the rule)."""
    state = sa.inspect(obj)
    history = state.attrs[name].history
    if not history.has_changes():
        return None
    if history.deleted or state.identity is None:
        old = history.deleted[0] if history.deleted else None
    else:  # set without having been loaded: read the stored value
        pk = sa.inspect(type(obj)).primary_key[0]
        old = db.session.scalar(sa.select(getattr(type(obj), name)).where(pk == state.identity[0]))
    new = getattr(obj, name)
    if new == old or (new in ("", None) and old in ("", None)):  # an empty text box is no value
        return None
    setattr(obj, name, old)
    return Posted(old, new)


def take_ref(obj: Any, relation: str, column: str) -> Posted | None:
    """Like :func:`take` for a many-to-one picked in the form: ``Posted(old_id, new_id)``.

    The foreign key column keeps the stored id until the flush, so it tells the two apart.
    """
    target = getattr(obj, relation)
    new_id = sa.inspect(target).identity[0] if target is not None else None
    old_id = getattr(obj, column)
    if new_id == old_id:
        return None
    model = sa.inspect(type(obj)).relationships[relation].mapper.class_
    setattr(obj, relation, db.session.get(model, old_id) if old_id is not None else None)
    return Posted(old_id, new_id)


def require(account: Account, resource: str, action: str, model: type) -> None:
    """The permission a rule call made on behalf of an inline row needs (the guard
    cannot see a change that was taken off the row to go through its rule)."""
    if not can(account, resource, action):
        name = guard.NAMES_BY_MODEL.get(model, model.__name__)
        raise ValidationError(guard.NO_PERMISSION.format(action=enums.ACTIONS[action].lower(), name=name.lower()))


def refuse_delete(session: Session, obj: Any, at: datetime) -> None:
    """Raise the rule's :class:`DomainError` if ``obj`` may not be deleted."""
    rule = DELETION_RULES.get(type(obj))
    if rule is not None:
        with session.no_autoflush:
            rule(session, obj, at=at)


class RuleFormView(PortalModelView):
    """A record screen some of whose fields belong to rules (see the module docstring)."""

    #: Fields a rule fills: left out of the create form (edit forms show them read-only
    #: through ``readonly_columns``).
    create_excluded: tuple[str, ...] = ()

    def get_create_form(self) -> Any:
        form_class = super().get_create_form()
        if not self.create_excluded:
            return form_class
        return type("CreateForm", (form_class,), {name: None for name in self.create_excluded})

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        account = current_account()
        at = utcnow()
        with db.session.no_autoflush:
            calls = self.route(model, is_created, account, at)
            for row in list(db.session.deleted):  # inline rows ticked for deletion
                refuse_delete(db.session, row, at)
        super().on_model_change(form, model, is_created)
        for call in calls:
            call()

    def on_model_delete(self, model: Any) -> None:
        super().on_model_delete(model)
        refuse_delete(db.session, model, utcnow())

    def route(self, model: Any, is_created: bool, account: Account, at: datetime) -> list[Call]:
        """Take rule-owned values off ``model`` (and its inline rows); return the calls to make."""
        return []
