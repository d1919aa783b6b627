"""Whole workflows in a real Chromium (issue 6, point 6), each on a fresh demo
database: tasks and steps, and a consultation (the sample, leadership decisions and
bad input are in ``test_workflows_oversight``).

Every step goes through the screens as a user would (the forms, their autocomplete
fields, the buttons). The database file is read to check what was saved, and written
only to let time pass (a deadline runs out) or to stage what another page produced.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from portal.models import Consultation, ConsultationRecipient, Notice, Task, TaskStep, Unit
from portal.services.workdays import TZ
from tests.e2e.conftest import BrowserErrors, LiveServer, login, shot
from tests.e2e.forms import choose, field_errors, flashes, pick, save, type_date

FORBIDDEN = r"Failed to load resource: the server responded with a status of 40[034]"


@pytest.fixture
def server(fresh_server: LiveServer) -> LiveServer:
    """Every workflow starts from a fresh demo database."""
    return fresh_server


def today() -> date:
    return datetime.now(TZ).date()


def d(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def now_text() -> str:
    return f"{datetime.now(TZ):%d/%m/%Y %H:%M}"


def add_inline_row(page: Any, field: str) -> None:
    """The "Thêm …" button under an inline list (steps of a task, consulted units)."""
    rows = page.locator(f"#{field} > .inline-field-list > .inline-field")
    before = rows.count()
    page.click(f"#{field}-button")
    assert rows.count() == before + 1, f"the add button of '{field}' did not add a row"


# ---------------------------------------------------------------- tasks and steps
def test_task_with_two_steps_done_on_time(page: Any, make_page: Any, server: LiveServer,
                                          browser_errors: BrowserErrors) -> None:
    browser_errors.allow(FORBIDDEN)  # staff opening a colleague's step on purpose
    code, start = "E2E-NV-01", today()
    login(page, "head")
    page.goto("/admin/task/new/")
    page.fill("#code", code)
    page.fill("#title", "Thẩm định hồ sơ giao đất đợt 1 năm 2026")
    pick(page, "lead_unit", "Tài nguyên")
    pick(page, "authority_unit", "UBND huyện", "UBND huyện Phong Thổ")
    pick(page, "owner", "Ngô Mạnh Kiên")
    type_date(page, "received_on", d(start))
    type_date(page, "legal_due_date", d(start + timedelta(days=20)))
    for i, (who, days) in enumerate((("Tẩn Thị Xuân", 10), ("Hoàng Kim Thủy", 15))):
        add_inline_row(page, "steps")
        page.fill(f"#steps-{i}-seq", str(i + 1))
        page.fill(f"#steps-{i}-title", f"Bước {i + 1}: {'kiểm tra thực địa' if i == 0 else 'lập tờ trình'}")
        pick(page, f"steps-{i}-responsible", who)
        type_date(page, f"steps-{i}-due_date", d(start + timedelta(days=days)))
    shot(page, "workflow-task-new-desktop")
    save(page)
    assert "/admin/task/" in page.url and "/new/" not in page.url, field_errors(page) or flashes(page)
    task = server.read(lambda s: s.scalars(sa.select(Task).where(Task.code == code)).one())
    steps = server.read(lambda s: s.scalars(sa.select(TaskStep).where(TaskStep.task_id == task.id)
                                            .order_by(TaskStep.seq)).all())
    assert [s.responsible_staff_id is not None for s in steps] == [True, True]
    assert len({s.responsible_staff_id for s in steps}) == 2, "the two steps go to two people"

    # The staff member completes their own step on "Việc của tôi"; the colleague's is not theirs.
    staff = make_page()
    login(staff, "staff")
    staff.goto("/admin/work/my-steps/")
    assert staff.locator(f"tr[data-step='{steps[1].id}']").count() == 0
    mine = staff.locator(f"tr[data-step='{steps[0].id}']")
    assert "Bước 1: kiểm tra thực địa" in mine.inner_text()
    shot(staff, "workflow-my-steps-desktop")
    with staff.expect_navigation():
        mine.get_by_role("button", name="Hoàn thành").click()
    assert f"Đã xác nhận hoàn thành bước 1 của nhiệm vụ {code}." in flashes(staff), flashes(staff)
    done = server.read(lambda s: s.get(TaskStep, steps[0].id))
    assert (done.status, done.completed_late) == ("done", False)
    response = staff.goto(f"/admin/task_step/edit/?id={steps[1].id}")
    assert response is not None and response.status in (403, 404)
    assert server.read(lambda s: s.get(TaskStep, steps[1].id)).status == "open"

    # The head closes the second step and the task; the list shows "done on time".
    # The completion time is the moment of saving (the rule's), not a field to type.
    page.goto(f"/admin/task_step/edit/?id={steps[1].id}")
    choose(page, "status", "Đã hoàn thành")
    save(page)
    page.goto(f"/admin/task/edit/?id={task.id}")
    choose(page, "status", "Đã hoàn thành")
    save(page)
    assert server.read(lambda s: s.get(Task, task.id)).status == "done", field_errors(page) or flashes(page)
    page.goto(f"/admin/task/?search={code}")
    row = page.locator("table.model-list tbody tr", has_text=code)
    assert row.locator(".outcome-done_on_time").inner_text().strip() == "Hoàn thành đúng hạn"
    shot(page, "workflow-task-done-desktop")


# ---------------------------------------------------------------- a consultation
def create_consultation(page: Any, server: LiveServer, code: str, sent: date, deadline: date) -> int:
    """The head of Phòng TN-MT consults three units through the form (inline recipients)."""
    page.goto("/admin/consultation/new/")
    page.fill("#code", code)
    page.fill("#subject", "Lấy ý kiến dự thảo phương án bồi thường đường nội thị")
    pick(page, "consulting_unit", "Tài nguyên")
    pick(page, "competent_unit", "UBND huyện", "UBND huyện Phong Thổ")
    type_date(page, "sent_on", d(sent))
    choose(page, "deadline_kind", "Theo ngày")
    type_date(page, "deadline", d(deadline))
    choose(page, "status", "Đang lấy ý kiến")
    for i, unit in enumerate(("Phòng Tài chính - Kế hoạch", "UBND xã Mường So", "Phòng Tư pháp")):
        add_inline_row(page, "recipients")
        pick(page, f"recipients-{i}-unit", unit)
        page.fill(f"#recipients-{i}-relevance_reason", "Liên quan đến chức năng, nhiệm vụ của đơn vị.")
        type_date(page, f"recipients-{i}-deadline", d(deadline))
    save(page)
    assert "/new/" not in page.url, field_errors(page) or flashes(page)
    cid = server.scalar(sa.select(Consultation.id).where(Consultation.code == code))
    assert server.count(ConsultationRecipient, ConsultationRecipient.consultation_id == cid) == 3
    return cid


def recipient_of(server: LiveServer, cid: int, unit_code: str) -> int:
    return server.scalar(sa.select(ConsultationRecipient.id).join(Unit, ConsultationRecipient.unit_id == Unit.id)
                         .where(ConsultationRecipient.consultation_id == cid, Unit.code == unit_code))


def answer(page: Any, rid: int, choice: str, text: str = "") -> None:
    """A consulted unit answers on "Trả lời lấy ý kiến"."""
    page.goto("/admin/work/answers/")
    card = page.locator(f"[data-recipient='{rid}']")
    card.get_by_label(choice, exact=True).check()
    card.locator("textarea[name=text]").fill(text)
    with page.expect_navigation():
        card.get_by_role("button", name="Gửi ý kiến").click()


def lead_card(page: Any, cid: int) -> Any:
    page.goto("/admin/work/consultations/")
    return page.locator(f"[data-consultation='{cid}']")


def run_jobs(server: LiveServer) -> None:
    """What a worker process does: run every queued job (burst), in the server's app."""
    from rq import Queue, SimpleWorker

    from portal.queue import DEFAULT_QUEUE, worker_redis

    with server.app.app_context():
        redis = worker_redis()
        SimpleWorker([Queue(DEFAULT_QUEUE, connection=redis)], connection=redis).work(burst=True)


