"""Proposals waiting for a leadership decision, for the start page — issue 6, item 1
(directive items 6–8: commendations, reassignments, disciplinary reviews).

Per kind: how many wait (index on ``status``) and the oldest few with who or what
they are about, read as columns in one statement each (no ORM objects, no query
per row). The decision itself goes through :mod:`portal.services.decisions`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ..models import Commendation, CommendationTitle, DisciplinaryReview, Reassignment, Staff, Unit
from .dashboards_sql import CAP, subtree_ids, tally

__all__ = ["PROPOSAL_MODELS", "PendingProposal", "ProposalQueue", "pending_proposals"]

PROPOSAL_LIMIT = 10
#: Proposal tables a leader decides, in the order the page shows them.
PROPOSAL_MODELS: dict[str, type] = {
    "commendation": Commendation, "reassignment": Reassignment, "disciplinary_review": DisciplinaryReview,
}


@dataclass(frozen=True)
class PendingProposal:
    kind: str  # the proposal's table: commendation, reassignment, disciplinary_review
    id: int
    subject: str
    detail: str
    proposed_at: datetime


@dataclass
class ProposalQueue:
    kind: str
    count: int
    rows: list[PendingProposal] = field(default_factory=list)
    more: bool = False  # more than ``count`` wait (counts stop at the dashboards' cap)


def _proposal_scope(model: type, scope_path: str | None) -> list[sa.ColumnElement[bool]]:
    if scope_path is None:
        return []
    units = subtree_ids(scope_path)
    person = sa.select(Staff.id).where(Staff.unit_id.in_(units))
    if model is Commendation:
        return [sa.or_(Commendation.unit_id.in_(units), Commendation.staff_id.in_(person))]
    return [model.staff_id.in_(person)]


def _proposal_rows(session: Session, kind: str, where: list[sa.ColumnElement[bool]], limit: int) -> list[PendingProposal]:
    model = PROPOSAL_MODELS[kind]
    if model is Commendation:
        target = aliased(Unit)
        stmt = (sa.select(model.id, model.proposed_at, CommendationTitle.name,
                          sa.func.coalesce(Staff.full_name, target.name), model.reason)
                .join(CommendationTitle, CommendationTitle.id == model.title_id)
                .outerjoin(Staff, Staff.id == model.staff_id).outerjoin(target, target.id == model.unit_id))
    elif model is Reassignment:
        stmt = (sa.select(model.id, model.proposed_at, Staff.full_name,
                          sa.func.coalesce(model.proposed_position, ""), model.reason)
                .join(Staff, Staff.id == model.staff_id))
    else:
        stmt = (sa.select(model.id, model.proposed_at, Staff.full_name, sa.literal(""), model.reason)
                .join(Staff, Staff.id == model.staff_id))
    rows = session.execute(stmt.where(*where).order_by(model.proposed_at, model.id).limit(limit)).all()
    result = []
    for ident, at, first, second, reason in rows:
        subject, detail = (f"{first} — {second}", reason) if model is Commendation else (first, second or reason)
        result.append(PendingProposal(kind, ident, subject, _short(detail), at))
    return result


def _short(text: str | None, size: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size - 1].rstrip() + "…"


def pending_proposals(
    session: Session, *, exclude_proposer_id: int | None = None, scope_path: str | None = None,
    kinds: tuple[str, ...] = tuple(PROPOSAL_MODELS), limit: int = PROPOSAL_LIMIT, cap: int = CAP,
) -> list[ProposalQueue]:
    """Proposals waiting for a decision (items 6–8), oldest first, per kind: the count
    (capped: a first sweep proposes hundreds of thousands) and the first ``limit`` rows,
    both along the index on (status, proposed_at, id). A leader does not decide their
    own proposals, so ``exclude_proposer_id`` leaves them out."""
    queues = []
    for kind in kinds:
        model = PROPOSAL_MODELS[kind]
        where = [model.status == "proposed", *_proposal_scope(model, scope_path)]
        if exclude_proposer_id is not None:
            where.append(sa.or_(model.proposed_by_id.is_(None), model.proposed_by_id != exclude_proposer_id))
        total = tally(session, sa.select(model.id).where(*where), cap)
        rows = _proposal_rows(session, kind, where, limit) if total.n else []
        queues.append(ProposalQueue(kind, total.n, rows, more=total.more))
    return queues
