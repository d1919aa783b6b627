"""Consultation pages (directive item 4): the consulted unit answers, the lead unit
follows up. Thin: every rule is in :mod:`portal.services.consultations`.

Permission cells used (resource → action):
``consultation_recipient`` view (answer page), edit (answer; resolve a disagreement);
``deadline_issue`` create (file), edit (decide); ``consultation`` view (lead page),
edit (submit); ``notice`` view (download links).
Scope: a consulted unit's rows are answered from that unit or a unit above it; a
consultation is managed from its consulting unit or a unit above it.
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import abort, request
from flask_admin import expose
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from ..auth.policy import current_account, in_scope, scope_units_clause, sees_all, subtree_id_list
from ..extensions import db
from ..models import Consultation, ConsultationRecipient, DeadlineIssue, Notice, enums
from ..models.base import utcnow
from ..services import consultations
from ..services.sqlkit import unindexed
from .work import LIST_LIMIT, WorkView, parse_date

WAITING = ("pending", "suspended")
LED_LIMIT = 50


class AnswerView(WorkView):
    """"Trả lời lấy ý kiến": what the account's unit (and units below) must answer."""

    resource = "consultation_recipient"

    @expose("/")
    def index(self) -> str:
        account = current_account()
        r = ConsultationRecipient
        # One index range per outcome, each already in (deadline, id) order: an IN list
        # of outcomes would sort every waiting answer of the scope (a province: 0.3 s).
        pairs = [pair for outcome in WAITING for pair in db.session.execute(
            sa.select(r.id, r.deadline).join(Consultation, Consultation.id == r.consultation_id)
            .where(scope_units_clause(account, r.unit_id), r.outcome == outcome, Consultation.status == "open")
            .order_by(r.deadline, r.id).limit(LIST_LIMIT)).tuples()]
        ids = [ident for ident, _ in sorted(pairs, key=lambda p: (p[1], p[0]))[:LIST_LIMIT]]
        waiting = sorted(db.session.scalars(
            sa.select(r).where(r.id.in_(ids))
            .options(joinedload(r.consultation).joinedload(Consultation.consulting_unit), joinedload(r.unit),
                     selectinload(r.deadline_issues))
        ).all(), key=lambda rec: (rec.deadline, rec.id)) if ids else []
        notices = db.session.scalars(
            sa.select(Notice).where(scope_units_clause(account, Notice.recipient_unit_id))
            .options(joinedload(Notice.issuing_unit), joinedload(Notice.recipient_unit))
            .order_by(Notice.issued_on.desc(), Notice.id.desc()).limit(50)
        ).all()
        return self.render(
            "admin/work/answers.html", rows=[(rec, self.days_left(rec.deadline)) for rec in waiting],
            notices=notices, can_answer=self.may("consultation_recipient", "edit"),
            can_file=self.may("deadline_issue", "create"), can_download=self.may("notice", "view"),
        )

    def _own_recipient(self, recipient_id: int) -> ConsultationRecipient:
        recipient = self.load(ConsultationRecipient, recipient_id)
        if not in_scope(current_account(), recipient.unit_id):
            abort(403)
        return recipient

    @expose("/<int:recipient_id>/answer", methods=("POST",))
    def answer(self, recipient_id: int) -> Response:
        self.require("consultation_recipient", "edit")
        recipient = self._own_recipient(recipient_id)
        code = recipient.consultation.code
        self.run(lambda: consultations.answer(
            db.session, recipient, answer=request.form.get("answer", ""), text=request.form.get("text"),
            by=current_account(), at=utcnow(),
        ), f"Đã gửi ý kiến của {recipient.unit.name} về hồ sơ {code}.")
        return self.back()

    @expose("/<int:recipient_id>/deadline-issue", methods=("POST",))
    def deadline_issue(self, recipient_id: int) -> Response:
        self.require("deadline_issue", "create")
        recipient = self._own_recipient(recipient_id)
        code = recipient.consultation.code
        self.run(lambda: consultations.file_deadline_issue(
            db.session, recipient, document_ref=request.form.get("document_ref", ""),
            description=request.form.get("description", ""), by=current_account(), at=utcnow(),
        ), f"Đã gửi văn bản trao đổi về thời hạn trả lời hồ sơ {code}; chờ cơ quan lấy ý kiến quyết định.")
        return self.back()