def test_consultation_deemed_agreement_and_submission(page: Any, make_page: Any, server: LiveServer) -> None:
    code, sent, deadline = "E2E-LYK-01", today() - timedelta(days=10), today() + timedelta(days=3)
    login(page, "head")
    cid = create_consultation(page, server, code, sent, deadline)
    agreeing, disagreeing, silent = (recipient_of(server, cid, u) for u in ("PT-TCKH", "PT-X-MS", "PT-TP"))

    head2 = make_page()
    login(head2, "head2")
    answer(head2, agreeing, "Đồng ý")
    assert "Đã gửi ý kiến" in flashes(head2), flashes(head2)
    commune = make_page()
    login(commune, "commune")
    answer(commune, disagreeing, "Không đồng ý (nêu lý do)")  # no reasons: refused, in Vietnamese
    assert "lý do" in flashes(commune).lower(), flashes(commune)
    assert server.read(lambda s: s.get(ConsultationRecipient, disagreeing)).answer is None
    shot(commune, "workflow-disagree-without-reasons-desktop")
    answer(commune, disagreeing, "Không đồng ý (nêu lý do)", "Đề nghị điều chỉnh đơn giá bồi thường đất nông nghiệp.")
    got = {r: server.read(lambda s, r=r: s.get(ConsultationRecipient, r)) for r in (agreeing, disagreeing)}
    assert [(x.answer, x.outcome) for x in got.values()] == [("agree", "answered"), ("disagree", "answered")]

    # Not yet: a unit is silent within its deadline and a disagreement is unresolved.
    card = lead_card(page, cid)
    assert card.locator("[data-submit-reasons]").is_visible()
    with page.expect_navigation():
        card.get_by_role("button", name="Trình hồ sơ").click()
    assert "Chưa thể trình" in flashes(page), flashes(page)
    assert server.read(lambda s: s.get(Consultation, cid)).status == "open"

    # Time passes: the silent unit's deadline is over (the only change made behind the screens).
    engine = server.engine()
    with engine.begin() as conn:
        past = today() - timedelta(days=1)
        conn.execute(sa.update(Consultation).where(Consultation.id == cid).values(deadline=past))
        conn.execute(sa.update(ConsultationRecipient).where(ConsultationRecipient.consultation_id == cid)
                     .values(deadline=past))
    engine.dispose()
    leader = make_page()
    login(leader, "leader")
    response = leader.goto("/admin/background/sweep/")
    assert response is not None and response.status == 200, f"leadership may not open the sweep page ({response.status})"
    with leader.expect_navigation():
        leader.get_by_role("button", name="Quét ngay").click()
    assert "Đã xếp lịch quét thời hạn" in flashes(leader), flashes(leader)
    run_jobs(server)
    leader.reload()
    shot(leader, "workflow-sweep-desktop")

    card = lead_card(page, cid)
    assert card.locator(f"[data-recipient='{silent}'] [data-outcome]").get_attribute("data-outcome") == "deemed_agreed"
    assert card.locator(f"[data-recipient='{agreeing}'] [data-outcome]").get_attribute("data-outcome") == "answered"
    link = card.locator(f"[data-recipient='{silent}'] [data-notice-download]").first
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".docx")
    with open(download.value.path(), "rb") as fh:
        assert fh.read(2) == b"PK", "the notice is not a DOCX (zip) file"
    shot(page, "workflow-consultation-deemed-desktop")

    # Every unit has an outcome now; the unresolved disagreement alone still blocks submission.
    reasons = card.locator("[data-submit-reasons] li").all_inner_texts()
    assert len(reasons) == 1 and reasons[0].startswith("UBND xã Mường So không đồng ý"), reasons
    with page.expect_navigation():
        card.get_by_role("button", name="Trình hồ sơ").click()
    assert "Chưa thể trình" in flashes(page) and "không đồng ý" in flashes(page), flashes(page)
    assert server.read(lambda s: s.get(Consultation, cid)).status == "open"

    # Resolving the disagreement opens the way to submission.
    card = lead_card(page, cid)
    row = card.locator(f"[data-recipient='{disagreeing}']")
    row.locator("select[name=resolution]").select_option(label="Đã làm việc trực tiếp, thống nhất")
    row.locator("input[name=note]").fill("Đã họp ngày làm việc với UBND xã, thống nhất đơn giá.")
    with page.expect_navigation():
        row.get_by_role("button", name="Ghi nhận giải quyết").click()
    card = lead_card(page, cid)
    with page.expect_navigation():
        card.get_by_role("button", name="Trình hồ sơ").click()
    assert f"Đã trình hồ sơ {code}." in flashes(page), flashes(page)
    assert server.read(lambda s: s.get(Consultation, cid)).status == "submitted"


