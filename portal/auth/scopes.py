"""Row scope of every table: which rows an account may see, and which it may change.

Each rule is a function ``account -> WHERE clause`` over its model, so lists,
counts, details, edits, deletes, bulk actions, exports and related-record lookups
all apply the same one. Child rows follow their parent (a step follows its task, a
finding its inspection). A table without a rule here is scoped by its ``unit_id``
column if it has one, and otherwise is organisation-wide reference data.

"view" and "change" differ where the domain says so: staff see their unit's tasks
but change only their own steps and acknowledgements; a decided proposal stays
visible but can no longer be changed; a consultation is visible to the consulted
units but managed by the consulting unit.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from ..models import (
    Account, Acknowledgement, AuditLog, Commendation, Consultation, ConsultationRecipient,
    DeadlineIssue, DisciplinaryReview, Directive, Evidence, Finding, Inspection, InspectionTarget,
    Notice, Reassignment, Recommendation, Sample, SampleItem, Staff, Task, TaskExtension, TaskStep,
    Unit, UnitFunctionAssignment,
)
from ..services.audit_links import SAMPLE_TABLES
from .policy import (
    authenticated, is_unit_head, scope_units_clause, sees_all, sees_secret_inspections, subtree_id_list,
    visible_inspection_clause,
)

Scope = Callable[[Any], sa.ColumnElement[bool]]
__all__ = ["Scope", "row_scope", "scope_for"]


def _units(column: Any) -> Scope:
    return lambda a: scope_units_clause(a, column)


def _own_staff(column: Any) -> Scope:
    """Rows about the account's own staff record (none if the account has none)."""
    return lambda a: column == a.staff_id if a.staff_id is not None else sa.false()


def _staff_in_units(relationship: Any) -> Scope:
    return lambda a: sa.true() if sees_all(a) else relationship.has(scope_units_clause(a, Staff.unit_id))


def _via(relationship: Any, parent: type, purpose: str) -> Scope:
    """A child row follows its parent's scope."""
    return lambda a: relationship.has(scope_for(parent, purpose)(a))


def _any(*rules: Scope) -> Scope:
    return lambda a: sa.or_(*(rule(a) for rule in rules))


def _all(*rules: Scope) -> Scope:
    return lambda a: sa.and_(*(rule(a) for rule in rules))


def _proposed(model: type) -> Scope:
    return lambda a: model.status == "proposed"


# ---------------------------------------------------------------- tasks
_task_view = _any(_units(Task.lead_unit_id), _units(Task.submitted_to_unit_id))


def _step_change(a: Any) -> sa.ColumnElement[bool]:
    # Unit heads manage all steps of their unit's tasks; everyone else only their own step.
    if sees_all(a):
        return sa.true()
    if is_unit_head(a):
        return TaskStep.task.has(_task_view(a))
    return _own_staff(TaskStep.responsible_staff_id)(a)


# ---------------------------------------------------------------- inspections
def _inspection_view(a: Any) -> sa.ColumnElement[bool]:
    secret = visible_inspection_clause(a)
    if sees_all(a):
        return secret
    return sa.and_(
        secret,
        sa.or_(
            scope_units_clause(a, Inspection.lead_unit_id),
            Inspection.targets.any(scope_units_clause(a, InspectionTarget.unit_id)),
        ),
    )


def _inspection_change(a: Any) -> sa.ColumnElement[bool]:
    return sa.and_(visible_inspection_clause(a), scope_units_clause(a, Inspection.lead_unit_id))


def _finding_view(a: Any) -> sa.ColumnElement[bool]:
    visible = Finding.inspection.has(_inspection_view(a))
    if sees_all(a):
        return visible
    return sa.and_(visible, sa.or_(
        scope_units_clause(a, Finding.unit_id), Finding.inspection.has(_inspection_change(a)),
    ))


# ---------------------------------------------------------------- acknowledgements, audit
def _ack_change(a: Any) -> sa.ColumnElement[bool]:
    if sees_all(a):
        return sa.true()
    if is_unit_head(a):
        return _staff_in_units(Acknowledgement.staff)(a)
    return _own_staff(Acknowledgement.staff_id)(a)


def _started() -> sa.ColumnElement[bool]:
    return sa.or_(Inspection.started_at.is_not(None), Inspection.status.in_(("in_progress", "closed")))


def _sample_secrecy(a: Any) -> sa.ColumnElement[bool]:
    """A sample tells what will be inspected: until its inspection starts, whatever
    the inspection's mode, only the inspection function and leadership see it."""
    return sa.true() if sees_secret_inspections(a) else Sample.inspection.has(_started())


def _audit_view(a: Any) -> sa.ColumnElement[bool]:
    """Everything (or one's own entries), except entries about an inspection the
    account may not know of yet: its samples before it starts, the inspection and
    its other rows while it is secret (``audit_log.inspection_id``)."""
    rows = sa.true() if sees_all(a) else AuditLog.actor == a.username
    if sees_secret_inspections(a):
        return rows
    opened = sa.select(Inspection.id).where(_started())
    known = sa.select(Inspection.id).where(visible_inspection_clause(a))
    return sa.and_(rows, sa.or_(
        AuditLog.inspection_id.is_(None),
        sa.and_(AuditLog.table_name.in_(SAMPLE_TABLES), AuditLog.inspection_id.in_(opened)),
        sa.and_(AuditLog.table_name.not_in(SAMPLE_TABLES), AuditLog.inspection_id.in_(known)),
    ))


