"""Whole workflows in a real Chromium (issue 6, point 6), each on a fresh demo
database: tasks and steps, a consultation, a sample, leadership decisions, bad input.

Every step goes through the screens as a user would (the forms, their autocomplete
fields, the buttons). The database file is read to check what was saved, and written
only to let time pass (a deadline runs out) or to stage what another page produced.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from portal.models import (
    Account, Commendation, Consultation, ConsultationRecipient, Inspection, Notice, Reassignment, SampleItem, Task,
    TaskStep, Unit,
)
from portal.services.workdays import TZ
from tests.e2e.conftest import (
    BrowserErrors, LiveServer, choose, field_errors, flashes, login, pick, save, shot, type_date,
)

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


# ---------------------------------------------------------------- a sample
def status_of(page: Any, sample_id: int) -> dict[str, Any]:
    """What the progress bar polls (the page's own session)."""
    response = page.request.get(f"/admin/background/samples/{sample_id}/status.json")
    assert response.status == 200, response.status
    return response.json()


def test_inspector_draws_a_sample(page: Any, make_page: Any, server: LiveServer,
                                  browser_errors: BrowserErrors, tmp_path: Any) -> None:
    browser_errors.allow(FORBIDDEN)  # the head asking for the secret sample on purpose
    inspection = server.scalar(sa.select(Inspection.id).where(Inspection.code == "PT-KT-2025-04"))
    login(page, "inspector")
    page.goto("/admin/background/sample-request/")
    option = page.locator("#inspection_id option", has_text="PT-KT-2025-04").get_attribute("value")
    page.select_option("#inspection_id", option)
    page.select_option("#population_kind", "task")
    page.fill("#subtree", "PT-TNMT")
    page.get_by_role("button", name="Xem tổng thể và cỡ mẫu đề xuất").click()
    page.wait_for_selector("input[name=size_0]")
    page.fill("input[name=size_0]", "3")
    page.fill("#size_reason", "Kiểm tra thử ba hồ sơ của phòng.")
    shot(page, "workflow-sample-request-desktop")
    page.get_by_role("button", name="Yêu cầu rút mẫu").click()
    page.wait_for_url("**/admin/background/samples/*")
    sample_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    # The inspector watches the progress: a bar polled from status.json, then the result.
    assert page.locator("[data-progress-url]").is_visible(), "no progress bar while the draw waits"
    assert page.locator("[data-progress-bar]").inner_text().strip().endswith("%")
    assert page.inner_text("[data-sample-status]") in ("Chờ rút mẫu", "Đang rút mẫu")
    waiting = status_of(page, sample_id)
    assert (waiting["finished"], waiting["progress"] < 100) == (False, True), waiting
    shot(page, "workflow-sample-progress-desktop")
    run_jobs(server)
    page.wait_for_selector("[data-sample-status]:has-text('Đã rút mẫu')", timeout=15_000)  # polled, reloaded
    assert status_of(page, sample_id) | {"error": None} == {
        "id": sample_id, "status": "done", "status_label": "Đã rút mẫu", "progress": 100, "finished": True,
        "error": None}
    assert page.locator("table tbody tr").count() >= 3
    drawn = server.read(lambda s: s.scalars(sa.select(Task.code).join(SampleItem, SampleItem.task_id == Task.id)
                                            .join(Unit, Task.lead_unit_id == Unit.id)
                                            .where(SampleItem.sample_id == sample_id, Unit.code == "PT-TNMT")).all())
    assert len(drawn) >= 3, "the sample is not of the sampled unit's tasks"
    for code in drawn[:3]:
        assert code in page.inner_text("table tbody")
    shot(page, "workflow-sample-drawn-desktop")

    # The head of the sampled unit sees nothing of it before the inspection starts:
    # neither the sample nor the unannounced inspection, by URL or in the lists.
    head = make_page()
    login(head, "head")
    for url in (f"/admin/background/samples/{sample_id}", f"/admin/background/samples/{sample_id}/status.json",
                f"/admin/background/samples/{sample_id}/record.json",
                f"/admin/inspection/details/?id={inspection}", f"/admin/inspection/edit/?id={inspection}"):
        response = head.goto(url)
        assert response is not None and response.status in (403, 404), f"{url}: {response and response.status}"
    for url in ("/admin/background/samples/", "/admin/inspection/"):
        response = head.goto(url)
        assert response is not None and response.status in (200, 403), url
        body = head.inner_text("body")
        assert f"#{sample_id}" not in body and "PT-KT-2025-04" not in body, f"{url} shows the secret inspection"

    # The inspection starts; the seed is revealed and the sample verifies, stored and exported.
    page.goto(f"/admin/inspection/edit/?id={inspection}")
    choose(page, "status", "Đang kiểm tra")
    type_date(page, "started_at", now_text())
    save(page)
    assert server.read(lambda s: s.get(Inspection, inspection)).status == "in_progress", \
        field_errors(page) or flashes(page)
    page.goto(f"/admin/background/samples/{sample_id}")
    files = {}
    for name in ("record.json", "population.jsonl"):
        with page.expect_download() as download:
            page.get_by_role("link", name=f"Tải {name}").click()
        files[name] = tmp_path / name
        download.value.save_as(files[name])
    page.get_by_role("button", name="Kiểm tra lại mẫu này").click()
    page.wait_for_selector("[data-verify-result]")
    assert page.locator("[data-verify-result]").get_attribute("data-verify-result") == "ok"
    assert "Khớp" in page.inner_text("[data-verify-result]")
    shot(page, "workflow-sample-verified-desktop")
    # The same check from the two exported files alone, as anyone the inspectors answer to would run it.
    page.goto("/admin/background/samples/verify")
    page.set_input_files("#record", str(files["record.json"]))
    page.set_input_files("#population", str(files["population.jsonl"]))
    with page.expect_navigation():
        page.get_by_role("button", name="Kiểm tra", exact=True).click()
    assert page.locator("[data-verify-result]").get_attribute("data-verify-result") == "ok"

    # Now that it has started, the inspected unit sees its inspection.
    response = head.goto(f"/admin/inspection/details/?id={inspection}")
    assert response is not None and response.status == 200
    assert "PT-KT-2025-04" in head.inner_text("body")


# ---------------------------------------------------------------- leadership decisions
def test_leader_approves_commendation_and_rejects_reassignment(page: Any, server: LiveServer,
                                                               browser_errors: BrowserErrors) -> None:
    browser_errors.allow(r"status of 400 .*/decide/")  # the refused empty rejection
    leader = server.scalar(sa.select(Account.id).where(Account.username == "leader"))
    open_one = lambda model: server.scalar(sa.select(model.id).where(  # noqa: E731
        model.status == "proposed", sa.or_(model.proposed_by_id.is_(None), model.proposed_by_id != leader))
        .order_by(model.proposed_at.desc()).limit(1))
    commendation, reassignment = open_one(Commendation), open_one(Reassignment)
    assert commendation and reassignment, "the demo data has no open proposals"
    login(page, "leader")

    page.goto("/admin/commendation/")
    page.click(f"a[href*='/admin/commendation/decide/?id={commendation}']")
    page.get_by_label("Phê duyệt").check()
    page.get_by_role("button", name="Ghi nhận quyết định").click()
    page.wait_for_url("**/admin/commendation/")
    assert "Đã phê duyệt đề xuất." in flashes(page)

    page.goto("/admin/reassignment/")
    page.click(f"a[href*='/admin/reassignment/decide/?id={reassignment}']")
    page.get_by_label("Từ chối").check()
    page.get_by_role("button", name="Ghi nhận quyết định").click()  # no reason: refused
    page.wait_for_load_state()
    assert "/decide/" in page.url
    message = flashes(page) + field_errors(page)
    assert "lý do" in message.lower(), message
    assert server.read(lambda s: s.get(Reassignment, reassignment)).status == "proposed"
    shot(page, "workflow-reject-without-reason-desktop")
    page.get_by_label("Từ chối").check()
    page.get_by_label("Lý do").fill("Chưa đủ căn cứ: kết quả kiểm tra chưa được kết luận.")
    page.get_by_role("button", name="Ghi nhận quyết định").click()
    page.wait_for_url("**/admin/reassignment/")
    assert "Đã từ chối đề xuất." in flashes(page)

    approved = server.read(lambda s: s.get(Commendation, commendation))
    rejected = server.read(lambda s: s.get(Reassignment, reassignment))
    assert (approved.status, approved.decided_by_id) == ("approved", leader)
    assert (rejected.status, rejected.decided_by_id) == ("rejected", leader)
    assert rejected.decision_reason == "Chưa đủ căn cứ: kết quả kiểm tra chưa được kết luận."
    row = page.locator("tr", has=page.locator(f"input.action-checkbox[value='{reassignment}']"))
    assert "Từ chối" in row.inner_text()


# ---------------------------------------------------------------- bad input
def test_bad_task_input_shows_vietnamese_and_saves_nothing(page: Any, server: LiveServer) -> None:
    before = server.count(Task)
    login(page, "head")
    page.goto("/admin/task/new/")
    page.fill("#code", "E2E-NV-SAI")
    page.fill("#title", "Nhiệm vụ có hạn trước ngày tiếp nhận")
    pick(page, "lead_unit", "Tài nguyên")
    pick(page, "authority_unit", "UBND huyện", "UBND huyện Phong Thổ")
    type_date(page, "received_on", d(today()))
    type_date(page, "legal_due_date", d(today() - timedelta(days=5)))
    save(page)
    message = flashes(page)
    assert d(today() - timedelta(days=5)) in message or "Hạn theo quy định phải sau" in message, message
    assert "không được trước" in message or "phải sau" in message, message
    assert server.count(Task) == before
    shot(page, "workflow-bad-dates-desktop")

    # A title of spaces passes the browser's "required" check but not the server's.
    page.fill("#title", "   ")
    type_date(page, "legal_due_date", d(today() + timedelta(days=5)))
    save(page)
    assert server.count(Task) == before, "a task whose title is only spaces was saved"
    message = flashes(page) + field_errors(page)
    assert "bắt buộc" in message or "không được để trống" in message, message
    # A date that is not a date.
    page.fill("#title", "Nhiệm vụ hợp lệ trừ ngày")
    page.fill("#received_on", "31/02/2026")
    page.keyboard.press("Escape")
    save(page)
    assert "Ngày không hợp lệ (định dạng dd/mm/yyyy)." in field_errors(page)
    assert server.count(Task) == before
    shot(page, "workflow-bad-input-desktop")