def test_consultation_rules_hold_in_the_generic_screens(page: Any, server: LiveServer) -> None:
    """The generic edit form is another door: no submission with an unresolved disagreement."""
    cid = server.scalar(sa.select(Consultation.id).join(Unit, Consultation.consulting_unit_id == Unit.id)
                        .where(Unit.code == "PT-TNMT", Consultation.status == "open").limit(1))
    rid = server.scalar(sa.select(ConsultationRecipient.id).where(ConsultationRecipient.consultation_id == cid)
                        .limit(1))
    engine = server.engine()
    with engine.begin() as conn:  # a consulted unit disagrees (as answered on its own page)
        conn.execute(sa.update(ConsultationRecipient).where(ConsultationRecipient.id == rid).values(
            answer="disagree", answer_text="Không thống nhất phạm vi.", outcome="answered",
            answered_at=datetime.now(TZ), resolution=None))
    engine.dispose()
    login(page, "head")
    page.goto(f"/admin/consultation/edit/?id={cid}")
    choose(page, "status", "Đã trình")
    save(page)
    assert server.read(lambda s: s.get(Consultation, cid)).status != "submitted", \
        "the generic edit form submitted a consultation with an unresolved disagreement"
    assert flashes(page) + field_errors(page), "no message saying why it cannot be submitted"


def test_notice_downloads_as_docx(page: Any, server: LiveServer) -> None:
    notice = server.scalar(sa.select(Notice.id).where(Notice.kind == "deemed_agreement").limit(1))
    login(page, "leader")
    page.goto("/admin/work/")
    shot(page, "work-notices-desktop")
    with page.expect_download() as download:
        page.locator(f"[data-notice-download='{notice}']").first.click()
    assert download.value.suggested_filename.endswith(".docx")
    with open(download.value.path(), "rb") as fh:
        assert fh.read(2) == b"PK", "not a DOCX (zip) file"
