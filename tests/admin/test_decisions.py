"""Leadership decisions on proposals through the portal (items 6–8): only leadership
decides, never on its own proposal, a rejection says why, and a decided proposal
is a record that can no longer be edited or deleted."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Account, AuditLog, Commendation, CommendationTitle, DisciplinaryReview, DisciplineForm
from tests.admin.conftest import flashes


def proposal(key: str, model: type = Commendation):
    return db.session.scalar(sa.select(model).where(model.source_key == key))


def account(username: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.username == username))


def reload(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def test_leadership_approves_a_commendation(as_user):
    row = proposal("demo:commendation:3")
    leader = as_user("leader")
    page = leader.get(f"/admin/commendation/decide/?id={row.id}")
    assert page.status_code == 200 and "Phê duyệt" in page.get_data(as_text=True)
    response = leader.post(f"/admin/commendation/decide/?id={row.id}", {"decision": "approve"})
    assert response.status_code == 302
    row = reload(row)
    assert (row.status, row.decided_by_id) == ("approved", account("leader").id)
    assert row.decided_at is not None
    event = db.session.scalar(sa.select(AuditLog).where(
        AuditLog.table_name == "commendation", AuditLog.row_id == str(row.id), AuditLog.action == "approve"))
    assert event is not None and event.actor == "leader"


def test_rejection_needs_a_reason(as_user):
    row = proposal("demo:commendation:3")
    leader = as_user("leader")
    response = leader.post(f"/admin/commendation/decide/?id={row.id}", {"decision": "reject", "reason": "  "})
    assert response.status_code == 400
    assert "Phải nêu lý do từ chối đề xuất." in flashes(response.get_data(as_text=True))
    assert reload(row).status == "proposed"
    response = leader.post(f"/admin/commendation/decide/?id={row.id}",
                           {"decision": "reject", "reason": "Chưa đủ tiêu chuẩn theo quy định."})
    assert response.status_code == 302
    row = reload(row)
    assert (row.status, row.decision_reason) == ("rejected", "Chưa đủ tiêu chuẩn theo quy định.")


def test_nobody_decides_their_own_proposal(as_user):
    title = db.session.scalar(sa.select(CommendationTitle).order_by(CommendationTitle.id))
    row = proposal("demo:commendation:3")
    own = Commendation(target_kind="person", staff_id=row.staff_id, title_id=title.id, reason="Tự đề xuất",
                       proposed_by_id=account("leader").id)
    db.session.add(own)
    db.session.commit()  # a view's rollback must not undo the test's own row (savepoint recipe)
    leader = as_user("leader")
    listing = leader.get("/admin/commendation/").get_data(as_text=True)
    assert f"/admin/commendation/decide/?id={own.id}" not in listing
    assert f"/admin/commendation/decide/?id={row.id}" in listing
    response = leader.post(f"/admin/commendation/decide/?id={own.id}", {"decision": "approve"})
    assert response.status_code == 400
    assert "Không được tự quyết định đề xuất do chính mình lập." in flashes(response.get_data(as_text=True))
    assert reload(own).status == "proposed"


def test_only_leadership_may_decide(as_user):
    row = proposal("demo:commendation:3")
    for username in ("admin", "head", "inspector"):
        response = as_user(username).post(f"/admin/commendation/decide/?id={row.id}", {"decision": "approve"})
        assert response.status_code == 403, username
    assert reload(row).status == "proposed"


def test_a_decided_proposal_is_not_editable(as_user):
    decided = proposal("demo:commendation:1")
    assert decided.status == "approved"
    admin = as_user("admin")
    assert admin.get(f"/admin/commendation/edit/?id={decided.id}").status_code == 403
    response = admin.post(f"/admin/commendation/edit/?id={decided.id}", {"reason": "Sửa lại sau quyết định"})
    assert response.status_code == 403
    assert admin.post("/admin/commendation/delete/", {"id": decided.id}).status_code == 403
    response = as_user("leader").post(f"/admin/commendation/decide/?id={decided.id}", {"decision": "reject",
                                                                                      "reason": "Đổi ý"})
    assert response.status_code == 400
    decided = reload(decided)
    assert (decided.status, decided.reason) == ("approved", proposal("demo:commendation:1").reason)


def test_bulk_approval_decides_each_row_by_the_rules(as_user):
    open_row = proposal("demo:commendation:3")
    decided = proposal("demo:commendation:1")
    response = as_user("leader").post("/admin/commendation/action/", {
        "action": "approve", "rowid": [open_row.id, decided.id],
    })
    assert response.status_code == 302
    assert reload(open_row).status == "approved"
    assert reload(decided).status == "approved" and reload(decided).decided_at == decided.decided_at


def test_a_review_is_approved_with_a_form_of_discipline(as_user):
    review = proposal("demo:review:1", DisciplinaryReview)
    leader = as_user("leader")
    response = leader.post(f"/admin/disciplinary_review/decide/?id={review.id}", {"decision": "approve"})
    assert response.status_code == 400
    assert "Phải chọn hình thức kỷ luật" in flashes(response.get_data(as_text=True))
    page = leader.get(f"/admin/disciplinary_review/decide/?id={review.id}").get_data(as_text=True)
    form = db.session.scalars(sa.select(DisciplineForm).where(
        DisciplineForm.staff_category == review.staff.category, DisciplineForm.valid_to.is_(None),
        DisciplineForm.for_managers.is_(bool(review.staff.is_manager)),
    ).order_by(DisciplineForm.severity)).first()
    assert form.name in page
    response = leader.post(f"/admin/disciplinary_review/decide/?id={review.id}",
                           {"decision": "approve", "discipline_form_id": form.id})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    review = reload(review)
    assert (review.status, review.discipline_form_id) == ("approved", form.id)


def test_a_head_proposes_and_becomes_the_proposer(as_user):
    row = proposal("demo:commendation:3")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Commendation))
    response = as_user("head").post("/admin/commendation/new/", {
        "target_kind": "person", "staff": row.staff_id, "title": row.title_id,
        "reason": "Giải quyết hồ sơ đúng hạn 100%.",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    created = db.session.scalars(sa.select(Commendation).order_by(Commendation.id.desc())).first()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commendation)) == before + 1
    assert (created.status, created.proposed_by_id) == ("proposed", account("head").id)


def test_leadership_start_page_lists_the_proposals_waiting(as_user):
    html = as_user("leader").get("/admin/").get_data(as_text=True)
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Commendation).where(
        Commendation.status == "proposed"))
    assert "Đề xuất chờ bạn quyết định" in html
    assert f'href="/admin/commendation/">Khen thưởng ({waiting})</a>' in html
    assert "Đề xuất chờ bạn quyết định" not in as_user("head").get("/admin/").get_data(as_text=True)