def _evidence(purpose: str) -> Scope:
    return _any(
        lambda a: Evidence.commendation.has(scope_for(Commendation, purpose)(a)),
        lambda a: Evidence.reassignment.has(scope_for(Reassignment, purpose)(a)),
        lambda a: Evidence.disciplinary_review.has(scope_for(DisciplinaryReview, purpose)(a)),
    )


_commendation_view = _any(_units(Commendation.unit_id), _staff_in_units(Commendation.staff))
def _consultation_view(a: Any) -> sa.ColumnElement[bool]:
    """Consultations a unit leads, decides on, or is consulted on."""
    if sees_all(a):
        return sa.true()
    consulting = scope_units_clause(a, Consultation.consulting_unit_id)
    competent = scope_units_clause(a, Consultation.competent_unit_id)
    consulted = scope_units_clause(a, ConsultationRecipient.unit_id)
    if subtree_id_list(a) is None:  # a wide subtree: most rows match, walking the list finds them
        return sa.or_(consulting, competent, Consultation.recipients.any(consulted))
    # A small one as one set of ids: each part is an index range on both engines (as an OR
    # with an EXISTS, PostgreSQL walks every consultation: 0.5–1 s instead of 0.4 ms).
    return Consultation.id.in_(sa.union_all(
        sa.select(Consultation.id).where(consulting),
        sa.select(Consultation.id).where(competent),
        sa.select(ConsultationRecipient.consultation_id).where(consulted),
    ))


_recipient_scope = _any(
    _units(ConsultationRecipient.unit_id),
    lambda a: ConsultationRecipient.consultation.has(scope_units_clause(a, Consultation.consulting_unit_id)),
)
_notice_view = _any(
    _units(Notice.issuing_unit_id), _units(Notice.recipient_unit_id), _own_staff(Notice.recipient_staff_id),
)

#: (view rule, change rule) per model.
RULES: dict[type, tuple[Scope, Scope]] = {
    Unit: (_units(Unit.id), _units(Unit.id)),
    UnitFunctionAssignment: (_units(UnitFunctionAssignment.unit_id),) * 2,
    Staff: (_units(Staff.unit_id),) * 2,
    Account: (_units(Account.unit_id),) * 2,
    Task: (_task_view, _task_view),
    TaskStep: (_any(lambda a: TaskStep.task.has(_task_view(a)), _own_staff(TaskStep.responsible_staff_id)),
               _step_change),
    TaskExtension: (lambda a: TaskExtension.task.has(_task_view(a)),) * 2,
    Consultation: (_consultation_view, _units(Consultation.consulting_unit_id)),
    ConsultationRecipient: (_recipient_scope, _recipient_scope),
    DeadlineIssue: (_via(DeadlineIssue.recipient, ConsultationRecipient, "view"),
                    _via(DeadlineIssue.recipient, ConsultationRecipient, "change")),
    Notice: (_notice_view, _units(Notice.issuing_unit_id)),
    Inspection: (_inspection_view, _inspection_change),
    InspectionTarget: (_via(InspectionTarget.inspection, Inspection, "view"),
                       _via(InspectionTarget.inspection, Inspection, "change")),
    Sample: (_all(_via(Sample.inspection, Inspection, "view"), _sample_secrecy),
             _all(_via(Sample.inspection, Inspection, "change"), _sample_secrecy)),
    SampleItem: (_via(SampleItem.sample, Sample, "view"), _via(SampleItem.sample, Sample, "change")),
    Finding: (_finding_view, _via(Finding.inspection, Inspection, "change")),
    Recommendation: (_via(Recommendation.finding, Finding, "view"),
                     _via(Recommendation.finding, Finding, "change")),
    Commendation: (_commendation_view, _all(_commendation_view, _proposed(Commendation))),
    Reassignment: (_staff_in_units(Reassignment.staff),
                   _all(_staff_in_units(Reassignment.staff), _proposed(Reassignment))),
    DisciplinaryReview: (_staff_in_units(DisciplinaryReview.staff),
                         _all(_staff_in_units(DisciplinaryReview.staff), _proposed(DisciplinaryReview))),
    Evidence: (_evidence("view"), _evidence("change")),
    Directive: (lambda a: sa.true(), _units(Directive.issuing_unit_id)),
    Acknowledgement: (_any(_staff_in_units(Acknowledgement.staff), _own_staff(Acknowledgement.staff_id)),
                      _ack_change),
    AuditLog: (_audit_view, lambda a: sa.false()),
}


def scope_for(model: type, purpose: str = "view") -> Scope:
    """The rule for ``model``; see the module docstring for tables without one."""
    if purpose not in ("view", "change"):
        raise ValueError(f"unknown purpose {purpose!r}")
    rules = RULES.get(model)
    if rules is not None:
        return rules[0] if purpose == "view" else rules[1]
    unit_id = getattr(model, "unit_id", None)
    if unit_id is not None:
        return _units(unit_id)
    return lambda a: sa.true()


def row_scope(account: Any, model: type, purpose: str = "view") -> sa.ColumnElement[bool]:
    """The rows of ``model`` ``account`` may see (``"view"``) or change (``"change"``),
    as a WHERE clause; anonymous accounts get none."""
    if not authenticated(account):
        return sa.false()
    return scope_for(model, purpose)(account)


def has_rule(model: type) -> bool:
    """Whether ``model`` is scoped explicitly (tests check every unit-bearing table is)."""
    return model in RULES