class LeadView(WorkView):
    """"Lấy ý kiến do đơn vị chủ trì": outcomes per consulted unit, decisions, submission."""

    resource = "consultation"

    @expose("/")
    def index(self) -> str:
        account = current_account()
        c = Consultation
        # Those still being answered first, then the rest, newest deadline first: one
        # index range per status (an ORDER BY CASE … sorts every consultation in scope).
        # A unit's own few consultations are found through the unit's index and sorted;
        # SQLite would rather walk a status's whole deadline order looking for them.
        narrow = not sees_all(account) and subtree_id_list(account) is not None
        status_column = unindexed(c.status) if narrow else c.status
        ranked = []
        for status in enums.CONSULTATION_STATUSES:
            rank = 0 if status in consultations.ANSWERABLE_STATUSES else 1
            ranked += [(rank, deadline, ident) for ident, deadline in db.session.execute(
                sa.select(c.id, c.deadline).where(scope_units_clause(account, c.consulting_unit_id),
                                                  status_column == status)
                .order_by(c.deadline.desc(), c.id.desc()).limit(LED_LIMIT)).tuples()]
        ranked.sort(key=lambda p: (p[1], p[2]), reverse=True)
        ranked.sort(key=lambda p: p[0])
        order = {ident: n for n, (_, _, ident) in enumerate(ranked[:LED_LIMIT])}
        items = sorted(db.session.scalars(
            sa.select(c).where(c.id.in_(order))
            .options(joinedload(c.consulting_unit), joinedload(c.competent_unit),
                     selectinload(c.recipients).joinedload(ConsultationRecipient.unit),
                     selectinload(c.recipients).selectinload(ConsultationRecipient.deadline_issues))
        ).unique().all(), key=lambda item: order[item.id]) if order else []
        recipient_ids = [rec.id for item in items for rec in item.recipients]
        notices: dict[int, list[Notice]] = defaultdict(list)
        if recipient_ids and self.may("notice", "view"):
            for notice in db.session.scalars(
                sa.select(Notice).where(Notice.consultation_recipient_id.in_(recipient_ids)).order_by(Notice.id)
            ):
                notices[notice.consultation_recipient_id].append(notice)
        submittable = {item.id: consultations.can_submit(item) for item in items}
        return self.render(
            "admin/work/lead.html", items=items, notices=notices, submittable=submittable,
            can_decide=self.may("deadline_issue", "edit"), can_resolve=self.may("consultation_recipient", "edit"),
            can_submit=self.may("consultation", "edit"),
        )

    @staticmethod
    def _managed(consultation: Consultation) -> None:
        if not in_scope(current_account(), consultation.consulting_unit_id):
            abort(403)

    @expose("/issue/<int:issue_id>/decide", methods=("POST",))
    def decide(self, issue_id: int) -> Response:
        self.require("deadline_issue", "edit")
        issue = self.load(DeadlineIssue, issue_id)
        self._managed(issue.recipient.consultation)

        def call() -> None:
            consultations.decide_deadline_issue(
                db.session, issue, decision=request.form.get("decision", ""),
                new_deadline=parse_date(request.form.get("new_deadline")), note=request.form.get("note"),
                by=current_account(), at=utcnow(),
            )

        self.run(call, f"Đã quyết định về văn bản trao đổi {issue.document_ref} của {issue.recipient.unit.name}.")
        return self.back()

    @expose("/recipient/<int:recipient_id>/resolve", methods=("POST",))
    def resolve(self, recipient_id: int) -> Response:
        self.require("consultation_recipient", "edit")
        recipient = self.load(ConsultationRecipient, recipient_id)
        self._managed(recipient.consultation)
        self.run(lambda: consultations.resolve_disagreement(
            db.session, recipient, resolution=request.form.get("resolution", ""), note=request.form.get("note", ""),
            by=current_account(), at=utcnow(),
        ), f"Đã ghi nhận việc giải quyết ý kiến khác của {recipient.unit.name}.")
        return self.back()

    @expose("/<int:consultation_id>/submit", methods=("POST",))
    def submit(self, consultation_id: int) -> Response:
        self.require("consultation", "edit")
        consultation = self.load(Consultation, consultation_id)
        self._managed(consultation)
        self.run(lambda: consultations.submit(db.session, consultation, by=current_account(), at=utcnow()),
                 f"Đã trình hồ sơ {consultation.code}.")
        return self.back()
