"""Whole workflows in a real Chromium (issue 6, point 6), continued: a surprise
inspection's sample, leadership decisions and bad input, each on a fresh demo
database (the ``server`` fixture of ``test_workflows``).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from portal.models import Account, Commendation, Inspection, Reassignment, SampleItem, Task, Unit
from tests.e2e.conftest import BrowserErrors, LiveServer, login, shot
from tests.e2e.forms import choose, field_errors, flashes, pick, save, type_date
from tests.e2e.test_workflows import FORBIDDEN, d, now_text, run_jobs, server, today

__all__ = ["server"]


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
